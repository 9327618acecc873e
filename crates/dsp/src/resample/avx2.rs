//! AVX2 filter loop of the resampler: the scalar twin's operations (16 lanes, product then
//! sum, pairwise reduction) in two 8-lane registers, so the output is bit-identical.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use nrkit_core::C32;

use super::{run, LANES};

/// Lanes i + 2 of a 128-bit sum added as in the scalar twin; returns (lane 0, lane 1) as
/// (re, im).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn finish(q: __m128) -> C32 {
    let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    let mut o = [0f32; 4];
    // SAFETY: `o` holds 4 f32.
    unsafe { _mm_storeu_ps(o.as_mut_ptr(), q) };
    C32::new(o[0], o[1])
}

#[inline]
#[target_feature(enable = "avx2")]
fn dot(taps: &[f32], w: &[f32]) -> C32 {
    debug_assert!(taps.len().is_multiple_of(LANES) && w.len() >= taps.len());
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    for j in (0..taps.len()).step_by(LANES) {
        // SAFETY: j + 16 <= taps.len() <= w.len().
        unsafe {
            let h0 = _mm256_loadu_ps(taps.as_ptr().add(j));
            let h1 = _mm256_loadu_ps(taps.as_ptr().add(j + 8));
            let v0 = _mm256_loadu_ps(w.as_ptr().add(j));
            let v1 = _mm256_loadu_ps(w.as_ptr().add(j + 8));
            a0 = _mm256_add_ps(a0, _mm256_mul_ps(h0, v0));
            a1 = _mm256_add_ps(a1, _mm256_mul_ps(h1, v1));
        }
    }
    let s = _mm256_add_ps(a0, a1);
    finish(_mm_add_ps(
        _mm256_castps256_ps128(s),
        _mm256_extractf128_ps::<1>(s),
    ))
}

/// The polyphase loop with the AVX2 dot product (see `super::run`).
#[target_feature(enable = "avx2")]
pub(super) fn filter_avx2(
    phases: &[Vec<f32>],
    x: &[f32],
    l: usize,
    m: usize,
    u0: usize,
    n_in: usize,
    out: &mut Vec<C32>,
) -> usize {
    run(phases, x, l, m, u0, n_in, out, |h, w| dot(h, w))
}
