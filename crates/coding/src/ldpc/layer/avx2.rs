//! The layer update on AVX2: 32 lanes of i8 per vector. AVX2 has no byte-masked store, so
//! a partial store (at the rotation wrap or past Z) blends the new lanes into what memory
//! holds; one vector of lanes is finished before the next is touched, so this is exact.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{padded, Edge, ERASE_MAX, MAX_DEGREE, R_MAX, SUM_LANES};

const L: usize = 32;

/// Lanes below `n` (0 ≤ n ≤ 32) set to all-ones bytes.
#[inline]
#[target_feature(enable = "avx2")]
fn lanes_below(n: usize) -> __m256i {
    let idx = _mm256_setr_epi8(
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31,
    );
    _mm256_cmpgt_epi8(_mm256_set1_epi8(n.min(L) as i8), idx)
}

/// Lanes j0..j0+32 of the column at `base` rotated by `shift`: value (k + shift) mod z.
///
/// # Safety
/// `ap + base` must have `PAD` readable bytes before it and `padded(z) + PAD` after it.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_rot(ap: *const i8, ed: Edge, z: usize, j0: usize) -> __m256i {
    let w = z - ed.shift;
    let p = ap.add(ed.base + j0);
    if j0 + L <= w {
        _mm256_loadu_si256(p.add(ed.shift).cast())
    } else if j0 >= w {
        _mm256_loadu_si256(p.sub(w).cast())
    } else {
        let lo = _mm256_loadu_si256(p.add(ed.shift).cast());
        let hi = _mm256_loadu_si256(p.sub(w).cast());
        _mm256_blendv_epi8(hi, lo, lanes_below(w - j0))
    }
}

/// Stores the lanes of `v` selected by `keep` at `p`, leaving the others as they are.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_masked(p: *mut i8, v: __m256i, keep: __m256i) {
    let old = _mm256_loadu_si256(p.cast());
    _mm256_storeu_si256(p.cast(), _mm256_blendv_epi8(old, v, keep));
}

/// Stores the lanes below `n_valid` of `v` at the positions `load_rot` reads them from.
///
/// # Safety
/// As for `load_rot`, writable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_rot(ap: *mut i8, ed: Edge, z: usize, j0: usize, v: __m256i) {
    let w = z - ed.shift;
    let p = ap.add(ed.base + j0);
    let full = j0 + L <= z;
    if j0 + L <= w {
        // Entirely before the wrap, hence entirely below z.
        _mm256_storeu_si256(p.add(ed.shift).cast(), v);
    } else if j0 >= w {
        if full {
            _mm256_storeu_si256(p.sub(w).cast(), v);
        } else {
            store_masked(p.sub(w), v, lanes_below(z - j0));
        }
    } else {
        let lo = lanes_below(w - j0);
        let valid = lanes_below(z - j0);
        store_masked(p.add(ed.shift), v, lo);
        store_masked(p.sub(w), v, _mm256_andnot_si256(lo, valid));
    }
}

/// See `super::scale` (byte shifts as 16-bit shifts with the carried-in bits masked off).
#[inline]
#[target_feature(enable = "avx2")]
fn scale(m: __m256i) -> __m256i {
    let half = |x: __m256i| _mm256_and_si256(_mm256_srli_epi16::<1>(x), _mm256_set1_epi8(0x7f));
    let s = half(_mm256_add_epi8(m, half(m)));
    let s = _mm256_max_epu8(s, _mm256_min_epu8(m, _mm256_set1_epi8(1)));
    _mm256_min_epu8(s, _mm256_set1_epi8(R_MAX as i8))
}

/// See `super::update_scalar`; `SC`: self-correcting with `prev`; `FIRST`: `msg` and
/// `prev` read as zero.
///
/// # Safety
/// The CPU must support AVX2; the bounds of `super::check_bounds` must hold, and `prev` is
/// as long as `msg` when `SC`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn update<const SC: bool, const FIRST: bool>(
    edges: &[Edge],
    z: usize,
    app: &mut [i8],
    msg: &mut [i8],
    prev: &mut [i8],
) {
    let zp = padded(z);
    let ap = app.as_mut_ptr();
    let mp = msg.as_mut_ptr();
    let pp = prev.as_mut_ptr();
    let mut t = [_mm256_setzero_si256(); MAX_DEGREE];
    let zero = _mm256_setzero_si256();
    let one = _mm256_set1_epi8(1);
    let mut j0 = 0;
    while j0 < z {
        let mut m1 = _mm256_set1_epi8(-1);
        let mut m2 = m1;
        let mut sign = zero;
        for (e, &ed) in edges.iter().enumerate() {
            let a = load_rot(ap, ed, z, j0);
            let r = if FIRST {
                zero
            } else {
                _mm256_loadu_si256(mp.add(e * zp + j0).cast())
            };
            let v = _mm256_subs_epi8(a, r);
            *t.get_unchecked_mut(e) = v;
            let u = if SC {
                let pe = pp.add(e * zp + j0);
                let old = if FIRST {
                    zero
                } else {
                    _mm256_loadu_si256(pe.cast())
                };
                let differ = _mm256_cmpgt_epi8(zero, _mm256_xor_si256(old, v));
                let mag = _mm256_abs_epi8(v);
                let small =
                    _mm256_cmpeq_epi8(_mm256_min_epu8(mag, _mm256_set1_epi8(ERASE_MAX as i8)), mag);
                let flip = _mm256_and_si256(
                    _mm256_andnot_si256(_mm256_cmpeq_epi8(old, zero), differ),
                    small,
                );
                let u = _mm256_andnot_si256(flip, v);
                _mm256_storeu_si256(pe.cast(), u);
                u
            } else {
                v
            };
            let mag = _mm256_abs_epi8(u);
            m2 = _mm256_min_epu8(m2, _mm256_max_epu8(m1, mag));
            m1 = _mm256_min_epu8(m1, mag);
            sign = _mm256_xor_si256(sign, u);
        }
        let (s1, s2) = (scale(m1), scale(m2));
        for (e, &ed) in edges.iter().enumerate() {
            let v = *t.get_unchecked(e);
            let u = if SC {
                _mm256_loadu_si256(pp.add(e * zp + j0).cast())
            } else {
                v
            };
            let is_min = _mm256_cmpeq_epi8(_mm256_abs_epi8(u), m1);
            let r = _mm256_blendv_epi8(s1, s2, is_min);
            // sign_epi8 negates where its second operand is negative (| 1: never zero).
            let r = _mm256_sign_epi8(r, _mm256_or_si256(_mm256_xor_si256(sign, u), one));
            _mm256_storeu_si256(mp.add(e * zp + j0).cast(), r);
            store_rot(ap, ed, z, j0, _mm256_adds_epi8(v, r));
        }
        j0 += L;
    }
}

/// See `super::syndrome_scalar`.
///
/// # Safety
/// As for [`update`].
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn syndrome_ok(edges: &[Edge], z: usize, app: &[i8]) -> bool {
    let ap = app.as_ptr();
    let mut j0 = 0;
    while j0 < z {
        let mut acc = _mm256_setzero_si256();
        for &ed in edges {
            acc = _mm256_xor_si256(acc, load_rot(ap, ed, z, j0));
        }
        let valid = _mm256_movemask_epi8(lanes_below(z - j0)) as u32;
        if _mm256_movemask_epi8(acc) as u32 & valid != 0 {
            return false;
        }
        j0 += L;
    }
    true
}

/// See `super::quantize_scalar`.
///
/// # Safety
/// The CPU must support AVX2; `dst.len() >= src.len()`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn quantize(src: &[f32], scale: f32, limit: f32, dst: &mut [i8]) -> bool {
    let n = src.len() / 32 * 32;
    let (sc, lo, hi) = (
        _mm256_set1_ps(scale),
        _mm256_set1_ps(-limit),
        _mm256_set1_ps(limit),
    );
    let mut nan = _mm256_setzero_ps();
    let conv = |p: *const f32, nan: &mut __m256| -> __m256i {
        let x = _mm256_mul_ps(_mm256_loadu_ps(p), sc);
        *nan = _mm256_or_ps(*nan, _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x));
        // Round half to even (the default MXCSR mode), as `round_ties_even`.
        _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(x, lo), hi))
    };
    for i in (0..n).step_by(32) {
        let p = src.as_ptr().add(i);
        let a = conv(p, &mut nan);
        let b = conv(p.add(8), &mut nan);
        let c = conv(p.add(16), &mut nan);
        let d = conv(p.add(24), &mut nan);
        // packs work per 128-bit lane: [a0 b0 a1 b1] then [a0 b0 c0 d0 a1 b1 c1 d1] in
        // 32-bit groups; the dword permutation restores a, b, c, d order.
        let ab = _mm256_packs_epi32(a, b);
        let cd = _mm256_packs_epi32(c, d);
        let v = _mm256_packs_epi16(ab, cd);
        let v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(dst.as_mut_ptr().add(i).cast(), v);
    }
    super::quantize_scalar(&src[n..], scale, limit, &mut dst[n..]) && _mm256_movemask_ps(nan) == 0
}

/// See `super::abs_sum`: eight 8-lane vectors hold the 64 accumulators.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn abs_sum(llrs: &[f32], certain: f32) -> ([f32; SUM_LANES], u32) {
    let n = llrs.len() / SUM_LANES * SUM_LANES;
    let lim = _mm256_set1_ps(certain);
    let zero = _mm256_setzero_ps();
    let sign = _mm256_set1_ps(-0.0);
    let mut acc = [zero; SUM_LANES / 8];
    let mut cnt = 0u32;
    for i in (0..n).step_by(SUM_LANES) {
        for (q, acc) in acc.iter_mut().enumerate() {
            let a = _mm256_andnot_ps(sign, _mm256_loadu_ps(llrs.as_ptr().add(i + 8 * q)));
            let k = _mm256_and_ps(
                _mm256_cmp_ps::<_CMP_LT_OQ>(a, lim),
                _mm256_cmp_ps::<_CMP_GT_OQ>(a, zero),
            );
            *acc = _mm256_add_ps(*acc, _mm256_and_ps(a, k));
            cnt += (_mm256_movemask_ps(k) as u32).count_ones();
        }
    }
    let mut lanes = [0f32; SUM_LANES];
    for (q, acc) in acc.iter().enumerate() {
        _mm256_storeu_ps(lanes.as_mut_ptr().add(8 * q), *acc);
    }
    super::abs_sum_lanes(&llrs[n..], certain, lanes, cnt)
}

/// See `super::any_nonzero`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn any_nonzero(x: &[f32]) -> bool {
    let n = x.len() / 8 * 8;
    let mut acc = _mm256_setzero_si256();
    for i in (0..n).step_by(8) {
        acc = _mm256_or_si256(acc, _mm256_loadu_si256(x.as_ptr().add(i).cast()));
    }
    _mm256_testz_si256(acc, _mm256_set1_epi32(0x7fff_ffff)) == 0
        || super::any_nonzero_scalar(&x[n..])
}
