//! The layer update on AVX-512BW: 64 lanes of i8 per vector, masked stores at the rotation
//! wrap and past Z.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{padded, Edge, ERASE_MAX, MAX_DEGREE, R_MAX, SUM_LANES};

const L: usize = 64;

/// Lanes `0..n` set (n ≤ 64).
#[inline(always)]
fn low_mask(n: usize) -> u64 {
    if n >= L {
        !0
    } else {
        (1u64 << n) - 1
    }
}

/// Lanes j0..j0+64 of the column at `base` rotated by `shift`: value (k + shift) mod z.
///
/// # Safety
/// `ap + base` must have `PAD` readable bytes before it and `padded(z) + PAD` after it.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn load_rot(ap: *const i8, ed: Edge, z: usize, j0: usize) -> __m512i {
    let w = z - ed.shift; // lanes below w do not wrap
    let p = ap.add(ed.base + j0);
    if j0 + L <= w {
        _mm512_loadu_si512(p.add(ed.shift).cast())
    } else if j0 >= w {
        _mm512_loadu_si512(p.sub(w).cast())
    } else {
        let lo = _mm512_loadu_si512(p.add(ed.shift).cast());
        let hi = _mm512_loadu_si512(p.sub(w).cast());
        _mm512_mask_blend_epi8(!low_mask(w - j0), lo, hi)
    }
}

/// Stores lanes `valid` of `v` at the positions `load_rot` reads them from.
///
/// # Safety
/// As for `load_rot`, writable.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn store_rot(ap: *mut i8, ed: Edge, z: usize, j0: usize, v: __m512i, valid: u64) {
    let w = z - ed.shift;
    let p = ap.add(ed.base + j0);
    if j0 + L <= w {
        _mm512_mask_storeu_epi8(p.add(ed.shift), valid, v);
    } else if j0 >= w {
        _mm512_mask_storeu_epi8(p.sub(w), valid, v);
    } else {
        let lo = low_mask(w - j0);
        _mm512_mask_storeu_epi8(p.add(ed.shift), valid & lo, v);
        _mm512_mask_storeu_epi8(p.sub(w), valid & !lo, v);
    }
}

/// See `super::scale` (byte shifts as 16-bit shifts with the carried-in bits masked off).
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn scale(m: __m512i) -> __m512i {
    let half = |x: __m512i| _mm512_and_si512(_mm512_srli_epi16::<1>(x), _mm512_set1_epi8(0x7f));
    let s = half(_mm512_add_epi8(m, half(m)));
    let s = _mm512_max_epu8(s, _mm512_min_epu8(m, _mm512_set1_epi8(1)));
    _mm512_min_epu8(s, _mm512_set1_epi8(R_MAX as i8))
}

/// See `super::update_scalar`; `SC`: self-correcting with `prev`; `FIRST`: `msg` and
/// `prev` read as zero. The extension-row degrees of the NR base graphs (3…10) get their own
/// compilation (loops over the edges unrolled, per-edge values in registers: +15 % at
/// R = 1/3); the degree-19 core rows measured no faster so, and take the general loop.
///
/// # Safety
/// The CPU must support AVX-512 F/BW; the bounds of `super::check_bounds` must hold, and
/// `prev` is as long as `msg` when `SC`.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn update<const SC: bool, const FIRST: bool>(
    edges: &[Edge],
    z: usize,
    app: &mut [i8],
    msg: &mut [i8],
    prev: &mut [i8],
) {
    match edges.len() {
        3 => update_deg::<SC, FIRST, 3>(edges, z, app, msg, prev),
        4 => update_deg::<SC, FIRST, 4>(edges, z, app, msg, prev),
        5 => update_deg::<SC, FIRST, 5>(edges, z, app, msg, prev),
        6 => update_deg::<SC, FIRST, 6>(edges, z, app, msg, prev),
        7 => update_deg::<SC, FIRST, 7>(edges, z, app, msg, prev),
        8 => update_deg::<SC, FIRST, 8>(edges, z, app, msg, prev),
        9 => update_deg::<SC, FIRST, 9>(edges, z, app, msg, prev),
        10 => update_deg::<SC, FIRST, 10>(edges, z, app, msg, prev),
        _ => update_deg::<SC, FIRST, 0>(edges, z, app, msg, prev),
    }
}

/// [`update`] for degree `D` (0: any, from `edges`).
///
/// # Safety
/// As for [`update`]; `D` is 0 or `edges.len()`.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn update_deg<const SC: bool, const FIRST: bool, const D: usize>(
    edges: &[Edge],
    z: usize,
    app: &mut [i8],
    msg: &mut [i8],
    prev: &mut [i8],
) {
    let deg = if D == 0 { edges.len() } else { D };
    let zp = padded(z);
    let ap = app.as_mut_ptr();
    let mp = msg.as_mut_ptr();
    let pp = prev.as_mut_ptr();
    let mut t = [_mm512_setzero_si512(); MAX_DEGREE];
    let mut us = [_mm512_setzero_si512(); MAX_DEGREE];
    let zero = _mm512_setzero_si512();
    let emax = _mm512_set1_epi8(ERASE_MAX as i8);
    let mut j0 = 0;
    while j0 < z {
        let valid = low_mask(z - j0);
        let mut m1 = _mm512_set1_epi8(-1);
        let mut m2 = m1;
        let mut sign = zero;
        for e in 0..deg {
            let ed = *edges.get_unchecked(e);
            let a = load_rot(ap, ed, z, j0);
            let r = if FIRST {
                zero
            } else {
                _mm512_loadu_si512(mp.add(e * zp + j0).cast())
            };
            let v = _mm512_subs_epi8(a, r);
            *t.get_unchecked_mut(e) = v;
            let absv = _mm512_abs_epi8(v);
            let (u, mag) = if SC {
                let pe = pp.add(e * zp + j0);
                let old = if FIRST {
                    zero
                } else {
                    _mm512_loadu_si512(pe.cast())
                };
                // Chained masked compares: old ≠ 0, |v| ≤ ERASE_MAX, sign(old) ≠ sign(v).
                let k = _mm512_test_epi8_mask(old, old);
                let k = _mm512_mask_cmple_epu8_mask(k, absv, emax);
                let flip = _mm512_mask_cmplt_epi8_mask(k, _mm512_xor_si512(old, v), zero);
                let u = _mm512_mask_mov_epi8(v, flip, zero);
                _mm512_storeu_si512(pe.cast(), u);
                *us.get_unchecked_mut(e) = u;
                (u, _mm512_mask_mov_epi8(absv, flip, zero))
            } else {
                (v, absv)
            };
            m2 = _mm512_min_epu8(m2, _mm512_max_epu8(m1, mag));
            m1 = _mm512_min_epu8(m1, mag);
            sign = _mm512_xor_si512(sign, u);
        }
        let (s1, s2) = (scale(m1), scale(m2));
        for e in 0..deg {
            let ed = *edges.get_unchecked(e);
            let v = *t.get_unchecked(e);
            let u = if SC { *us.get_unchecked(e) } else { v };
            let is_min = _mm512_cmpeq_epi8_mask(_mm512_abs_epi8(u), m1);
            let r = _mm512_mask_blend_epi8(is_min, s1, s2);
            let neg = _mm512_movepi8_mask(_mm512_xor_si512(sign, u));
            let r = _mm512_mask_sub_epi8(r, neg, zero, r);
            _mm512_storeu_si512(mp.add(e * zp + j0).cast(), r);
            store_rot(ap, ed, z, j0, _mm512_adds_epi8(v, r), valid);
        }
        j0 += L;
    }
}

/// See `super::syndrome_scalar`.
///
/// # Safety
/// As for [`update`].
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn syndrome_ok(edges: &[Edge], z: usize, app: &[i8]) -> bool {
    let ap = app.as_ptr();
    let mut j0 = 0;
    while j0 < z {
        let mut acc = _mm512_setzero_si512();
        for &ed in edges {
            acc = _mm512_xor_si512(acc, load_rot(ap, ed, z, j0));
        }
        if _mm512_movepi8_mask(acc) & low_mask(z - j0) != 0 {
            return false;
        }
        j0 += L;
    }
    true
}

/// See `super::quantize_scalar`.
///
/// # Safety
/// The CPU must support AVX-512 F/BW; `dst.len() >= src.len()`.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn quantize(src: &[f32], scale: f32, limit: f32, dst: &mut [i8]) -> bool {
    let n = src.len() / 16 * 16;
    let (sc, lo, hi) = (
        _mm512_set1_ps(scale),
        _mm512_set1_ps(-limit),
        _mm512_set1_ps(limit),
    );
    let mut nan: u16 = 0;
    for i in (0..n).step_by(16) {
        let x = _mm512_mul_ps(_mm512_loadu_ps(src.as_ptr().add(i)), sc);
        nan |= _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(x, x);
        // Round half to even (the default MXCSR mode), as `round_ties_even`.
        let q = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(x, lo), hi));
        _mm_storeu_si128(dst.as_mut_ptr().add(i).cast(), _mm512_cvtepi32_epi8(q));
    }
    super::quantize_scalar(&src[n..], scale, limit, &mut dst[n..]) && nan == 0
}

/// See `super::abs_sum`: four 16-lane vectors hold the 64 accumulators.
///
/// # Safety
/// The CPU must support AVX-512 F.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn abs_sum(llrs: &[f32], certain: f32) -> ([f32; SUM_LANES], u32) {
    let n = llrs.len() / SUM_LANES * SUM_LANES;
    let lim = _mm512_set1_ps(certain);
    let zero = _mm512_setzero_ps();
    let mut acc = [zero; SUM_LANES / 16];
    let mut cnt = 0u32;
    for i in (0..n).step_by(SUM_LANES) {
        for (q, acc) in acc.iter_mut().enumerate() {
            let a = _mm512_abs_ps(_mm512_loadu_ps(llrs.as_ptr().add(i + 16 * q)));
            let k = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, lim)
                & _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, zero);
            *acc = _mm512_mask_add_ps(*acc, k, *acc, a);
            cnt += k.count_ones();
        }
    }
    let mut lanes = [0f32; SUM_LANES];
    for (q, acc) in acc.iter().enumerate() {
        _mm512_storeu_ps(lanes.as_mut_ptr().add(16 * q), *acc);
    }
    super::abs_sum_lanes(&llrs[n..], certain, lanes, cnt)
}

/// See `super::any_nonzero`.
///
/// # Safety
/// The CPU must support AVX-512 F.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn any_nonzero(x: &[f32]) -> bool {
    let n = x.len() / 16 * 16;
    let mut acc = _mm512_setzero_si512();
    for i in (0..n).step_by(16) {
        acc = _mm512_or_si512(acc, _mm512_loadu_si512(x.as_ptr().add(i).cast()));
    }
    _mm512_test_epi32_mask(acc, _mm512_set1_epi32(0x7fff_ffff)) != 0
        || super::any_nonzero_scalar(&x[n..])
}
