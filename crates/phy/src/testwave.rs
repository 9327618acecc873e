//! Reproducible OFDM test waveforms: random QAM on every resource element of a carrier,
//! a pure function of the parameters and the seed, so a receiver regenerates the reference
//! grid (`nrkit generate ofdm`, `nrkit evm`, the demo).

use ndarray::{Array2, ShapeBuilder};
use nrkit_core::{rng, Error, Numerology, C32};

use crate::modulation::{map, Modulation};
use crate::ofdm::MAX_FFT_SIZE;
use crate::{Ofdm, OfdmConfig};

/// Most samples a test waveform holds in memory (2^28: 2 GiB of cf32).
pub const MAX_SAMPLES: u64 = 1 << 28;

/// Parameters of a test waveform.
#[derive(Debug, Clone, PartialEq)]
pub struct TestWave {
    /// Numerology.
    pub numerology: Numerology,
    /// Grid size in resource blocks (1…275).
    pub n_rb: usize,
    /// FFT size (≥ 12·n_rb, ≤ [`MAX_FFT_SIZE`], a multiple of 128).
    pub fft_size: usize,
    /// Slots to generate (≥ 1, at most [`MAX_SAMPLES`] samples in all).
    pub slots: usize,
    /// Modulation on every RE.
    pub modulation: Modulation,
    /// RNG seed.
    pub seed: u64,
    /// §5.4 phase compensation carrier, if any (finite Hz).
    pub center_freq: Option<f64>,
}

impl TestWave {
    /// Checks every parameter's range (the OFDM ones as [`Ofdm::new`] does, and the
    /// waveform's size).
    pub fn validate(&self) -> Result<(), Error> {
        if self.n_rb == 0 || self.n_rb > 275 {
            return Err(Error::invalid("grid size N_RB", "1..=275", self.n_rb));
        }
        if self.fft_size < 12 * self.n_rb || self.fft_size > MAX_FFT_SIZE {
            return Err(Error::invalid(
                "FFT size",
                format!("{}..={MAX_FFT_SIZE}", 12 * self.n_rb),
                self.fft_size,
            ));
        }
        if let Some(f) = self.center_freq.filter(|f| !f.is_finite()) {
            return Err(Error::invalid("centre frequency", "finite Hz", f));
        }
        // Samples per slot at most (N + N_CP,max) · symbols; N_CP ≤ N/4 (extended CP).
        let per_slot =
            (self.fft_size + self.fft_size / 4) as u64 * self.numerology.symbols_per_slot() as u64;
        let max_slots = (MAX_SAMPLES / per_slot).max(1);
        if self.slots == 0 || self.slots as u64 > max_slots {
            return Err(Error::invalid(
                "slots",
                format!("1..={max_slots} (at most 2^28 samples in memory)"),
                self.slots,
            ));
        }
        Ok(())
    }

    /// The OFDM configuration.
    pub fn ofdm_config(&self) -> OfdmConfig {
        let mut c = OfdmConfig::new(self.numerology, self.n_rb);
        c.fft_size = self.fft_size;
        c.phase_comp_f0 = self.center_freq;
        c
    }

    /// The reference grid `[K, slots·symbols_per_slot]`.
    pub fn grid(&self) -> Result<Array2<C32>, Error> {
        self.validate()?;
        let k = self.n_rb * 12;
        let l = self.slots * self.numerology.symbols_per_slot();
        let q = self.modulation.bits_per_symbol();
        let mut r = rng::stream(self.seed, 0);
        let mut bits = vec![0u8; k * l * q];
        rng::fill_bits(&mut r, &mut bits);
        let mut syms = vec![C32::default(); k * l];
        map(self.modulation, &bits, &mut syms)?;
        Array2::from_shape_vec((k, l).f(), syms)
            .map_err(|_| Error::invalid("grid shape", "K x L", format!("{k} x {l}")))
    }

    /// The time-domain waveform.
    pub fn waveform(&self, ofdm: &mut Ofdm) -> Result<Vec<C32>, Error> {
        let g = self.grid()?;
        let mut out = Vec::new();
        ofdm.modulate(g.view(), 0, &mut out)?;
        Ok(out)
    }
}

/// EVM of `got` against `want` (RMS error over RMS reference), as a fraction
/// (TS 38.104 §6.5.2 measures it after equalization; this compares REs as given).
pub fn evm(got: &[C32], want: &[C32]) -> f64 {
    let (mut e, mut p) = (0f64, 0f64);
    for (g, w) in got.iter().zip(want) {
        e += f64::from((g - w).norm_sqr());
        p += f64::from(w.norm_sqr());
    }
    if p == 0.0 {
        0.0
    } else {
        (e / p).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_bounds_the_waveform() {
        let mut t = TestWave {
            numerology: Numerology::from_scs_khz(30).unwrap(),
            n_rb: 273,
            fft_size: 4096,
            slots: 2,
            modulation: Modulation::Qam256,
            seed: 1,
            center_freq: None,
        };
        assert!(t.validate().is_ok());
        for (n_rb, fft, slots) in [
            (0, 4096, 2),
            (276, 4096, 2),
            (273, 2048, 2),
            (273, 1 << 40, 2),
            (273, 4096, 0),
            (273, 4096, 1_000_000_000_000),
        ] {
            t.n_rb = n_rb;
            t.fft_size = fft;
            t.slots = slots;
            assert!(t.validate().is_err(), "{n_rb} {fft} {slots}");
        }
        assert_eq!(evm(&[C32::new(1.0, 0.0)], &[C32::new(1.0, 0.0)]), 0.0);
    }
}
