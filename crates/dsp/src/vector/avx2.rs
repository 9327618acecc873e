//! AVX2 versions of the vector kernels (4 complex per 256-bit register).
//!
//! Every function requires AVX2 and FMA; callers (only [`super::VectorKernels`]) guarantee
//! this. Tails shorter than a register use the scalar twin, which performs the same
//! operations in the same order.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use nrkit_core::C32;

use super::scalar;

const L: usize = 4; // complex per register

/// Complex product of packed [re, im] pairs, without FMA: (ar·br − ai·bi, ai·br + ar·bi).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn cmul(a: __m256, b: __m256) -> __m256 {
    let br = _mm256_moveldup_ps(b);
    let bi = _mm256_movehdup_ps(b);
    let t1 = _mm256_mul_ps(a, br);
    let asw = _mm256_permute_ps::<0b1011_0001>(a);
    let t2 = _mm256_mul_ps(asw, bi);
    _mm256_addsub_ps(t1, t2)
}

/// a · conj(b) = (ar·br + ai·bi, ai·br − ar·bi).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn cmul_conj(a: __m256, b: __m256) -> __m256 {
    let br = _mm256_moveldup_ps(b);
    let bi = _mm256_movehdup_ps(b);
    let t1 = _mm256_mul_ps(a, br);
    let asw = _mm256_permute_ps::<0b1011_0001>(a);
    let t2 = _mm256_mul_ps(asw, bi);
    let neg = _mm256_xor_ps(t2, _mm256_set1_ps(-0.0));
    _mm256_addsub_ps(t1, neg)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn ld(p: *const C32) -> __m256 {
    _mm256_loadu_ps(p as *const f32)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn st(p: *mut C32, v: __m256) {
    _mm256_storeu_ps(p as *mut f32, v)
}

/// Horizontal sum of 8 lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps::<1>(v);
    let s = _mm_add_ps(lo, hi);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// Sum of the complex lanes of a packed vector.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn csum(v: __m256) -> C32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps::<1>(v);
    let s = _mm_add_ps(lo, hi); // [r0+r2, i0+i2, r1+r3, i1+i3]
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let mut out = [0f32; 4];
    // SAFETY: `out` has room for 4 floats.
    unsafe { _mm_storeu_ps(out.as_mut_ptr(), s) };
    C32::new(out[0], out[1])
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn mul(a: &[C32], b: &[C32], out: &mut [C32]) {
    let n = a.len() / L * L;
    let mut i = 0;
    while i < n {
        st(
            out.as_mut_ptr().add(i),
            cmul(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i))),
        );
        i += L;
    }
    scalar::mul(&a[n..], &b[n..], &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn conj_mul(a: &[C32], b: &[C32], out: &mut [C32]) {
    let n = a.len() / L * L;
    let mut i = 0;
    while i < n {
        let r = cmul_conj(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i)));
        st(out.as_mut_ptr().add(i), r);
        i += L;
    }
    scalar::conj_mul(&a[n..], &b[n..], &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn mac(acc: &mut [C32], a: &[C32], b: &[C32]) {
    let n = a.len() / L * L;
    let mut i = 0;
    while i < n {
        let p = cmul(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i)));
        let r = _mm256_add_ps(ld(acc.as_ptr().add(i)), p);
        st(acc.as_mut_ptr().add(i), r);
        i += L;
    }
    scalar::mac(&mut acc[n..], &a[n..], &b[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn scale(x: &[C32], s: C32, out: &mut [C32]) {
    let sv = _mm256_setr_ps(s.re, s.im, s.re, s.im, s.re, s.im, s.re, s.im);
    let n = x.len() / L * L;
    let mut i = 0;
    while i < n {
        st(out.as_mut_ptr().add(i), cmul(ld(x.as_ptr().add(i)), sv));
        i += L;
    }
    scalar::scale(&x[n..], s, &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn scale_in_place(x: &mut [C32], s: C32) {
    let sv = _mm256_setr_ps(s.re, s.im, s.re, s.im, s.re, s.im, s.re, s.im);
    let n = x.len() / L * L;
    let mut i = 0;
    while i < n {
        let p = x.as_mut_ptr().add(i);
        st(p, cmul(ld(p), sv));
        i += L;
    }
    scalar::scale_in_place(&mut x[n..], s);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn add(a: &[C32], b: &[C32], out: &mut [C32]) {
    let n = a.len() / L * L;
    let mut i = 0;
    while i < n {
        let r = _mm256_add_ps(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i)));
        st(out.as_mut_ptr().add(i), r);
        i += L;
    }
    scalar::add(&a[n..], &b[n..], &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn energy(x: &[C32]) -> f32 {
    let n = x.len() / (2 * L) * (2 * L);
    let mut acc0 = _mm256_setzero_ps();
    let mut acc1 = _mm256_setzero_ps();
    let mut i = 0;
    while i < n {
        let v0 = ld(x.as_ptr().add(i));
        let v1 = ld(x.as_ptr().add(i + L));
        acc0 = _mm256_fmadd_ps(v0, v0, acc0);
        acc1 = _mm256_fmadd_ps(v1, v1, acc1);
        i += 2 * L;
    }
    hsum(_mm256_add_ps(acc0, acc1)) + scalar::energy(&x[n..])
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot(a: &[C32], b: &[C32]) -> C32 {
    let n = a.len() / L * L;
    let mut acc = _mm256_setzero_ps();
    let mut i = 0;
    while i < n {
        acc = _mm256_add_ps(acc, cmul_conj(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i))));
        i += L;
    }
    csum(acc) + scalar::dot(&a[n..], &b[n..])
}

/// |x|² of 8 complex values from two registers, in order.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn mag8(v0: __m256, v1: __m256) -> __m256 {
    let s = _mm256_hadd_ps(_mm256_mul_ps(v0, v0), _mm256_mul_ps(v1, v1));
    // hadd order: [c0 c1 c4 c5 | c2 c3 c6 c7] → restore 64-bit blocks 0,2,1,3.
    _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(s)))
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn mag_sq(x: &[C32], out: &mut [f32]) {
    let n = x.len() / (2 * L) * (2 * L);
    let mut i = 0;
    while i < n {
        let m = mag8(ld(x.as_ptr().add(i)), ld(x.as_ptr().add(i + L)));
        _mm256_storeu_ps(out.as_mut_ptr().add(i), m);
        i += 2 * L;
    }
    scalar::mag_sq(&x[n..], &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn argmax_mag_sq(x: &[C32]) -> (usize, f32) {
    let n = x.len() / (2 * L) * (2 * L);
    if n == 0 {
        return scalar::argmax_mag_sq(x);
    }
    let mut best = _mm256_set1_ps(f32::NEG_INFINITY);
    let mut best_idx = _mm256_set1_epi32(0);
    let mut idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let step = _mm256_set1_epi32(8);
    let mut i = 0;
    while i < n {
        let m = mag8(ld(x.as_ptr().add(i)), ld(x.as_ptr().add(i + L)));
        let gt = _mm256_cmp_ps::<_CMP_GT_OQ>(m, best);
        best = _mm256_blendv_ps(best, m, gt);
        best_idx = _mm256_blendv_epi8(best_idx, idx, _mm256_castps_si256(gt));
        idx = _mm256_add_epi32(idx, step);
        i += 2 * L;
    }
    let mut bv = [0f32; 8];
    let mut bi = [0i32; 8];
    _mm256_storeu_ps(bv.as_mut_ptr(), best);
    _mm256_storeu_si256(bi.as_mut_ptr() as *mut __m256i, best_idx);
    reduce_lanes(&bv, &bi, x, n)
}

/// Combines per-lane (value, index) maxima, then continues over the tail from `n`.
pub(super) fn reduce_lanes(bv: &[f32], bi: &[i32], x: &[C32], n: usize) -> (usize, f32) {
    let mut v = f32::NEG_INFINITY;
    let mut ix = usize::MAX;
    let mut found = false;
    for (&val, &id) in bv.iter().zip(bi) {
        if val > v || (val == v && found && (id as usize) < ix) {
            v = val;
            ix = id as usize;
            found = true;
        }
    }
    if !found {
        ix = 0;
    }
    scalar::argmax_from(&x[n..], n, (ix, v, found))
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn ci16_to_cf32(src: &[i16], out: &mut [C32]) {
    let n = out.len() / L * L;
    let k = _mm256_set1_ps(1.0 / 32768.0);
    let mut i = 0;
    while i < n {
        let raw = _mm_loadu_si128(src.as_ptr().add(2 * i) as *const __m128i);
        let f = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(raw));
        st(out.as_mut_ptr().add(i), _mm256_mul_ps(f, k));
        i += L;
    }
    scalar::ci16_to_cf32(&src[2 * n..], &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn ci8_to_cf32(src: &[i8], out: &mut [C32]) {
    let n = out.len() / L * L;
    let k = _mm256_set1_ps(1.0 / 128.0);
    let mut i = 0;
    while i < n {
        let raw = _mm_loadl_epi64(src.as_ptr().add(2 * i) as *const __m128i);
        let f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(raw));
        st(out.as_mut_ptr().add(i), _mm256_mul_ps(f, k));
        i += L;
    }
    scalar::ci8_to_cf32(&src[2 * n..], &mut out[n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn cu8_to_cf32(src: &[u8], out: &mut [C32]) {
    let n = out.len() / L * L;
    let k = _mm256_set1_ps(1.0 / 128.0);
    let off = _mm256_set1_ps(127.5);
    let mut i = 0;
    while i < n {
        let raw = _mm_loadl_epi64(src.as_ptr().add(2 * i) as *const __m128i);
        let f = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(raw));
        st(
            out.as_mut_ptr().add(i),
            _mm256_mul_ps(_mm256_sub_ps(f, off), k),
        );
        i += L;
    }
    scalar::cu8_to_cf32(&src[2 * n..], &mut out[n..]);
}

/// Scale, offset, clamp (NaN ↦ lo) and round to nearest-even, as `scalar::quantize`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn quantize(v: __m256, scale: f32, offset: f32, lo: f32, hi: f32) -> __m256i {
    let x = _mm256_add_ps(
        _mm256_mul_ps(v, _mm256_set1_ps(scale)),
        _mm256_set1_ps(offset),
    );
    let x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(lo)), _mm256_set1_ps(hi));
    _mm256_cvtps_epi32(x)
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn cf32_to_ci16(src: &[C32], out: &mut [i16]) {
    let n = src.len() / (2 * L) * (2 * L);
    let mut i = 0;
    while i < n {
        let a = quantize(ld(src.as_ptr().add(i)), 32768.0, 0.0, -32768.0, 32767.0);
        let b = quantize(ld(src.as_ptr().add(i + L)), 32768.0, 0.0, -32768.0, 32767.0);
        let p = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(a, b));
        _mm256_storeu_si256(out.as_mut_ptr().add(2 * i) as *mut __m256i, p);
        i += 2 * L;
    }
    scalar::cf32_to_ci16(&src[n..], &mut out[2 * n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn cf32_to_ci8(src: &[C32], out: &mut [i8]) {
    let n = src.len() / (2 * L) * (2 * L);
    let mut i = 0;
    while i < n {
        let a = quantize(ld(src.as_ptr().add(i)), 128.0, 0.0, -128.0, 127.0);
        let b = quantize(ld(src.as_ptr().add(i + L)), 128.0, 0.0, -128.0, 127.0);
        let w = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(a, b));
        let bytes = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w));
        _mm_storeu_si128(out.as_mut_ptr().add(2 * i) as *mut __m128i, bytes);
        i += 2 * L;
    }
    scalar::cf32_to_ci8(&src[n..], &mut out[2 * n..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn cf32_to_cu8(src: &[C32], out: &mut [u8]) {
    let n = src.len() / (2 * L) * (2 * L);
    let mut i = 0;
    while i < n {
        let a = quantize(ld(src.as_ptr().add(i)), 128.0, 127.5, 0.0, 255.0);
        let b = quantize(ld(src.as_ptr().add(i + L)), 128.0, 127.5, 0.0, 255.0);
        let w = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(a, b));
        let bytes = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w));
        _mm_storeu_si128(out.as_mut_ptr().add(2 * i) as *mut __m128i, bytes);
        i += 2 * L;
    }
    scalar::cf32_to_cu8(&src[n..], &mut out[2 * n..]);
}

/// 8-lane lookup in a table of up to 16 entries (`lo` = entries 0..8, `hi` = 8..16).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn lookup16(lo: __m256, hi: __m256, j: __m256i, wide: bool) -> __m256 {
    let a = _mm256_permutevar8x32_ps(lo, j);
    if !wide {
        return a;
    }
    let b = _mm256_permutevar8x32_ps(hi, j);
    let sel = _mm256_cmpgt_epi32(j, _mm256_set1_epi32(7));
    _mm256_blendv_ps(a, b, _mm256_castsi256_ps(sel))
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn pam_llr(t: &crate::PamTable, x: &[C32], to_int: f32, scale: f32, out: &mut [f32]) {
    let m = t.bits_per_dim();
    if m > 4 {
        return scalar::pam_llr(t, x, to_int, scale, out);
    }
    let q = 2 * m;
    let wide = m == 4;
    let n = x.len() / L * L;
    let sign = _mm256_set1_ps(-0.0);
    let kmax = _mm256_set1_ps((t.intervals() - 1) as f32);
    let vt = _mm256_set1_ps(to_int);
    let vs = _mm256_set1_ps(scale);
    let mut tabs = [[_mm256_setzero_ps(); 4]; 4];
    for (b, tab) in tabs.iter_mut().enumerate().take(m) {
        *tab = [
            _mm256_loadu_ps(t.slope[b].as_ptr()),
            _mm256_loadu_ps(t.slope[b].as_ptr().add(8)),
            _mm256_loadu_ps(t.icpt[b].as_ptr()),
            _mm256_loadu_ps(t.icpt[b].as_ptr().add(8)),
        ];
    }
    let mut r = [_mm256_setzero_ps(); 4];
    let mut i = 0;
    while i < n {
        let u = _mm256_mul_ps(ld(x.as_ptr().add(i)), vt);
        let a = _mm256_andnot_ps(sign, u);
        let j = _mm256_cvttps_epi32(_mm256_min_ps(a, kmax));
        for b in 0..m {
            let [s_lo, s_hi, c_lo, c_hi] = tabs[b];
            let s = lookup16(s_lo, s_hi, j, wide);
            let c = lookup16(c_lo, c_hi, j, wide);
            let mut f = _mm256_add_ps(_mm256_mul_ps(s, a), c);
            if b == 0 {
                f = _mm256_or_ps(_mm256_andnot_ps(sign, f), _mm256_and_ps(u, sign));
            }
            r[b] = _mm256_mul_ps(f, vs);
        }
        let o = out.as_mut_ptr().add(i * q);
        match m {
            1 => _mm256_storeu_ps(o, r[0]),
            2 => {
                let r0 = _mm256_castps_pd(r[0]);
                let r1 = _mm256_castps_pd(r[1]);
                let lo = _mm256_unpacklo_pd(r0, r1);
                let hi = _mm256_unpackhi_pd(r0, r1);
                _mm256_storeu_pd(o as *mut f64, _mm256_permute2f128_pd::<0x20>(lo, hi));
                _mm256_storeu_pd(o.add(8) as *mut f64, _mm256_permute2f128_pd::<0x31>(lo, hi));
            }
            3 => {
                let mut tmp = [[0f64; 4]; 3];
                for b in 0..3 {
                    _mm256_storeu_pd(tmp[b].as_mut_ptr(), _mm256_castps_pd(r[b]));
                }
                let od = o as *mut f64;
                for s in 0..4 {
                    for (b, row) in tmp.iter().enumerate() {
                        od.add(s * 3 + b).write_unaligned(row[s]);
                    }
                }
            }
            _ => {
                let [r0, r1, r2, r3] = r.map(|v| _mm256_castps_pd(v));
                let t0 = _mm256_unpacklo_pd(r0, r1);
                let t1 = _mm256_unpackhi_pd(r0, r1);
                let t2 = _mm256_unpacklo_pd(r2, r3);
                let t3 = _mm256_unpackhi_pd(r2, r3);
                let od = o as *mut f64;
                _mm256_storeu_pd(od, _mm256_permute2f128_pd::<0x20>(t0, t2));
                _mm256_storeu_pd(od.add(4), _mm256_permute2f128_pd::<0x20>(t1, t3));
                _mm256_storeu_pd(od.add(8), _mm256_permute2f128_pd::<0x31>(t0, t2));
                _mm256_storeu_pd(od.add(12), _mm256_permute2f128_pd::<0x31>(t1, t3));
            }
        }
        i += L;
    }
    scalar::pam_llr(t, &x[n..], to_int, scale, &mut out[n * q..]);
}

#[target_feature(enable = "avx2,fma")]
pub unsafe fn llr_to_i8(src: &[f32], out: &mut [i8]) {
    let n = src.len() / 32 * 32;
    let lo = _mm256_set1_ps(-127.0);
    let hi = _mm256_set1_ps(127.0);
    let q = |p: *const f32| {
        _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_loadu_ps(p), lo), hi))
    };
    let mut i = 0;
    while i < n {
        let p = src.as_ptr().add(i);
        let w0 = _mm256_packs_epi32(q(p), q(p.add(8)));
        let w1 = _mm256_packs_epi32(q(p.add(16)), q(p.add(24)));
        let b = _mm256_packs_epi16(w0, w1);
        // Undo the per-128-bit-lane interleave of the two packs.
        let b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, b);
        i += 32;
    }
    scalar::llr_to_i8(&src[n..], &mut out[n..]);
}
