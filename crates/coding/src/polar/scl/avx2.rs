//! The AVX2 build of the list decoder: the whole schedule loop compiled with AVX2, and for
//! 8 paths (one f32 per path in a vector) the permuted reads by `vpermps` and the
//! per-path sums in registers. The arithmetic is the portable one, operation for operation
//! in the same order, so both give the same bits.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{Core, Lanes, Op, Portable, ONE};

/// AVX2 lane kernels.
pub(super) struct Avx2;

/// out = v permuted by p (8 lanes of 32 bits).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn permute8(v: *const u32, p: *const u32, out: *mut u32) {
    // SAFETY (caller): v, p and out point to 8 valid u32 each.
    unsafe {
        let x = _mm256_loadu_si256(v.cast());
        let i = _mm256_loadu_si256(p.cast());
        _mm256_storeu_si256(out.cast(), _mm256_permutevar8x32_epi32(x, i));
    }
}

/// g over `n` positions of 8 lanes with a, b read through p.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn g_perm8(
    a: *const f32,
    b: *const f32,
    beta: *const u32,
    p: *const u32,
    out: *mut f32,
    n: usize,
) {
    // SAFETY (caller): a, b, beta and out hold n·8 values, p 8.
    unsafe {
        let idx = _mm256_loadu_si256(p.cast());
        for i in 0..n {
            let x = _mm256_permutevar8x32_ps(_mm256_loadu_ps(a.add(8 * i)), idx);
            let y = _mm256_permutevar8x32_ps(_mm256_loadu_ps(b.add(8 * i)), idx);
            let s = _mm256_castsi256_ps(_mm256_loadu_si256(beta.add(8 * i).cast()));
            _mm256_storeu_ps(out.add(8 * i), _mm256_add_ps(y, _mm256_xor_ps(x, s)));
        }
    }
}

/// g over `n` positions of 8 lanes with a, b the same in every lane.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn g_splat8(a: *const f32, b: *const f32, beta: *const u32, out: *mut f32, n: usize) {
    // SAFETY (caller): a, b hold n values, beta and out n·8.
    unsafe {
        for i in 0..n {
            let x = _mm256_set1_ps(*a.add(i));
            let y = _mm256_set1_ps(*b.add(i));
            let s = _mm256_castsi256_ps(_mm256_loadu_si256(beta.add(8 * i).cast()));
            _mm256_storeu_ps(out.add(8 * i), _mm256_add_ps(y, _mm256_xor_ps(x, s)));
        }
    }
}

/// l = (l through p) ⊕ r over `n` positions of 8 lanes.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn xor_perm8(l: *mut u32, r: *const u32, p: *const u32, n: usize) {
    // SAFETY (caller): l and r hold n·8 values, p 8.
    unsafe {
        let idx = _mm256_loadu_si256(p.cast());
        for i in 0..n {
            let x = _mm256_permutevar8x32_epi32(_mm256_loadu_si256(l.add(8 * i).cast()), idx);
            let y = _mm256_loadu_si256(r.add(8 * i).cast());
            _mm256_storeu_si256(l.add(8 * i).cast(), _mm256_xor_si256(x, y));
        }
    }
}

/// Per-lane (Σ max(−l, 0), Σ max(l, 0)) over `n` positions of 8 lanes.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn costs8(llr: *const f32, n: usize, c0: *mut f32, c1: *mut f32) {
    // SAFETY (caller): llr holds n·8 values, c0 and c1 8.
    unsafe {
        let sign = _mm256_castsi256_ps(_mm256_set1_epi32(ONE as i32));
        let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for i in 0..n {
            let l = _mm256_loadu_ps(llr.add(8 * i));
            let neg = _mm256_castsi256_ps(_mm256_srai_epi32(_mm256_castps_si256(l), 31));
            let abs = _mm256_andnot_ps(sign, l);
            a0 = _mm256_add_ps(a0, _mm256_and_ps(abs, neg));
            a1 = _mm256_add_ps(a1, _mm256_andnot_ps(neg, l));
        }
        _mm256_storeu_ps(c0, a0);
        _mm256_storeu_ps(c1, a1);
    }
}

/// Batcher's network over `n` rows of 8 lanes.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sort_rows8(rows: *mut u32, n: usize) {
    // SAFETY (caller): rows holds n·8 values.
    unsafe {
        for &(a, b) in super::network(n) {
            let pa = rows.add(8 * a as usize).cast::<__m256i>();
            let pb = rows.add(8 * b as usize).cast::<__m256i>();
            let (x, y) = (_mm256_loadu_si256(pa), _mm256_loadu_si256(pb));
            _mm256_storeu_si256(pa, _mm256_min_epu32(x, y));
            _mm256_storeu_si256(pb, _mm256_max_epu32(x, y));
        }
    }
}

// SAFETY of every call below: only reached from `run`, which requires AVX2; W == 8 is
// checked, and the lengths passed are those of the slices.
impl Lanes for Avx2 {
    #[inline(always)]
    fn gather<T: Copy + Default, const W: usize>(v: &[T; W], p: &[u32; W]) -> [T; W] {
        if W == 8 && size_of::<T>() == 4 {
            let mut out = [T::default(); W];
            unsafe { permute8(v.as_ptr().cast(), p.as_ptr(), out.as_mut_ptr().cast()) };
            out
        } else {
            Portable::gather(v, p)
        }
    }

    #[inline(always)]
    fn g_perm<const W: usize>(
        a: &[[f32; W]],
        b: &[[f32; W]],
        beta: &[[u32; W]],
        p: &[u32; W],
        out: &mut [[f32; W]],
    ) {
        let n = out.len();
        if W == 8 && a.len() >= n && b.len() >= n && beta.len() >= n {
            unsafe {
                g_perm8(
                    a.as_ptr().cast(),
                    b.as_ptr().cast(),
                    beta.as_ptr().cast(),
                    p.as_ptr(),
                    out.as_mut_ptr().cast(),
                    n,
                )
            }
        } else {
            Portable::g_perm(a, b, beta, p, out)
        }
    }

    #[inline(always)]
    fn g_splat<const W: usize>(a: &[f32], b: &[f32], beta: &[[u32; W]], out: &mut [[f32; W]]) {
        let n = out.len();
        if W == 8 && a.len() >= n && b.len() >= n && beta.len() >= n {
            unsafe {
                g_splat8(
                    a.as_ptr(),
                    b.as_ptr(),
                    beta.as_ptr().cast(),
                    out.as_mut_ptr().cast(),
                    n,
                )
            }
        } else {
            Portable::g_splat(a, b, beta, out)
        }
    }

    #[inline(always)]
    fn xor_perm<const W: usize>(l: &mut [[u32; W]], r: &[[u32; W]], p: &[u32; W]) {
        let n = l.len();
        if W == 8 && r.len() >= n {
            unsafe { xor_perm8(l.as_mut_ptr().cast(), r.as_ptr().cast(), p.as_ptr(), n) }
        } else {
            Portable::xor_perm(l, r, p)
        }
    }

    #[inline(always)]
    fn sort_rows<const W: usize>(rows: &mut [[u32; W]]) {
        if W == 8 {
            unsafe { sort_rows8(rows.as_mut_ptr().cast(), rows.len()) }
        } else {
            Portable::sort_rows(rows)
        }
    }

    #[inline(always)]
    fn costs<const W: usize>(llr: &[[f32; W]]) -> ([f32; W], [f32; W]) {
        if W == 8 {
            let (mut c0, mut c1) = ([0f32; W], [0f32; W]);
            unsafe {
                costs8(
                    llr.as_ptr().cast(),
                    llr.len(),
                    c0.as_mut_ptr(),
                    c1.as_mut_ptr(),
                )
            };
            (c0, c1)
        } else {
            Portable::costs(llr)
        }
    }
}

/// Runs the schedule `ops` on `core`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn run<const W: usize>(core: &mut Core<'_, W>, ops: &[Op]) {
    core.run::<Avx2>(ops)
}
