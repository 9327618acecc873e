//! The DCI transport chain of TS 38.212 §7.3: payload padding (§7.3.1), CRC24C attachment
//! with RNTI masking (§7.3.2), polar coding (§7.3.3) and rate matching (§7.3.4), and its
//! inverse with CA-SCL decoding.
//!
//! * The payload a_0 … a_{A−1} of a DCI format (A ≥ 1) is padded with zeros to 12 bits when
//!   shorter (§7.3.1); A ≤ 140 so that K = A + 24 ≤ 164.
//! * The CRC is computed over 24 ones followed by the payload, CRC24C; its last 16 bits are
//!   XORed with the RNTI, x_rnti,0 (the RNTI's most significant bit) on bit A + 8.
//! * Polar coding with n_max = 9, input interleaving (I_IL = 1) and no parity-check bits;
//!   rate matching to E bits (108 per CCE of the PDCCH) without coded-bit interleaving
//!   (I_BIL = 0).
//!
//! LLRs are positive ⇒ bit 0. [`mod@format`] holds the field sets of formats 1_0 and 0_0.

pub mod format;

use nrkit_core::Error;

use crate::crc::{Crc, CrcPoly};
use crate::polar::scl::SclDecoder;
use crate::polar::PolarCode;

/// The largest DCI payload A: K = A + 24 ≤ 164 (TS 38.212 §5.3.1).
pub const MAX_PAYLOAD: usize = 140;
/// The padded minimum (TS 38.212 §7.3.1).
pub const MIN_PAYLOAD: usize = 12;
/// The CRC length L of §7.3.2.
pub const CRC_LEN: usize = 24;

/// The payload after the zero padding of §7.3.1 (at least 12 bits); an error if `a` is
/// empty, longer than [`MAX_PAYLOAD`] or holds a value other than 0/1.
pub fn padded(a: &[u8]) -> Result<Vec<u8>, Error> {
    check_size(a.len())?;
    if let Some(i) = a.iter().position(|&b| b > 1) {
        return Err(Error::invalid(
            "DCI payload bit",
            "0 or 1",
            format!("{} at a[{i}]", a[i]),
        ));
    }
    let mut v = a.to_vec();
    v.resize(a.len().max(MIN_PAYLOAD), 0);
    Ok(v)
}

fn check_size(a: usize) -> Result<(), Error> {
    if a == 0 || a > MAX_PAYLOAD {
        return Err(Error::invalid("DCI payload bits A", "1..=140", a));
    }
    Ok(())
}

/// The 24 parity bits of TS 38.212 §7.3.2 for the (padded) payload `a`, unmasked: CRC24C
/// over 24 ones followed by `a`, as a 24-bit value whose MSB is p_0.
pub fn dci_crc(crc: &Crc, a: &[u8]) -> u32 {
    let mut v = Vec::with_capacity(CRC_LEN + a.len());
    v.resize(CRC_LEN, 1u8);
    v.extend_from_slice(a);
    crc.compute_bits(&v)
}

/// The masked CRC of §7.3.2: the parity with its last 16 bits XORed with `rnti`.
pub fn masked_crc(crc: &Crc, a: &[u8], rnti: u16) -> u32 {
    dci_crc(crc, a) ^ u32::from(rnti)
}

/// The E rate-matched bits of one DCI (TS 38.212 §7.3.2–7.3.4): payload `a` (1…140 bits,
/// padded to 12), CRC masked with `rnti`, polar coded and rate matched to `e` bits.
/// An error if `a` or `e` is out of range (E > K, at most 8192).
pub fn dci_encode(a: &[u8], rnti: u16, e: usize) -> Result<Vec<u8>, Error> {
    let mut c = padded(a)?;
    let code = dci_code(c.len(), e)?;
    let crc = Crc::new(CrcPoly::Crc24C);
    let p = masked_crc(&crc, &c, rnti);
    c.extend((0..CRC_LEN).rev().map(|i| ((p >> i) & 1) as u8));
    code.encode_rm(&c)
}

/// The polar code of a DCI with padded payload `a_padded` bits in `e` bits.
pub fn dci_code(a_padded: usize, e: usize) -> Result<PolarCode, Error> {
    let k = a_padded + CRC_LEN;
    if e <= k || e > 8192 {
        return Err(Error::invalid(
            "DCI rate-matched bits E",
            format!("K = {k} < E <= 8192"),
            e,
        ));
    }
    PolarCode::new(k, e, 9, true, false)
}

/// One DCI recovered by [`DciDecoder::decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DciDecoded {
    /// The payload a_0 … a_{A−1} (without the padding of §7.3.1).
    pub payload: Vec<u8>,
    /// The RNTI whose mask the CRC matched.
    pub rnti: u16,
}

/// CA-SCL decoding of DCIs of one payload size A and one E, checked against a set of RNTIs.
#[derive(Debug, Clone)]
pub struct DciDecoder {
    a: usize,
    dec: SclDecoder,
    crc: Crc,
    d: Vec<f32>,
}

impl DciDecoder {
    /// A decoder for A-bit payloads (1…140) in E rate-matched bits with list size `list`
    /// (1…32; 8 is the usual choice).
    pub fn new(a: usize, e: usize, list: usize) -> Result<Self, Error> {
        check_size(a)?;
        let code = dci_code(a.max(MIN_PAYLOAD), e)?;
        let n = code.n();
        Ok(DciDecoder {
            a,
            dec: SclDecoder::new(code, list)?,
            crc: Crc::new(CrcPoly::Crc24C),
            d: vec![0.0; n],
        })
    }

    /// The payload size A.
    pub fn payload_bits(&self) -> usize {
        self.a
    }

    /// The rate-matched size E.
    pub fn e(&self) -> usize {
        self.dec.code().e()
    }

    /// Decodes the E LLRs `llr` (positive ⇒ 0, descrambled). A path is accepted only if its
    /// CRC matches one of `rntis` and its padding bits are 0; returns the DCI with the RNTI
    /// it matched, or `None` (a failed decode is an outcome). An error if the length is not
    /// E or an LLR is NaN.
    pub fn decode(&mut self, llr: &[f32], rntis: &[u16]) -> Result<Option<DciDecoded>, Error> {
        let code = self.dec.code();
        Error::check_len("DCI LLRs (E)", code.e(), llr.len())?;
        code.rate_recover(llr, &mut self.d)?;
        let kp = code.k() - CRC_LEN;
        let a = self.a;
        let crc = &self.crc;
        let matched = std::cell::Cell::new(None);
        let check = |w: &[u8]| {
            if w[a..kp].iter().any(|&b| b != 0) {
                return false;
            }
            let got = w[kp..].iter().fold(0u32, |v, &b| (v << 1) | u32::from(b));
            let mask = got ^ dci_crc(crc, &w[..kp]);
            if mask >> 16 != 0 {
                return false;
            }
            match rntis.iter().find(|&&r| u32::from(r) == mask) {
                Some(&r) => {
                    matched.set(Some(r));
                    true
                }
                None => false,
            }
        };
        let (bits, ok) = self.dec.decode(&self.d, check)?;
        Ok(match (ok, matched.get()) {
            (true, Some(rnti)) => Some(DciDecoded {
                payload: bits[..a].to_vec(),
                rnti,
            }),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_size_class_and_rnti_check() {
        for (a, e) in [
            (1usize, 108usize),
            (12, 216),
            (39, 432),
            (41, 864),
            (140, 1728),
        ] {
            let payload: Vec<u8> = (0..a).map(|i| ((i * 7 + 3) % 5 % 2) as u8).collect();
            let f = dci_encode(&payload, 0xffff, e).unwrap();
            assert_eq!(f.len(), e);
            let llr: Vec<f32> = f.iter().map(|&b| if b == 0 { 4.0 } else { -4.0 }).collect();
            let mut dec = DciDecoder::new(a, e, 8).unwrap();
            let got = dec.decode(&llr, &[0x1234, 0xffff]).unwrap().unwrap();
            assert_eq!(got.payload, payload, "A = {a}");
            assert_eq!(got.rnti, 0xffff);
            assert!(dec.decode(&llr, &[0x1234]).unwrap().is_none(), "A = {a}");
        }
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert!(dci_encode(&[], 1, 108).is_err());
        assert!(dci_encode(&[0; 141], 1, 1728).is_err());
        assert!(dci_encode(&[0; 40], 1, 60).is_err());
        assert!(dci_encode(&[2; 20], 1, 108).is_err());
        assert!(DciDecoder::new(0, 108, 8).is_err());
        let mut d = DciDecoder::new(20, 108, 8).unwrap();
        assert!(d.decode(&[0.0; 107], &[1]).is_err());
    }
}
