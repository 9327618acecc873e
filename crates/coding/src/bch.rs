//! The MIB and the BCH transport channel.
//!
//! * MIB (TS 38.331 §6.2.2): the 24-bit BCCH-BCH-Message (choice bit 0, then the MIB's
//!   fields, UPER, MSB first).
//! * BCH (TS 38.212 §7.1): payload generation with the timing bits (§7.1.1), the
//!   interleaving pattern G, scrambling (§7.1.2), CRC24C (§7.1.3), polar coding K = 56,
//!   N = 512 (§7.1.4) and rate matching to E = 864 (§7.1.5).
//!
//! Bits are `u8` 0/1; LLRs positive ⇒ 0. The PBCH (TS 38.211 §7.3.3) that carries the coded
//! bits is in `nrkit-phy`.

use nrkit_core::{gold::gold_bits, Error, Pci};
use nrkit_dsp::Isa;

use crate::crc::{Crc, CrcPoly};
use crate::polar::{scl::SclDecoder, PolarCode};

/// Coded BCH bits per SSB.
pub const BCH_E: usize = 864;
/// BCH payload bits before CRC (MIB 24 + 8 timing bits).
pub const BCH_A: usize = 32;

/// The interleaving pattern G(j) of TS 38.212 Table 7.1.1-1.
const G: [usize; 32] = [
    16, 23, 18, 17, 8, 30, 10, 6, 24, 7, 0, 5, 3, 2, 1, 4, 9, 11, 12, 13, 14, 15, 19, 20, 21, 22,
    25, 26, 27, 28, 29, 31,
];

/// Master information block (TS 38.331 §6.2.2) with the full SFN and the full k_SSB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mib {
    /// System frame number 0…1023 (the MIB carries its 6 MSBs, the BCH payload the 4 LSBs).
    pub sfn: u16,
    /// subCarrierSpacingCommon in kHz: 15 or 30 (FR1), 60 or 120 (FR2).
    pub scs_common_khz: u32,
    /// k_SSB: 0…31 in FR1 (the MSB travels in the BCH payload), 0…15 in FR2.
    pub k_ssb: u8,
    /// dmrs-TypeA-Position: 2 or 3.
    pub dmrs_type_a_position: u8,
    /// pdcch-ConfigSIB1 (controlResourceSetZero · 16 + searchSpaceZero).
    pub pdcch_config_sib1: u8,
    /// cellBarred = barred.
    pub cell_barred: bool,
    /// intraFreqReselection = allowed.
    pub intra_freq_reselection_allowed: bool,
    /// The spare bit.
    pub spare: bool,
}

impl Default for Mib {
    fn default() -> Self {
        Mib {
            sfn: 0,
            scs_common_khz: 30,
            k_ssb: 0,
            dmrs_type_a_position: 2,
            pdcch_config_sib1: 0,
            cell_barred: false,
            intra_freq_reselection_allowed: true,
            spare: false,
        }
    }
}

fn push_bits(out: &mut Vec<u8>, v: u32, n: usize) {
    for i in (0..n).rev() {
        out.push(((v >> i) & 1) as u8);
    }
}

fn take_bits(bits: &[u8]) -> u32 {
    bits.iter().fold(0, |a, &b| (a << 1) | u32::from(b & 1))
}

impl Mib {
    /// Checks every field's range for an SSB in FR1 (`fr2` false) or FR2.
    pub fn validate(&self, fr2: bool) -> Result<(), Error> {
        if self.sfn > 1023 {
            return Err(Error::invalid("SFN", "0..=1023", self.sfn));
        }
        let scs_ok = if fr2 {
            [60, 120].contains(&self.scs_common_khz)
        } else {
            [15, 30].contains(&self.scs_common_khz)
        };
        if !scs_ok {
            return Err(Error::invalid(
                "subCarrierSpacingCommon",
                if fr2 {
                    "60 or 120 kHz in FR2"
                } else {
                    "15 or 30 kHz in FR1"
                },
                self.scs_common_khz,
            ));
        }
        let k_max = if fr2 { 15 } else { 31 };
        if self.k_ssb > k_max {
            return Err(Error::invalid(
                "k_SSB",
                format!("0..={k_max} {}", if fr2 { "in FR2" } else { "in FR1" }),
                self.k_ssb,
            ));
        }
        if !(2..=3).contains(&self.dmrs_type_a_position) {
            return Err(Error::invalid(
                "dmrs-TypeA-Position",
                "2 or 3",
                self.dmrs_type_a_position,
            ));
        }
        Ok(())
    }

    /// Parses the 24 message bits, with the SFN's 4 LSBs and the k_SSB MSB (FR1; 0 in FR2)
    /// from the BCH payload.
    pub fn from_message_bits(m: &[u8; 24], sfn_lsbs: u8, k_ssb_msb: u8, fr2: bool) -> Self {
        let scs_bit = m[7] == 1;
        Mib {
            sfn: (take_bits(&m[1..7]) << 4) as u16 | u16::from(sfn_lsbs & 15),
            scs_common_khz: match (fr2, scs_bit) {
                (false, false) => 15,
                (false, true) => 30,
                (true, false) => 60,
                (true, true) => 120,
            },
            k_ssb: take_bits(&m[8..12]) as u8 | ((k_ssb_msb & 1) << 4),
            dmrs_type_a_position: 2 + m[12],
            pdcch_config_sib1: take_bits(&m[13..21]) as u8,
            cell_barred: m[21] == 0,
            intra_freq_reselection_allowed: m[22] == 0,
            spare: m[23] == 1,
        }
    }

    /// The 24 bits of the BCCH-BCH-Message (a_0 … a_23 of TS 38.212 §7.1.1).
    pub fn message_bits(&self) -> [u8; 24] {
        let mut b = Vec::with_capacity(24);
        b.push(0); // CHOICE: mib
        push_bits(&mut b, u32::from(self.sfn >> 4), 6);
        b.push(u8::from(matches!(self.scs_common_khz, 30 | 120)));
        push_bits(&mut b, u32::from(self.k_ssb & 15), 4);
        b.push(u8::from(self.dmrs_type_a_position == 3));
        push_bits(&mut b, u32::from(self.pdcch_config_sib1), 8);
        b.push(u8::from(!self.cell_barred)); // ENUMERATED {barred, notBarred}
        b.push(u8::from(!self.intra_freq_reselection_allowed)); // {allowed, notAllowed}
        b.push(u8::from(self.spare));
        b.try_into().expect("24 bits")
    }
}

/// Everything the BCH of one SSB carries besides the PCI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BchPayload {
    /// The MIB with full SFN and k_SSB.
    pub mib: Mib,
    /// Half-frame bit.
    pub half_frame: u8,
    /// SSB index 0…L_max−1 (only its 3 MSBs travel in the BCH, for L_max = 64).
    pub ssb_index: u8,
    /// L_max: 4, 8 or 64.
    pub l_max: u8,
}

impl BchPayload {
    /// The 32 bits ā_0 … ā_31 before interleaving (TS 38.212 §7.1.1).
    pub fn bits(&self) -> [u8; BCH_A] {
        let mut a = [0u8; BCH_A];
        a[..24].copy_from_slice(&self.mib.message_bits());
        for (i, sh) in [3, 2, 1, 0].into_iter().enumerate() {
            a[24 + i] = ((self.mib.sfn >> sh) & 1) as u8;
        }
        a[28] = self.half_frame & 1;
        if self.l_max == 64 {
            for (i, sh) in [5, 4, 3].into_iter().enumerate() {
                a[29 + i] = (self.ssb_index >> sh) & 1;
            }
        } else {
            a[29] = (self.mib.k_ssb >> 4) & 1;
        }
        a
    }
}

/// Positions (before interleaving) of the SFN bits: a_1…a_6 of the MIB and ā_24…ā_27.
fn is_sfn_bit(i: usize) -> bool {
    (1..=6).contains(&i) || (24..28).contains(&i)
}

/// The interleaver of TS 38.212 §7.1.1: returns `pos` with a_{pos[i]} = ā_i.
fn interleaver() -> [usize; BCH_A] {
    let (mut j_sfn, mut j_hrf, mut j_ssb, mut j_other) = (0, 10, 11, 14);
    let mut pos = [0usize; BCH_A];
    for (i, p) in pos.iter_mut().enumerate() {
        let j = if is_sfn_bit(i) {
            j_sfn += 1;
            j_sfn - 1
        } else if i == 28 {
            j_hrf += 1;
            j_hrf - 1
        } else if i >= 29 {
            j_ssb += 1;
            j_ssb - 1
        } else {
            j_other += 1;
            j_other - 1
        };
        *p = G[j];
    }
    pos
}

/// The scrambling mask s_0…s_31 of TS 38.212 §7.1.2 for a given PCI, L_max and
/// ν = (3rd LSB, 2nd LSB) of the SFN: bits for the half frame, the 2nd/3rd SFN LSBs and (for
/// L_max = 64) the SSB index are not scrambled; the others take c(j + νM),
/// M = A − 3 (L_max 4, 8) or A − 6 (L_max 64).
fn scrambling_mask(pci: Pci, l_max: u8, nu: u8) -> [u8; BCH_A] {
    let m = if l_max == 64 { BCH_A - 6 } else { BCH_A - 3 };
    let c = gold_bits(u32::from(pci.value()), (usize::from(nu) * m) as u64, BCH_A);
    let mut keep = [false; BCH_A];
    keep[G[10]] = true; // half frame
    keep[G[7]] = true; // 3rd LSB of the SFN
    keep[G[8]] = true; // 2nd LSB of the SFN
    if l_max == 64 {
        for j in 11..14 {
            keep[G[j]] = true;
        }
    }
    let mut s = [0u8; BCH_A];
    let mut j = 0;
    for i in 0..BCH_A {
        if !keep[i] {
            s[i] = c[j];
            j += 1;
        }
    }
    s
}

/// The polar code of the BCH (K = 56, E = 864, n_max = 9, I_IL on, I_BIL off).
pub fn bch_polar_code() -> PolarCode {
    PolarCode::new(BCH_A + 24, BCH_E, 9, true, false).expect("the BCH configuration is valid")
}

/// BCH encoding (TS 38.212 §7.1): payload → 864 coded bits.
pub fn bch_encode(payload: &BchPayload, pci: Pci) -> Result<Vec<u8>, Error> {
    if ![4, 8, 64].contains(&payload.l_max) {
        return Err(Error::invalid("L_max", "4, 8 or 64", payload.l_max));
    }
    if payload.ssb_index >= payload.l_max {
        return Err(Error::invalid(
            "SSB index",
            format!("0..{}", payload.l_max),
            payload.ssb_index,
        ));
    }
    payload.mib.validate(payload.l_max == 64)?;
    let abar = payload.bits();
    let pos = interleaver();
    let mut a = [0u8; BCH_A];
    for i in 0..BCH_A {
        a[pos[i]] = abar[i];
    }
    let nu = 2 * ((payload.mib.sfn >> 2) & 1) as u8 + ((payload.mib.sfn >> 1) & 1) as u8;
    let s = scrambling_mask(pci, payload.l_max, nu);
    let mut bits: Vec<u8> = a.iter().zip(&s).map(|(x, y)| x ^ y).collect();
    Crc::new(CrcPoly::Crc24C).attach_bits(&mut bits);
    bch_polar_code().encode_rm(&bits)
}

/// What the BCH of one SSB decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BchDecoded {
    /// The MIB with the full SFN and (FR1) the full k_SSB.
    pub mib: Mib,
    /// Half-frame bit.
    pub half_frame: u8,
    /// The 3 MSBs of the SSB index, shifted into place (bits 5…3), for L_max = 64; else 0.
    pub ssb_index_msbs: u8,
}

/// BCH decoder: CA-SCL polar decoding, CRC24C, descrambling and deinterleaving.
#[derive(Debug)]
pub struct BchDecoder {
    scl: SclDecoder,
    crc: Crc,
    pos: [usize; BCH_A],
}

impl BchDecoder {
    /// A decoder with the given polar list size (1…32; 8 is the usual), on the best ISA of
    /// this CPU.
    pub fn new(list: usize) -> Result<Self, Error> {
        Self::with_isa(list, Isa::detect())
    }

    /// A decoder whose polar list decoder runs on `isa` (fails if the CPU lacks it; see
    /// [`SclDecoder::with_isa`] for which builds exist).
    pub fn with_isa(list: usize, isa: Isa) -> Result<Self, Error> {
        Ok(BchDecoder {
            scl: SclDecoder::with_isa(bch_polar_code(), list, isa)?,
            crc: Crc::new(CrcPoly::Crc24C),
            pos: interleaver(),
        })
    }

    /// The ISA the polar decoder runs (AVX-512 runs the AVX2 build and reports it).
    pub fn isa(&self) -> Isa {
        self.scl.isa()
    }

    /// Decodes 864 LLRs (positive ⇒ 0, PBCH descrambling already undone) for a cell, given
    /// L_max and whether the SSB is in FR2. `None` if no list path passes the CRC (or the
    /// word is all zeros).
    pub fn decode(
        &self,
        llr: &[f32],
        pci: Pci,
        l_max: u8,
        fr2: bool,
    ) -> Result<Option<BchDecoded>, Error> {
        Error::check_len("BCH LLRs", BCH_E, llr.len())?;
        let code = self.scl.code();
        let mut d = vec![0f32; code.n()];
        code.rate_recover(llr, &mut d)?;
        let (c, ok) = self.scl.decode(&d, |c| self.crc.check_bits(c))?;
        // The all-zero word passes CRC24C (no initial ones); it is what silence or a
        // saturated decoder produces, and a real BCH block is all zeros with probability
        // 2^-32, so it is treated as a failure.
        if !ok || c.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        let a = &c[..BCH_A];
        let nu = 2 * a[G[7]] + a[G[8]];
        let s = scrambling_mask(pci, l_max, nu);
        let mut abar = [0u8; BCH_A];
        for i in 0..BCH_A {
            abar[i] = a[self.pos[i]] ^ s[self.pos[i]];
        }
        let m: [u8; 24] = abar[..24].try_into().expect("24 bits");
        let sfn_lsbs = take_bits(&abar[24..28]) as u8;
        let mut msbs = 0;
        let mut k_msb = 0;
        if l_max == 64 {
            msbs = (take_bits(&abar[29..32]) as u8) << 3;
        } else if !fr2 {
            k_msb = abar[29];
        }
        let mib = Mib::from_message_bits(&m, sfn_lsbs, k_msb, fr2);
        Ok(Some(BchDecoded {
            mib,
            half_frame: abar[28],
            ssb_index_msbs: msbs,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_fields() {
        let dec = BchDecoder::new(8).unwrap();
        let pci = Pci::new(777).unwrap();
        for (l_max, idx, k_ssb, fr2) in [(4, 3, 23, false), (8, 5, 17, false), (64, 45, 11, true)] {
            let mib = Mib {
                sfn: 1021,
                scs_common_khz: if fr2 { 120 } else { 15 },
                k_ssb,
                dmrs_type_a_position: 3,
                pdcch_config_sib1: 0xa5,
                cell_barred: true,
                intra_freq_reselection_allowed: false,
                spare: false,
            };
            let p = BchPayload {
                mib,
                half_frame: 1,
                ssb_index: idx,
                l_max,
            };
            let coded = bch_encode(&p, pci).unwrap();
            let llr: Vec<f32> = coded.iter().map(|&b| 1.0 - 2.0 * b as f32).collect();
            let d = dec.decode(&llr, pci, l_max, fr2).unwrap().unwrap();
            assert_eq!(d.mib, mib);
            assert_eq!(d.half_frame, 1);
            if l_max == 64 {
                assert_eq!(d.ssb_index_msbs, idx & 0x38);
            }
            // Wrong PCI: the CRC still passes (it is over scrambled bits), the fields do not.
            let other = dec
                .decode(&llr, Pci::new(778).unwrap(), l_max, fr2)
                .unwrap();
            assert_ne!(other.map(|o| o.mib), Some(mib));
        }
    }
}
