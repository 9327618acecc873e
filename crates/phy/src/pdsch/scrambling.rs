//! PDSCH scrambling (TS 38.211 §7.3.1.1) and layer mapping (§7.3.1.3).
//!
//! Scrambling: b̃(i) = (b(i) + c(i)) mod 2 with the Gold sequence c of §5.2.1 initialized
//! with c_init = n_RNTI · 2^15 + q · 2^14 + n_ID, q the codeword (0 or 1), n_ID the
//! higher-layer dataScramblingIdentityPDSCH (0…1023) or N_ID^cell. On receive the LLRs
//! (positive ⇒ 0) change sign where c(i) = 1.
//!
//! Layer mapping for one codeword on υ = 1…4 layers: x^(v)(i) = d(υ·i + v); for two
//! codewords (5…8 layers) the first ⌊υ/2⌋ layers take codeword 0, the rest codeword 1.

use nrkit_core::gold::GoldSequence;
use nrkit_core::{Error, C32};

/// c_init of the PDSCH scrambling for `rnti` (0…65535), codeword `q` (0, 1) and `n_id`
/// (0…1023).
pub fn c_init(rnti: u16, q: u8, n_id: u16) -> Result<u32, Error> {
    if q > 1 {
        return Err(Error::invalid("codeword q", "0 or 1", q));
    }
    if n_id > 1023 {
        return Err(Error::invalid("scrambling n_ID", "0..=1023", n_id));
    }
    Ok((u32::from(rnti) << 15) + (u32::from(q) << 14) + u32::from(n_id))
}

/// Scrambles bits (0/1) in place with the sequence of `c_init`.
pub fn scramble_bits(bits: &mut [u8], c_init: u32) {
    let mut g = GoldSequence::new(c_init);
    for chunk in bits.chunks_mut(64) {
        let w = g.next_word();
        for (i, b) in chunk.iter_mut().enumerate() {
            *b ^= ((w >> i) & 1) as u8;
        }
    }
}

/// Undoes the scrambling on LLRs (positive ⇒ 0) in place: the sign bit flipped where
/// c(i) = 1, without branches (the sequence is random: a branch per LLR mispredicts half
/// the time).
pub fn descramble_llrs(llr: &mut [f32], c_init: u32) {
    let mut g = GoldSequence::new(c_init);
    for chunk in llr.chunks_mut(64) {
        let w = g.next_word();
        for (i, l) in chunk.iter_mut().enumerate() {
            let flip = (((w >> i) & 1) as u32) << 31;
            *l = f32::from_bits(l.to_bits() ^ flip);
        }
    }
}

/// Maps the symbols of one codeword onto `layers` (1…4) layers: `out[v][i] = d[υ·i + v]`.
/// The length of `d` must be a multiple of υ.
pub fn layer_map(d: &[C32], layers: usize) -> Result<Vec<Vec<C32>>, Error> {
    if !(1..=4).contains(&layers) {
        return Err(Error::invalid("layers of one codeword", "1..=4", layers));
    }
    if !d.len().is_multiple_of(layers) {
        return Err(Error::invalid(
            "codeword symbols",
            format!("a multiple of the {layers} layers"),
            d.len(),
        ));
    }
    let n = d.len() / layers;
    let mut out = vec![Vec::with_capacity(n); layers];
    for chunk in d.chunks_exact(layers) {
        for (v, &x) in chunk.iter().enumerate() {
            out[v].push(x);
        }
    }
    Ok(out)
}

/// Layer demapping: the inverse of [`layer_map`] (all layers of equal length), for
/// symbols or per-symbol values such as LLR groups.
pub fn layer_demap<T: Copy>(layers: &[Vec<T>]) -> Result<Vec<T>, Error> {
    let Some(n) = layers.first().map(Vec::len) else {
        return Err(Error::invalid("layers", "1..=4", 0));
    };
    if layers.len() > 4 {
        return Err(Error::invalid(
            "layers of one codeword",
            "1..=4",
            layers.len(),
        ));
    }
    if let Some(l) = layers.iter().find(|l| l.len() != n) {
        return Err(Error::check_len("layer symbols", n, l.len()).unwrap_err());
    }
    let mut out = Vec::with_capacity(n * layers.len());
    for i in 0..n {
        for l in layers {
            out.push(l[i]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nrkit_core::gold::gold_bits;

    #[test]
    fn scrambling_uses_the_gold_sequence_and_inverts() {
        let ci = c_init(0x4601, 0, 17).unwrap();
        assert_eq!(ci, (0x4601 << 15) + 17);
        assert_eq!(
            c_init(65535, 1, 1023).unwrap(),
            (65535 << 15) + (1 << 14) + 1023
        );
        assert!(c_init(1, 2, 0).is_err() && c_init(1, 0, 1024).is_err());
        let mut bits: Vec<u8> = (0..1000).map(|i| (i % 3 == 0) as u8).collect();
        let orig = bits.clone();
        scramble_bits(&mut bits, ci);
        let c = gold_bits(ci, 0, 1000);
        for i in 0..1000 {
            assert_eq!(bits[i], orig[i] ^ c[i]);
        }
        let mut llr: Vec<f32> = bits.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
        descramble_llrs(&mut llr, ci);
        for (l, &b) in llr.iter().zip(&orig) {
            assert_eq!(*l < 0.0, b == 1);
        }
    }

    #[test]
    fn layers_map_and_demap() {
        let d: Vec<C32> = (0..12).map(|i| C32::new(i as f32, 0.0)).collect();
        let l = layer_map(&d, 3).unwrap();
        assert_eq!(
            l[1],
            vec![
                C32::new(1.0, 0.0),
                C32::new(4.0, 0.0),
                C32::new(7.0, 0.0),
                C32::new(10.0, 0.0)
            ]
        );
        assert_eq!(layer_demap(&l).unwrap(), d);
        assert!(layer_map(&d, 5).is_err() && layer_map(&d[..11], 2).is_err());
        assert!(layer_demap::<C32>(&[]).is_err());
        assert!(layer_demap(&[vec![1], vec![2, 3]]).is_err());
    }
}
