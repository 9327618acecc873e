//! Bit helpers: one bit per byte ↔ up to 64 bits packed in a word (byte i is bit i of the
//! word), shared by the LDPC encoder and the polar transform; and bits ↔ hex with the first
//! bit the most significant bit of the first byte ([`bits_to_hex`], [`hex_to_bits`]).

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

/// Bits (0/1, first bit the most significant bit of the first byte) as lowercase hex; the
/// last byte is padded with zero bits. The transport-block convention of nrkit's CLI and
/// annotations.
pub fn bits_to_hex(bits: &[u8]) -> String {
    let mut s = String::with_capacity(bits.len().div_ceil(8) * 2);
    for chunk in bits.chunks(8) {
        let b = chunk
            .iter()
            .enumerate()
            .fold(0u8, |a, (i, &x)| a | ((x & 1) << (7 - i)));
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The inverse of [`bits_to_hex`] for `n` bits: exactly ⌈n/8⌉ bytes of hex digits (either
/// case, an optional `0x`), the padding bits zero.
pub fn hex_to_bits(hex: &str, n: usize) -> Result<Vec<u8>, nrkit_core::Error> {
    let h = hex.trim();
    let h = h
        .strip_prefix("0x")
        .or_else(|| h.strip_prefix("0X"))
        .unwrap_or(h);
    let bytes = n.div_ceil(8);
    if h.len() != 2 * bytes {
        return Err(nrkit_core::Error::invalid(
            "hex transport block",
            format!("{} hex digits for {n} bits", 2 * bytes),
            format!("{} digits", h.len()),
        ));
    }
    let mut out = Vec::with_capacity(bytes * 8);
    for (i, pair) in h.as_bytes().chunks(2).enumerate() {
        let txt = std::str::from_utf8(pair).unwrap_or("??");
        let b = u8::from_str_radix(txt, 16).map_err(|_| {
            nrkit_core::Error::invalid(
                "hex transport block",
                "hex digits 0-9, a-f",
                format!("\"{txt}\" at byte {i}"),
            )
        })?;
        for j in 0..8 {
            out.push((b >> (7 - j)) & 1);
        }
    }
    if out[n..].iter().any(|&b| b != 0) {
        return Err(nrkit_core::Error::invalid(
            "hex transport block",
            format!("zero padding after bit {n}"),
            "non-zero bits in the last byte",
        ));
    }
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_msb_first() {
        assert_eq!(bits_to_hex(&[1, 0, 0, 0, 0, 0, 0, 1, 1, 1]), "81c0");
        assert_eq!(
            hex_to_bits("81C0", 10).unwrap(),
            vec![1, 0, 0, 0, 0, 0, 0, 1, 1, 1]
        );
        assert_eq!(hex_to_bits("0x81c0", 10).unwrap().len(), 10);
        assert!(hex_to_bits("81c1", 10).is_err());
        assert!(hex_to_bits("81", 10).is_err());
        assert!(hex_to_bits("8g00", 10).is_err());
        assert!(hex_to_bits("é0", 8).is_err());
    }

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
