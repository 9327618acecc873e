//! Numerically controlled oscillator: frequency shifting by e^(j2π f n / f_s).

use nrkit_core::{Error, C32};

use crate::VectorKernels;

const BLOCK: usize = 1024;

/// Multiplies samples by e^(j(φ0 + 2π f n / f_s)), phase-continuous across calls.
///
/// The per-block start phase is computed exactly in f64 (cycles accumulated modulo 1), and a
/// precomputed block of rotations (f64-accurate, stored as f32) is scaled by it, so the
/// phase error stays at float rounding (~1e-7 rad) for recordings of any length.
#[derive(Debug, Clone)]
pub struct Nco {
    cycles_per_sample: f64,
    /// Phase of the next sample in cycles, in [0, 1).
    phase: f64,
    table: Vec<C32>,
    tmp: Vec<C32>,
    kernels: VectorKernels,
}

impl Nco {
    /// An NCO shifting by `freq_hz` at `sample_rate_hz` (> 0, finite), starting at phase 0.
    pub fn new(freq_hz: f64, sample_rate_hz: f64) -> Result<Self, Error> {
        if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
            return Err(Error::invalid("sample rate", "> 0 Hz", sample_rate_hz));
        }
        if !freq_hz.is_finite() {
            return Err(Error::invalid("NCO frequency", "finite", freq_hz));
        }
        let cps = (freq_hz / sample_rate_hz).rem_euclid(1.0);
        let table = (0..BLOCK)
            .map(|k| {
                let ph = std::f64::consts::TAU * (cps * k as f64).rem_euclid(1.0);
                C32::new(ph.cos() as f32, ph.sin() as f32)
            })
            .collect();
        Ok(Nco {
            cycles_per_sample: cps,
            phase: 0.0,
            table,
            tmp: vec![C32::default(); BLOCK],
            kernels: VectorKernels::detect(),
        })
    }

    /// The same NCO running its vector kernels on `isa` (the default is the best this CPU
    /// has; fails if the CPU lacks it). The output does not depend on it.
    pub fn with_isa(mut self, isa: crate::Isa) -> Result<Self, Error> {
        self.kernels = VectorKernels::new(isa)?;
        Ok(self)
    }

    /// The ISA of its vector kernels.
    pub fn isa(&self) -> crate::Isa {
        self.kernels.isa()
    }

    /// Sets the phase of the next sample, in radians.
    pub fn set_phase(&mut self, radians: f64) {
        self.phase = (radians / std::f64::consts::TAU).rem_euclid(1.0);
    }

    /// Shifts `x` in place.
    pub fn mix(&mut self, x: &mut [C32]) {
        for chunk in x.chunks_mut(BLOCK) {
            let ph = std::f64::consts::TAU * self.phase;
            let start = C32::new(ph.cos() as f32, ph.sin() as f32);
            let n = chunk.len();
            let rot = &mut self.tmp[..n];
            // Lengths match by construction.
            let _ = self.kernels.scale(&self.table[..n], start, rot);
            for (v, r) in chunk.iter_mut().zip(rot.iter()) {
                *v *= r;
            }
            self.phase = (self.phase + self.cycles_per_sample * n as f64).rem_euclid(1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_direct_exponential_over_long_runs() {
        let fs = 30.72e6;
        let f = 1_234_567.8;
        let mut nco = Nco::new(f, fs).unwrap();
        let total = 300_000;
        let mut x = vec![C32::new(1.0, 0.0); total];
        for c in x.chunks_mut(777) {
            nco.mix(c);
        }
        for &n in &[0usize, 1, 1023, 1024, 99_999, 299_999] {
            let ph = std::f64::consts::TAU * ((f / fs) * n as f64).rem_euclid(1.0);
            let want = C32::new(ph.cos() as f32, ph.sin() as f32);
            assert!((x[n] - want).norm() < 2e-6, "n={n}: {} vs {want}", x[n]);
        }
    }

    #[test]
    fn rejects_bad_rates() {
        assert!(Nco::new(1.0, 0.0).is_err());
        assert!(Nco::new(f64::NAN, 1.0).is_err());
    }
}
