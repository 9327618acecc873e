//! The layered min-sum layer update on 8-bit fixed point, one algorithm per ISA.
//!
//! Storage: every column of the APP LLRs occupies `stride` bytes, with [`PAD`] bytes before
//! and after its Z values (Z rounded up to [`PAD`]), so that a vector load at any rotation
//! stays inside the column. An edge is (offset of its column's first value, shift s); lane k
//! of the layer (check k of the block row) meets value (k + s) mod Z of the column.
//!
//! [`update`] processes one block row over all Z lifted checks. Per lane k:
//! * pass 1, per edge e: T_e = sat(APP − R_e) (i8); the message U_e the check sees is T_e,
//!   or, when self-correcting (Savin's self-corrected min-sum), 0 if T_e's sign differs
//!   from the edge's previous non-erased message P_e, and P_e ← U_e; then |U_e| as u8
//!   (0…128), the two smallest magnitudes m1 ≤ m2 and the XOR of all U_e (its sign bit is
//!   the sign product);
//! * normalization: s_i = min(max(⌊¾·m_i⌋, min(m_i, 1)), [`R_MAX`]) (exact shifts);
//! * pass 2, per edge: R'_e = ±(|U_e| = m1 ? s2 : s1) with the sign of U_e times the
//!   product, APP = sat(T_e + R'_e). Comparing magnitudes instead of tracking the index of
//!   the minimum is exact: on a tie m2 = m1.
//!
//! The SIMD versions run the same integer operations over 32 (AVX2) or 64 (AVX-512) lanes,
//! one vector of lanes at a time through both passes; lanes past Z are computed on padding
//! and never stored into the APP, so every ISA gives bit-identical results.

use nrkit_dsp::Isa;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

/// Padding before and after each column (≥ the widest vector, 64 lanes).
pub(crate) const PAD: usize = 64;

/// Largest row degree of either base graph (BG1 rows 0–3 have 19 or fewer edges).
pub(crate) const MAX_DEGREE: usize = 32;

/// One edge of a block row: the column's first value in the APP buffer and the shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) base: usize,
    pub(crate) shift: usize,
}

/// Z rounded up to whole vectors of the widest ISA.
pub(crate) fn padded(z: usize) -> usize {
    z.div_ceil(PAD) * PAD
}

/// Bytes per APP column.
pub(crate) fn stride(z: usize) -> usize {
    padded(z) + 2 * PAD
}

/// Largest check-to-variable message magnitude: half the APP range, so that an APP value
/// saturated at 127 cannot change sign in one update (T = 127 − R ≥ 64, 64 − 63 > 0).
/// Without the bound a saturated, reliable variable could flip on a single opposing message,
/// and the self-corrected decoder would amplify the flip into erasures. It is not below the
/// input limit, so one check can still overturn a wrong channel LLR on a degree-1 parity.
pub(crate) const R_MAX: u8 = 63;

/// The self-corrected decoder erases a sign change only up to this magnitude.
pub(crate) const ERASE_MAX: u8 = 12;

/// The decoder halves the APP values and messages after an iteration in which more than
/// one value in [`RESCALE_SHARE`] is saturated (|v| ≥ 127).
///
/// Saturation breaks the sum APP = channel + Σ messages: once a variable sits at 127, the
/// evidence above it is lost, and subtracting a large old message leaves a weak T that
/// the next opposing message flips. Near convergence, when most variables saturate, the
/// few wrong ones then spread instead of being corrected: at BG1 Z = 384, R = 0.64, QPSK
/// the decoder converged to 1 wrong bit after 3 iterations and to 8388 after 5, a floor of
/// 6.6 % BLER at 5.5 dB Es/N0 where sum-product decodes every block. Halving both (toward
/// zero, so the signs and the symmetry stay) restores headroom and keeps the sum within
/// rounding; it costs nothing at the waterfall, where few values saturate. Measured
/// shares 4, 8, 16, 32 and 64 all removed the floor; 8 was best at the waterfall.
pub(crate) const RESCALE_SHARE: usize = 8;

/// Whether more than one in [`RESCALE_SHARE`] of the valid values of every fourth of the
/// first `n_cols` columns of `app` is saturated (|v| ≥ 127).
pub(crate) fn mostly_saturated(app: &[i8], n_cols: usize, z: usize) -> bool {
    let st = stride(z);
    // Every [`SATURATION_SAMPLE`]-th column is enough to tell the share (the columns of
    // a lifted code are alike), at a fraction of the cost per iteration. Byte counters
    // over runs of at most 255 values vectorize (a count widened to usize does not).
    let (mut saturated, mut seen) = (0usize, 0usize);
    for col in (0..n_cols).step_by(SATURATION_SAMPLE) {
        for run in app[col * st + PAD..][..z].chunks(255) {
            let n = run
                .iter()
                .fold(0u8, |acc, &v| acc + u8::from(v.unsigned_abs() >= 127));
            saturated += usize::from(n);
        }
        seen += z;
    }
    saturated * RESCALE_SHARE > seen
}

/// Columns sampled by [`mostly_saturated`]: every fourth.
const SATURATION_SAMPLE: usize = 4;

/// Halves every value of `x`, rounding toward zero (−128 → −64, −1 → 0, 1 → 0).
pub(crate) fn halve(x: &mut [i8]) {
    for v in x {
        *v = (*v + i8::from(*v < 0)) >> 1;
    }
}

/// min(max(⌊¾·m⌋, min(m, 1)), [`R_MAX`]) for an unsigned magnitude m ≤ 128, with
/// ⌊¾·m⌋ = ⌊(m + ⌊m/2⌋)/2⌋ (m + m/2 ≤ 192 fits a byte). Rounding down measured better than
/// rounding up (it acts as a small offset), and ¾ better than 5/8 or 13/16; but a message
/// of magnitude 1 stays 1: ⌊¾·1⌋ = 0 would turn the weakest non-zero evidence into an
/// erasure, and at high rates (only the core rows of BG1, two punctured columns in most of
/// them) the punctured columns then never leave zero. With 256QAM, whose weakest bits
/// quantize to a few units, that cost 2.3 dB at R = 948/1024 (PDSCH MCS 27 of table 2).
#[inline(always)]
fn scale(m: u8) -> u8 {
    ((m + (m >> 1)) >> 1).max(m.min(1)).min(R_MAX)
}

/// Checks the buffers `update` and `syndrome_ok` index into; panics on a caller bug (the
/// SIMD kernels use unchecked pointer arithmetic within these bounds).
fn check_bounds(edges: &[Edge], z: usize, app: &[i8], msg: Option<&[i8]>) {
    assert!((2..=MAX_DEGREE).contains(&edges.len()), "row degree");
    assert!(z >= 1);
    for e in edges {
        assert!(e.shift < z && e.base >= PAD && e.base + padded(z) + PAD <= app.len());
    }
    if let Some(m) = msg {
        assert_eq!(m.len(), edges.len() * padded(z));
    }
}

/// Runs the layer update for `edges` on `app` with this row's messages `msg`
/// (degree × [`padded`]\(Z\)), on `isa`; with `prev` (laid out as `msg`), self-correcting.
/// `first`: the first iteration, when `msg` and `prev` are taken as zero whatever they
/// hold (so that they need no clearing).
#[allow(unsafe_code)]
pub(crate) fn update(
    isa: Isa,
    edges: &[Edge],
    z: usize,
    app: &mut [i8],
    msg: &mut [i8],
    prev: Option<&mut [i8]>,
    first: bool,
) {
    check_bounds(edges, z, app, Some(msg));
    if let Some(p) = &prev {
        assert_eq!(p.len(), msg.len());
    }
    match isa {
        // SAFETY: the decoder's ISA was checked by `Isa::require` when it was built; the
        // buffer bounds were checked above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe {
            match (prev, first) {
                (Some(p), false) => avx512::update::<true, false>(edges, z, app, msg, p),
                (Some(p), true) => avx512::update::<true, true>(edges, z, app, msg, p),
                (None, false) => avx512::update::<false, false>(edges, z, app, msg, &mut []),
                (None, true) => avx512::update::<false, true>(edges, z, app, msg, &mut []),
            }
        },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe {
            match (prev, first) {
                (Some(p), false) => avx2::update::<true, false>(edges, z, app, msg, p),
                (Some(p), true) => avx2::update::<true, true>(edges, z, app, msg, p),
                (None, false) => avx2::update::<false, false>(edges, z, app, msg, &mut []),
                (None, true) => avx2::update::<false, true>(edges, z, app, msg, &mut []),
            }
        },
        _ => update_scalar(edges, z, app, msg, prev, first),
    }
}

/// Whether every parity check of the block row holds on the hard decisions of `app`.
#[allow(unsafe_code)]
pub(crate) fn syndrome_ok(isa: Isa, edges: &[Edge], z: usize, app: &[i8]) -> bool {
    check_bounds(edges, z, app, None);
    match isa {
        // SAFETY: as in `update`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512::syndrome_ok(edges, z, app) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::syndrome_ok(edges, z, app) },
        _ => syndrome_scalar(edges, z, app),
    }
}

/// Quantizes `src` into `dst`: v·`scale` saturated to ±`limit` (an integer below 128) and
/// rounded half to even. Returns false (leaving `dst` partly written) if `src` holds a NaN.
#[allow(unsafe_code)]
pub(crate) fn quantize(isa: Isa, src: &[f32], scale: f32, limit: f32, dst: &mut [i8]) -> bool {
    assert!(dst.len() >= src.len() && (0.0..128.0).contains(&limit));
    match isa {
        // SAFETY: the decoder's ISA was checked by `Isa::require` when it was built; the
        // lengths were checked above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512::quantize(src, scale, limit, dst) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::quantize(src, scale, limit, dst) },
        _ => quantize_scalar(src, scale, limit, dst),
    }
}

/// See [`quantize`].
pub(crate) fn quantize_scalar(src: &[f32], scale: f32, limit: f32, dst: &mut [i8]) -> bool {
    let mut ok = true;
    for (d, &v) in dst.iter_mut().zip(src) {
        let x = v * scale;
        ok &= !x.is_nan();
        *d = x.clamp(-limit, limit).round_ties_even() as i8;
    }
    ok
}

/// Whether `x` holds a value other than ±0 (a NaN counts).
#[allow(unsafe_code)]
pub(crate) fn any_nonzero(isa: Isa, x: &[f32]) -> bool {
    match isa {
        // SAFETY: the decoder's ISA was checked by `Isa::require` when it was built.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512::any_nonzero(x) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::any_nonzero(x) },
        _ => any_nonzero_scalar(x),
    }
}

/// See [`any_nonzero`]: the OR of the bit patterns without the sign.
pub(crate) fn any_nonzero_scalar(x: &[f32]) -> bool {
    x.iter().fold(0u32, |a, &v| a | (v.to_bits() << 1)) != 0
}

/// Sum and count of the magnitudes in (0, `certain`) of `llrs`, accumulated in
/// [`SUM_LANES`] lanes (lane i takes the values at positions ≡ i mod 64) that are then added
/// in lane order: the same order on every ISA, so the sum is bit-identical. 64 lanes are
/// four independent AVX-512 accumulators (eight AVX2 ones), so the adds do not wait on
/// each other.
#[allow(unsafe_code)]
pub(crate) fn abs_sum(isa: Isa, llrs: &[f32], certain: f32) -> (f32, u32) {
    let (acc, cnt) = match isa {
        // SAFETY: the decoder's ISA was checked by `Isa::require` when it was built.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512::abs_sum(llrs, certain) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::abs_sum(llrs, certain) },
        _ => abs_sum_lanes(llrs, certain, [0.0; SUM_LANES], 0),
    };
    (acc.iter().sum(), cnt)
}

/// Accumulator lanes of [`abs_sum`].
pub(crate) const SUM_LANES: usize = 64;

/// The lane accumulation of [`abs_sum`] from position 0 of `llrs` on, continuing `acc`
/// and `cnt` (the SIMD versions call it for the tail, which starts at a multiple of
/// [`SUM_LANES`]).
pub(crate) fn abs_sum_lanes(
    llrs: &[f32],
    certain: f32,
    mut acc: [f32; SUM_LANES],
    mut cnt: u32,
) -> ([f32; SUM_LANES], u32) {
    for (i, &v) in llrs.iter().enumerate() {
        let a = v.abs();
        if a < certain && a > 0.0 {
            acc[i % SUM_LANES] += a;
            cnt += 1;
        }
    }
    (acc, cnt)
}

/// The layer update one lane at a time: the oracle of the SIMD versions.
fn update_scalar(
    edges: &[Edge],
    z: usize,
    app: &mut [i8],
    msg: &mut [i8],
    mut prev: Option<&mut [i8]>,
    first: bool,
) {
    let zp = padded(z);
    let mut t = [0i8; MAX_DEGREE];
    let mut u = [0i8; MAX_DEGREE];
    for k in 0..z {
        let (mut m1, mut m2, mut sign) = (u8::MAX, u8::MAX, 0i8);
        for (e, ed) in edges.iter().enumerate() {
            let a = app[ed.base + (k + ed.shift) % z];
            let r_old = if first { 0 } else { msg[e * zp + k] };
            let v = a.saturating_sub(r_old);
            t[e] = v;
            u[e] = match prev.as_deref_mut() {
                Some(p) => {
                    let old = if first { 0 } else { p[e * zp + k] };
                    let flip = old != 0 && (old ^ v) < 0 && v.unsigned_abs() <= ERASE_MAX;
                    let ue = if flip { 0 } else { v };
                    p[e * zp + k] = ue;
                    ue
                }
                None => v,
            };
            let mag = u[e].unsigned_abs();
            m2 = m2.min(m1.max(mag));
            m1 = m1.min(mag);
            sign ^= u[e];
        }
        let (s1, s2) = (scale(m1) as i8, scale(m2) as i8);
        for (e, ed) in edges.iter().enumerate() {
            let r = if u[e].unsigned_abs() == m1 { s2 } else { s1 };
            let r = if (sign ^ u[e]) < 0 { -r } else { r };
            msg[e * zp + k] = r;
            app[ed.base + (k + ed.shift) % z] = t[e].saturating_add(r);
        }
    }
}

fn syndrome_scalar(edges: &[Edge], z: usize, app: &[i8]) -> bool {
    (0..z).all(|k| {
        edges
            .iter()
            .fold(0i8, |acc, ed| acc ^ app[ed.base + (k + ed.shift) % z])
            >= 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nrkit_core::rng;
    use rand::Rng;

    /// Random rows on random APP buffers: every ISA matches the scalar oracle in the APP
    /// values (padding excluded), the messages' valid lanes and the syndrome.
    #[test]
    fn every_isa_matches_the_scalar_update_for_any_z_and_shift() {
        let mut r = rng::stream(5, 0);
        for z in [
            2usize, 7, 15, 31, 32, 33, 52, 63, 64, 65, 96, 100, 127, 208, 384,
        ] {
            for trial in 0..6 {
                let cols = 8;
                let st = stride(z);
                let zp = padded(z);
                let deg = r.random_range(2..=cols);
                let mut chosen: Vec<usize> = (0..cols).collect();
                for i in 0..cols {
                    let j = r.random_range(i..cols);
                    chosen.swap(i, j);
                }
                let mut edges: Vec<Edge> = chosen[..deg]
                    .iter()
                    .map(|&c| Edge {
                        base: c * st + PAD,
                        shift: r.random_range(0..z),
                    })
                    .collect();
                if trial == 0 {
                    edges[0].shift = 0;
                    edges[1].shift = z - 1;
                }
                let mut app0 = vec![0i8; cols * st];
                for v in app0.iter_mut() {
                    *v = r.random_range(-128i32..=127) as i8;
                }
                let mut msg0 = vec![0i8; deg * zp];
                for v in msg0.iter_mut() {
                    *v = r.random_range(-63i32..=63) as i8;
                }
                let sc = trial % 2 == 1;
                let mut prev0 = vec![0i8; deg * zp];
                for v in prev0.iter_mut() {
                    *v = r.random_range(-20i32..=20) as i8;
                }
                let valid = |app: &[i8]| -> Vec<i8> {
                    (0..cols)
                        .flat_map(|c| app[c * st + PAD..c * st + PAD + z].to_vec())
                        .collect()
                };
                let lanes = |msg: &[i8]| -> Vec<i8> {
                    (0..deg)
                        .flat_map(|e| msg[e * zp..e * zp + z].to_vec())
                        .collect()
                };
                let (mut app_s, mut msg_s, mut prev_s) =
                    (app0.clone(), msg0.clone(), prev0.clone());
                // The last two trials (plain and self-correcting) as first iterations.
                let first = trial >= 4;
                let p = sc.then_some(&mut prev_s[..]);
                update(Isa::Scalar, &edges, z, &mut app_s, &mut msg_s, p, first);
                let syn_s = syndrome_ok(Isa::Scalar, &edges, z, &app_s);
                for isa in Isa::available() {
                    let (mut app, mut msg, mut prev) = (app0.clone(), msg0.clone(), prev0.clone());
                    let p = sc.then_some(&mut prev[..]);
                    update(isa, &edges, z, &mut app, &mut msg, p, first);
                    assert_eq!(valid(&app), valid(&app_s), "{isa} z={z} trial {trial}");
                    assert_eq!(lanes(&msg), lanes(&msg_s), "{isa} z={z} trial {trial}");
                    assert_eq!(lanes(&prev), lanes(&prev_s), "{isa} z={z} trial {trial}");
                    assert_eq!(syndrome_ok(isa, &edges, z, &app), syn_s, "{isa} z={z}");
                }
            }
        }
    }

    #[test]
    fn every_isa_quantizes_like_the_scalar_twin() {
        let mut r = rng::stream(6, 0);
        let mut src: Vec<f32> = (0..1000).map(|_| r.random_range(-40.0f32..40.0)).collect();
        src[3] = 1.25; // 2.5 and −3.5: ties round to even
        src[4] = -1.75;
        src[5] = f32::INFINITY;
        src[6] = -0.0;
        for isa in Isa::available() {
            for n in [0usize, 1, 15, 16, 17, 31, 32, 33, 100, 1000] {
                let mut want = vec![0i8; n];
                let mut got = vec![0i8; n];
                assert!(quantize_scalar(&src[..n], 2.0, 63.0, &mut want));
                assert!(quantize(isa, &src[..n], 2.0, 63.0, &mut got));
                assert_eq!(got, want, "{isa} n={n}");
            }
            let mut nan = src.clone();
            nan[977] = f32::NAN;
            let mut d = vec![0i8; 1000];
            assert!(!quantize(isa, &nan, 2.0, 63.0, &mut d), "{isa}");
        }
        let mut d = [0i8; 6];
        quantize_scalar(&src[..6], 2.0, 63.0, &mut d);
        assert_eq!(&d[3..], &[2, -4, 63]);
    }

    #[test]
    fn every_isa_finds_non_zero_values() {
        let mut x = vec![0f32; 1000];
        x[7] = -0.0;
        for isa in Isa::available() {
            for n in [0usize, 5, 16, 40, 1000] {
                assert!(!any_nonzero(isa, &x[..n]), "{isa} n={n}");
            }
            for (pos, v) in [(0usize, 1e-30f32), (15, -2.0), (16, f32::NAN), (999, 3.0)] {
                let mut y = x.clone();
                y[pos] = v;
                assert!(any_nonzero(isa, &y), "{isa} {pos}");
                assert!(!any_nonzero(isa, &y[..pos]), "{isa} {pos}");
            }
        }
    }

    #[test]
    fn every_isa_sums_magnitudes_like_the_scalar_twin() {
        let mut r = rng::stream(7, 0);
        let mut src: Vec<f32> = (0..999).map(|_| r.random_range(-40.0f32..40.0)).collect();
        src[10] = 1e4;
        src[11] = 0.0;
        src[12] = -1e5;
        for n in [0usize, 5, 16, 17, 40, 999] {
            let want = abs_sum(Isa::Scalar, &src[..n], 1000.0);
            for isa in Isa::available() {
                let got = abs_sum(isa, &src[..n], 1000.0);
                assert_eq!(got.0.to_bits(), want.0.to_bits(), "{isa} n={n}");
                assert_eq!(got.1, want.1, "{isa} n={n}");
            }
        }
        assert_eq!(
            abs_sum(Isa::Scalar, &[1.5, -2.0, 0.0, 5e3], 1000.0),
            (3.5, 2)
        );
    }

    /// A row whose hard decisions satisfy every check passes; flipping one value fails it.
    #[test]
    fn syndrome_detects_a_single_flip_on_every_isa() {
        let z = 52;
        let st = stride(z);
        let edges = [
            Edge {
                base: PAD,
                shift: 3,
            },
            Edge {
                base: st + PAD,
                shift: 51,
            },
            Edge {
                base: 2 * st + PAD,
                shift: 0,
            },
        ];
        let mut app = vec![0i8; 3 * st];
        for (i, v) in app.iter_mut().enumerate() {
            *v = if i % 5 == 0 { -9 } else { 9 };
        }
        // Make column 2 the parity of the other two at every check.
        for k in 0..z {
            let p = (app[PAD + (k + 3) % z] ^ app[st + PAD + (k + 51) % z]) < 0;
            app[2 * st + PAD + k] = if p { -9 } else { 9 };
        }
        for isa in Isa::available() {
            assert!(syndrome_ok(isa, &edges, z, &app), "{isa}");
            let mut bad = app.clone();
            bad[st + PAD + 17] = -bad[st + PAD + 17];
            assert!(!syndrome_ok(isa, &edges, z, &bad), "{isa}");
        }
    }
}
