//! AVX-512 versions of the vector kernels (8 complex per 512-bit register).
//!
//! Every function requires AVX-512 F/BW/DQ/VL (and AVX2+FMA); callers (only
//! [`super::VectorKernels`]) guarantee this. AVX-512 has no `addsub`, so the complex product
//! adds `t2` with its even lanes' sign flipped, which is the same IEEE operation as the
//! subtraction of the scalar twin.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use nrkit_core::C32;

use super::{avx2, scalar};

const L: usize = 8; // complex per register

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn even_sign() -> __m512 {
    _mm512_castsi512_ps(_mm512_set1_epi64(0x8000_0000))
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn cmul(a: __m512, b: __m512) -> __m512 {
    let br = _mm512_moveldup_ps(b);
    let bi = _mm512_movehdup_ps(b);
    let t1 = _mm512_mul_ps(a, br);
    let t2 = _mm512_mul_ps(_mm512_permute_ps::<0b1011_0001>(a), bi);
    _mm512_add_ps(t1, _mm512_xor_ps(t2, even_sign()))
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn cmul_conj(a: __m512, b: __m512) -> __m512 {
    let br = _mm512_moveldup_ps(b);
    let bi = _mm512_movehdup_ps(b);
    let t1 = _mm512_mul_ps(a, br);
    let t2 = _mm512_mul_ps(_mm512_permute_ps::<0b1011_0001>(a), bi);
    // (t1.re + t2.re, t1.im − t2.im): flip the odd lanes' sign.
    let odd = _mm512_castsi512_ps(_mm512_set1_epi64(0x8000_0000_0000_0000u64 as i64));
    _mm512_add_ps(t1, _mm512_xor_ps(t2, odd))
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn ld(p: *const C32) -> __m512 {
    _mm512_loadu_ps(p as *const f32)
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
unsafe fn st(p: *mut C32, v: __m512) {
    _mm512_storeu_ps(p as *mut f32, v)
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn csum(v: __m512) -> C32 {
    let lo = _mm512_castps512_ps256(v);
    let hi = _mm512_extractf32x8_ps::<1>(v);
    let s = _mm256_add_ps(lo, hi);
    let l = _mm256_castps256_ps128(s);
    let h = _mm256_extractf128_ps::<1>(s);
    let q = _mm_add_ps(l, h);
    let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    let mut out = [0f32; 4];
    // SAFETY: `out` has room for 4 floats.
    unsafe { _mm_storeu_ps(out.as_mut_ptr(), q) };
    C32::new(out[0], out[1])
}

macro_rules! elementwise2 {
    ($name:ident, $tail:path, $op:expr) => {
        #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
        pub unsafe fn $name(a: &[C32], b: &[C32], out: &mut [C32]) {
            let n = a.len() / L * L;
            let mut i = 0;
            while i < n {
                let r = $op(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i)));
                st(out.as_mut_ptr().add(i), r);
                i += L;
            }
            $tail(&a[n..], &b[n..], &mut out[n..]);
        }
    };
}

elementwise2!(mul, scalar::mul, cmul);
elementwise2!(conj_mul, scalar::conj_mul, cmul_conj);
elementwise2!(add, scalar::add, |x, y| _mm512_add_ps(x, y));

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn mac(acc: &mut [C32], a: &[C32], b: &[C32]) {
    let n = a.len() / L * L;
    let mut i = 0;
    while i < n {
        let p = cmul(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i)));
        st(
            acc.as_mut_ptr().add(i),
            _mm512_add_ps(ld(acc.as_ptr().add(i)), p),
        );
        i += L;
    }
    scalar::mac(&mut acc[n..], &a[n..], &b[n..]);
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn splat(s: C32) -> __m512 {
    _mm512_castpd_ps(_mm512_set1_pd(f64::from_bits(
        (u64::from(s.im.to_bits()) << 32) | u64::from(s.re.to_bits()),
    )))
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn scale(x: &[C32], s: C32, out: &mut [C32]) {
    let sv = splat(s);
    let n = x.len() / L * L;
    let mut i = 0;
    while i < n {
        st(out.as_mut_ptr().add(i), cmul(ld(x.as_ptr().add(i)), sv));
        i += L;
    }
    scalar::scale(&x[n..], s, &mut out[n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn scale_in_place(x: &mut [C32], s: C32) {
    let sv = splat(s);
    let n = x.len() / L * L;
    let mut i = 0;
    while i < n {
        let p = x.as_mut_ptr().add(i);
        st(p, cmul(ld(p), sv));
        i += L;
    }
    scalar::scale_in_place(&mut x[n..], s);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn energy(x: &[C32]) -> f32 {
    let n = x.len() / (2 * L) * (2 * L);
    let mut acc0 = _mm512_setzero_ps();
    let mut acc1 = _mm512_setzero_ps();
    let mut i = 0;
    while i < n {
        let v0 = ld(x.as_ptr().add(i));
        let v1 = ld(x.as_ptr().add(i + L));
        acc0 = _mm512_fmadd_ps(v0, v0, acc0);
        acc1 = _mm512_fmadd_ps(v1, v1, acc1);
        i += 2 * L;
    }
    _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + scalar::energy(&x[n..])
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn dot(a: &[C32], b: &[C32]) -> C32 {
    let n = a.len() / L * L;
    let mut acc = _mm512_setzero_ps();
    let mut i = 0;
    while i < n {
        acc = _mm512_add_ps(acc, cmul_conj(ld(a.as_ptr().add(i)), ld(b.as_ptr().add(i))));
        i += L;
    }
    csum(acc) + scalar::dot(&a[n..], &b[n..])
}

/// |x|² of 16 complex values from two registers, in order.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn mag16(v0: __m512, v1: __m512) -> __m512 {
    let s0 = _mm512_mul_ps(v0, v0);
    let s1 = _mm512_mul_ps(v1, v1);
    // Even lanes: re² + im² (same order as the scalar twin).
    let p0 = _mm512_add_ps(s0, _mm512_permute_ps::<0b1011_0001>(s0));
    let p1 = _mm512_add_ps(s1, _mm512_permute_ps::<0b1011_0001>(s1));
    let idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    _mm512_permutex2var_ps(p0, idx, p1)
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn mag_sq(x: &[C32], out: &mut [f32]) {
    let n = x.len() / (2 * L) * (2 * L);
    let mut i = 0;
    while i < n {
        let m = mag16(ld(x.as_ptr().add(i)), ld(x.as_ptr().add(i + L)));
        _mm512_storeu_ps(out.as_mut_ptr().add(i), m);
        i += 2 * L;
    }
    scalar::mag_sq(&x[n..], &mut out[n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn argmax_mag_sq(x: &[C32]) -> (usize, f32) {
    let n = x.len() / (2 * L) * (2 * L);
    if n == 0 {
        return scalar::argmax_mag_sq(x);
    }
    let mut best = _mm512_set1_ps(f32::NEG_INFINITY);
    let mut best_idx = _mm512_setzero_si512();
    let mut idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let step = _mm512_set1_epi32(16);
    let mut i = 0;
    while i < n {
        let m = mag16(ld(x.as_ptr().add(i)), ld(x.as_ptr().add(i + L)));
        let gt = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(m, best);
        best = _mm512_mask_blend_ps(gt, best, m);
        best_idx = _mm512_mask_blend_epi32(gt, best_idx, idx);
        idx = _mm512_add_epi32(idx, step);
        i += 2 * L;
    }
    let mut bv = [0f32; 16];
    let mut bi = [0i32; 16];
    _mm512_storeu_ps(bv.as_mut_ptr(), best);
    _mm512_storeu_si512(bi.as_mut_ptr() as *mut __m512i, best_idx);
    avx2::reduce_lanes(&bv, &bi, x, n)
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn ci16_to_cf32(src: &[i16], out: &mut [C32]) {
    let n = out.len() / L * L;
    let k = _mm512_set1_ps(1.0 / 32768.0);
    let mut i = 0;
    while i < n {
        let raw = _mm256_loadu_si256(src.as_ptr().add(2 * i) as *const __m256i);
        let f = _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(raw));
        st(out.as_mut_ptr().add(i), _mm512_mul_ps(f, k));
        i += L;
    }
    scalar::ci16_to_cf32(&src[2 * n..], &mut out[n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn ci8_to_cf32(src: &[i8], out: &mut [C32]) {
    let n = out.len() / L * L;
    let k = _mm512_set1_ps(1.0 / 128.0);
    let mut i = 0;
    while i < n {
        let raw = _mm_loadu_si128(src.as_ptr().add(2 * i) as *const __m128i);
        let f = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(raw));
        st(out.as_mut_ptr().add(i), _mm512_mul_ps(f, k));
        i += L;
    }
    scalar::ci8_to_cf32(&src[2 * n..], &mut out[n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn cu8_to_cf32(src: &[u8], out: &mut [C32]) {
    let n = out.len() / L * L;
    let k = _mm512_set1_ps(1.0 / 128.0);
    let off = _mm512_set1_ps(127.5);
    let mut i = 0;
    while i < n {
        let raw = _mm_loadu_si128(src.as_ptr().add(2 * i) as *const __m128i);
        let f = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(raw));
        st(
            out.as_mut_ptr().add(i),
            _mm512_mul_ps(_mm512_sub_ps(f, off), k),
        );
        i += L;
    }
    scalar::cu8_to_cf32(&src[2 * n..], &mut out[n..]);
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
fn quantize(v: __m512, scale: f32, offset: f32, lo: f32, hi: f32) -> __m512i {
    let x = _mm512_add_ps(
        _mm512_mul_ps(v, _mm512_set1_ps(scale)),
        _mm512_set1_ps(offset),
    );
    let x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
    _mm512_cvtps_epi32(x)
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn cf32_to_ci16(src: &[C32], out: &mut [i16]) {
    let n = src.len() / L * L;
    let mut i = 0;
    while i < n {
        let q = quantize(ld(src.as_ptr().add(i)), 32768.0, 0.0, -32768.0, 32767.0);
        _mm256_storeu_si256(
            out.as_mut_ptr().add(2 * i) as *mut __m256i,
            _mm512_cvtepi32_epi16(q),
        );
        i += L;
    }
    scalar::cf32_to_ci16(&src[n..], &mut out[2 * n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn cf32_to_ci8(src: &[C32], out: &mut [i8]) {
    let n = src.len() / L * L;
    let mut i = 0;
    while i < n {
        let q = quantize(ld(src.as_ptr().add(i)), 128.0, 0.0, -128.0, 127.0);
        _mm_storeu_si128(
            out.as_mut_ptr().add(2 * i) as *mut __m128i,
            _mm512_cvtepi32_epi8(q),
        );
        i += L;
    }
    scalar::cf32_to_ci8(&src[n..], &mut out[2 * n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn cf32_to_cu8(src: &[C32], out: &mut [u8]) {
    let n = src.len() / L * L;
    let mut i = 0;
    while i < n {
        let q = quantize(ld(src.as_ptr().add(i)), 128.0, 127.5, 0.0, 255.0);
        _mm_storeu_si128(
            out.as_mut_ptr().add(2 * i) as *mut __m128i,
            _mm512_cvtepi32_epi8(q),
        );
        i += L;
    }
    scalar::cf32_to_cu8(&src[n..], &mut out[2 * n..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn pam_llr(t: &crate::PamTable, x: &[C32], to_int: f32, scale: f32, out: &mut [f32]) {
    let m = t.bits_per_dim();
    let q = 2 * m;
    let n = x.len() / L * L;
    let sign = _mm512_set1_ps(-0.0);
    let kmax = _mm512_set1_ps((t.intervals() - 1) as f32);
    let vt = _mm512_set1_ps(to_int);
    let vs = _mm512_set1_ps(scale);
    let wide = m == 5;
    let mut tabs = [[_mm512_setzero_ps(); 4]; 5];
    for (b, tab) in tabs.iter_mut().enumerate().take(m) {
        *tab = [
            _mm512_loadu_ps(t.slope[b].as_ptr()),
            _mm512_loadu_ps(t.slope[b].as_ptr().add(16)),
            _mm512_loadu_ps(t.icpt[b].as_ptr()),
            _mm512_loadu_ps(t.icpt[b].as_ptr().add(16)),
        ];
    }
    // Odd m (64QAM, 1024QAM): output vector k, lane p holds pair P = 8k + p, i.e. symbol
    // P / m, bit P % m: gather it from r[P % m] lane P / m with one permute per source and
    // masked blends.
    let mut odd_idx = [_mm512_setzero_si512(); 5];
    let mut odd_mask = [[0u8; 5]; 5];
    if m % 2 == 1 {
        for k in 0..m {
            let mut lanes = [0i64; 8];
            for (p, lane) in lanes.iter_mut().enumerate() {
                let pair = 8 * k + p;
                *lane = (pair / m) as i64;
                odd_mask[k][pair % m] |= 1 << p;
            }
            odd_idx[k] = _mm512_loadu_si512(lanes.as_ptr() as *const __m512i);
        }
    }
    let mut r = [_mm512_setzero_pd(); 5];
    let mut i = 0;
    while i < n {
        let u = _mm512_mul_ps(ld(x.as_ptr().add(i)), vt);
        let a = _mm512_andnot_ps(sign, u);
        let j = _mm512_cvttps_epi32(_mm512_min_ps(a, kmax));
        for b in 0..m {
            let [s_lo, s_hi, c_lo, c_hi] = tabs[b];
            let (s, c) = if wide {
                (
                    _mm512_permutex2var_ps(s_lo, j, s_hi),
                    _mm512_permutex2var_ps(c_lo, j, c_hi),
                )
            } else {
                (
                    _mm512_permutexvar_ps(j, s_lo),
                    _mm512_permutexvar_ps(j, c_lo),
                )
            };
            let mut f = _mm512_add_ps(_mm512_mul_ps(s, a), c);
            if b == 0 {
                f = _mm512_or_ps(_mm512_andnot_ps(sign, f), _mm512_and_ps(u, sign));
            }
            r[b] = _mm512_castps_pd(_mm512_mul_ps(f, vs));
        }
        let od = out.as_mut_ptr().add(i * q) as *mut f64;
        match m {
            1 => _mm512_storeu_pd(od, r[0]),
            2 => {
                let i0 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
                let i1 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
                _mm512_storeu_pd(od, _mm512_permutex2var_pd(r[0], i0, r[1]));
                _mm512_storeu_pd(od.add(8), _mm512_permutex2var_pd(r[0], i1, r[1]));
            }
            4 => {
                let i0 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
                let i1 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
                let p01l = _mm512_permutex2var_pd(r[0], i0, r[1]);
                let p01h = _mm512_permutex2var_pd(r[0], i1, r[1]);
                let p23l = _mm512_permutex2var_pd(r[2], i0, r[3]);
                let p23h = _mm512_permutex2var_pd(r[2], i1, r[3]);
                let k0 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
                let k1 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
                _mm512_storeu_pd(od, _mm512_permutex2var_pd(p01l, k0, p23l));
                _mm512_storeu_pd(od.add(8), _mm512_permutex2var_pd(p01l, k1, p23l));
                _mm512_storeu_pd(od.add(16), _mm512_permutex2var_pd(p01h, k0, p23h));
                _mm512_storeu_pd(od.add(24), _mm512_permutex2var_pd(p01h, k1, p23h));
            }
            _ => {
                for k in 0..m {
                    let mut v = _mm512_permutexvar_pd(odd_idx[k], r[0]);
                    for b in 1..m {
                        let src = _mm512_permutexvar_pd(odd_idx[k], r[b]);
                        v = _mm512_mask_blend_pd(odd_mask[k][b], v, src);
                    }
                    _mm512_storeu_pd(od.add(8 * k), v);
                }
            }
        }
        i += L;
    }
    scalar::pam_llr(t, &x[n..], to_int, scale, &mut out[n * q..]);
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn llr_to_i8(src: &[f32], out: &mut [i8]) {
    let n = src.len() / 16 * 16;
    let lo = _mm512_set1_ps(-127.0);
    let hi = _mm512_set1_ps(127.0);
    let mut i = 0;
    while i < n {
        let v = _mm512_loadu_ps(src.as_ptr().add(i));
        let q = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, lo), hi));
        _mm_storeu_si128(
            out.as_mut_ptr().add(i) as *mut __m128i,
            _mm512_cvtepi32_epi8(q),
        );
        i += 16;
    }
    scalar::llr_to_i8(&src[n..], &mut out[n..]);
}
