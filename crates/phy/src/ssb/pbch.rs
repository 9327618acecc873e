//! The PBCH physical channel (TS 38.211 §7.3.3): scrambling with c_init = N_ID^cell from
//! ν·864, ν the 2 (L_max = 4) or 3 (L_max = 8, 64) LSBs of the SSB index, and QPSK. The MIB
//! and the BCH transport channel (TS 38.212 §7.1) it carries are in
//! [`nrkit_coding::bch`], re-exported here.

use nrkit_core::{gold::gold_bits, Error, Pci, C32};

use crate::modulation::{map, Modulation};

pub use nrkit_coding::bch::{
    bch_encode, bch_polar_code, BchDecoded, BchDecoder, BchPayload, Mib, BCH_A, BCH_E,
};

/// ν of the PBCH scrambling (TS 38.211 §7.3.3.1): the 2 (L_max = 4) or 3 (L_max = 8, 64)
/// LSBs of the SSB index.
pub fn pbch_nu(ssb_index: u8, l_max: u8) -> u8 {
    if l_max == 4 {
        ssb_index & 3
    } else {
        ssb_index & 7
    }
}

/// The PBCH scrambling sequence c(i + ν·864), i = 0…863.
pub fn pbch_scrambling(pci: Pci, nu: u8) -> Vec<u8> {
    gold_bits(u32::from(pci.value()), u64::from(nu) * BCH_E as u64, BCH_E)
}

/// PBCH (TS 38.211 §7.3.3): 864 coded bits → 432 QPSK symbols.
pub fn pbch_symbols(coded: &[u8], pci: Pci, nu: u8) -> Result<Vec<C32>, Error> {
    Error::check_len("PBCH coded bits", BCH_E, coded.len())?;
    let c = pbch_scrambling(pci, nu);
    let bits: Vec<u8> = coded.iter().zip(&c).map(|(a, b)| a ^ b).collect();
    let mut out = vec![C32::default(); BCH_E / 2];
    map(Modulation::Qpsk, &bits, &mut out)?;
    Ok(out)
}

/// Undoes the PBCH scrambling on LLRs (positive ⇒ 0) in place.
pub fn pbch_descramble_llr(llr: &mut [f32], pci: Pci, nu: u8) -> Result<(), Error> {
    Error::check_len("PBCH LLRs", BCH_E, llr.len())?;
    for (l, &c) in llr.iter_mut().zip(&pbch_scrambling(pci, nu)) {
        if c == 1 {
            *l = -*l;
        }
    }
    Ok(())
}
