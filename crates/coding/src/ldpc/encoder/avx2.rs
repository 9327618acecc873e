//! The encoder body compiled for AVX2, packing with `vpmovmskb` and unpacking by a byte
//! shuffle and compare.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{encode_body, BitPack, LdpcEncoder};

/// AVX2 bit packing.
struct Avx2;

/// Bytes 0/1 of 32 bits: byte i is bit i of `w`.
#[inline(always)]
fn spread32(w: u32) -> __m256i {
    // SAFETY: only reached from `encode`, which runs with AVX2 enabled (checked when the
    // encoder was built); register operations only.
    unsafe {
        // Byte i takes byte i / 8 of w, then tests bit i % 8 of it.
        let v = _mm256_set1_epi32(w as i32);
        let sel = _mm256_setr_epi8(
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3,
            3, 3, 3,
        );
        let bit = _mm256_set1_epi64x(0x8040_2010_0804_0201u64 as i64);
        let b = _mm256_and_si256(_mm256_shuffle_epi8(v, sel), bit);
        _mm256_and_si256(_mm256_cmpeq_epi8(b, bit), _mm256_set1_epi8(1))
    }
}

impl BitPack for Avx2 {
    #[inline(always)]
    fn pack64(x: &[u8; 64]) -> u64 {
        // SAFETY: as in `spread32`; the loads read the 64 bytes of `x`.
        unsafe {
            let lo = _mm256_loadu_si256(x.as_ptr().cast());
            let hi = _mm256_loadu_si256(x.as_ptr().add(32).cast());
            // Bit 0 of each byte to its sign bit.
            let lo = _mm256_movemask_epi8(_mm256_slli_epi16(lo, 7)) as u32;
            let hi = _mm256_movemask_epi8(_mm256_slli_epi16(hi, 7)) as u32;
            u64::from(lo) | (u64::from(hi) << 32)
        }
    }

    #[inline(always)]
    fn unpack64(w: u64, out: &mut [u8; 64]) {
        // SAFETY: as in `spread32`; the stores write the 64 bytes of `out`.
        unsafe {
            _mm256_storeu_si256(out.as_mut_ptr().cast(), spread32(w as u32));
            _mm256_storeu_si256(out.as_mut_ptr().add(32).cast(), spread32((w >> 32) as u32));
        }
    }
}

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn encode(enc: &LdpcEncoder, c: &[u8], d: &mut [u8], ext: &mut Vec<u64>) {
    encode_body::<Avx2>(enc, c, d, ext)
}
