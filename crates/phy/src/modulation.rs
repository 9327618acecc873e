//! Modulation mapping (TS 38.211 §5.1) and max-log soft demapping.
//!
//! Bit order: bits b(i) of a symbol are taken in order, b(0) first. For square QAM the
//! even-indexed bits b(0), b(2), … select the in-phase (I) amplitude and the odd ones the
//! quadrature (Q) amplitude, with b(0)/b(1) the signs (§5.1.3–§5.1.7).
//!
//! Soft demapping is exact max-log: LLR(b) = (min_{x: b=1}|y−x|² − min_{x: b=0}|y−x|²)/σ²
//! with σ² the complex noise variance E|n|², so **positive LLR ⇒ bit 0**. Square QAM is a
//! product of two Gray PAMs, so each dimension is demapped on its own; per dimension the
//! max-log LLR is piecewise linear in the received amplitude with breakpoints at the integer
//! grid of the constellation, so it is evaluated from a slope/intercept table built (at
//! construction, by exhaustive search over the constellation) for |amplitude| intervals.

use nrkit_core::{Error, C32};
use nrkit_dsp::{Isa, PamTable, VectorKernels};

/// Modulation schemes of TS 38.211 §5.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modulation {
    /// π/2-BPSK (§5.1.2).
    Pi2Bpsk,
    /// BPSK (§5.1.2).
    Bpsk,
    /// QPSK (§5.1.3).
    Qpsk,
    /// 16QAM (§5.1.4).
    Qam16,
    /// 64QAM (§5.1.5).
    Qam64,
    /// 256QAM (§5.1.6).
    Qam256,
    /// 1024QAM (§5.1.7).
    Qam1024,
}

impl Modulation {
    /// All schemes.
    pub const ALL: [Modulation; 7] = [
        Modulation::Pi2Bpsk,
        Modulation::Bpsk,
        Modulation::Qpsk,
        Modulation::Qam16,
        Modulation::Qam64,
        Modulation::Qam256,
        Modulation::Qam1024,
    ];

    /// Bits per symbol Q_m.
    pub fn bits_per_symbol(self) -> usize {
        match self {
            Modulation::Pi2Bpsk | Modulation::Bpsk => 1,
            Modulation::Qpsk => 2,
            Modulation::Qam16 => 4,
            Modulation::Qam64 => 6,
            Modulation::Qam256 => 8,
            Modulation::Qam1024 => 10,
        }
    }

    /// Name as used on the command line and by py3gpp ("qpsk", "16qam", "pi/2-bpsk", …).
    pub fn name(self) -> &'static str {
        match self {
            Modulation::Pi2Bpsk => "pi/2-bpsk",
            Modulation::Bpsk => "bpsk",
            Modulation::Qpsk => "qpsk",
            Modulation::Qam16 => "16qam",
            Modulation::Qam64 => "64qam",
            Modulation::Qam256 => "256qam",
            Modulation::Qam1024 => "1024qam",
        }
    }

    /// Parses a name (case-insensitive, as [`Modulation::name`]).
    pub fn from_name(s: &str) -> Result<Self, Error> {
        let l = s.to_ascii_lowercase();
        Modulation::ALL
            .into_iter()
            .find(|m| m.name() == l)
            .ok_or_else(|| {
                Error::invalid(
                    "modulation",
                    "pi/2-bpsk, bpsk, qpsk, 16qam, 64qam, 256qam or 1024qam",
                    s,
                )
            })
    }

    /// Bits per dimension of square QAM (QPSK = 1).
    fn bits_per_dim(self) -> usize {
        self.bits_per_symbol() / 2
    }

    /// 1/√(2(M_d²−1)/3): the normalization of square QAM with M_d levels per dimension.
    fn qam_norm(self) -> f64 {
        let md = (1u64 << self.bits_per_dim()) as f64;
        1.0 / (2.0 * (md * md - 1.0) / 3.0).sqrt()
    }
}

/// PAM amplitude (odd integer) for the per-dimension bits `c` (c[0] the sign bit), following
/// the nested form of TS 38.211 §5.1.4–§5.1.7.
fn pam_amplitude(c: &[u8]) -> i32 {
    let m = c.len();
    let mut t = 1i32;
    for i in (1..m).rev() {
        t = (1 << (m - i)) - (1 - 2 * i32::from(c[i])) * t;
    }
    (1 - 2 * i32::from(c[0])) * t
}

/// Maps `bits` (0/1, a multiple of Q_m) to `out` (one symbol per Q_m bits).
pub fn map(modulation: Modulation, bits: &[u8], out: &mut [C32]) -> Result<(), Error> {
    let q = modulation.bits_per_symbol();
    if !bits.len().is_multiple_of(q) {
        return Err(Error::invalid(
            "bit count",
            format!("a multiple of {q} for {}", modulation.name()),
            bits.len(),
        ));
    }
    Error::check_len("symbol output", bits.len() / q, out.len())?;
    if let Some(p) = bits.iter().position(|&b| b > 1) {
        return Err(Error::invalid(
            "bit value",
            "0 or 1",
            format!("{} at index {p}", bits[p]),
        ));
    }
    let r = std::f32::consts::FRAC_1_SQRT_2;
    match modulation {
        Modulation::Bpsk | Modulation::Pi2Bpsk => {
            for (i, (o, &b)) in out.iter_mut().zip(bits).enumerate() {
                let s = (1.0 - 2.0 * f32::from(b)) * r;
                *o = if modulation == Modulation::Pi2Bpsk && i % 2 == 1 {
                    C32::new(-s, s)
                } else {
                    C32::new(s, s)
                };
            }
        }
        _ => {
            let m = modulation.bits_per_dim();
            let norm = modulation.qam_norm() as f32;
            let mut ci = [0u8; 5];
            let mut cq = [0u8; 5];
            for (o, sym) in out.iter_mut().zip(bits.chunks_exact(q)) {
                for j in 0..m {
                    ci[j] = sym[2 * j];
                    cq[j] = sym[2 * j + 1];
                }
                *o = C32::new(
                    pam_amplitude(&ci[..m]) as f32 * norm,
                    pam_amplitude(&cq[..m]) as f32 * norm,
                );
            }
        }
    }
    Ok(())
}

/// Max-log soft demapper for one modulation (tables built once). QPSK…1024QAM run on the
/// SIMD kernels of [`nrkit_dsp`] (every ISA gives bit-identical LLRs); BPSK and π/2-BPSK use
/// their closed forms.
#[derive(Debug, Clone)]
pub struct Demapper {
    modulation: Modulation,
    /// Per-dimension Gray-PAM table (QPSK and up).
    table: Option<PamTable>,
    kernels: VectorKernels,
}

/// Symbols demapped per block in [`Demapper::demap_i8`].
const I8_BLOCK: usize = 256;

/// Exhaustive per-dimension max-log metric (min d²|b=1 − min d²|b=0) in integer units.
fn pam_maxlog_exhaustive(m: usize, u: f64, bit: usize) -> f64 {
    let mut min0 = f64::INFINITY;
    let mut min1 = f64::INFINITY;
    for v in 0..(1usize << m) {
        let c: Vec<u8> = (0..m).map(|i| ((v >> i) & 1) as u8).collect();
        let a = f64::from(pam_amplitude(&c));
        let d = (u - a) * (u - a);
        if c[bit] == 0 {
            min0 = min0.min(d);
        } else {
            min1 = min1.min(d);
        }
    }
    min1 - min0
}

impl Demapper {
    /// Builds the demapper's tables for the best ISA of this CPU.
    pub fn new(modulation: Modulation) -> Self {
        Self::with_kernels(modulation, VectorKernels::detect())
    }

    /// Builds the demapper for a given ISA (fails if the CPU lacks it).
    pub fn with_isa(modulation: Modulation, isa: Isa) -> Result<Self, Error> {
        Ok(Self::with_kernels(modulation, VectorKernels::new(isa)?))
    }

    fn with_kernels(modulation: Modulation, kernels: VectorKernels) -> Self {
        let table = (modulation.bits_per_symbol() >= 2).then(|| {
            let m = modulation.bits_per_dim();
            PamTable::new(m, |bit, j| {
                let (u1, u2) = (j as f64 + 0.25, j as f64 + 0.75);
                let (f1, f2) = (
                    pam_maxlog_exhaustive(m, u1, bit),
                    pam_maxlog_exhaustive(m, u2, bit),
                );
                let s = (f2 - f1) / (u2 - u1);
                (s as f32, (f1 - s * u1) as f32)
            })
            .expect("1..=5 bits per dimension")
        });
        Demapper {
            modulation,
            table,
            kernels,
        }
    }

    /// The modulation.
    pub fn modulation(&self) -> Modulation {
        self.modulation
    }

    /// The ISA the demapper runs.
    pub fn isa(&self) -> Isa {
        self.kernels.isa()
    }

    fn check(&self, noise_var: f32) -> Result<(), Error> {
        if !(noise_var.is_finite() && noise_var > 0.0) {
            return Err(Error::invalid(
                "noise variance",
                "finite and > 0",
                noise_var,
            ));
        }
        Ok(())
    }

    /// (to_int, scale) for the PAM kernel at noise variance `noise_var`.
    fn pam_scales(&self, noise_var: f32) -> (f32, f32) {
        let norm = self.modulation.qam_norm() as f32;
        // Metrics are in integer units: multiply by norm² to return to symbol units.
        (1.0 / norm, norm * norm / noise_var)
    }

    /// Writes Q_m LLRs per symbol (positive ⇒ bit 0) for noise variance `noise_var` (> 0).
    pub fn demap(&self, symbols: &[C32], noise_var: f32, llrs: &mut [f32]) -> Result<(), Error> {
        self.check(noise_var)?;
        let q = self.modulation.bits_per_symbol();
        Error::check_len("LLR output", symbols.len() * q, llrs.len())?;
        match &self.table {
            Some(t) => {
                let (to_int, scale) = self.pam_scales(noise_var);
                self.kernels.pam_llr(t, symbols, to_int, scale, llrs)
            }
            None => {
                let k = 2.0 * std::f32::consts::SQRT_2 / noise_var;
                for (i, (l, y)) in llrs.iter_mut().zip(symbols).enumerate() {
                    *l = if self.modulation == Modulation::Pi2Bpsk && i % 2 == 1 {
                        k * (y.im - y.re)
                    } else {
                        k * (y.re + y.im)
                    };
                }
                Ok(())
            }
        }
    }

    /// As [`Demapper::demap`], then `LLR·llr_scale` rounded (half to even) and saturated to
    /// int8 ±127, the input format of fixed-point decoders.
    pub fn demap_i8(
        &self,
        symbols: &[C32],
        noise_var: f32,
        llr_scale: f32,
        llrs: &mut [i8],
    ) -> Result<(), Error> {
        self.check(noise_var)?;
        if !(llr_scale.is_finite() && llr_scale > 0.0) {
            return Err(Error::invalid(
                "int8 LLR scale",
                "finite and > 0",
                llr_scale,
            ));
        }
        let q = self.modulation.bits_per_symbol();
        Error::check_len("LLR output", symbols.len() * q, llrs.len())?;
        let mut buf = [0f32; I8_BLOCK * 10];
        for (sy, out) in symbols.chunks(I8_BLOCK).zip(llrs.chunks_mut(I8_BLOCK * q)) {
            let tmp = &mut buf[..sy.len() * q];
            match &self.table {
                Some(t) => {
                    let (to_int, scale) = self.pam_scales(noise_var);
                    self.kernels
                        .pam_llr(t, sy, to_int, scale * llr_scale, tmp)?;
                }
                None => {
                    self.demap(sy, noise_var / llr_scale, tmp)?;
                }
            }
            self.kernels.llr_to_i8(tmp, out)?;
        }
        Ok(())
    }
}

/// Convenience: one-shot max-log demapping (builds the tables each call).
pub fn demap(
    modulation: Modulation,
    symbols: &[C32],
    noise_var: f32,
    llrs: &mut [f32],
) -> Result<(), Error> {
    Demapper::new(modulation).demap(symbols, noise_var, llrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nrkit_core::rng;

    fn constellation(m: Modulation) -> Vec<(Vec<u8>, C32)> {
        let q = m.bits_per_symbol();
        (0..1usize << q)
            .map(|v| {
                let bits: Vec<u8> = (0..q).map(|i| ((v >> (q - 1 - i)) & 1) as u8).collect();
                let mut s = [C32::default()];
                let mm = if m == Modulation::Pi2Bpsk {
                    Modulation::Bpsk
                } else {
                    m
                };
                map(mm, &bits, &mut s).unwrap();
                (bits, s[0])
            })
            .collect()
    }

    #[test]
    fn unit_average_power() {
        for m in Modulation::ALL {
            let c = constellation(m);
            let p: f32 = c.iter().map(|(_, s)| s.norm_sqr()).sum::<f32>() / c.len() as f32;
            assert!((p - 1.0).abs() < 1e-5, "{m:?}: {p}");
        }
    }

    #[test]
    fn spec_points() {
        // TS 38.211 §5.1.4: b = 0000 → (1 + j)/√10; §5.1.6: 0000 0000 → (5 + 5j)/√170.
        let mut s = [C32::default()];
        map(Modulation::Qam16, &[0, 0, 0, 0], &mut s).unwrap();
        assert!((s[0] - C32::new(1.0, 1.0) / 10f32.sqrt()).norm() < 1e-6);
        map(Modulation::Qam256, &[0; 8], &mut s).unwrap();
        assert!((s[0] - C32::new(5.0, 5.0) / 170f32.sqrt()).norm() < 1e-6);
        map(Modulation::Qam1024, &[0; 10], &mut s).unwrap();
        assert!((s[0] - C32::new(11.0, 11.0) / 682f32.sqrt()).norm() < 1e-6);
        assert!(map(Modulation::Qpsk, &[0, 2], &mut s).is_err());
        assert!(map(Modulation::Qpsk, &[0], &mut s).is_err());
    }

    #[test]
    fn max_log_equals_exhaustive_search() {
        let mut r = rng::stream(11, 0);
        for m in Modulation::ALL {
            let q = m.bits_per_symbol();
            let c = constellation(m);
            let d = Demapper::new(m);
            let nv = 0.37f32;
            for _ in 0..400 {
                let y = rng::complex_normal(&mut r, 1.5);
                let mut l = vec![0f32; q];
                d.demap(&[y], nv, &mut l).unwrap();
                for (b, got) in l.iter().enumerate() {
                    // One symbol per call: index 0, where π/2-BPSK equals BPSK.
                    let (mut m0, mut m1) = (f32::INFINITY, f32::INFINITY);
                    for (bits, s) in &c {
                        let dd = (y - s).norm_sqr();
                        if bits[b] == 0 {
                            m0 = m0.min(dd)
                        } else {
                            m1 = m1.min(dd)
                        }
                    }
                    let want = (m1 - m0) / nv;
                    assert!(
                        (got - want).abs() <= 2e-4 * want.abs().max(1.0),
                        "{m:?} bit {b}: {got} vs {want} at {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_isa_gives_identical_llrs() {
        let mut r = rng::stream(8, 0);
        let y: Vec<C32> = (0..1001)
            .map(|_| rng::complex_normal(&mut r, 2.0))
            .collect();
        for m in Modulation::ALL {
            let q = m.bits_per_symbol();
            let want_d = Demapper::with_isa(m, Isa::Scalar).unwrap();
            let mut want = vec![0f32; y.len() * q];
            want_d.demap(&y, 0.2, &mut want).unwrap();
            let mut want8 = vec![0i8; y.len() * q];
            want_d.demap_i8(&y, 0.2, 4.0, &mut want8).unwrap();
            for isa in Isa::available() {
                let d = Demapper::with_isa(m, isa).unwrap();
                let mut got = vec![0f32; y.len() * q];
                d.demap(&y, 0.2, &mut got).unwrap();
                assert!(
                    want.iter()
                        .zip(&got)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{m:?} {isa}"
                );
                let mut got8 = vec![0i8; y.len() * q];
                d.demap_i8(&y, 0.2, 4.0, &mut got8).unwrap();
                assert_eq!(want8, got8, "{m:?} {isa} i8");
            }
            // int8 is the float LLR scaled, rounded and saturated.
            for (f, i) in want.iter().zip(&want8) {
                assert_eq!(
                    *i as f32,
                    (f * 4.0).clamp(-127.0, 127.0).round_ties_even(),
                    "{m:?}"
                );
            }
        }
    }

    #[test]
    fn hard_decisions_round_trip() {
        let mut r = rng::stream(5, 1);
        for m in Modulation::ALL {
            let q = m.bits_per_symbol();
            let mut bits = vec![0u8; 64 * q];
            rng::fill_bits(&mut r, &mut bits);
            let mut s = vec![C32::default(); 64];
            map(m, &bits, &mut s).unwrap();
            let mut l = vec![0f32; bits.len()];
            demap(m, &s, 0.1, &mut l).unwrap();
            let hard: Vec<u8> = l.iter().map(|&v| u8::from(v < 0.0)).collect();
            assert_eq!(hard, bits, "{m:?}");
        }
        assert!(demap(Modulation::Qpsk, &[C32::default()], 0.0, &mut [0.0; 2]).is_err());
    }
}
