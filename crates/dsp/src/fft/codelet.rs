//! The small in-register DFT ("codelet") used by the four-step kernels, written once over a
//! lane type so that the scalar twin ([`C32`] lanes) checks the arithmetic of the SIMD one.
//!
//! Algorithm: fixed natural-order butterflies for 2, 4 and 8 points; M = R1·R2 ∈ {16, 32, 64}
//! as R2 column DFTs of R1 points, twiddles W_M^(n2·k1), then R1 row DFTs of R2 points, with
//! every pass unrolled by constant arguments so the values stay in registers.

use nrkit_core::C32;

/// Arithmetic the codelet needs from a lane type.
pub(crate) trait Lane: Copy {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    /// Multiplies every lane by the same complex constant.
    fn mul_c(self, w: C32) -> Self;
    /// (t + r·d, t − r·d) with r = −j (forward) or +j (inverse).
    fn rot_addsub(t: Self, d: Self, inverse: bool) -> (Self, Self);
}

impl Lane for C32 {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self - o
    }
    #[inline(always)]
    fn mul_c(self, w: C32) -> Self {
        self * w
    }
    #[inline(always)]
    fn rot_addsub(t: Self, d: Self, inverse: bool) -> (Self, Self) {
        let rd = if inverse {
            C32::new(-d.im, d.re)
        } else {
            C32::new(d.im, -d.re)
        };
        (t + rd, t - rd)
    }
}

/// Twiddles e^(∓j2πk/M) for k in 0..M (− forward, + inverse).
pub(crate) fn twiddles(m: usize, inverse: bool) -> Vec<C32> {
    let sign = if inverse { 1.0 } else { -1.0 };
    (0..m)
        .map(|k| {
            let a = sign * std::f64::consts::TAU * k as f64 / m as f64;
            C32::new(a.cos() as f32, a.sin() as f32)
        })
        .collect()
}

/// Natural-order DFT of 2, 3, 4 or 8 lanes (fixed butterflies, fully inlined).
#[inline(always)]
pub(crate) fn dft_small<L: Lane, const R: usize>(x: [L; R], inverse: bool) -> [L; R] {
    let mut y = x;
    match R {
        2 => {
            y[0] = x[0].add(x[1]);
            y[1] = x[0].sub(x[1]);
        }
        3 => {
            // y1,2 = x0 − (x1 + x2)/2 ∓ j(√3/2)(x1 − x2) (forward: −, inverse: +).
            let t = x[1].add(x[2]);
            let m = x[0].add(t.mul_c(C32::new(-0.5, 0.0)));
            let s = if inverse { 1.0 } else { -1.0 };
            let r = x[1].sub(x[2]).mul_c(C32::new(0.0, s * 0.866_025_4));
            y[0] = x[0].add(t);
            y[1] = m.add(r);
            y[2] = m.sub(r);
        }
        4 => {
            let t0 = x[0].add(x[2]);
            let t1 = x[0].sub(x[2]);
            let t2 = x[1].add(x[3]);
            let (y1, y3) = L::rot_addsub(t1, x[1].sub(x[3]), inverse);
            y[0] = t0.add(t2);
            y[2] = t0.sub(t2);
            y[1] = y1;
            y[3] = y3;
        }
        8 => {
            let e = dft_small::<L, 4>([x[0], x[2], x[4], x[6]], inverse);
            let o = dft_small::<L, 4>([x[1], x[3], x[5], x[7]], inverse);
            let h = std::f32::consts::FRAC_1_SQRT_2;
            let s = if inverse { 1.0 } else { -1.0 };
            let o1 = o[1].mul_c(C32::new(h, s * h));
            let o3 = o[3].mul_c(C32::new(-h, s * h));
            // W8^2 = ∓j: (e2 + W·o2, e2 − W·o2).
            let (p2, m2) = L::rot_addsub(e[2], o[2], inverse);
            y[0] = e[0].add(o[0]);
            y[4] = e[0].sub(o[0]);
            y[1] = e[1].add(o1);
            y[5] = e[1].sub(o1);
            y[2] = p2;
            y[6] = m2;
            y[3] = e[3].add(o3);
            y[7] = e[3].sub(o3);
        }
        _ => unreachable!("radix 2, 3, 4 or 8"),
    }
    y
}

/// Column pass of [`dft_mn`] for one column `N2` (a constant, so every index is).
#[inline(always)]
fn col_pass<L: Lane, const R1: usize, const R2: usize, const M: usize, const N2: usize>(
    v: &[L; M],
    t: &mut [L; M],
    tw: &[C32; M],
    inverse: bool,
) {
    if N2 >= R2 {
        return;
    }
    let mut col = [v[0]; R1];
    for (n1, c) in col.iter_mut().enumerate() {
        *c = v[N2 + R2 * n1];
    }
    let col = dft_small::<L, R1>(col, inverse);
    for (k1, c) in col.iter().enumerate() {
        t[k1 * R2 + N2] = if k1 * N2 == 0 {
            *c
        } else {
            c.mul_c(tw[(k1 * N2) % M])
        };
    }
}

/// Row pass of [`dft_mn`] for one row `K1`.
#[inline(always)]
fn row_pass<L: Lane, const R1: usize, const R2: usize, const M: usize, const K1: usize>(
    t: &[L; M],
    v: &mut [L; M],
    inverse: bool,
) {
    if K1 >= R1 {
        return;
    }
    let mut row = [t[0]; R2];
    for (n2, r) in row.iter_mut().enumerate() {
        *r = t[K1 * R2 + n2];
    }
    let row = dft_small::<L, R2>(row, inverse);
    for (k2, r) in row.iter().enumerate() {
        v[K1 + R1 * k2] = *r;
    }
}

/// Natural-order M-point DFT (M = R1·R2 with R1, R2 ∈ {2, 4, 8}) of each lane, in place:
/// R2 DFTs of size R1 down the columns, twiddles W_M^(n2·k1), R1 DFTs of size R2.
/// `tw` = [`twiddles`]`(M, inverse)`. The passes are unrolled by constant arguments so the
/// arrays stay in registers.
#[inline(always)]
pub(crate) fn dft_mn<L: Lane, const R1: usize, const R2: usize, const M: usize>(
    v: &mut [L; M],
    tw: &[C32; M],
    inverse: bool,
) {
    let mut t = [v[0]; M];
    col_pass::<L, R1, R2, M, 0>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 1>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 2>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 3>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 4>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 5>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 6>(v, &mut t, tw, inverse);
    col_pass::<L, R1, R2, M, 7>(v, &mut t, tw, inverse);
    row_pass::<L, R1, R2, M, 0>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 1>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 2>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 3>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 4>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 5>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 6>(&t, v, inverse);
    row_pass::<L, R1, R2, M, 7>(&t, v, inverse);
}

/// Natural-order DFT for M ∈ {8, 16, 24, 32, 64}.
#[inline(always)]
pub(crate) fn dft_sized<L: Lane, const M: usize>(v: &mut [L; M], tw: &[C32; M], inverse: bool) {
    // Reinterpret through fixed sizes; each arm is only taken for its own M.
    fn cast<T, const A: usize, const B: usize>(x: &mut [T; A]) -> &mut [T; B] {
        x.as_mut_slice().try_into().expect("same length")
    }
    fn cast_ref<T, const A: usize, const B: usize>(x: &[T; A]) -> &[T; B] {
        x.as_slice().try_into().expect("same length")
    }
    match M {
        8 => {
            let a: &mut [L; 8] = cast(v);
            *a = dft_small::<L, 8>(*a, inverse);
        }
        16 => dft_mn::<L, 4, 4, 16>(cast(v), cast_ref(tw), inverse),
        24 => dft_mn::<L, 3, 8, 24>(cast(v), cast_ref(tw), inverse),
        32 => dft_mn::<L, 4, 8, 32>(cast(v), cast_ref(tw), inverse),
        64 => dft_mn::<L, 8, 8, 64>(cast(v), cast_ref(tw), inverse),
        _ => unreachable!("codelet sizes are 8, 16, 24, 32, 64"),
    }
}

#[cfg(test)]
mod sized_tests {
    use super::*;

    fn check<const M: usize>() {
        for inverse in [false, true] {
            let tw_v = twiddles(M, inverse);
            let tw: [C32; M] = tw_v.as_slice().try_into().unwrap();
            let x: Vec<C32> = (0..M)
                .map(|i| C32::new((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos()))
                .collect();
            let mut y: [C32; M] = x.as_slice().try_into().unwrap();
            dft_sized(&mut y, &tw, inverse);
            for k in 0..M {
                let want: C32 = x.iter().enumerate().map(|(n, v)| v * tw[(n * k) % M]).sum();
                assert!(
                    (y[k] - want).norm() < 1e-4,
                    "M={M} inv={inverse} k={k}: {} vs {want}",
                    y[k]
                );
            }
        }
    }

    #[test]
    fn sized_codelets_are_dfts() {
        check::<8>();
        check::<16>();
        check::<24>();
        check::<32>();
        check::<64>();
    }
}
