//! AVX-512 four-step FFT for the NR sizes: powers of two 128..=4096 and 1536, 3072.
//! N = N1·N2 with N1 ∈ {8, 16, 24, 32, 64}; N2 ≤ 64 is one codelet, N2 ∈ {128, 256} is itself
//! a 16 × (N2/16) four-step (so 2048 = 8·256, 3072 = 24·128 and 4096 = 16·256 are three
//! levels, keeping every working set in L1).
//!
//! 1. N1-point DFTs down the N2 columns, 8 adjacent columns per register ("vertical": each
//!    lane is its own column, so the in-register codelet needs no shuffles), each output
//!    multiplied by W_N^(n2·k1) and written transposed (8×8 in-register transposes) into
//!    scratch laid out `[n2][k1]`;
//! 2. N2-point DFTs down the N1 columns of scratch, written straight to the output, whose
//!    `[k2][k1]` layout is the natural order k = k1 + N1·k2.
//!
//! Works in place or out of place (input may equal output); scratch holds N values.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use nrkit_core::C32;

use super::codelet::{self, Lane};

/// 8 complex values, interleaved re/im.
#[derive(Clone, Copy)]
#[repr(transparent)]
struct V(__m512);

/// a · (br + j·bi) with `br`, `bi` already broadcast to both halves of each complex lane.
#[inline(always)]
fn cmul_split(a: __m512, br: __m512, bi: __m512) -> __m512 {
    // SAFETY: as above.
    unsafe {
        let t2 = _mm512_mul_ps(_mm512_permute_ps::<0b1011_0001>(a), bi);
        _mm512_fmaddsub_ps(a, br, t2)
    }
}

impl Lane for V {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: as above.
        V(unsafe { _mm512_add_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        // SAFETY: as above.
        V(unsafe { _mm512_sub_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn mul_c(self, w: C32) -> Self {
        // SAFETY: as above.
        unsafe {
            V(cmul_split(
                self.0,
                _mm512_set1_ps(w.re),
                _mm512_set1_ps(w.im),
            ))
        }
    }
    #[inline(always)]
    fn rot_addsub(t: Self, d: Self, inverse: bool) -> (Self, Self) {
        // SAFETY: as above.
        unsafe {
            let one = _mm512_set1_ps(1.0);
            let sw = _mm512_permute_ps::<0b1011_0001>(d.0); // (d.im, d.re)
                                                            // t − j·d = (t.re + d.im, t.im − d.re): fmsubadd; t + j·d: fmaddsub.
            let minus_j = V(_mm512_fmsubadd_ps(one, t.0, sw));
            let plus_j = V(_mm512_fmaddsub_ps(one, t.0, sw));
            if inverse {
                (plus_j, minus_j)
            } else {
                (minus_j, plus_j)
            }
        }
    }
}

/// A planned transform.
#[derive(Debug)]
pub(crate) struct Plan {
    n1: usize,
    n2: usize,
    inverse: bool,
    tw1: Vec<C32>,
    tw2: Vec<C32>,
    /// Step-1 twiddles W_N^(k1·n2) for n2 = 8c + j, factored to stay in L1:
    /// `lane_re/lane_im[k1·8 + j]` = W_N^(k1·j) (real/imaginary part duplicated into both
    /// halves of the complex slot) and `block[c·N1 + k1]` = W_N^(8c·k1).
    lane_re: Vec<C32>,
    lane_im: Vec<C32>,
    block: Vec<C32>,
    /// Unfactored W_N^(k1·n2) `[k1][n2]` (split like `lane_*`), kept only while it fits in L1
    /// beside the data (N ≤ 1024): one complex multiply per value instead of two.
    full_re: Vec<C32>,
    full_im: Vec<C32>,
    /// For N2 ∈ {128, 256}, the inner 16 × (N2/16) four-step's twiddles: W_N2^e (`tw_n2`),
    /// W_16^e (`tw16`) and W_8^e (`tw8`).
    tw_n2: Vec<C32>,
    tw16: Vec<C32>,
    tw8: Vec<C32>,
}

/// Scratch row pitch: N1 plus one cache line of padding, so the strided accesses of the
/// two steps do not all fall into the same L1 sets.
const fn pitch(n1: usize) -> usize {
    n1 + 8
}

impl Plan {
    /// A plan for `n` (a power of two in 128..=1024), else `None`.
    pub(crate) fn new(n: usize, inverse: bool) -> Option<Plan> {
        let pow2 = n.is_power_of_two() && (128..=4096).contains(&n);
        if !(pow2 || n == 1536 || n == 3072) {
            return None;
        }
        let lg = n.trailing_zeros() as usize;
        // 4096 = 16 × 256, the 256-point columns themselves done as 16 × 16 (three levels);
        // smaller sizes split as evenly as possible.
        let n1 = match n {
            4096 => 16,
            2048 | 1024 => 8,
            1536 | 3072 => 24,
            _ => 1 << lg.div_ceil(2),
        };
        let n2 = n / n1;
        let sign = if inverse { 1.0 } else { -1.0 };
        let w = |e: usize| {
            let a = sign * std::f64::consts::TAU * (e % n) as f64 / n as f64;
            C32::new(a.cos() as f32, a.sin() as f32)
        };
        let lane: Vec<C32> = (0..n1)
            .flat_map(|k1| (0..8).map(move |j| (k1, j)))
            .map(|(k1, j)| w(k1 * j))
            .collect();
        let lane_re = lane.iter().map(|z| C32::new(z.re, z.re)).collect();
        let lane_im = lane.iter().map(|z| C32::new(z.im, z.im)).collect();
        let block = (0..n2 / 8)
            .flat_map(|c| (0..n1).map(move |k1| (c, k1)))
            .map(|(c, k1)| w(8 * c * k1))
            .collect();
        let full: Vec<C32> = if n <= 1024 {
            (0..n1)
                .flat_map(|k1| (0..n2).map(move |c2| (k1, c2)))
                .map(|(k1, c2)| w(k1 * c2))
                .collect()
        } else {
            Vec::new()
        };
        let full_re = full.iter().map(|z| C32::new(z.re, z.re)).collect();
        let full_im = full.iter().map(|z| C32::new(z.im, z.im)).collect();
        let tw_n2 = if n2 > 64 {
            codelet::twiddles(n2, inverse)
        } else {
            Vec::new()
        };
        Some(Plan {
            tw_n2,
            tw16: codelet::twiddles(16, inverse),
            tw8: codelet::twiddles(8, inverse),
            n1,
            n2,
            inverse,
            tw1: codelet::twiddles(n1, inverse),
            tw2: if n2 <= 64 {
                codelet::twiddles(n2, inverse)
            } else {
                Vec::new()
            },
            lane_re,
            lane_im,
            block,
            full_re,
            full_im,
        })
    }

    /// Scratch values [`run`] needs.
    pub(crate) fn scratch_len(&self) -> usize {
        self.n2 * pitch(self.n1)
    }
}

#[inline(always)]
fn transpose8(u: &mut [__m512; 8]) {
    // SAFETY: only reached from functions compiled with AVX-512 enabled.
    unsafe {
        let d = |v: __m512| _mm512_castps_pd(v);
        let b: [__m512d; 8] = [
            _mm512_unpacklo_pd(d(u[0]), d(u[1])),
            _mm512_unpackhi_pd(d(u[0]), d(u[1])),
            _mm512_unpacklo_pd(d(u[2]), d(u[3])),
            _mm512_unpackhi_pd(d(u[2]), d(u[3])),
            _mm512_unpacklo_pd(d(u[4]), d(u[5])),
            _mm512_unpackhi_pd(d(u[4]), d(u[5])),
            _mm512_unpacklo_pd(d(u[6]), d(u[7])),
            _mm512_unpackhi_pd(d(u[6]), d(u[7])),
        ];
        let i0 = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
        let i1 = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
        let c = [
            _mm512_permutex2var_pd(b[0], i0, b[2]),
            _mm512_permutex2var_pd(b[1], i0, b[3]),
            _mm512_permutex2var_pd(b[0], i1, b[2]),
            _mm512_permutex2var_pd(b[1], i1, b[3]),
            _mm512_permutex2var_pd(b[4], i0, b[6]),
            _mm512_permutex2var_pd(b[5], i0, b[7]),
            _mm512_permutex2var_pd(b[4], i1, b[6]),
            _mm512_permutex2var_pd(b[5], i1, b[7]),
        ];
        for j in 0..4 {
            u[j] = _mm512_castpd_ps(_mm512_shuffle_f64x2::<0b01_00_01_00>(c[j], c[j + 4]));
            u[j + 4] = _mm512_castpd_ps(_mm512_shuffle_f64x2::<0b11_10_11_10>(c[j], c[j + 4]));
        }
    }
}

/// Step 2 for N2 = A·B ∈ {128, 256}: each 8-lane column block's N2-point DFT as a vertical
/// A × B four-step (n2 = a + A·b, k2 = c + B·e): B-point DFTs over b, twiddles W_N2^(a·c),
/// then A-point DFTs over a, through a buffer of N2 registers' worth that stays in L1.
#[inline(always)]
unsafe fn step2_two<const N1: usize, const A: usize, const B: usize, const N2: usize>(
    plan: &Plan,
    out: *mut C32,
    scratch: *const C32,
) {
    let p = pitch(N1);
    let inverse = plan.inverse;
    let tw_of = |m: usize| if m == 16 { &plan.tw16 } else { &plan.tw8 };
    let tw_a: &[C32; A] = tw_of(A).as_slice().try_into().expect("A-point twiddles");
    let tw_b: &[C32; B] = tw_of(B).as_slice().try_into().expect("B-point twiddles");
    let zero = V(_mm512_setzero_ps());
    let mut temp = [zero; N2];
    for d in 0..N1 / 8 {
        for a in 0..A {
            let mut col = [zero; B];
            for (b, x) in col.iter_mut().enumerate() {
                *x = V(_mm512_loadu_ps(
                    scratch.add((a + A * b) * p + 8 * d) as *const f32
                ));
            }
            codelet::dft_sized(&mut col, tw_b, inverse);
            for (c, x) in col.iter().enumerate() {
                let w = *plan.tw_n2.get_unchecked(a * c);
                temp[c * A + a] = if a * c == 0 { *x } else { x.mul_c(w) };
            }
        }
        for c in 0..B {
            let mut row = [zero; A];
            row.copy_from_slice(&temp[c * A..c * A + A]);
            codelet::dft_sized(&mut row, tw_a, inverse);
            for (e, x) in row.iter().enumerate() {
                _mm512_storeu_ps(out.add((c + B * e) * N1 + 8 * d) as *mut f32, x.0);
            }
        }
    }
}

/// Runs `plan` from `inp` to `out` (which may be the same buffer) using `scratch`.
///
/// # Safety
/// AVX-512 F/DQ must be available; `inp` and `out` must be valid for `plan.len()` values
/// and `scratch` for `plan.scratch_len()` values not overlapping them.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn run(plan: &Plan, inp: *const C32, out: *mut C32, scratch: *mut C32) {
    match (plan.n1, plan.n2) {
        (16, 8) => run_sized::<16, 8, true>(plan, inp, out, scratch),
        (16, 16) => run_sized::<16, 16, true>(plan, inp, out, scratch),
        (32, 16) => run_sized::<32, 16, true>(plan, inp, out, scratch),
        (32, 32) => run_sized::<32, 32, true>(plan, inp, out, scratch),
        (64, 32) => run_sized::<64, 32, false>(plan, inp, out, scratch),
        (16, 256) => run_sized::<16, 256, false>(plan, inp, out, scratch),
        (8, 256) => run_sized::<8, 256, false>(plan, inp, out, scratch),
        (8, 128) => run_sized::<8, 128, true>(plan, inp, out, scratch),
        (24, 64) => run_sized::<24, 64, false>(plan, inp, out, scratch),
        (24, 128) => run_sized::<24, 128, false>(plan, inp, out, scratch),
        _ => unreachable!("Plan::new only makes these shapes"),
    }
}

#[inline(always)]
unsafe fn run_sized<const N1: usize, const N2: usize, const FULL: bool>(
    plan: &Plan,
    inp: *const C32,
    out: *mut C32,
    scratch: *mut C32,
) {
    let inverse = plan.inverse;
    let tw1: &[C32; N1] = plan.tw1.as_slice().try_into().expect("N1 twiddles");
    let zero = V(_mm512_setzero_ps());
    let p = pitch(N1);
    // Step 1: vertical N1-point DFTs over columns n2 = 8c..8c+8, twiddle, transpose-store.
    for c in 0..N2 / 8 {
        let mut col = [zero; N1];
        for (r, x) in col.iter_mut().enumerate() {
            *x = V(_mm512_loadu_ps(inp.add(r * N2 + 8 * c) as *const f32));
        }
        codelet::dft_sized(&mut col, tw1, inverse);
        for b in 0..N1 / 8 {
            let mut u = [_mm512_setzero_ps(); 8];
            for (i, ui) in u.iter_mut().enumerate() {
                let k1 = 8 * b + i;
                if FULL {
                    let at = k1 * N2 + 8 * c;
                    let wr = _mm512_loadu_ps(plan.full_re.as_ptr().add(at) as *const f32);
                    let wi = _mm512_loadu_ps(plan.full_im.as_ptr().add(at) as *const f32);
                    *ui = cmul_split(col[k1].0, wr, wi);
                    continue;
                }
                let wr = _mm512_loadu_ps(plan.lane_re.as_ptr().add(8 * k1) as *const f32);
                let wi = _mm512_loadu_ps(plan.lane_im.as_ptr().add(8 * k1) as *const f32);
                let x = cmul_split(col[k1].0, wr, wi);
                *ui = if c == 0 {
                    x
                } else {
                    let bw = *plan.block.get_unchecked(c * N1 + k1);
                    cmul_split(x, _mm512_set1_ps(bw.re), _mm512_set1_ps(bw.im))
                };
            }
            transpose8(&mut u);
            for (j, uj) in u.iter().enumerate() {
                _mm512_storeu_ps(scratch.add((8 * c + j) * p + 8 * b) as *mut f32, *uj);
            }
        }
    }
    if N2 == 256 {
        step2_two::<N1, 16, 16, 256>(plan, out, scratch);
        return;
    }
    if N2 == 128 {
        step2_two::<N1, 16, 8, 128>(plan, out, scratch);
        return;
    }
    // Step 2: vertical N2-point DFTs over columns k1 = 8d..8d+8, natural-order store.
    let tw2: &[C32; N2] = plan.tw2.as_slice().try_into().expect("N2 twiddles");
    for d in 0..N1 / 8 {
        let mut col = [zero; N2];
        for (r, x) in col.iter_mut().enumerate() {
            *x = V(_mm512_loadu_ps(scratch.add(r * p + 8 * d) as *const f32));
        }
        codelet::dft_sized(&mut col, tw2, inverse);
        for (k2, x) in col.iter().enumerate() {
            _mm512_storeu_ps(out.add(k2 * N1 + 8 * d) as *mut f32, x.0);
        }
    }
}
