//! One bit per byte ↔ up to 64 bits packed in a word (byte i is bit i of the word), shared
//! by the LDPC encoder and the polar transform.

/// Byte i of `SPREAD[v]` is bit i of v.
const SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut v = 0;
    while v < 256 {
        let mut i = 0;
        while i < 8 {
            t[v] |= (((v >> i) & 1) as u64) << (8 * i);
            i += 1;
        }
        v += 1;
    }
    t
};

/// The least significant bits of 8 bytes as one byte (byte i → bit i).
#[inline(always)]
fn gather8(b: &[u8; 8]) -> u64 {
    let v = u64::from_le_bytes(*b) & 0x0101_0101_0101_0101;
    // Bit 8j of v lands on bit 56 + j of the product, and nothing else does.
    v.wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Packs the least significant bits of at most 64 bytes (the higher bits are 0).
#[inline(always)]
pub(crate) fn pack_lsb(x: &[u8]) -> u64 {
    debug_assert!(x.len() <= 64);
    let mut chunks = x.chunks_exact(8);
    let mut w = 0u64;
    for (i, b) in (&mut chunks).enumerate() {
        w |= gather8(b.try_into().expect("8 bytes")) << (8 * i);
    }
    let base = x.len() & !7;
    for (i, &b) in chunks.remainder().iter().enumerate() {
        w |= u64::from(b & 1) << (base + i);
    }
    w
}

/// Writes the first `out.len()` (≤ 64) bits of `w` to `out`, one per byte (0 or 1).
#[inline(always)]
pub(crate) fn unpack_lsb(w: u64, out: &mut [u8]) {
    debug_assert!(out.len() <= 64);
    let base = out.len() & !7;
    let mut chunks = out.chunks_exact_mut(8);
    for (i, o) in (&mut chunks).enumerate() {
        o.copy_from_slice(&SPREAD[((w >> (8 * i)) & 0xff) as usize].to_le_bytes());
    }
    for (i, o) in chunks.into_remainder().iter_mut().enumerate() {
        *o = ((w >> (base + i)) & 1) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_and_unpack_are_inverse_for_every_length() {
        let mut r = nrkit_core::rng::stream(5, 0);
        for n in 0..=64 {
            let mut x = vec![0u8; n];
            nrkit_core::rng::fill_bits(&mut r, &mut x);
            let w = pack_lsb(&x);
            let want = x
                .iter()
                .enumerate()
                .fold(0u64, |a, (i, &b)| a | (u64::from(b) << i));
            assert_eq!(w, want, "n={n}");
            let mut back = vec![7u8; n];
            unpack_lsb(w, &mut back);
            assert_eq!(back, x, "n={n}");
        }
    }
}
