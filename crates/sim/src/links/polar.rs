//! Polar links over AWGN with QPSK (TS 38.211 §5.1.3) and max-log soft demapping:
//!
//! * [`PolarLink`] (`polar`): the downlink CA-polar code of a DCI (TS 38.212 §7.3): A
//!   random payload bits, CRC24C computed over 24 ones and the payload (§7.3.2; the RNTI
//!   mask of the last 16 CRC bits changes nothing on AWGN and is left out), polar coding
//!   with n_max = 9 and input interleaving (§5.3.1), sub-block interleaving and rate
//!   matching to E bits without bit interleaving (§5.4.1), then CA-SCL decoding with list
//!   L; a block error is a CRC failure or any payload bit wrong.
//! * [`PbchLink`] (`pbch`): the BCH of the SS/PBCH block end to end (TS 38.212 §7.1): a
//!   random MIB, SFN, half-frame bit and k_SSB for a random PCI with L_max = 8 →
//!   payload interleaving, scrambling, CRC24C, polar K = 56, N = 512, rate matching to
//!   E = 864 (`nrkit_coding::bch`) → QPSK → AWGN → the BCH decoder (CA-SCL, list L). A
//!   block error is no CRC-passing path or any MIB field wrong. (The PBCH scrambling and
//!   DMRS of TS 38.211 §7.3.3 do not change an AWGN result and are not in the link.)

use std::collections::BTreeMap;

use nrkit_channel::add_awgn;
use nrkit_coding::bch::{bch_encode, BchDecoder, BchPayload, Mib};
use nrkit_coding::crc::{Crc, CrcPoly};
use nrkit_coding::polar::scl::SclDecoder;
use nrkit_coding::polar::PolarCode;
use nrkit_core::{rng, Error, Pci, C32};
use nrkit_phy::modulation::{map, Demapper, Modulation};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::runner::{Link, Trial};

const SNR: &str = "Es/N0 per QPSK symbol (unit-power symbols, complex noise variance 10^(-SNR/10))";

/// QPSK over AWGN at `snr_db` and max-log LLRs (positive ⇒ 0) of the bits `f`.
fn qpsk_awgn(f: &[u8], snr_db: f64, r: &mut ChaCha8Rng) -> Result<Vec<f32>, Error> {
    let mut x = vec![C32::default(); f.len() / 2];
    map(Modulation::Qpsk, f, &mut x)?;
    let nv = 10f64.powf(-snr_db / 10.0);
    add_awgn(&mut x, nv, r);
    let mut llr = vec![0f32; f.len()];
    Demapper::new(Modulation::Qpsk).demap(&x, nv as f32, &mut llr)?;
    Ok(llr)
}

/// The DCI CA-polar link.
#[derive(Debug, Clone)]
pub struct PolarLink {
    a: usize,
    e: usize,
    list: usize,
    dec: SclDecoder,
}

impl PolarLink {
    /// A payload of `a` bits (12…140, the DCI sizes of §7.3.1) in `e` bits (even, > A + 24,
    /// at most 8192) with list size `list` (1…32).
    pub fn new(a: usize, e: usize, list: usize) -> Result<Self, Error> {
        if !(12..=140).contains(&a) {
            return Err(Error::invalid("polar payload bits A", "12..=140", a));
        }
        if !e.is_multiple_of(2) || e <= a + 24 || e > 8192 {
            return Err(Error::invalid(
                "polar rate-matched bits E",
                format!("an even number > A + 24 = {} and <= 8192", a + 24),
                e,
            ));
        }
        let code = PolarCode::new(a + 24, e, 9, true, false)?;
        Ok(PolarLink {
            a,
            e,
            list,
            dec: SclDecoder::new(code, list)?,
        })
    }
}

/// CRC24C over 24 ones and `a` (TS 38.212 §7.3.2).
fn dci_crc(crc: &Crc, a: &[u8]) -> u32 {
    let mut v = vec![1u8; 24];
    v.extend_from_slice(a);
    crc.compute_bits(&v)
}

fn crc_bits(c: u32) -> impl Iterator<Item = u8> {
    (0..24).rev().map(move |i| ((c >> i) & 1) as u8)
}

impl Link for PolarLink {
    fn name(&self) -> &str {
        "polar"
    }

    fn params(&self) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        p.insert("a".into(), self.a.to_string());
        p.insert("k".into(), (self.a + 24).to_string());
        p.insert("e".into(), self.e.to_string());
        p.insert("n".into(), self.dec.code().n().to_string());
        p.insert(
            "rate".into(),
            format!("{:.6}", (self.a + 24) as f64 / self.e as f64),
        );
        p.insert("list".into(), self.list.to_string());
        p.insert("modulation".into(), "qpsk".into());
        p.insert(
            "code".into(),
            "DCI CA-polar: CRC24C over 24 ones + payload, n_max 9, I_IL, no I_BIL".into(),
        );
        p.insert("decoder".into(), format!("CA-SCL list {}", self.list));
        p
    }

    fn snr_definition(&self) -> String {
        SNR.into()
    }

    fn trial(&self, snr_db: f64, r: &mut ChaCha8Rng) -> Result<Trial, Error> {
        let crc = Crc::new(CrcPoly::Crc24C);
        let mut c = vec![0u8; self.a];
        rng::fill_bits(r, &mut c);
        let p = dci_crc(&crc, &c);
        c.extend(crc_bits(p));
        let f = self.dec.code().encode_rm(&c)?;
        let llr = qpsk_awgn(&f, snr_db, r)?;
        let code = self.dec.code();
        let mut d = vec![0f32; code.n()];
        code.rate_recover(&llr, &mut d)?;
        let a = self.a;
        let (out, ok) = self.dec.decode(&d, |w| {
            crc_bits(dci_crc(&crc, &w[..a])).eq(w[a..].iter().copied())
        })?;
        let bit_errors = out[..a].iter().zip(&c).filter(|(x, y)| x != y).count() as u64;
        Ok(Trial {
            block_error: !ok || bit_errors > 0,
            bit_errors,
            bits: a as u64,
            iterations: 1,
        })
    }
}

/// The BCH (PBCH payload) link.
#[derive(Debug)]
pub struct PbchLink {
    list: usize,
    dec: BchDecoder,
}

impl PbchLink {
    /// With CA-SCL list size `list` (1…32).
    pub fn new(list: usize) -> Result<Self, Error> {
        Ok(PbchLink {
            list,
            dec: BchDecoder::new(list)?,
        })
    }
}

impl Link for PbchLink {
    fn name(&self) -> &str {
        "pbch"
    }

    fn params(&self) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        for (k, v) in [
            ("a", "32"),
            ("k", "56"),
            ("n", "512"),
            ("e", "864"),
            ("l_max", "8"),
            ("modulation", "qpsk"),
        ] {
            p.insert(k.into(), v.into());
        }
        p.insert("rate".into(), format!("{:.6}", 56.0 / 864.0));
        p.insert("list".into(), self.list.to_string());
        p.insert(
            "code".into(),
            "BCH of TS 38.212 7.1: payload interleaving, scrambling, CRC24C, polar, rate matching"
                .into(),
        );
        p.insert("decoder".into(), format!("CA-SCL list {}", self.list));
        p
    }

    fn snr_definition(&self) -> String {
        SNR.into()
    }

    fn trial(&self, snr_db: f64, r: &mut ChaCha8Rng) -> Result<Trial, Error> {
        let pci = Pci::new(r.random_range(0..1008u16))?;
        let mut m = [0u8; 24];
        rng::fill_bits(r, &mut m);
        let sfn_lsbs: u8 = r.random_range(0..16);
        let k_msb: u8 = r.random_range(0..2);
        let mib = Mib::from_message_bits(&m, sfn_lsbs, k_msb, false);
        let payload = BchPayload {
            mib,
            half_frame: r.random_range(0..2),
            ssb_index: r.random_range(0..8),
            l_max: 8,
        };
        let f = bch_encode(&payload, pci)?;
        let llr = qpsk_awgn(&f, snr_db, r)?;
        let got = self.dec.decode(&llr, pci, 8, false)?;
        let ok = got.is_some_and(|g| g.mib == payload.mib && g.half_frame == payload.half_frame);
        Ok(Trial {
            block_error: !ok,
            bit_errors: if ok { 0 } else { 32 },
            bits: 32,
            iterations: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(l: &dyn Link, snr: f64, n: u64) -> usize {
        (0..n)
            .filter(|&i| l.trial(snr, &mut rng::stream(31, i)).unwrap().block_error)
            .count()
    }

    /// Both links decode at high SNR, fail at very low SNR, and list 8 beats list 1 near
    /// the waterfall (the CA-SCL gain, about 1 dB at these sizes).
    #[test]
    fn polar_links_decode_and_the_list_helps() {
        let dci1 = PolarLink::new(40, 216, 1).unwrap();
        let dci8 = PolarLink::new(40, 216, 8).unwrap();
        assert_eq!(dci8.params()["k"], "64");
        assert_eq!(errors(&dci8, 10.0, 30), 0);
        assert_eq!(errors(&dci8, -10.0, 10), 10);
        let (e1, e8) = (errors(&dci1, 0.0, 200), errors(&dci8, 0.0, 200));
        assert!(e8 * 2 < e1, "list 8: {e8}, list 1: {e1} of 200 at 0 dB");
        let (p1, p8) = (PbchLink::new(1).unwrap(), PbchLink::new(8).unwrap());
        assert_eq!(errors(&p8, 5.0, 30), 0);
        assert_eq!(errors(&p8, -16.0, 10), 10);
        let (b1, b8) = (errors(&p1, -8.0, 200), errors(&p8, -8.0, 200));
        assert!(
            b8 * 2 < b1,
            "PBCH list 8: {b8}, list 1: {b1} of 200 at -8 dB"
        );
        assert!(PolarLink::new(5, 216, 8).is_err());
        assert!(PolarLink::new(40, 63, 8).is_err());
        assert!(PolarLink::new(40, 216, 0).is_err());
    }
}
