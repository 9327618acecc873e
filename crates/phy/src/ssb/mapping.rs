//! Resource mapping inside an SS/PBCH block (TS 38.211 §7.4.3.1, Table 7.4.3.1-1).
//!
//! The block is 240 subcarriers (k = 0…239) × 4 OFDM symbols (l = 0…3): PSS on l = 0 and
//! SSS on l = 2, both on k = 56…182; PBCH on l = 1 and 3 (all k) and on l = 2 at k = 0…47 and
//! 192…239; the PBCH DMRS takes every fourth of those PBCH subcarriers starting at
//! v = N_ID^cell mod 4. PBCH and DMRS symbols are mapped in increasing k, then l.

use ndarray::{Array2, ShapeBuilder};
use nrkit_core::{Error, C32};

/// Subcarriers of an SSB.
pub const SSB_SUBCARRIERS: usize = 240;
/// OFDM symbols of an SSB.
pub const SSB_SYMBOLS: usize = 4;
/// PBCH data symbols per SSB.
pub const PBCH_LEN: usize = 432;
/// First subcarrier of the PSS and SSS.
pub const SYNC_K0: usize = 56;

/// A resource element (k, l) of the SSB.
pub type Re = (usize, usize);

/// (k, l) positions of the PBCH DMRS (144) and the PBCH data (432) for v = N_ID mod 4.
pub fn pbch_positions(v: usize) -> (Vec<Re>, Vec<Re>) {
    let mut dmrs = Vec::with_capacity(144);
    let mut data = Vec::with_capacity(PBCH_LEN);
    for l in 1..=3 {
        for k in 0..SSB_SUBCARRIERS {
            if l == 2 && (48..192).contains(&k) {
                continue;
            }
            if k % 4 == v {
                dmrs.push((k, l));
            } else {
                data.push((k, l));
            }
        }
    }
    (dmrs, data)
}

/// Builds the 240 × 4 SSB grid (column-major) from its parts (TS 38.211 §7.4.3.1), with
/// amplitude scaling β = 1 for all of them.
pub fn ssb_grid(
    pss: &[i8; 127],
    sss: &[i8; 127],
    dmrs: &[C32],
    pbch: &[C32],
    v: usize,
) -> Result<Array2<C32>, Error> {
    Error::check_len("PBCH DMRS symbols", 144, dmrs.len())?;
    Error::check_len("PBCH symbols", PBCH_LEN, pbch.len())?;
    let mut g = Array2::zeros((SSB_SUBCARRIERS, SSB_SYMBOLS).f());
    for n in 0..127 {
        g[[SYNC_K0 + n, 0]] = C32::new(f32::from(pss[n]), 0.0);
        g[[SYNC_K0 + n, 2]] = C32::new(f32::from(sss[n]), 0.0);
    }
    let (dp, pp) = pbch_positions(v);
    for (&(k, l), &s) in dp.iter().zip(dmrs) {
        g[[k, l]] = s;
    }
    for (&(k, l), &s) in pp.iter().zip(pbch) {
        g[[k, l]] = s;
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        for v in 0..4 {
            let (d, p) = pbch_positions(v);
            assert_eq!((d.len(), p.len()), (144, 432));
        }
    }
}
