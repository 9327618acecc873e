//! Scalar twins of the vector kernels: the reference every SIMD version is tested against.
//! They assume lengths were checked by [`super::VectorKernels`].

use nrkit_core::C32;

/// `out = a · b`.
pub fn mul(a: &[C32], b: &[C32], out: &mut [C32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x * y;
    }
}

/// `out = a · conj(b)`.
pub fn conj_mul(a: &[C32], b: &[C32], out: &mut [C32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x * y.conj();
    }
}

/// `acc += a · b`.
pub fn mac(acc: &mut [C32], a: &[C32], b: &[C32]) {
    for ((o, x), y) in acc.iter_mut().zip(a).zip(b) {
        *o += x * y;
    }
}

/// `out = x · s`.
pub fn scale(x: &[C32], s: C32, out: &mut [C32]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v * s;
    }
}

/// `x *= s`.
pub fn scale_in_place(x: &mut [C32], s: C32) {
    for v in x.iter_mut() {
        *v *= s;
    }
}

/// `out = a + b`.
pub fn add(a: &[C32], b: &[C32], out: &mut [C32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
    }
}

/// |z|² with the operation order every ISA uses.
#[inline]
pub fn norm_sqr(z: C32) -> f32 {
    z.re * z.re + z.im * z.im
}

/// Σ |x|².
pub fn energy(x: &[C32]) -> f32 {
    x.iter().map(|&z| norm_sqr(z)).sum()
}

/// Σ a · conj(b).
pub fn dot(a: &[C32], b: &[C32]) -> C32 {
    a.iter().zip(b).map(|(x, y)| x * y.conj()).sum()
}

/// `out = |x|²`.
pub fn mag_sq(x: &[C32], out: &mut [f32]) {
    for (o, &z) in out.iter_mut().zip(x) {
        *o = norm_sqr(z);
    }
}

/// First index of the largest |x|² (NaN never wins); `x` is non-empty.
pub fn argmax_mag_sq(x: &[C32]) -> (usize, f32) {
    argmax_from(x, 0, (0, f32::NEG_INFINITY, false))
}

/// Continues an argmax over `x` whose first element has index `base`; `best` is
/// (index, value, found-a-non-NaN). Used for SIMD tails too.
pub fn argmax_from(x: &[C32], base: usize, best: (usize, f32, bool)) -> (usize, f32) {
    let (mut bi, mut bv, mut found) = best;
    for (i, &z) in x.iter().enumerate() {
        let v = norm_sqr(z);
        if v > bv {
            bi = base + i;
            bv = v;
            found = true;
        }
    }
    if found {
        (bi, bv)
    } else {
        (0, f32::NAN)
    }
}

/// ci16 → C32.
pub fn ci16_to_cf32(src: &[i16], out: &mut [C32]) {
    for (o, p) in out.iter_mut().zip(src.chunks_exact(2)) {
        *o = C32::new(
            f32::from(p[0]) * (1.0 / 32768.0),
            f32::from(p[1]) * (1.0 / 32768.0),
        );
    }
}

/// ci8 → C32.
pub fn ci8_to_cf32(src: &[i8], out: &mut [C32]) {
    for (o, p) in out.iter_mut().zip(src.chunks_exact(2)) {
        *o = C32::new(
            f32::from(p[0]) * (1.0 / 128.0),
            f32::from(p[1]) * (1.0 / 128.0),
        );
    }
}

/// cu8 → C32.
pub fn cu8_to_cf32(src: &[u8], out: &mut [C32]) {
    for (o, p) in out.iter_mut().zip(src.chunks_exact(2)) {
        *o = C32::new(
            (f32::from(p[0]) - 127.5) * (1.0 / 128.0),
            (f32::from(p[1]) - 127.5) * (1.0 / 128.0),
        );
    }
}

/// Scale, saturate (NaN ↦ `lo`), round half to even; the operation order of every ISA.
#[inline]
pub fn quantize(v: f32, scale: f32, offset: f32, lo: f32, hi: f32) -> f32 {
    ((v * scale) + offset).max(lo).min(hi).round_ties_even()
}

/// C32 → ci16.
pub fn cf32_to_ci16(src: &[C32], out: &mut [i16]) {
    for (z, o) in src.iter().zip(out.chunks_exact_mut(2)) {
        o[0] = quantize(z.re, 32768.0, 0.0, -32768.0, 32767.0) as i16;
        o[1] = quantize(z.im, 32768.0, 0.0, -32768.0, 32767.0) as i16;
    }
}

/// C32 → ci8.
pub fn cf32_to_ci8(src: &[C32], out: &mut [i8]) {
    for (z, o) in src.iter().zip(out.chunks_exact_mut(2)) {
        o[0] = quantize(z.re, 128.0, 0.0, -128.0, 127.0) as i8;
        o[1] = quantize(z.im, 128.0, 0.0, -128.0, 127.0) as i8;
    }
}

/// C32 → cu8.
pub fn cf32_to_cu8(src: &[C32], out: &mut [u8]) {
    for (z, o) in src.iter().zip(out.chunks_exact_mut(2)) {
        o[0] = quantize(z.re, 128.0, 127.5, 0.0, 255.0) as u8;
        o[1] = quantize(z.im, 128.0, 127.5, 0.0, 255.0) as u8;
    }
}

/// Soft demapping of square QAM through a [`crate::PamTable`]: symbol s gives LLRs
/// `out[s·2m + 2b + d]` for bit b of dimension d (0 = I, 1 = Q), each
/// `table.eval(x·to_int, b) · scale`.
pub fn pam_llr(t: &crate::PamTable, x: &[C32], to_int: f32, scale: f32, out: &mut [f32]) {
    let m = t.bits_per_dim();
    for (l, y) in out.chunks_exact_mut(2 * m).zip(x) {
        let (ur, ui) = (y.re * to_int, y.im * to_int);
        for b in 0..m {
            l[2 * b] = t.eval(ur, b) * scale;
            l[2 * b + 1] = t.eval(ui, b) * scale;
        }
    }
}

/// LLR → int8: round half to even, saturate to ±127 (NaN ↦ −127).
pub fn llr_to_i8(src: &[f32], out: &mut [i8]) {
    for (o, &v) in out.iter_mut().zip(src) {
        *o = quantize(v, 1.0, 0.0, -127.0, 127.0) as i8;
    }
}
