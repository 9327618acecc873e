//! AVX-512 filter loop of the resampler: the scalar twin's operations (16 lanes, product
//! then sum, pairwise reduction) in one register, so the output is bit-identical.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use nrkit_core::C32;

use super::avx2::finish;
use super::{run, LANES};

#[inline]
#[target_feature(enable = "avx512f,avx2")]
fn dot(taps: &[f32], w: &[f32]) -> C32 {
    debug_assert!(taps.len().is_multiple_of(LANES) && w.len() >= taps.len());
    let mut a = _mm512_setzero_ps();
    for j in (0..taps.len()).step_by(LANES) {
        // SAFETY: j + 16 <= taps.len() <= w.len().
        unsafe {
            let h = _mm512_loadu_ps(taps.as_ptr().add(j));
            let v = _mm512_loadu_ps(w.as_ptr().add(j));
            a = _mm512_add_ps(a, _mm512_mul_ps(h, v));
        }
    }
    // Lanes i + 8, then i + 4 (here), then i + 2 (`finish`).
    let s = _mm256_add_ps(
        _mm512_castps512_ps256(a),
        _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(a))),
    );
    finish(_mm_add_ps(
        _mm256_castps256_ps128(s),
        _mm256_extractf128_ps::<1>(s),
    ))
}

/// The polyphase loop with the AVX-512 dot product (see `super::run`).
#[target_feature(enable = "avx512f,avx2")]
pub(super) fn filter_avx512(
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
