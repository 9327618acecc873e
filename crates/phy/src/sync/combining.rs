//! PBCH decoding of one SSB or of several SSBs of one burst together (soft combining).
//!
//! SSBs of one cell whose ī_SSB rise within one burst (≤ 4 ms) carry the same BCH codeword
//! (TS 38.212 §7.1: the payload differs only in the SSB index bits, which are not in it
//! for L_max 4/8, and for L_max = 64 only in groups of 8), so their PBCH LLRs, each
//! descrambled with its own ν (TS 38.211 §7.3.3.1), are summed and decoded together:
//! ≈ 10·log10(n) dB gain for n SSBs.

use nrkit_core::{Error, Pci};

use super::SsbDetection;
use crate::ssb::pbch::{pbch_descramble_llr, BchDecoder, BCH_E};

/// Longest time from the first to the last SSB of a burst (Case A, L_max 8: 3.9 ms).
pub(crate) const BURST_SPAN_S: f64 = 4.0e-3;

/// An SSB measured by the detector, waiting to be decoded alone or with others.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Working index of its PSS.
    pub p: u64,
    pub pci: Pci,
    pub ibar: u8,
    /// PBCH LLRs before descrambling.
    pub llr: Vec<f32>,
    pub sample_offset: u64,
    pub cfo_hz: f64,
    pub snr_db: f64,
    pub rsrp_dbfs: f64,
}

/// Decodes SSBs of one burst of one cell together: their PBCH LLRs, each descrambled with
/// its own ν, are summed. Tries L_max 8 and 4 in FR1, 64 in FR2.
pub(crate) fn decode_members(
    bch: &BchDecoder,
    fr2: bool,
    members: &[Member],
) -> Result<Option<Vec<SsbDetection>>, Error> {
    let hyps: &[u8] = if fr2 { &[64] } else { &[8, 4] };
    let pci = members[0].pci;
    let any_high = members.iter().any(|m| m.ibar >= 4);
    'hyp: for &l_max in hyps {
        if l_max == 4 && !any_high {
            continue; // same ν as L_max = 8
        }
        let mut sum = vec![0f32; BCH_E];
        for m in members {
            let nu = if l_max == 4 { m.ibar & 3 } else { m.ibar };
            let mut l2 = m.llr.clone();
            pbch_descramble_llr(&mut l2, pci, nu)?;
            for (a, b) in sum.iter_mut().zip(&l2) {
                *a += b;
            }
        }
        let Some(dec) = bch.decode(&sum, pci, l_max, fr2)? else {
            continue;
        };
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            let (idx, lm) = match l_max {
                64 => (dec.ssb_index_msbs | m.ibar, 64),
                4 => {
                    if (m.ibar >> 2) != dec.half_frame {
                        continue 'hyp;
                    }
                    (m.ibar & 3, 4)
                }
                _ => (m.ibar, 8),
            };
            out.push(SsbDetection {
                pci,
                ssb_index: idx,
                half_frame: dec.half_frame,
                mib: dec.mib,
                l_max: lm,
                sample_offset: m.sample_offset,
                cfo_hz: m.cfo_hz,
                snr_db: m.snr_db,
                rsrp_dbfs: m.rsrp_dbfs,
            });
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// Soft combining of the undecoded SSBs in `pending`: those of one cell whose ī_SSB rise
/// within `span` working samples are decoded together; a run is closed (dropped when it
/// does not decode) once `decided` has passed its span, or on `flush`.
pub(crate) fn combine_pending(
    bch: &BchDecoder,
    fr2: bool,
    pending: &mut Vec<Member>,
    span: u64,
    decided: u64,
    flush: bool,
) -> Result<Vec<SsbDetection>, Error> {
    let mut found = Vec::new();
    let mut pcis: Vec<u16> = pending.iter().map(|m| m.pci.value()).collect();
    pcis.sort_unstable();
    pcis.dedup();
    let mut keep = Vec::new();
    for pci in pcis {
        let mine: Vec<Member> = pending
            .iter()
            .filter(|m| m.pci.value() == pci)
            .cloned()
            .collect();
        // Split into runs of rising ī within the burst span.
        let mut runs: Vec<Vec<Member>> = Vec::new();
        for m in mine {
            match runs.last_mut() {
                Some(r) if r.last().is_some_and(|l| l.ibar < m.ibar) && m.p - r[0].p <= span => {
                    r.push(m)
                }
                _ => runs.push(vec![m]),
            }
        }
        let n_runs = runs.len();
        for (i, r) in runs.into_iter().enumerate() {
            let closed = flush || i + 1 < n_runs || decided > r[0].p + span;
            if r.len() >= 2 {
                if let Some(d) = decode_members(bch, fr2, &r)? {
                    found.extend(d);
                    continue;
                }
            }
            if !closed {
                keep.extend(r);
            }
        }
    }
    keep.sort_by_key(|m| m.p);
    *pending = keep;
    Ok(found)
}
