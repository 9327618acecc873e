//! The synchronization signals and the PBCH DMRS (TS 38.211 §7.4.2.2, §7.4.2.3, §7.4.1.4.1).

use nrkit_core::{gold::gold_bits, Error, Pci, C32};

/// Length of the PSS and SSS sequences.
pub const SYNC_LEN: usize = 127;
/// Number of PBCH DMRS symbols per SSB.
pub const PBCH_DMRS_LEN: usize = 144;

/// m-sequence x(i+7) = (x(i+a) + x(i)) mod 2 from the 7 initial values x(0)…x(6).
fn m_sequence(init: [u8; 7], a: usize) -> [u8; SYNC_LEN] {
    let mut x = [0u8; SYNC_LEN];
    x[..7].copy_from_slice(&init);
    for i in 0..SYNC_LEN - 7 {
        x[i + 7] = (x[i + a] + x[i]) & 1;
    }
    x
}

/// PSS d_PSS(n) = 1 − 2x((n + 43·N_ID^(2)) mod 127) of TS 38.211 §7.4.2.2 (values ±1).
pub fn pss(n_id_2: u8) -> Result<[i8; SYNC_LEN], Error> {
    if n_id_2 > 2 {
        return Err(Error::invalid("N_ID^(2)", "0..=2", n_id_2));
    }
    // [x(6) … x(0)] = [1 1 1 0 1 1 0]
    let x = m_sequence([0, 1, 1, 0, 1, 1, 1], 4);
    let m0 = 43 * n_id_2 as usize;
    Ok(std::array::from_fn(|n| {
        1 - 2 * x[(n + m0) % SYNC_LEN] as i8
    }))
}

/// SSS of TS 38.211 §7.4.2.3 for a physical cell identity (values ±1):
/// d(n) = [1 − 2x0((n + m0) mod 127)]·[1 − 2x1((n + m1) mod 127)],
/// m0 = 15⌊N_ID^(1)/112⌋ + 5N_ID^(2), m1 = N_ID^(1) mod 112.
pub fn sss(pci: Pci) -> [i8; SYNC_LEN] {
    let x0 = m_sequence([1, 0, 0, 0, 0, 0, 0], 4);
    let x1 = m_sequence([1, 0, 0, 0, 0, 0, 0], 1);
    let (n1, n2) = (pci.n_id_1() as usize, pci.n_id_2() as usize);
    let m0 = 15 * (n1 / 112) + 5 * n2;
    let m1 = n1 % 112;
    std::array::from_fn(|n| {
        (1 - 2 * x0[(n + m0) % SYNC_LEN] as i8) * (1 - 2 * x1[(n + m1) % SYNC_LEN] as i8)
    })
}

/// c_init of the PBCH DMRS (TS 38.211 §7.4.1.4.1):
/// 2^11(ī_SSB + 1)(⌊N_ID/4⌋ + 1) + 2^6(ī_SSB + 1) + (N_ID mod 4).
pub fn pbch_dmrs_c_init(pci: Pci, i_bar_ssb: u8) -> u32 {
    let (n, i) = (u32::from(pci.value()), u32::from(i_bar_ssb));
    (1 << 11) * (i + 1) * (n / 4 + 1) + (1 << 6) * (i + 1) + (n % 4)
}

/// ī_SSB of TS 38.211 §7.4.1.4.1: the 2 LSBs of the SSB index plus 4·n_hf for L_max = 4,
/// the 3 LSBs of the SSB index for L_max = 8 or 64.
pub fn i_bar_ssb(ssb_index: u8, half_frame: u8, l_max: u8) -> u8 {
    if l_max == 4 {
        (ssb_index & 3) + 4 * (half_frame & 1)
    } else {
        ssb_index & 7
    }
}

/// PBCH DMRS r(m) = (1 − 2c(2m) + j(1 − 2c(2m+1)))/√2, m = 0…143 (TS 38.211 §7.4.1.4.1).
pub fn pbch_dmrs(pci: Pci, i_bar_ssb: u8) -> Result<Vec<C32>, Error> {
    if i_bar_ssb > 7 {
        return Err(Error::invalid("i_bar_SSB", "0..=7", i_bar_ssb));
    }
    let c = gold_bits(pbch_dmrs_c_init(pci, i_bar_ssb), 0, 2 * PBCH_DMRS_LEN);
    let a = std::f32::consts::FRAC_1_SQRT_2;
    Ok(c.chunks_exact(2)
        .map(|b| C32::new(a * (1.0 - 2.0 * b[0] as f32), a * (1.0 - 2.0 * b[1] as f32)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sss_distinct_and_balanced() {
        let a = sss(Pci::new(0).unwrap());
        let b = sss(Pci::new(1007).unwrap());
        assert_ne!(a, b);
        // m-sequences are balanced: 64 ones, 63 zeros.
        let p = pss(0).unwrap();
        assert_eq!(p.iter().filter(|&&v| v == -1).count(), 64);
        assert!(pss(3).is_err());
        assert!(pbch_dmrs(Pci::new(0).unwrap(), 8).is_err());
    }
}
