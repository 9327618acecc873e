//! The encoder body compiled for AVX-512BW, packing with `vptestmb` and unpacking with
//! `vpmovm2b`.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{encode_body, BitPack, LdpcEncoder};

/// AVX-512BW bit packing.
struct Avx512;

impl BitPack for Avx512 {
    #[inline(always)]
    fn pack64(x: &[u8; 64]) -> u64 {
        // SAFETY: only reached from `encode`, which runs with AVX-512BW enabled (checked
        // when the encoder was built); the load reads the 64 bytes of `x`.
        unsafe {
            let v = _mm512_loadu_si512(x.as_ptr().cast());
            _mm512_test_epi8_mask(v, _mm512_set1_epi8(1))
        }
    }

    #[inline(always)]
    fn unpack64(w: u64, out: &mut [u8; 64]) {
        // SAFETY: as above; the store writes the 64 bytes of `out`.
        unsafe {
            let v = _mm512_and_si512(_mm512_movm_epi8(w), _mm512_set1_epi8(1));
            _mm512_storeu_si512(out.as_mut_ptr().cast(), v);
        }
    }

    #[inline(always)]
    fn pack_tail(x: &[u8]) -> u64 {
        let k = (1u64 << x.len()) - 1;
        // SAFETY: as above; the masked load reads the x.len() < 64 bytes of `x` only.
        unsafe {
            let v = _mm512_maskz_loadu_epi8(k, x.as_ptr().cast());
            _mm512_test_epi8_mask(v, _mm512_set1_epi8(1))
        }
    }

    #[inline(always)]
    fn unpack_tail(w: u64, out: &mut [u8]) {
        let k = (1u64 << out.len()) - 1;
        // SAFETY: as above; the masked store writes the out.len() < 64 bytes of `out` only.
        unsafe {
            let v = _mm512_and_si512(_mm512_movm_epi8(w), _mm512_set1_epi8(1));
            _mm512_mask_storeu_epi8(out.as_mut_ptr().cast(), k, v);
        }
    }
}

/// # Safety
/// The CPU must support AVX-512 F/BW/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2")]
pub(super) unsafe fn encode(enc: &LdpcEncoder, c: &[u8], d: &mut [u8], ext: &mut Vec<u64>) {
    encode_body::<Avx512>(enc, c, d, ext)
}
