//! Detection on the four-symbol grid of one SSB candidate: the SSS (TS 38.211 §7.4.2.3)
//! over the 336 N_ID^(1) of its N_ID^(2), the PBCH DMRS (§7.4.1.4.1) over the 8 ī_SSB
//! jointly with the timing slope, the channel estimate from the DMRS and the PBCH's QPSK
//! LLRs (positive ⇒ 0, PBCH scrambling not undone).

use nrkit_core::{Error, Pci, C32};

use crate::equalization::equalize;
use crate::estimation::{fit_gain_slope, ls_unit, SlopeSet};
use crate::modulation::Demapper;
use crate::ssb::mapping::{pbch_positions, Re, SYNC_K0};
use crate::ssb::pbch::BCH_E;
use crate::ssb::sequences::{sss, SYNC_LEN};

/// An SSB's 240 subcarriers × 4 symbols after CFO correction (`grid[k][l]`).
pub(crate) type SsbGrid = [[C32; 4]];

/// Minimum coherent DMRS energy fraction for a candidate to be decoded.
const DMRS_GATE: f32 = 0.07;
/// SSS hypotheses whose correlation energy is at least this fraction of the best one's are
/// decoded too (a second cell of the same N_ID2 at the same timing, up to ~8 dB weaker).
const SSS_RIVAL: f32 = 0.15;

/// The 1008 SSS sequences, built once per process.
fn all_sss() -> &'static [[i8; SYNC_LEN]] {
    static TABLE: std::sync::OnceLock<Vec<[i8; SYNC_LEN]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..1008u16)
            .map(|p| sss(Pci::new(p).expect("0..1008")))
            .collect()
    })
}

/// The PCIs worth decoding for a PSS of N_ID2 `nid2` (sequence `pss_seq`), best first: the
/// SSS matched by magnitude after equalizing by the flat PSS channel (insensitive to
/// per-symbol phase offsets such as §5.4 compensation); `nominal` removes the nominal
/// window slope. Cells of one N_ID2 transmitting at the same time (a synchronized network)
/// share a PSS peak: besides the best SSS, up to two more whose correlation energy is within
/// `SSS_RIVAL` of it are returned too (the PBCH CRC tells real from noise).
pub(crate) fn sss_candidates(
    grid: &SsbGrid,
    nid2: u8,
    pss_seq: &[i8; SYNC_LEN],
    nominal: &[C32],
) -> Result<Vec<Pci>, Error> {
    let y = |k: usize, l: usize| grid[k][l];
    let g0: C32 = (0..SYNC_LEN)
        .map(|n| y(SYNC_K0 + n, 0) * f32::from(pss_seq[n]) * nominal[SYNC_K0 + n])
        .sum::<C32>()
        / SYNC_LEN as f32;
    let z: Vec<C32> = (0..SYNC_LEN)
        .map(|n| y(SYNC_K0 + n, 2) * g0.conj() * nominal[SYNC_K0 + n])
        .collect();
    let sss_all = all_sss();
    let mut scores: Vec<(f32, u16)> = (0..336u16)
        .map(|n1| {
            let pci = 3 * n1 + u16::from(nid2);
            let d = &sss_all[usize::from(pci)];
            let s: C32 = z.iter().zip(d).map(|(a, &b)| a * f32::from(b)).sum();
            (s.norm_sqr(), pci)
        })
        .collect();
    scores.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let top = scores[0].0;
    scores
        .iter()
        .take(3)
        .take_while(|(sc, _)| *sc >= SSS_RIVAL * top)
        .map(|&(_, pci)| Pci::new(pci))
        .collect()
}

/// What the DMRS and the PBCH of one SSB gave.
#[derive(Debug, Clone)]
pub(crate) struct PbchMeasurement {
    /// ī_SSB from the DMRS.
    pub ibar: u8,
    /// The 864 PBCH LLRs before descrambling.
    pub llr: Vec<f32>,
    /// Mean |g|² per RE over the DMRS symbols.
    pub signal: f64,
    /// Noise variance per RE from the fit residual.
    pub noise: f64,
}

/// ī_SSB and the channel (per-symbol gain, common timing slope from `slopes`) from the
/// PBCH DMRS of cell `pci` (`dmrs[ī]` its 8 sequences), then the PBCH equalized and
/// demapped. `None` when the coherent DMRS energy is too small to be an SSB of this cell.
pub(crate) fn measure_pbch(
    grid: &SsbGrid,
    pci: Pci,
    dmrs: &[Vec<C32>],
    slopes: &SlopeSet,
    demapper: &Demapper,
) -> Result<Option<PbchMeasurement>, Error> {
    let v = usize::from(pci.value() % 4);
    let (dmrs_pos, data_pos) = pbch_positions(v);
    let y_dmrs: Vec<C32> = dmrs_pos.iter().map(|&(k, l)| grid[k][l]).collect();
    let mut zr = vec![C32::default(); dmrs_pos.len()];
    // (fit, ī, LS estimates); the first best on a tie, ī major, slope minor.
    let mut best: Option<(crate::estimation::GainSlope, u8, Vec<C32>)> = None;
    for ibar in 0..8u8 {
        ls_unit(&y_dmrs, &dmrs[usize::from(ibar)], &mut zr)?;
        let fit = fit_gain_slope(&dmrs_pos, &zr, 4, slopes)?;
        if best.as_ref().is_none_or(|b| fit.score > b.0.score) {
            best = Some((fit, ibar, zr.clone()));
        }
    }
    let (fit, ibar, zr) = best.expect("8 hypotheses");
    // Gate: the coherent DMRS energy fraction is ≈ 3/144 for noise (≈ 0.06 at most over
    // the 72 hypotheses) and ≈ 0.2 at −6 dB per RE.
    if fit.coherent_fraction.is_nan() || fit.coherent_fraction < DMRS_GATE {
        return Ok(None);
    }
    let noise = fit.noise_var(slopes, &dmrs_pos, &zr);
    let signal = fit.signal_power();
    if !(signal > 0.0 && signal.is_finite() && noise.is_finite()) {
        return Ok(None);
    }
    // Equalize and demap the PBCH, symbol by symbol.
    let mut llr = vec![0f32; BCH_E];
    let mut o = 0;
    for (l, ks) in group_by_symbol(&data_pos) {
        let y: Vec<C32> = ks.iter().map(|&k| grid[k][l]).collect();
        let h: Vec<C32> = ks.iter().map(|&k| fit.at(slopes, k, l)).collect();
        let mut eq = vec![C32::default(); ks.len()];
        let mut nv = vec![0f32; ks.len()];
        equalize(&y, &h, noise as f32, &mut eq, &mut nv)?;
        // One noise variance per symbol (the gain is flat over it).
        let nv_sym = nv[0].max(1e-12);
        demapper.demap(&eq, nv_sym, &mut llr[o..o + 2 * ks.len()])?;
        o += 2 * ks.len();
    }
    Ok(Some(PbchMeasurement {
        ibar,
        llr,
        signal,
        noise,
    }))
}

fn group_by_symbol(pos: &[Re]) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for &(k, l) in pos {
        match out.last_mut() {
            Some((ll, ks)) if *ll == l => ks.push(k),
            _ => out.push((l, vec![k])),
        }
    }
    out
}
