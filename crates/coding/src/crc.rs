//! Cyclic redundancy checks, TS 38.212 §5.1.
//!
//! The CRC of a_0 … a_{A−1} is the remainder of a(D)·D^L divided by g(D), with a_0 the
//! highest power; parity bits are appended p_0 first (the remainder's highest power), so
//! `check` of a block with its CRC attached yields remainder 0. Byte buffers are read
//! MSB-first (bit 7 of byte 0 is a_0). The byte path uses slicing-by-8 tables.

use nrkit_core::Error;

/// The generator polynomials of TS 38.212 §5.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrcPoly {
    /// g_CRC6(D) = D^6 + D^5 + 1 (UCI).
    Crc6,
    /// g_CRC11(D) = D^11 + D^10 + D^9 + D^5 + 1 (UCI).
    Crc11,
    /// g_CRC16(D) = D^16 + D^12 + D^5 + 1 (small transport blocks).
    Crc16,
    /// g_CRC24A(D): transport blocks.
    Crc24A,
    /// g_CRC24B(D) = D^24 + D^23 + D^6 + D^5 + D + 1: code blocks.
    Crc24B,
    /// g_CRC24C(D): BCH and DCI (polar).
    Crc24C,
}

impl CrcPoly {
    /// All polynomials.
    pub const ALL: [CrcPoly; 6] = [
        CrcPoly::Crc6,
        CrcPoly::Crc11,
        CrcPoly::Crc16,
        CrcPoly::Crc24A,
        CrcPoly::Crc24B,
        CrcPoly::Crc24C,
    ];

    /// Number of parity bits L.
    pub fn len(self) -> usize {
        match self {
            CrcPoly::Crc6 => 6,
            CrcPoly::Crc11 => 11,
            CrcPoly::Crc16 => 16,
            _ => 24,
        }
    }

    /// Always false (L ≥ 6).
    pub fn is_empty(self) -> bool {
        false
    }

    /// g(D) without its D^L term, bit i = coefficient of D^i.
    pub fn poly(self) -> u32 {
        let terms: &[u32] = match self {
            CrcPoly::Crc6 => &[5, 0],
            CrcPoly::Crc11 => &[10, 9, 5, 0],
            CrcPoly::Crc16 => &[12, 5, 0],
            CrcPoly::Crc24A => &[23, 18, 17, 14, 11, 10, 7, 6, 5, 4, 3, 1, 0],
            CrcPoly::Crc24B => &[23, 6, 5, 1, 0],
            CrcPoly::Crc24C => &[23, 21, 20, 17, 15, 13, 12, 8, 4, 2, 1, 0],
        };
        terms.iter().fold(0, |acc, &t| acc | (1 << t))
    }

    /// Name as in the spec ("24A", …).
    pub fn name(self) -> &'static str {
        match self {
            CrcPoly::Crc6 => "6",
            CrcPoly::Crc11 => "11",
            CrcPoly::Crc16 => "16",
            CrcPoly::Crc24A => "24A",
            CrcPoly::Crc24B => "24B",
            CrcPoly::Crc24C => "24C",
        }
    }

    /// Parses a spec name ("6", "11", "16", "24A", "24B", "24C").
    pub fn from_name(s: &str) -> Result<Self, Error> {
        CrcPoly::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::invalid("CRC polynomial", "6, 11, 16, 24A, 24B or 24C", s))
    }
}

/// A CRC engine for one polynomial (tables built once).
#[derive(Debug, Clone)]
pub struct Crc {
    poly: CrcPoly,
    /// `table[k][b]`: left-aligned 32-bit remainder of byte b followed by k zero bytes.
    table: Box<[[u32; 256]; 8]>,
}

impl Crc {
    /// Builds the tables for `poly`.
    pub fn new(poly: CrcPoly) -> Self {
        let l = poly.len() as u32;
        let g = poly.poly() << (32 - l);
        let mut table = Box::new([[0u32; 256]; 8]);
        for b in 0..256u32 {
            let mut r = b << 24;
            for _ in 0..8 {
                r = if r & 0x8000_0000 != 0 {
                    (r << 1) ^ g
                } else {
                    r << 1
                };
            }
            table[0][b as usize] = r;
        }
        for k in 1..8 {
            for b in 0..256 {
                let prev = table[k - 1][b];
                table[k][b] = (prev << 8) ^ table[0][(prev >> 24) as usize];
            }
        }
        Crc { poly, table }
    }

    /// The polynomial.
    pub fn poly(&self) -> CrcPoly {
        self.poly
    }

    fn shift_bit(&self, r: u32, bit: u8) -> u32 {
        let g = self.poly.poly() << (32 - self.poly.len() as u32);
        let top = (r >> 31) as u8 ^ (bit & 1);
        if top != 0 {
            (r << 1) ^ g
        } else {
            r << 1
        }
    }

    fn update_bytes(&self, mut r: u32, bytes: &[u8]) -> u32 {
        let t = &self.table;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w1 = r ^ u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            let w2 = u32::from_be_bytes([c[4], c[5], c[6], c[7]]);
            r = t[7][(w1 >> 24) as usize]
                ^ t[6][((w1 >> 16) & 0xff) as usize]
                ^ t[5][((w1 >> 8) & 0xff) as usize]
                ^ t[4][(w1 & 0xff) as usize]
                ^ t[3][(w2 >> 24) as usize]
                ^ t[2][((w2 >> 16) & 0xff) as usize]
                ^ t[1][((w2 >> 8) & 0xff) as usize]
                ^ t[0][(w2 & 0xff) as usize];
        }
        for &b in chunks.remainder() {
            r = (r << 8) ^ t[0][((r >> 24) ^ u32::from(b)) as usize];
        }
        r
    }

    fn finish(&self, r: u32) -> u32 {
        r >> (32 - self.poly.len() as u32)
    }

    /// CRC (L bits, p_0 the MSB of the result) of a byte buffer read MSB-first.
    pub fn compute_bytes(&self, bytes: &[u8]) -> u32 {
        self.finish(self.update_bytes(0, bytes))
    }

    /// CRC of a bit slice (values 0/1; only bit 0 of each byte counts).
    pub fn compute_bits(&self, bits: &[u8]) -> u32 {
        const BLOCK: usize = 256;
        let mut r = 0u32;
        let mut buf = [0u8; BLOCK];
        let mut chunks = bits.chunks_exact(8 * BLOCK);
        for c in &mut chunks {
            pack_bits(c, &mut buf);
            r = self.update_bytes(r, &buf);
        }
        let rem = chunks.remainder();
        let whole = rem.len() / 8;
        pack_bits(&rem[..8 * whole], &mut buf[..whole]);
        r = self.update_bytes(r, &buf[..whole]);
        for &b in &rem[8 * whole..] {
            r = self.shift_bit(r, b);
        }
        self.finish(r)
    }

    /// Appends the L parity bits (p_0 first) to `bits`.
    pub fn attach_bits(&self, bits: &mut Vec<u8>) {
        let c = self.compute_bits(bits);
        let l = self.poly.len();
        bits.extend((0..l).map(|i| ((c >> (l - 1 - i)) & 1) as u8));
    }

    /// Whether a block with its CRC attached checks (remainder zero).
    pub fn check_bits(&self, bits_with_crc: &[u8]) -> bool {
        bits_with_crc.len() >= self.poly.len() && self.compute_bits(bits_with_crc) == 0
    }
}

/// Packs bits (bit 0 of each byte) into bytes, the first bit the MSB: eight bits loaded as
/// one little-endian u64 (bit i at position 8i) times 0x8040201008040201 lands bit i at
/// position 63 − i, with no two partial products on the same position (so no carries).
fn pack_bits(bits: &[u8], out: &mut [u8]) {
    for (o, c) in out.iter_mut().zip(bits.chunks_exact(8)) {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes")) & 0x0101_0101_0101_0101;
        *o = (w.wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-serial long division, straight from the definition.
    fn reference(poly: CrcPoly, bits: &[u8]) -> u32 {
        let l = poly.len();
        let g = poly.poly() as u64 | (1u64 << l);
        let mut reg: u64 = 0;
        for &b in bits.iter().chain(std::iter::repeat_n(&0u8, l)) {
            reg = (reg << 1) | u64::from(b);
            if reg >> l & 1 == 1 {
                reg ^= g;
            }
        }
        reg as u32
    }

    #[test]
    fn table_paths_match_long_division() {
        let mut r = nrkit_core::rng::stream(12345, 0);
        for poly in CrcPoly::ALL {
            let crc = Crc::new(poly);
            for len in [
                0usize, 1, 7, 8, 9, 63, 64, 65, 200, 1001, 2048, 2049, 4100, 8448,
            ] {
                let mut bits = vec![0u8; len];
                nrkit_core::rng::fill_bits(&mut r, &mut bits);
                assert_eq!(
                    crc.compute_bits(&bits),
                    reference(poly, &bits),
                    "{poly:?} len={len}"
                );
                let mut with = bits.clone();
                crc.attach_bits(&mut with);
                assert!(crc.check_bits(&with));
                if len > 0 {
                    with[len / 2] ^= 1;
                    assert!(!crc.check_bits(&with));
                }
                if len % 8 == 0 {
                    let bytes: Vec<u8> = bits
                        .chunks(8)
                        .map(|c| c.iter().fold(0, |a, &b| (a << 1) | b))
                        .collect();
                    assert_eq!(crc.compute_bytes(&bytes), reference(poly, &bits));
                }
            }
        }
        assert!(CrcPoly::from_name("24d").is_err());
    }
}
