//! SSB burst waveforms: frames of SS/PBCH bursts at any sample rate and frequency offset.
//!
//! Each SSB is OFDM-modulated in its own numerology (TS 38.211 §5.3.1, normal CP, the
//! 16κ-longer symbols at every half subframe) with the SS_REF subcarrier (k = 120) at
//! `ssb_offset_hz` from the recording's centre. A non-integer offset in subcarriers is
//! generated exactly as §5.3.1 defines it (the tone's phase restarts at each symbol's
//! useful part), so odd k_SSB half-subcarrier positions are faithful. With `center_freq`
//! the §5.4 phase compensation for f0 = that frequency is applied. Sample rates that are
//! not N·Δf with N a multiple of 128 are reached by generating at the next power-of-two
//! N and resampling (polyphase, group delay removed, positions rounded to the nearest
//! output sample).
//!
//! Timing: the first output sample is the start of frame `mib.sfn`; a burst occupies half
//! frame h of frame s when (10·s + 5·h) mod `period_ms` = 0.

use nrkit_core::{Error, Pci, C32};
use nrkit_dsp::{FftEngine, Nco, Resampler};

use super::burst::SsbCase;
use super::pbch::{BchPayload, Mib};
use super::ssb_block;
use crate::{Ofdm, OfdmConfig};

/// Highest output sample rate of the generator, Hz (an FR2 carrier at 491.52 Msps with
/// room to oversample).
pub const MAX_SAMPLE_RATE: f64 = 4.0e9;

/// What to transmit.
#[derive(Debug, Clone, PartialEq)]
pub struct SsbTxConfig {
    /// Physical cell identity.
    pub pci: Pci,
    /// Burst pattern.
    pub case: SsbCase,
    /// L_max: 4 or 8 (Cases A–C), 64 (D, E).
    pub l_max: u8,
    /// Transmitted SSB indices (each < L_max).
    pub ssb_indices: Vec<u8>,
    /// MIB; its `sfn` is that of the first generated frame.
    pub mib: Mib,
    /// Burst periodicity: 5, 10, 20, 40, 80 or 160 ms.
    pub period_ms: u32,
    /// Output sample rate in Hz.
    pub sample_rate: f64,
    /// §5.4 phase compensation carrier f0, if any.
    pub center_freq: Option<f64>,
    /// SS_REF (SSB subcarrier 120) minus the recording's centre, in Hz.
    pub ssb_offset_hz: f64,
}

impl SsbTxConfig {
    /// A configuration with the defaults of `nrkit generate ssb`: all L_max SSBs, 20 ms,
    /// SS_REF at 0 Hz, no phase compensation.
    pub fn new(pci: Pci, case: SsbCase, l_max: u8, sample_rate: f64) -> Self {
        SsbTxConfig {
            pci,
            case,
            l_max,
            ssb_indices: (0..l_max).collect(),
            mib: Mib {
                scs_common_khz: if case.is_fr2() { 120 } else { 30 },
                ..Mib::default()
            },
            period_ms: 20,
            sample_rate,
            center_freq: None,
            ssb_offset_hz: 0.0,
        }
    }

    /// Validates every parameter.
    pub fn validate(&self) -> Result<(), Error> {
        self.case.first_symbols(self.l_max)?;
        if self.ssb_indices.is_empty() {
            return Err(Error::invalid("SSB indices", "at least one", "none"));
        }
        for &i in &self.ssb_indices {
            if i >= self.l_max {
                return Err(Error::invalid(
                    "SSB index",
                    format!("0..{} (L_max)", self.l_max),
                    i,
                ));
            }
        }
        self.mib.validate(self.case.is_fr2())?;
        if ![5, 10, 20, 40, 80, 160].contains(&self.period_ms) {
            return Err(Error::invalid(
                "SSB periodicity",
                "5, 10, 20, 40, 80 or 160 ms",
                self.period_ms,
            ));
        }
        if !(self.sample_rate.is_finite()
            && self.sample_rate > 0.0
            && self.sample_rate <= MAX_SAMPLE_RATE)
        {
            return Err(Error::invalid(
                "sample rate",
                format!("> 0 and <= {MAX_SAMPLE_RATE:e} Hz"),
                self.sample_rate,
            ));
        }
        let scs = f64::from(self.case.scs_khz()) * 1e3;
        let edge = self.ssb_offset_hz.abs() + 120.0 * scs;
        if !self.ssb_offset_hz.is_finite() || edge > self.sample_rate / 2.0 {
            return Err(Error::invalid(
                "SSB frequency offset",
                format!(
                    "within ±{:.0} Hz so the 240 subcarriers fit in ±fs/2",
                    self.sample_rate / 2.0 - 120.0 * scs
                ),
                self.ssb_offset_hz,
            ));
        }
        if let Some(f) = self.center_freq {
            if !f.is_finite() {
                return Err(Error::invalid("centre frequency", "finite Hz", f));
            }
        }
        Ok(())
    }
}

/// Where one generated SSB sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SsbPlacement {
    /// First sample (of the first symbol's CP), from the start of the output.
    pub start: u64,
    /// Samples spanned by the 4 symbols.
    pub count: u64,
    /// SSB index.
    pub ssb_index: u8,
    /// SFN of its frame.
    pub sfn: u16,
    /// Half frame 0 or 1.
    pub half_frame: u8,
}

/// Generates SSB burst frames one at a time (bounded memory for long outputs).
#[derive(Debug)]
pub struct SsbGenerator {
    cfg: SsbTxConfig,
    ofdm: Ofdm,
    nco: Nco,
    /// Native FFT size N (native rate N·Δf).
    n_fft: usize,
    native_rate: f64,
    first_symbols: Vec<usize>,
    /// Sample offset of each symbol from its subframe start, and the subframe length.
    sym_start: Vec<usize>,
    subframe_len: usize,
    resampler: Option<Resampler>,
    /// Output samples still to drop (resampler delay).
    skip: usize,
    frame: usize,
    emitted: u64,
}

impl SsbGenerator {
    /// Validates `cfg` and prepares the modulator.
    pub fn new(cfg: SsbTxConfig, engine: &mut FftEngine) -> Result<Self, Error> {
        cfg.validate()?;
        let num = cfg.case.numerology();
        let scs = num.scs_hz();
        let ratio = cfg.sample_rate / scs;
        let exact = (ratio - ratio.round()).abs() < 1e-9
            && (ratio.round() as usize).is_multiple_of(128)
            && ratio.round() as usize >= 256;
        let n_fft = if exact {
            ratio.round() as usize
        } else {
            (ratio.ceil() as usize).max(256).next_power_of_two()
        };
        let native_rate = n_fft as f64 * scs;
        let resampler = if exact {
            None
        } else {
            Some(Resampler::for_rates(native_rate, cfg.sample_rate)?)
        };
        let skip = resampler.as_ref().map_or(0, |r| {
            (r.delay_in_samples() * cfg.sample_rate / native_rate).round() as usize
        });
        let mut oc = OfdmConfig::new(num, 20);
        oc.fft_size = n_fft;
        oc.phase_comp_f0 = cfg.center_freq;
        let ofdm = Ofdm::new(oc, engine)?;
        let mut sym_start = Vec::new();
        let mut acc = 0;
        for l in 0..num.symbols_per_subframe() {
            sym_start.push(acc);
            acc += n_fft + ofdm.cp_len(l);
        }
        let first_symbols = cfg.case.first_symbols(cfg.l_max)?;
        let nco = Nco::new(cfg.ssb_offset_hz, native_rate)?;
        Ok(SsbGenerator {
            nco,
            n_fft,
            native_rate,
            first_symbols,
            sym_start,
            subframe_len: acc,
            resampler,
            skip,
            frame: 0,
            emitted: 0,
            ofdm,
            cfg,
        })
    }

    /// Output samples per frame (10 ms), rounded down if fs·10 ms is not whole.
    pub fn samples_per_frame(&self) -> u64 {
        (self.cfg.sample_rate * 0.01).round() as u64
    }

    /// The native (FFT) sample rate before any resampling.
    pub fn native_rate(&self) -> f64 {
        self.native_rate
    }

    /// Appends the next frame's samples to `out` and returns its SSBs.
    pub fn next_frame(&mut self, out: &mut Vec<C32>) -> Result<Vec<SsbPlacement>, Error> {
        let num = self.cfg.case.numerology();
        let frame_len = 10 * self.subframe_len;
        let mut native = vec![C32::default(); frame_len];
        let sfn = ((usize::from(self.cfg.mib.sfn) + self.frame) % 1024) as u16;
        let mut placed = Vec::new();
        let sym_per_sf = num.symbols_per_subframe();
        let mut sym = Vec::new();
        // SS_REF offset in subcarriers, and output samples per native sample.
        let q = self.cfg.ssb_offset_hz / num.scs_hz();
        let scale = self.cfg.sample_rate / self.native_rate;
        let frame_start = self.frame as f64 * frame_len as f64;
        for hf in 0..2u8 {
            let t_ms = 10 * u32::from(sfn) + 5 * u32::from(hf);
            if t_ms % self.cfg.period_ms != 0 {
                continue;
            }
            for &idx in &self.cfg.ssb_indices {
                let payload = BchPayload {
                    mib: Mib {
                        sfn,
                        ..self.cfg.mib
                    },
                    half_frame: hf,
                    ssb_index: idx,
                    l_max: self.cfg.l_max,
                };
                let grid = ssb_block(self.cfg.pci, &payload)?;
                let s0 = usize::from(hf) * 5 * sym_per_sf + self.first_symbols[usize::from(idx)];
                let start = (s0 / sym_per_sf) * self.subframe_len + self.sym_start[s0 % sym_per_sf];
                sym.clear();
                self.ofdm.modulate_at(grid.view(), s0, &mut sym)?;
                // The frequency offset, with the phase of each symbol restarting at its useful
                // part (TS 38.211 §5.3.1 with a non-integer subcarrier position).
                let mut off = 0;
                for s in s0..s0 + 4 {
                    let len = self.n_fft + self.ofdm.cp_len(s % sym_per_sf);
                    if q != 0.0 {
                        let cp = len - self.n_fft;
                        let cycles = (-q * cp as f64 / self.n_fft as f64).rem_euclid(1.0);
                        self.nco.set_phase(std::f64::consts::TAU * cycles);
                        self.nco.mix(&mut sym[off..off + len]);
                    }
                    off += len;
                }
                native[start..start + sym.len()].copy_from_slice(&sym);
                let a = ((frame_start + start as f64) * scale).round() as u64;
                let b = ((frame_start + (start + sym.len()) as f64) * scale).round() as u64;
                placed.push(SsbPlacement {
                    start: a,
                    count: b - a,
                    ssb_index: idx,
                    sfn,
                    half_frame: hf,
                });
            }
        }
        placed.sort_by_key(|p| p.start);
        self.frame += 1;
        let target = self.frame as u64 * self.samples_per_frame();
        if self.resampler.is_none() {
            out.extend_from_slice(&native);
            self.emitted += native.len() as u64;
        } else {
            let beyond = self.resample_emit(&native, target, out);
            if beyond > 0 {
                // Cannot happen for whole-Hz rates (the resampler never runs ahead of the
                // input), but never drop samples silently.
                return Err(Error::invalid(
                    "resampler output",
                    "at most one frame per frame",
                    beyond,
                ));
            }
        }
        Ok(placed)
    }

    /// Resamples `input`, drops what remains of the resampler's delay, and appends output
    /// up to sample `target`; returns how many samples beyond `target` were produced (and
    /// not appended). Requires a resampler.
    fn resample_emit(&mut self, input: &[C32], target: u64, out: &mut Vec<C32>) -> usize {
        let r = self.resampler.as_mut().expect("called with a resampler");
        let mut tmp = Vec::with_capacity(r.max_output_len(input.len()));
        r.process(input, &mut tmp);
        let drop = self.skip.min(tmp.len());
        self.skip -= drop;
        let avail = &tmp[drop..];
        let n = avail.len().min((target - self.emitted) as usize);
        out.extend_from_slice(&avail[..n]);
        self.emitted += n as u64;
        avail.len() - n
    }

    /// Flushes the resampler: appends the samples that complete the last frame.
    pub fn finish(&mut self, out: &mut Vec<C32>) -> Result<(), Error> {
        let target = self.frame as u64 * self.samples_per_frame();
        if self.resampler.is_some() {
            let zeros = vec![C32::default(); 4 * self.n_fft + 1024];
            while self.emitted < target {
                self.resample_emit(&zeros, target, out);
            }
        }
        Ok(())
    }

    /// Convenience: `frames` frames of `cfg` in memory, with their SSB positions.
    pub fn generate(
        cfg: SsbTxConfig,
        frames: usize,
        engine: &mut FftEngine,
    ) -> Result<(Vec<C32>, Vec<SsbPlacement>), Error> {
        let mut g = SsbGenerator::new(cfg, engine)?;
        let (mut out, mut placed) = (Vec::new(), Vec::new());
        for _ in 0..frames {
            placed.extend(g.next_frame(&mut out)?);
        }
        g.finish(&mut out)?;
        Ok((out, placed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(cfg: SsbTxConfig, frames: usize) -> (Vec<C32>, Vec<SsbPlacement>) {
        let per_frame = (cfg.sample_rate * 0.01).round() as usize;
        let (out, placed) = SsbGenerator::generate(cfg, frames, &mut FftEngine::detect()).unwrap();
        assert_eq!(out.len(), frames * per_frame);
        (out, placed)
    }

    /// Demodulates each placed SSB with a wider grid and compares with the block.
    fn check_blocks(
        cfg: &SsbTxConfig,
        wave: &[C32],
        placed: &[SsbPlacement],
        n_rb: usize,
        shift: i64,
    ) {
        let mut engine = FftEngine::detect();
        let num = cfg.case.numerology();
        let mut oc = OfdmConfig::new(num, n_rb);
        oc.fft_size = (cfg.sample_rate / num.scs_hz()).round() as usize;
        oc.phase_comp_f0 = cfg.center_freq;
        let mut ofdm = Ofdm::new(oc, &mut engine).unwrap();
        let k0 = (ofdm.n_subcarriers() / 2) as i64 + shift - 120;
        let first = cfg.case.first_symbols(cfg.l_max).unwrap();
        let sym_per_hf = 5 * num.symbols_per_subframe();
        for p in placed {
            let s0 = usize::from(p.half_frame) * sym_per_hf + first[usize::from(p.ssb_index)];
            let got = ofdm
                .demodulate_at(&wave[p.start as usize..], s0, 4)
                .unwrap();
            let payload = BchPayload {
                mib: Mib {
                    sfn: p.sfn,
                    ..cfg.mib
                },
                half_frame: p.half_frame,
                ssb_index: p.ssb_index,
                l_max: cfg.l_max,
            };
            let want = ssb_block(cfg.pci, &payload).unwrap();
            for l in 0..4 {
                for k in 0..240 {
                    let g = got[[(k0 + k as i64) as usize, l]];
                    let w = want[[k, l]];
                    assert!((g - w).norm() < 2e-3, "{p:?} k={k} l={l}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn blocks_demodulate_back_with_phase_compensation() {
        let mut cfg = SsbTxConfig::new(Pci::new(1007).unwrap(), SsbCase::C, 8, 15.36e6);
        cfg.center_freq = Some(3.6e9 + 15e3);
        cfg.mib.sfn = 1022; // wraps to 0 in the third frame
        cfg.period_ms = 10;
        let (wave, placed) = gen(cfg.clone(), 3);
        assert_eq!(placed.len(), 24);
        assert_eq!(placed[16].sfn, 0);
        assert!(placed.windows(2).all(|w| w[0].start < w[1].start));
        check_blocks(&cfg, &wave, &placed, 20, 0);
    }

    #[test]
    fn offset_equals_grid_placement() {
        // SS_REF 10 subcarriers above the centre: the same as mapping the block 10
        // subcarriers up in a wider grid.
        let mut cfg = SsbTxConfig::new(Pci::new(5).unwrap(), SsbCase::A, 4, 7.68e6);
        cfg.ssb_offset_hz = 10.0 * 15e3;
        cfg.ssb_indices = vec![1, 2];
        let (wave, placed) = gen(cfg.clone(), 1);
        assert_eq!(placed.len(), 2);
        check_blocks(&cfg, &wave, &placed, 40, 10);
        // Case B at 30 kHz, 3 subcarriers below.
        let mut cfg = SsbTxConfig::new(Pci::new(6).unwrap(), SsbCase::B, 8, 15.36e6);
        cfg.ssb_offset_hz = -3.0 * 30e3;
        cfg.center_freq = Some(2.0e9);
        let (wave, placed) = gen(cfg.clone(), 2);
        assert_eq!(placed.len(), 8); // 20 ms: one burst
        check_blocks(&cfg, &wave, &placed, 40, -3);
    }

    #[test]
    fn periodicity_and_fr2() {
        for (period, frames, want) in [(5, 2, 4), (10, 2, 2), (20, 4, 2), (40, 4, 1), (160, 16, 1)]
        {
            let mut cfg = SsbTxConfig::new(Pci::new(1).unwrap(), SsbCase::A, 4, 3.84e6);
            cfg.period_ms = period;
            cfg.ssb_indices = vec![0];
            let (_, placed) = gen(cfg, frames);
            assert_eq!(placed.len(), want, "period {period}");
        }
        let mut cfg = SsbTxConfig::new(Pci::new(2).unwrap(), SsbCase::D, 64, 61.44e6);
        cfg.ssb_indices = vec![0, 33, 63];
        cfg.mib.k_ssb = 11;
        let (wave, placed) = gen(cfg.clone(), 1);
        assert_eq!(placed.len(), 3);
        check_blocks(&cfg, &wave, &placed, 20, 0);
    }

    #[test]
    fn resampled_rates_keep_the_energy_in_place() {
        let mut cfg = SsbTxConfig::new(Pci::new(3).unwrap(), SsbCase::C, 4, 10e6);
        cfg.ssb_offset_hz = 1.234e6;
        let (wave, placed) = gen(cfg, 2);
        let total: f64 = wave.iter().map(|v| f64::from(v.norm_sqr())).sum();
        let inside: f64 = placed
            .iter()
            .map(|p| {
                wave[p.start as usize..(p.start + p.count) as usize]
                    .iter()
                    .map(|v| f64::from(v.norm_sqr()))
                    .sum::<f64>()
            })
            .sum();
        assert!(total > 0.0 && inside / total > 0.995, "{}", inside / total);
    }

    #[test]
    fn bad_configs_are_rejected() {
        let mut engine = FftEngine::detect();
        let base = SsbTxConfig::new(Pci::new(3).unwrap(), SsbCase::C, 8, 15.36e6);
        let mut c = base.clone();
        c.l_max = 64;
        assert!(SsbGenerator::new(c, &mut engine).is_err());
        let mut c = base.clone();
        c.ssb_indices = vec![8];
        assert!(SsbGenerator::new(c, &mut engine).is_err());
        let mut c = base.clone();
        c.period_ms = 15;
        assert!(SsbGenerator::new(c, &mut engine).is_err());
        let mut c = base.clone();
        c.ssb_offset_hz = 7e6;
        assert!(SsbGenerator::new(c, &mut engine).is_err());
        let mut c = base.clone();
        c.sample_rate = f64::NAN;
        assert!(SsbGenerator::new(c, &mut engine).is_err());
        let mut c = base;
        c.mib.k_ssb = 32;
        assert!(SsbGenerator::new(c, &mut engine).is_err());
    }
}
