//! OFDM modulation and demodulation (TS 38.211 §5.3.1, §5.4).
//!
//! Conventions (equal to py3gpp's and MATLAB's `nrOFDMModulate`/`nrOFDMDemodulate`):
//! * Grid subcarrier k (0 = lowest) sits at frequency (k − K/2)·Δf; K = 12·N_RB.
//! * Sample rate f_s = N_FFT·Δf. CP lengths are N_CP,l·N_FFT/(2048·κ·2^−μ) samples:
//!   144·N_FFT/2048 (normal), plus 16·κ·T_c (N_FFT·2^μ/128 samples) on symbols l = 0 and
//!   l = 7·2^μ of every subframe; 512·N_FFT/2048 (extended). FFT sizes that make these
//!   fractional are rejected.
//! * Scaling: the modulator applies 1/N_FFT (an inverse DFT), the demodulator none, so
//!   demodulate(modulate(grid)) = grid.
//! * Demodulation takes the FFT window `cp_fraction`·N_CP into the CP (default 0.5) and
//!   removes the resulting linear phase.
//! * §5.4 phase compensation (optional, carrier f0 in Hz): symbol l is multiplied by
//!   e^(−j2π f0 (t_start,l + N_CP,l T_c)) on transmit and by its conjugate on receive, with
//!   t_start,l counted from the start of the subframe.
//!
//! Symbols are processed whole slots at a time; the symbol counter starts at symbol 0 of
//! `first_slot` (only `first_slot mod 2^μ` matters). Each sample is touched once around the
//! FFT: subcarrier mapping, scaling and phase are one pass, the IFFT writes straight into the
//! output, and the CP is copied from it.

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use nrkit_core::{CyclicPrefix, Error, Numerology, C32, N_SC_RB, T_C};
use nrkit_dsp::{Direction, Fft, FftEngine, VectorKernels};

/// Parameters of an OFDM modulator/demodulator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OfdmConfig {
    /// Numerology (μ and CP type).
    pub numerology: Numerology,
    /// Grid size N_RB (1..=275).
    pub n_rb: usize,
    /// FFT size N_FFT (≥ 12·N_RB; CP lengths must be whole samples).
    pub fft_size: usize,
    /// Carrier frequency f0 for §5.4 phase compensation; `None` disables it.
    pub phase_comp_f0: Option<f64>,
    /// Where the demodulator's FFT window starts, as a fraction of the CP (0..=1).
    pub cp_fraction: f64,
}

impl OfdmConfig {
    /// Configuration with the smallest power-of-two FFT that holds the grid at ≤ 85 %
    /// occupancy (the MATLAB/py3gpp default), no phase compensation, window at half the CP.
    ///
    /// The FFT size stops at [`MAX_FFT_SIZE`]; an `n_rb` outside 1…275 is reported by
    /// [`Ofdm::new`].
    pub fn new(numerology: Numerology, n_rb: usize) -> Self {
        let k = n_rb.saturating_mul(N_SC_RB);
        let mut n = 128;
        while n < MAX_FFT_SIZE && (n as f64) * 0.85 < k as f64 {
            n *= 2;
        }
        OfdmConfig {
            numerology,
            n_rb,
            fft_size: n,
            phase_comp_f0: None,
            cp_fraction: 0.5,
        }
    }

    /// Sample rate N_FFT·Δf in Hz.
    pub fn sample_rate(&self) -> f64 {
        self.fft_size as f64 * self.numerology.scs_hz()
    }
}

/// Largest FFT size an [`Ofdm`] plans (16× the largest NR size, 4096).
pub const MAX_FFT_SIZE: usize = 65536;

/// OFDM modulator and demodulator for one configuration (plans and buffers owned).
#[derive(Debug)]
pub struct Ofdm {
    cfg: OfdmConfig,
    k: usize,
    ifft: Fft,
    fft: Fft,
    kernels: VectorKernels,
    /// CP length in samples for each symbol of a subframe.
    cp: Vec<usize>,
    /// Phase compensation factor e^(−j2π f0 (t_start,l + N_CP,l T_c)) per symbol of a subframe.
    phase: Vec<C32>,
    /// Receive linear-phase rotations, one table per distinct CP length.
    rx_rot: Vec<(usize, Vec<C32>)>,
    buf: Vec<C32>,
    col: Vec<C32>,
    scratch: Vec<C32>,
}

impl Ofdm {
    /// Validates `cfg` and plans the transforms with `engine`.
    pub fn new(cfg: OfdmConfig, engine: &mut FftEngine) -> Result<Self, Error> {
        if cfg.n_rb == 0 || cfg.n_rb > 275 {
            return Err(Error::invalid("grid size N_RB", "1..=275", cfg.n_rb));
        }
        let k = cfg.n_rb * N_SC_RB;
        if cfg.fft_size > MAX_FFT_SIZE {
            return Err(Error::invalid(
                "FFT size",
                format!("<= {MAX_FFT_SIZE}"),
                cfg.fft_size,
            ));
        }
        if cfg.fft_size < k {
            return Err(Error::invalid(
                "FFT size",
                format!(">= the {k} occupied subcarriers"),
                cfg.fft_size,
            ));
        }
        if !(0.0..=1.0).contains(&cfg.cp_fraction) {
            return Err(Error::invalid("CP fraction", "0..=1", cfg.cp_fraction));
        }
        if let Some(f0) = cfg.phase_comp_f0 {
            if !f0.is_finite() {
                return Err(Error::invalid("phase compensation f0", "finite Hz", f0));
            }
        }
        let num = cfg.numerology;
        let n_u = num.n_u_tc();
        let mut cp = Vec::new();
        let mut phase = Vec::new();
        for l in 0..num.symbols_per_subframe() {
            let tc = num.n_cp_tc(l);
            let samples = tc as u128 * cfg.fft_size as u128;
            if !samples.is_multiple_of(n_u as u128) {
                return Err(Error::invalid(
                    "FFT size",
                    match num.cp() {
                        CyclicPrefix::Normal => "a multiple of 128 (whole-sample CP lengths)",
                        CyclicPrefix::Extended => "a multiple of 4 (whole-sample CP lengths)",
                    },
                    cfg.fft_size,
                ));
            }
            cp.push((samples / n_u as u128) as usize);
            let ph = cfg.phase_comp_f0.map_or(C32::new(1.0, 0.0), |f0| {
                let t_tc = (num.t_start_tc(l) + tc) as f64;
                let cycles = (f0 * t_tc * T_C).rem_euclid(1.0);
                let a = -std::f64::consts::TAU * cycles;
                C32::new(a.cos() as f32, a.sin() as f32)
            });
            phase.push(ph);
        }
        let n = cfg.fft_size;
        let mut rx_rot: Vec<(usize, Vec<C32>)> = Vec::new();
        for &c in &cp {
            let d = c - (cfg.cp_fraction * c as f64).floor() as usize;
            if rx_rot.iter().all(|(dd, _)| *dd != d) {
                let table = (0..k)
                    .map(|kk| {
                        let f = kk as i64 - (k / 2) as i64;
                        let cyc = ((d as i64 * f).rem_euclid(n as i64)) as f64 / n as f64;
                        let a = std::f64::consts::TAU * cyc;
                        C32::new(a.cos() as f32, a.sin() as f32)
                    })
                    .collect();
                rx_rot.push((d, table));
            }
        }
        let ifft = engine.plan(n, Direction::Inverse)?;
        let fft = engine.plan(n, Direction::Forward)?;
        let scratch_len = ifft.make_scratch().len().max(fft.make_scratch().len());
        Ok(Ofdm {
            cfg,
            k,
            ifft,
            fft,
            kernels: VectorKernels::new(engine.isa())?,
            cp,
            phase,
            rx_rot,
            buf: vec![C32::default(); n],
            col: vec![C32::default(); k],
            scratch: vec![C32::default(); scratch_len],
        })
    }

    /// The ISA of its FFTs and vector kernels, by name.
    pub fn isas(&self) -> [(&'static str, nrkit_dsp::Isa); 3] {
        [
            ("ifft", self.ifft.isa()),
            ("fft", self.fft.isa()),
            ("kernels", self.kernels.isa()),
        ]
    }

    /// The configuration.
    pub fn config(&self) -> &OfdmConfig {
        &self.cfg
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> f64 {
        self.cfg.sample_rate()
    }

    /// Subcarriers K.
    pub fn n_subcarriers(&self) -> usize {
        self.k
    }

    /// CP length in samples of symbol `l` of a subframe.
    pub fn cp_len(&self, l_in_subframe: usize) -> usize {
        self.cp[l_in_subframe % self.cp.len()]
    }

    fn first_symbol(&self, first_slot: usize) -> usize {
        first_slot * self.cfg.numerology.symbols_per_slot()
    }

    fn symbol_in_subframe(&self, first_symbol: usize, s: usize) -> usize {
        (first_symbol + s) % self.cfg.numerology.symbols_per_subframe()
    }

    /// Samples spanned by `n_symbols` symbols starting at symbol 0 of `first_slot`.
    pub fn samples_for(&self, first_slot: usize, n_symbols: usize) -> usize {
        self.samples_for_at(self.first_symbol(first_slot), n_symbols)
    }

    /// Samples spanned by `n_symbols` symbols starting at symbol `first_symbol` (counted
    /// from any subframe start).
    pub fn samples_for_at(&self, first_symbol: usize, n_symbols: usize) -> usize {
        (0..n_symbols)
            .map(|s| self.cfg.fft_size + self.cp[self.symbol_in_subframe(first_symbol, s)])
            .sum()
    }

    /// Modulates the symbols of `grid` (`[K, n_symbols]`, any layout), appending the time
    /// samples to `out`.
    pub fn modulate(
        &mut self,
        grid: ArrayView2<'_, C32>,
        first_slot: usize,
        out: &mut Vec<C32>,
    ) -> Result<(), Error> {
        self.modulate_at(grid, self.first_symbol(first_slot), out)
    }

    /// Like [`Ofdm::modulate`], the first column being symbol `first_symbol` (counted from
    /// any subframe start; it sets the CP lengths and the §5.4 phases).
    pub fn modulate_at(
        &mut self,
        grid: ArrayView2<'_, C32>,
        first_symbol: usize,
        out: &mut Vec<C32>,
    ) -> Result<(), Error> {
        Error::check_len("grid subcarriers", self.k, grid.nrows())?;
        let n = self.cfg.fft_size;
        let half = self.k / 2;
        out.reserve(self.samples_for_at(first_symbol, grid.ncols()));
        for (s, column) in grid.columns().into_iter().enumerate() {
            let l = self.symbol_in_subframe(first_symbol, s);
            let c = self.phase[l] * (1.0 / n as f32);
            let cp = self.cp[l];
            let src: &[C32] = match column.as_slice() {
                Some(sl) => sl,
                None => {
                    for (d, v) in self.col.iter_mut().zip(column.iter()) {
                        *d = *v;
                    }
                    &self.col
                }
            };
            // Negative frequencies (k < K/2) go to the top bins, the rest from bin 0 up.
            self.kernels
                .scale(&src[..half], c, &mut self.buf[n - half..])?;
            self.kernels
                .scale(&src[half..], c, &mut self.buf[..self.k - half])?;
            self.buf[self.k - half..n - half].fill(C32::default());
            let start = out.len();
            out.resize(start + cp + n, C32::default());
            let sym = &mut out[start..];
            self.ifft
                .process_outofplace(&mut self.buf, &mut sym[cp..], &mut self.scratch)?;
            sym.copy_within(n..n + cp, 0);
        }
        Ok(())
    }

    /// Demodulates `n_symbols` symbols from `samples` (which start at the CP of symbol 0 of
    /// `first_slot`) into a `[K, n_symbols]` column-major grid.
    pub fn demodulate(
        &mut self,
        samples: &[C32],
        first_slot: usize,
        n_symbols: usize,
    ) -> Result<Array2<C32>, Error> {
        self.demodulate_at(samples, self.first_symbol(first_slot), n_symbols)
    }

    /// Like [`Ofdm::demodulate`], `samples` starting at the CP of symbol `first_symbol`
    /// (counted from any subframe start).
    pub fn demodulate_at(
        &mut self,
        samples: &[C32],
        first_symbol: usize,
        n_symbols: usize,
    ) -> Result<Array2<C32>, Error> {
        let need = self.samples_for_at(first_symbol, n_symbols);
        if samples.len() < need {
            return Err(Error::LengthMismatch {
                what: "OFDM samples",
                expected: need,
                got: samples.len(),
            });
        }
        let n = self.cfg.fft_size;
        let half = self.k / 2;
        let mut grid = Array2::zeros((self.k, n_symbols).f());
        let mut pos = 0;
        for s in 0..n_symbols {
            let l = self.symbol_in_subframe(first_symbol, s);
            let cp = self.cp[l];
            let adv = (self.cfg.cp_fraction * cp as f64).floor() as usize;
            self.buf.copy_from_slice(&samples[pos + adv..pos + adv + n]);
            self.fft.process(&mut self.buf, &mut self.scratch)?;
            let d = cp - adv;
            let rot = &self
                .rx_rot
                .iter()
                .find(|(dd, _)| *dd == d)
                .expect("a table exists for every CP length")
                .1;
            let mut col = grid.column_mut(s);
            let out = col.as_slice_mut().expect("column-major grid");
            // Gather the K bins (negative frequencies from the top) and remove the window's
            // linear phase in one pass; then the §5.4 phase, if any.
            let (lo, hi) = out.split_at_mut(half);
            self.kernels.mul(&self.buf[n - half..], &rot[..half], lo)?;
            self.kernels
                .mul(&self.buf[..self.k - half], &rot[half..], hi)?;
            if self.cfg.phase_comp_f0.is_some() {
                self.kernels.scale_in_place(out, self.phase[l].conj());
            }
            pos += cp + n;
        }
        Ok(grid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nrkit_core::rng;

    fn random_grid(k: usize, l: usize, seed: u64) -> Array2<C32> {
        let mut r = rng::stream(seed, 0);
        Array2::from_shape_fn((k, l).f(), |_| rng::complex_normal(&mut r, 1.0))
    }

    #[test]
    fn round_trip_every_numerology() {
        let mut engine = FftEngine::detect();
        for (mu, cp) in [
            (0, CyclicPrefix::Normal),
            (1, CyclicPrefix::Normal),
            (2, CyclicPrefix::Normal),
            (2, CyclicPrefix::Extended),
            (3, CyclicPrefix::Normal),
            (4, CyclicPrefix::Normal),
        ] {
            let num = Numerology::new(mu, cp).unwrap();
            let mut cfg = OfdmConfig::new(num, 24);
            cfg.phase_comp_f0 = Some(3.5e9 + 1234.0);
            let mut ofdm = Ofdm::new(cfg, &mut engine).unwrap();
            let nsym = num.symbols_per_subframe() + 3;
            let g = random_grid(ofdm.n_subcarriers(), nsym, mu as u64);
            let mut wave = Vec::new();
            ofdm.modulate(g.view(), 1, &mut wave).unwrap();
            assert_eq!(wave.len(), ofdm.samples_for(1, nsym));
            let back = ofdm.demodulate(&wave, 1, nsym).unwrap();
            let err = (&back - &g).iter().map(|v| v.norm()).fold(0f32, f32::max);
            assert!(err < 1e-4, "mu={mu} {cp:?}: {err}");
        }
    }

    #[test]
    fn cp_lengths_per_spec() {
        let mut engine = FftEngine::detect();
        let num = Numerology::new(1, CyclicPrefix::Normal).unwrap();
        let mut cfg = OfdmConfig::new(num, 273);
        assert_eq!(cfg.fft_size, 4096);
        let o = Ofdm::new(cfg, &mut engine).unwrap();
        assert_eq!((o.cp_len(0), o.cp_len(1), o.cp_len(14)), (352, 288, 352));
        assert_eq!(o.samples_for(0, 14), 61440); // 0.5 ms at 122.88 Msps
        cfg.fft_size = 4000;
        assert!(Ofdm::new(cfg, &mut engine).is_err());
        cfg.fft_size = 2048;
        assert!(Ofdm::new(cfg, &mut engine).is_err()); // 3276 subcarriers do not fit
    }
}
