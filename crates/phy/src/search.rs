//! Cell search on IQ streams with a known SSB frequency: PSS detection with CFO search,
//! SSS → N_ID^(1), PBCH DMRS → ī_SSB, channel estimation, PBCH/BCH decoding → MIB.
//!
//! The input (any sample rate) is shifted so that SS_REF sits at 0 Hz and resampled to a
//! working rate of 384·Δf_SSB (5.76 Msps for 15 kHz, 11.52 Msps for 30 kHz); everything
//! below runs there, streaming, in bounded memory:
//!
//! 1. **PSS** (TS 38.211 §7.4.2.2): normalized cross-correlation |c|²/(E_t·E_x) of the
//!    stream with the three time-domain PSS symbols, each under CFO hypotheses every
//!    Δf/2 over ±`cfo_range_hz` (FFT overlap-save, 2048-point blocks). Local maxima per
//!    N_ID^(2) above a threshold are candidates.
//! 2. **CFO**: coarse from the winning hypothesis, fine from the phase between the two
//!    halves of the PSS correlation; the SSB is mixed down by the estimate.
//! 3. **OFDM**: the four symbols are transformed at the PSS timing (the PSS symbol never has
//!    the longer CP in any Case A–E position, so the symbol spacing is N + N_CP).
//! 4. **SSS** (§7.4.2.3): the PSS REs give a per-subcarrier channel; the SSS REs,
//!    equalized by it, are matched against the 336 SSS of that N_ID^(2)
//!    (magnitude, so per-symbol phase offsets such as §5.4 compensation do not matter).
//! 5. **PBCH DMRS** (§7.4.1.4.1): the 8 ī_SSB hypotheses are scored by the per-symbol
//!    coherent DMRS sums after removing the timing slope measured on the PSS.
//! 6. **Channel estimate**: per symbol, a complex gain and a common timing slope (phase per
//!    subcarrier) fitted to the DMRS, noise variance from the residual.
//! 7. **PBCH/BCH**: equalization, QPSK max-log LLRs, PBCH descrambling (ν from ī_SSB for
//!    L_max = 8/64, its 2 LSBs for L_max = 4), CA-SCL-8 polar decoding, CRC24C, BCH
//!    descrambling → MIB, SFN, half frame, SSB index. A candidate is reported only when the
//!    CRC passes.
//! 8. **Soft combining**: SSBs that fail alone are kept; those of one cell whose ī_SSB rise
//!    within one burst (≤ 4 ms) carry the same BCH codeword, so their descrambled LLRs are
//!    summed and decoded together (≈ 10·log10(n) dB gain for n SSBs).

use nrkit_core::{Error, Pci, C32};
use nrkit_dsp::{
    Block, Direction, FcChannel, FcFrontEnd, Fft, FftEngine, Nco, Resampler, VectorKernels,
};

use crate::modulation::{Demapper, Modulation};
use crate::ssb::mapping::{pbch_positions, Re, SYNC_K0};
use crate::ssb::pbch::{pbch_descramble_llr, BchDecoder, Mib, BCH_E};
use crate::ssb::sequences::{pbch_dmrs, pss, sss, SYNC_LEN};

/// Working FFT size (samples per useful symbol at the working rate).
const N_W: usize = 384;
/// Overlap-save block size of the PSS correlator.
const BLOCK: usize = 2048;
/// Correlator positions per block: the 1665 valid ones rounded down to even, so every
/// block starts on an even position.
const STEP: usize = 1664;
/// Inverse FFT size of the correlator: the product spectrum lives in the PSS band (±64
/// subcarriers plus the CFO range = ±347 of the 2048 bins), so the central 1024 bins give
/// the correlation exactly at every second position, for half the work.
const HALF: usize = BLOCK / 2;
/// A peak between two computed positions is at most one sample from one of them, where
/// the PSS correlation keeps ≥ 0.69 of its power (main lobe ≈ 3 samples); peaks above
/// this fraction of the threshold are refined at full resolution before the threshold.
const DECIM_MARGIN: f32 = 0.6;
/// Longest time from the first to the last SSB of a burst (Case A, L_max 8: 3.9 ms).
const BURST_SPAN_S: f64 = 4.0e-3;
/// Minimum coherent DMRS energy fraction for a candidate to be decoded.
const DMRS_GATE: f32 = 0.07;
/// SSS hypotheses whose correlation energy is at least this fraction of the best one's are
/// decoded too (a second cell of the same N_ID2 at the same timing, up to ~8 dB weaker).
const SSS_RIVAL: f32 = 0.15;

/// Search parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// Input sample rate in Hz (a whole number of Hz).
    pub sample_rate: f64,
    /// SS_REF frequency minus the recording's centre, in Hz.
    pub ssb_offset_hz: f64,
    /// SSB subcarrier spacing in kHz: 15, 30 (FR1), 120, 240 (FR2).
    pub scs_ssb_khz: u32,
    /// CFO search range ± Hz (default one SSB subcarrier spacing).
    pub cfo_range_hz: f64,
    /// Normalized PSS correlation threshold (0…1).
    pub pss_threshold: f32,
    /// Polar list size.
    pub list: usize,
    /// Soft-combine the PBCH of SSBs of one burst that fail alone (default on).
    pub soft_combining: bool,
}

impl SearchConfig {
    /// Defaults for a given input rate, SSB offset and spacing.
    pub fn new(sample_rate: f64, ssb_offset_hz: f64, scs_ssb_khz: u32) -> Self {
        SearchConfig {
            sample_rate,
            ssb_offset_hz,
            scs_ssb_khz,
            cfo_range_hz: f64::from(scs_ssb_khz) * 1e3,
            pss_threshold: 0.045,
            list: 8,
            soft_combining: true,
        }
    }
}

/// A frequency and SSB spacing a search tries (see [`scan_candidates`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchCandidate {
    /// SS_REF in Hz (absolute when the centre is known, else relative to it).
    pub freq_hz: f64,
    /// SS_REF minus the recording's centre, in Hz.
    pub offset_hz: f64,
    /// SSB subcarrier spacing in kHz.
    pub scs_khz: u32,
    /// On the sync raster (or given by the user): a cell found here is reported at
    /// `freq_hz`; otherwise at `freq_hz` plus its measured CFO.
    pub on_raster: bool,
}

/// The default SSB spacings of a frequency range: 30 and 15 kHz in FR1, 120 and 240 kHz in
/// FR2 (from 24.25 GHz; TS 38.104 Table 5.4.3.3-1).
pub fn default_spacings(freq_hz: Option<f64>) -> Vec<u32> {
    if freq_hz.is_some_and(|f| f >= 24.25e9) {
        vec![120, 240]
    } else {
        vec![30, 15]
    }
}

/// The candidates of a search of a recording at `sample_rate` for each of `spacings`: with
/// `ssb_freq`, that frequency; else, with a known `center`, the centre and every GSCN
/// (TS 38.104 §5.4.3.1) whose SSB (240 subcarriers) plus the CFO range fits in the band;
/// without a centre, a grid of offsets `2 × cfo_range` apart across the band. `cfo_range`
/// defaults to one subcarrier spacing, as in [`SearchConfig::new`].
pub fn scan_candidates(
    sample_rate: f64,
    center: Option<f64>,
    ssb_freq: Option<f64>,
    spacings: &[u32],
    cfo_range: Option<f64>,
) -> Vec<SearchCandidate> {
    let fc = center.unwrap_or(0.0);
    let mut out = Vec::new();
    for &scs_khz in spacings {
        let at = |freq_hz: f64, on_raster: bool| SearchCandidate {
            freq_hz,
            offset_hz: freq_hz - fc,
            scs_khz,
            on_raster,
        };
        if let Some(f) = ssb_freq {
            out.push(at(f, true));
            continue;
        }
        let scs_hz = f64::from(scs_khz) * 1e3;
        let cfo = cfo_range.unwrap_or(scs_hz);
        let half = (0.5 * sample_rate - 120.0 * scs_hz - cfo).max(0.0);
        match center {
            Some(fc) => {
                out.push(at(fc, false));
                for (_, f) in crate::ssb::raster::gscns_between(fc - half, fc + half) {
                    if (f - fc).abs() > 1.0 {
                        out.push(at(f, true));
                    }
                }
            }
            None => {
                let step = 2.0 * cfo;
                let k = (half / step).floor() as i64;
                out.extend((-k..=k).map(|i| at(i as f64 * step, false)));
            }
        }
    }
    out
}

/// The working sample rate of a search for SSB spacing `scs_khz`: 384 · Δf.
pub fn working_rate(scs_khz: u32) -> f64 {
    N_W as f64 * f64::from(scs_khz) * 1e3
}

/// Fewest candidates for which [`SearchBank`] shares one front end (below, each searcher's
/// own mixer and resampler are cheaper).
const SHARED_MIN: usize = 4;

/// Searchers for many candidates over one stream (a blind scan), run in parallel (rayon).
///
/// With at least four candidates and an input rate at or above the working rates, the input
/// goes through one fast-convolution front end ([`FcFrontEnd`]: one forward FFT per block
/// for all of them) and each searcher takes its channel with a small inverse FFT, instead
/// of mixing and resampling the whole input once per candidate.
#[derive(Debug)]
pub struct SearchBank {
    front: Option<FcFrontEnd>,
    searchers: Vec<(SearchCandidate, CellSearcher)>,
}

impl SearchBank {
    /// One searcher per candidate at input rate `sample_rate`, with the CFO range
    /// `cfo_range` (default: one subcarrier spacing).
    pub fn new(
        sample_rate: f64,
        cands: &[SearchCandidate],
        cfo_range: Option<f64>,
        engine: &mut FftEngine,
    ) -> Result<Self, Error> {
        Self::build(sample_rate, cands, cfo_range, true, engine)
    }

    /// Like [`SearchBank::new`] with every searcher on its own mixer and resampler (the
    /// reference the shared front end is compared with).
    pub fn separate(
        sample_rate: f64,
        cands: &[SearchCandidate],
        cfo_range: Option<f64>,
        engine: &mut FftEngine,
    ) -> Result<Self, Error> {
        Self::build(sample_rate, cands, cfo_range, false, engine)
    }

    fn build(
        sample_rate: f64,
        cands: &[SearchCandidate],
        cfo_range: Option<f64>,
        share: bool,
        engine: &mut FftEngine,
    ) -> Result<Self, Error> {
        let config = |c: &SearchCandidate| {
            let mut cfg = SearchConfig::new(sample_rate, c.offset_hz, c.scs_khz);
            if let Some(r) = cfo_range {
                cfg.cfo_range_hz = r;
            }
            cfg
        };
        let mut rates: Vec<f64> = cands.iter().map(|c| working_rate(c.scs_khz)).collect();
        rates.sort_by(f64::total_cmp);
        rates.dedup();
        let front = if share && cands.len() >= SHARED_MIN {
            FcFrontEnd::new(sample_rate, &rates, N_W, engine).ok()
        } else {
            None
        };
        let searchers = cands
            .iter()
            .map(|c| {
                let s = match &front {
                    Some(f) => CellSearcher::with_front_end(config(c), f, engine)?,
                    None => CellSearcher::new(config(c), engine)?,
                };
                Ok((*c, s))
            })
            .collect::<Result<_, Error>>()?;
        Ok(SearchBank { front, searchers })
    }

    /// Whether the candidates share a front end.
    pub fn shared(&self) -> bool {
        self.front.is_some()
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.searchers.len()
    }

    /// Whether there is no candidate.
    pub fn is_empty(&self) -> bool {
        self.searchers.is_empty()
    }

    /// Feeds input; returns the SSBs decoded so far with their candidates.
    pub fn push(&mut self, x: &[C32]) -> Result<Vec<(SearchCandidate, SsbDetection)>, Error> {
        self.feed(Some(x))
    }

    /// Flushes the stream end; returns the last SSBs.
    pub fn finish(&mut self) -> Result<Vec<(SearchCandidate, SsbDetection)>, Error> {
        self.feed(None)
    }

    fn feed(&mut self, x: Option<&[C32]>) -> Result<Vec<(SearchCandidate, SsbDetection)>, Error> {
        use rayon::prelude::*;
        let blocks = match (&mut self.front, x) {
            (Some(f), Some(x)) => Some(f.push(x)?.to_vec()),
            (Some(f), None) => Some(f.finish()?.to_vec()),
            (None, _) => None,
        };
        let results: Vec<Result<Vec<_>, Error>> = self
            .searchers
            .par_iter_mut()
            .map(|(c, s)| {
                let mut d = match (&blocks, x) {
                    (Some(b), _) => s.push_blocks(b)?,
                    (None, Some(x)) => s.push(x)?,
                    (None, None) => Vec::new(),
                };
                if x.is_none() {
                    d.extend(s.finish()?);
                }
                Ok(d.into_iter().map(|d| (*c, d)).collect())
            })
            .collect();
        let mut out = Vec::new();
        for r in results {
            out.extend(r?);
        }
        Ok(out)
    }
}

/// One decoded SSB.
#[derive(Debug, Clone, PartialEq)]
pub struct SsbDetection {
    /// Physical cell identity.
    pub pci: Pci,
    /// SSB index (for L_max = 64 including the 3 MSBs from the BCH).
    pub ssb_index: u8,
    /// Half frame 0 or 1.
    pub half_frame: u8,
    /// The decoded MIB (full SFN of this SSB's frame, full k_SSB in FR1).
    pub mib: Mib,
    /// L_max the decoding settled on (4 or 8 are indistinguishable for ī_SSB < 4 with half
    /// frame 0; then 8 is reported).
    pub l_max: u8,
    /// First input sample of the CP of the SSB's first OFDM symbol.
    pub sample_offset: u64,
    /// Frequency offset of the SSB from the nominal SS_REF, Hz.
    pub cfo_hz: f64,
    /// SNR per RE on the DMRS, dB.
    pub snr_db: f64,
    /// Received power per RE as a tone relative to a full-scale (|x| = 1) tone, dBFS.
    pub rsrp_dbfs: f64,
}

/// An SSB whose PBCH did not decode alone, kept for soft combining.
#[derive(Debug, Clone)]
struct Member {
    p: u64,
    pci: Pci,
    ibar: u8,
    /// PBCH LLRs before descrambling.
    llr: Vec<f32>,
    sample_offset: u64,
    cfo_hz: f64,
    snr_db: f64,
    rsrp_dbfs: f64,
}

/// How input reaches a searcher's working rate.
#[derive(Debug)]
enum Front {
    /// Its own mixer and polyphase resampler.
    Own { nco: Nco, resampler: Resampler },
    /// A channel of a shared fast-convolution front end ([`SearchBank`]).
    Shared(FcChannel),
}

/// Streaming cell searcher.
#[derive(Debug)]
pub struct CellSearcher {
    cfg: SearchConfig,
    fs_w: f64,
    cp: usize,
    front: Front,
    /// Working-rate samples, `buf[0]` at working index `base`.
    buf: Vec<C32>,
    base: u64,
    /// Templates: per N_ID2 and CFO hypothesis, the conjugated spectrum of the template.
    templates: Vec<(u8, f64, Vec<C32>)>,
    /// The same templates in the time domain (N_W samples each).
    time_templates: Vec<Vec<C32>>,
    template_energy: f64,
    /// Best metric per N_ID2 over the CFO hypotheses at the even working indices from
    /// `mbase` (entry i ↔ index `mbase + 2i`).
    metric: [Vec<f32>; 3],
    mbase: u64,
    /// Window-energy floor of the last block (digital silence is not normalized up).
    floor: f64,
    /// Next working index whose correlation is not computed.
    scanned: u64,
    /// Next working index not yet decided as candidate or not.
    decided: u64,
    fft_block: Fft,
    ifft_block: Fft,
    fft_sym: Fft,
    scratch: Vec<C32>,
    sss_all: &'static [[i8; SYNC_LEN]],
    pss_seq: [[i8; SYNC_LEN]; 3],
    bch: BchDecoder,
    demapper: Demapper,
    resampled: Vec<C32>,
    kernels: VectorKernels,
    /// Timing-slope hypotheses α (rad per subcarrier) as e^(−jαk) for k = 0…239; the
    /// middle one is the nominal window advance.
    slopes: Vec<Vec<C32>>,
    /// Undecoded SSBs waiting for soft combining.
    pending: Vec<Member>,
    /// PBCH DMRS sequences per PCI (8 ī_SSB each), computed on first use.
    dmrs_cache: std::collections::HashMap<u16, Vec<Vec<C32>>>,
    /// Energy and count of the correlated samples so far (for the silence floor).
    energy_sum: f64,
    energy_n: u64,
}

fn bin(k_ssb: usize) -> usize {
    // SSB subcarrier k sits at (k − 120)·Δf.
    (k_ssb as isize - 120).rem_euclid(N_W as isize) as usize
}

impl CellSearcher {
    /// Validates `cfg` and prepares templates and transforms; input goes through the
    /// searcher's own mixer and resampler ([`CellSearcher::push`]).
    pub fn new(cfg: SearchConfig, engine: &mut FftEngine) -> Result<Self, Error> {
        Self::build(cfg, engine, None)
    }

    /// A searcher fed by a channel of the shared front end `front` (built for the
    /// [`working_rate`] of this spacing); input goes through [`CellSearcher::push_blocks`].
    pub fn with_front_end(
        cfg: SearchConfig,
        front: &FcFrontEnd,
        engine: &mut FftEngine,
    ) -> Result<Self, Error> {
        Self::build(cfg, engine, Some(front))
    }

    fn build(
        cfg: SearchConfig,
        engine: &mut FftEngine,
        shared: Option<&FcFrontEnd>,
    ) -> Result<Self, Error> {
        if ![15, 30, 120, 240].contains(&cfg.scs_ssb_khz) {
            return Err(Error::invalid(
                "SSB subcarrier spacing",
                "15, 30, 120 or 240 kHz",
                cfg.scs_ssb_khz,
            ));
        }
        if !(cfg.sample_rate.is_finite() && cfg.sample_rate > 0.0) {
            return Err(Error::invalid("sample rate", "> 0 Hz", cfg.sample_rate));
        }
        let scs = f64::from(cfg.scs_ssb_khz) * 1e3;
        if cfg.sample_rate < 240.0 * scs {
            return Err(Error::invalid(
                "sample rate",
                format!(
                    ">= {} Hz (the 240 subcarriers of a {} kHz SSB)",
                    240.0 * scs,
                    cfg.scs_ssb_khz
                ),
                cfg.sample_rate,
            ));
        }
        if !cfg.ssb_offset_hz.is_finite()
            || cfg.ssb_offset_hz.abs() + 120.0 * scs > cfg.sample_rate / 2.0
        {
            return Err(Error::invalid(
                "SSB frequency offset",
                "the SSB's 240 subcarriers inside ±fs/2",
                cfg.ssb_offset_hz,
            ));
        }
        if !(cfg.cfo_range_hz.is_finite() && cfg.cfo_range_hz >= 0.0) {
            return Err(Error::invalid("CFO range", ">= 0 Hz", cfg.cfo_range_hz));
        }
        let fs_w = N_W as f64 * scs;
        // 20 taps per unit: the pass band must hold the SSB (±120·Δf = ±0.31·fs_w) and the
        // stop band start below fs_w − 120·Δf; a 48-tap filter would cost 2.4× more.
        let front = match shared {
            Some(f) => {
                if f.input_rate() != cfg.sample_rate {
                    return Err(Error::invalid(
                        "front end input rate",
                        format!("the search's sample rate {}", cfg.sample_rate),
                        f.input_rate(),
                    ));
                }
                Front::Shared(FcChannel::new(f, cfg.ssb_offset_hz, fs_w, engine)?)
            }
            None => Front::Own {
                resampler: Resampler::for_rates_with_taps(cfg.sample_rate, fs_w, 20)?,
                nco: Nco::new(-cfg.ssb_offset_hz, cfg.sample_rate)?,
            },
        };
        let fft_block = engine.plan(BLOCK, Direction::Forward)?;
        let ifft_block = engine.plan(HALF, Direction::Inverse)?;
        let fft_sym = engine.plan(N_W, Direction::Forward)?;
        let ifft_sym = engine.plan(N_W, Direction::Inverse)?;
        let scratch_len = [&fft_block, &ifft_block, &fft_sym, &ifft_sym]
            .iter()
            .map(|f| f.scratch_len())
            .max()
            .unwrap_or(0);
        let mut scratch = vec![C32::default(); scratch_len];
        // Time-domain PSS useful parts (unit-energy spectrum scaling is irrelevant: the
        // metric is normalized).
        let pss_seq = [pss(0)?, pss(1)?, pss(2)?];
        let mut templates = Vec::new();
        let mut time_templates = Vec::new();
        let n_hyp = (cfg.cfo_range_hz / (scs / 2.0)).floor() as i64;
        let mut template_energy = 0.0;
        for (nid2, seq) in pss_seq.iter().enumerate() {
            let mut t = vec![C32::default(); N_W];
            for (n, &d) in seq.iter().enumerate() {
                t[bin(SYNC_K0 + n)] = C32::new(f32::from(d), 0.0);
            }
            ifft_sym.process(&mut t, &mut scratch)?;
            template_energy = t.iter().map(|v| f64::from(v.norm_sqr())).sum();
            for h in -n_hyp..=n_hyp {
                let cfo = h as f64 * scs / 2.0;
                let mut padded = vec![C32::default(); BLOCK];
                for (n, v) in t.iter().enumerate() {
                    let ph = std::f64::consts::TAU * cfo * n as f64 / fs_w;
                    padded[n] = v * C32::new(ph.cos() as f32, ph.sin() as f32);
                }
                time_templates.push(padded[..N_W].to_vec());
                fft_block.process(&mut padded, &mut scratch)?;
                // Correlation c[p] = Σ x[p+n]·conj(t[n]) = IFFT(X·conj(T)) / BLOCK.
                // Only the central HALF bins are used (see `correlate_block`).
                let s = 1.0 / BLOCK as f32;
                let half: Vec<C32> = padded[..HALF / 2]
                    .iter()
                    .chain(&padded[BLOCK - HALF / 2..])
                    .map(|v| v.conj() * s)
                    .collect();
                templates.push((nid2 as u8, cfo, half));
            }
        }
        let sss_all = all_sss();
        let num = nrkit_core::Numerology::from_scs_khz(cfg.scs_ssb_khz)?;
        let cp = (num.n_cp_tc(1) as usize * N_W) / num.n_u_tc() as usize;
        // The FFT window starts a quarter CP before the useful part: a phase slope of
        // α_w = −2π·(CP/4)/N per subcarrier, plus the PSS timing error of −1…+1 samples
        // searched in quarter steps. Each entry: e^(−jαk), k = 0…239.
        let alpha_w = -std::f64::consts::TAU * (cp / 4) as f64 / N_W as f64;
        let slopes = (-4..=4)
            .map(|q| {
                let a = alpha_w - std::f64::consts::TAU * (q as f64 / 4.0) / N_W as f64;
                rotations(0.0, -a, 240).collect()
            })
            .collect();
        Ok(CellSearcher {
            bch: BchDecoder::new(cfg.list)?,
            demapper: Demapper::new(Modulation::Qpsk),
            fs_w,
            cp,
            slopes,
            front,
            buf: Vec::new(),
            base: 0,
            templates,
            time_templates,
            template_energy,
            metric: [Vec::new(), Vec::new(), Vec::new()],
            mbase: 0,
            floor: 0.0,
            scanned: 0,
            decided: 0,
            fft_block,
            ifft_block,
            fft_sym,
            scratch,
            sss_all,
            pss_seq,
            resampled: Vec::new(),
            dmrs_cache: std::collections::HashMap::new(),
            kernels: VectorKernels::new(engine.isa())?,
            pending: Vec::new(),
            energy_sum: 0.0,
            energy_n: 0,
            cfg,
        })
    }

    /// The working sample rate.
    pub fn working_rate(&self) -> f64 {
        self.fs_w
    }

    /// Samples (working rate) spanned by an SSB from its PSS useful part, plus margin.
    fn span(&self) -> usize {
        4 * (N_W + self.cp) + 2 * N_W
    }

    /// Feeds input samples; returns the SSBs decoded so far. For a searcher of a shared
    /// front end, use [`CellSearcher::push_blocks`].
    pub fn push(&mut self, x: &[C32]) -> Result<Vec<SsbDetection>, Error> {
        let Front::Own { nco, resampler } = &mut self.front else {
            return Err(Error::invalid(
                "search input",
                "blocks of the shared front end (push_blocks)",
                "samples",
            ));
        };
        self.resampled.clear();
        if self.cfg.ssb_offset_hz != 0.0 {
            let mut mixed = x.to_vec();
            nco.mix(&mut mixed);
            resampler.process(&mixed, &mut self.resampled);
        } else {
            resampler.process(x, &mut self.resampled);
        }
        self.buf.extend_from_slice(&self.resampled);
        self.run(false)
    }

    /// Feeds blocks of the shared front end (in order); returns the SSBs decoded so far.
    pub fn push_blocks(&mut self, blocks: &[Block]) -> Result<Vec<SsbDetection>, Error> {
        let Front::Shared(ch) = &mut self.front else {
            return Err(Error::invalid(
                "search input",
                "samples (push)",
                "front-end blocks",
            ));
        };
        ch.extract(blocks, &mut self.buf)?;
        self.run(false)
    }

    /// Group delay of the way to the working rate, in input samples.
    fn input_delay(&self) -> f64 {
        match &self.front {
            Front::Own { resampler, .. } => resampler.delay_in_samples(),
            Front::Shared(_) => 0.0,
        }
    }

    /// Flushes the stream end (the resampler's delay) and returns the last SSBs. A searcher
    /// of a shared front end must have had the front end's final blocks
    /// ([`FcFrontEnd::finish`]) first.
    pub fn finish(&mut self) -> Result<Vec<SsbDetection>, Error> {
        if let Front::Own { resampler, .. } = &mut self.front {
            let zeros =
                vec![C32::default(); (resampler.delay_in_samples().ceil() as usize + 16) * 2];
            self.resampled.clear();
            resampler.process(&zeros, &mut self.resampled);
            self.buf.extend_from_slice(&self.resampled);
        }
        // Pad so the last positions get correlated.
        self.buf
            .extend(std::iter::repeat_n(C32::default(), BLOCK + self.span()));
        self.run(true)
    }

    fn end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    fn run(&mut self, last: bool) -> Result<Vec<SsbDetection>, Error> {
        // Correlate every full block.
        while self.end() >= self.scanned + BLOCK as u64 {
            self.correlate_block()?;
        }
        // Decide peaks where the local-maximum window and the SSB span are available.
        let w = (N_W / 2) as u64;
        let limit = self
            .scanned
            .saturating_sub(w)
            .min(self.end().saturating_sub(self.span() as u64));
        let mut found = Vec::new();
        let mut cands = Vec::new();
        let wd = (w / 2) as usize;
        let first = self.decided.next_multiple_of(2);
        let pre = self.cfg.pss_threshold * DECIM_MARGIN;
        for nid2 in 0..3 {
            let m = &self.metric[nid2];
            for p in (first..limit).step_by(2) {
                let i = ((p - self.mbase) / 2) as usize;
                let v = m[i];
                if v < pre {
                    continue;
                }
                let lo = i.saturating_sub(wd);
                let hi = (i + wd).min(m.len() - 1);
                let left_ok = m[lo..i].iter().all(|&e| e < v);
                let right_ok = m[i + 1..=hi].iter().all(|&e| e <= v);
                if left_ok && right_ok {
                    cands.push((p, nid2 as u8));
                }
            }
        }
        cands.sort_unstable();
        for (p, nid2) in cands {
            let (q, h, v) = self.refine(p, nid2);
            if v < self.cfg.pss_threshold {
                continue;
            }
            if let Some(d) = self.candidate(q, h)? {
                found.extend(d);
            }
        }
        if !self.pending.is_empty() {
            found.extend(self.combine_pending(last)?);
            found.sort_by_key(|d| d.sample_offset);
        }
        self.decided = self.decided.max(limit);
        // Drop what is no longer needed (from an even index: the metric is decimated).
        let keep_from = self
            .decided
            .saturating_sub(w + N_W as u64)
            .min(self.scanned)
            & !1;
        if keep_from > self.base && !last {
            let n = (keep_from - self.base) as usize;
            self.buf.drain(..n);
            self.base = keep_from;
        }
        if keep_from > self.mbase {
            let n = (((keep_from - self.mbase) / 2) as usize).min(self.metric[0].len());
            for m in &mut self.metric {
                m.drain(..n);
            }
            self.mbase += 2 * n as u64;
        }
        Ok(found)
    }

    #[inline(never)]
    fn correlate_block(&mut self) -> Result<(), Error> {
        let off = (self.scanned - self.base) as usize;
        let mut x = self.buf[off..off + BLOCK].to_vec();
        // Window energies at the even positions of this block.
        let mut e = Vec::with_capacity(STEP / 2);
        let mut acc: f64 = x[..N_W].iter().map(|v| f64::from(v.norm_sqr())).sum();
        for p in 0..STEP {
            if p % 2 == 0 {
                e.push(acc);
            }
            acc += f64::from(x[p + N_W].norm_sqr()) - f64::from(x[p].norm_sqr());
        }
        // Windows far below the stream's mean power (digital silence, filter tails) are not
        // normalized up into false peaks: the energy is floored at 10^-4 of the mean window.
        let fresh: f64 = x[..STEP].iter().map(|v| f64::from(v.norm_sqr())).sum();
        self.energy_sum += fresh;
        self.energy_n += STEP as u64;
        self.floor = 1e-4 * self.energy_sum / self.energy_n.max(1) as f64 * N_W as f64;
        self.fft_block.process(&mut x, &mut self.scratch)?;
        let start_len = self.metric[0].len();
        for m in &mut self.metric {
            m.resize(start_len + STEP / 2, 0.0);
        }
        let inv: Vec<f32> = e
            .iter()
            .map(|&ep| (1.0 / (self.template_energy * ep.max(self.floor).max(1e-30))) as f32)
            .collect();
        // The central HALF bins of the spectrum (DC and up, then the negative half): the
        // correlation at even positions, c[2m] = IFFT_HALF(X·T)[m] (T scaled by 1/BLOCK).
        let mut xs = vec![C32::default(); HALF];
        xs[..HALF / 2].copy_from_slice(&x[..HALF / 2]);
        xs[HALF / 2..].copy_from_slice(&x[BLOCK - HALF / 2..]);
        let mut prod = vec![C32::default(); HALF];
        let mut mag = vec![0f32; HALF];
        for (nid2, _, t) in &self.templates {
            self.kernels.mul(&xs, t, &mut prod)?;
            self.ifft_block.process(&mut prod, &mut self.scratch)?;
            self.kernels.mag_sq(&prod, &mut mag)?;
            let m = &mut self.metric[usize::from(*nid2)][start_len..];
            for ((slot, &c), &w) in m.iter_mut().zip(&mag[..STEP / 2]).zip(&inv) {
                *slot = slot.max(c * w);
            }
        }
        self.scanned += STEP as u64;
        Ok(())
    }

    /// The normalized PSS correlation of N_ID2 `nid2` at full resolution around the even
    /// position `p` (p − 1, p, p + 1) under every CFO hypothesis: the best (position,
    /// hypothesis, metric).
    fn refine(&self, p: u64, nid2: u8) -> (u64, usize, f32) {
        let mut best = (p, 0, f32::MIN);
        for q in p.saturating_sub(1).max(self.base)..=p + 1 {
            let x = self.at(q, N_W);
            let ex: f64 = x.iter().map(|v| f64::from(v.norm_sqr())).sum();
            let norm = 1.0 / (self.template_energy * ex.max(self.floor).max(1e-30));
            for (h, (n2, _, _)) in self.templates.iter().enumerate() {
                if *n2 != nid2 {
                    continue;
                }
                let c = self
                    .kernels
                    .dot(x, &self.time_templates[h])
                    .expect("equal lengths");
                let v = (f64::from(c.norm_sqr()) * norm) as f32;
                if v > best.2 {
                    best = (q, h, v);
                }
            }
        }
        best
    }

    /// Samples from working index `p` (must be in `buf`).
    fn at(&self, p: u64, n: usize) -> &[C32] {
        let i = (p - self.base) as usize;
        &self.buf[i..i + n]
    }

    #[inline(never)]
    fn candidate(&mut self, p: u64, hyp: usize) -> Result<Option<Vec<SsbDetection>>, Error> {
        let (nid2, coarse) = (self.templates[hyp].0, self.templates[hyp].1);
        // Fine CFO from the two halves of the PSS correlation (under the coarse CFO).
        let t = &self.time_templates[hyp];
        let x = self.at(p, N_W);
        let half = N_W / 2;
        let c1 = self.kernels.dot(&x[..half], &t[..half])?;
        let c2 = self.kernels.dot(&x[half..], &t[half..])?;
        let resid =
            f64::from((c2 * c1.conj()).arg()) / (std::f64::consts::TAU * half as f64 / self.fs_w);
        let cfo = coarse + resid;
        // Mix the SSB down and transform its four symbols (window a quarter CP early).
        let adv = self.cp / 4;
        if p < self.base + adv as u64 {
            // The SSB starts before the first retained sample (the stream's first samples):
            // its window cannot be formed.
            return Ok(None);
        }
        let n_span = 4 * (N_W + self.cp);
        let mut seg = self.at(p - adv as u64, n_span).to_vec();
        // × e^(−j2π·cfo·(n − adv)/fs_w).
        let w = -std::f64::consts::TAU * cfo / self.fs_w;
        for (v, r) in seg.iter_mut().zip(rotations(-w * adv as f64, w, n_span)) {
            *v *= r;
        }
        let mut grid = vec![[C32::default(); 4]; 240];
        let mut sym = vec![C32::default(); N_W];
        for l in 0..4 {
            let s = l * (N_W + self.cp);
            sym.copy_from_slice(&seg[s..s + N_W]);
            self.fft_sym.process(&mut sym, &mut self.scratch)?;
            for (k, g) in grid.iter_mut().enumerate() {
                g[l] = sym[bin(k)];
            }
        }
        let y = |k: usize, l: usize| grid[k][l];
        // Flat PSS channel g0 (all 127 REs averaged, the nominal window slope removed) and
        // the SSS over the 336 N_ID1 of this N_ID2, matched by magnitude (insensitive to
        // per-symbol phase offsets).
        let seq = &self.pss_seq[usize::from(nid2)];
        let nominal = &self.slopes[self.slopes.len() / 2];
        let g0: C32 = (0..SYNC_LEN)
            .map(|n| y(SYNC_K0 + n, 0) * f32::from(seq[n]) * nominal[SYNC_K0 + n])
            .sum::<C32>()
            / SYNC_LEN as f32;
        let z: Vec<C32> = (0..SYNC_LEN)
            .map(|n| y(SYNC_K0 + n, 2) * g0.conj() * nominal[SYNC_K0 + n])
            .collect();
        let mut scores: Vec<(f32, u16)> = (0..336u16)
            .map(|n1| {
                let pci = 3 * n1 + u16::from(nid2);
                let d = &self.sss_all[usize::from(pci)];
                let s: C32 = z.iter().zip(d).map(|(a, &b)| a * f32::from(b)).sum();
                (s.norm_sqr(), pci)
            })
            .collect();
        // Cells of one N_ID2 transmitting at the same time (a synchronized network) share
        // this PSS peak: besides the best SSS, up to two more whose correlation energy is
        // within SSS_RIVAL of it are decoded too (the PBCH CRC tells real from noise).
        scores.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let top = scores[0].0;
        let mut out = None;
        for &(sc, pci) in scores.iter().take(3) {
            if sc < SSS_RIVAL * top {
                break;
            }
            let d = self.decode_pci(p, Pci::new(pci)?, cfo, &grid)?;
            if let Some(d) = d {
                out.get_or_insert_with(Vec::new).push(d);
            }
        }
        Ok(out)
    }

    /// PBCH DMRS, channel estimate and BCH decoding of the SSB at working index `p` (PSS
    /// useful part) for cell `pci`; `grid` holds its 240 subcarriers × 4 symbols after CFO
    /// correction. A failed decode is kept for soft combining.
    fn decode_pci(
        &mut self,
        p: u64,
        pci: Pci,
        cfo: f64,
        grid: &[[C32; 4]],
    ) -> Result<Option<SsbDetection>, Error> {
        let y = |k: usize, l: usize| grid[k][l];
        let v = usize::from(pci.value() % 4);
        let (dmrs_pos, data_pos) = pbch_positions(v);
        // ī_SSB and the timing slope jointly from the DMRS: per-symbol coherent sums
        // acc_l = Σ z·e^(−jαk), z = y·conj(r), under every slope hypothesis.
        if let std::collections::hash_map::Entry::Vacant(e) = self.dmrs_cache.entry(pci.value()) {
            let seqs = (0..8u8)
                .map(|i| pbch_dmrs(pci, i))
                .collect::<Result<Vec<_>, _>>()?;
            e.insert(seqs);
        }
        let seqs = &self.dmrs_cache[&pci.value()];
        // (score, ī, slope index, z, acc)
        let mut best_i = (f32::MIN, 0u8, 0usize, Vec::new(), [C32::default(); 4]);
        for ibar in 0..8u8 {
            let zr: Vec<C32> = dmrs_pos
                .iter()
                .zip(&seqs[usize::from(ibar)])
                .map(|(&(k, l), rv)| y(k, l) * rv.conj())
                .collect();
            for (si, tab) in self.slopes.iter().enumerate() {
                let mut acc = [C32::default(); 4];
                for (&(k, l), zz) in dmrs_pos.iter().zip(&zr) {
                    acc[l] += zz * tab[k];
                }
                let score: f32 = acc[1..].iter().map(|c| c.norm()).sum();
                if score > best_i.0 {
                    best_i = (score, ibar, si, zr.clone(), acc);
                }
            }
        }
        let (_, ibar, si, zr, acc) = best_i;
        let derot = &self.slopes[si];
        let mut n_l = [0usize; 4];
        for &(_, l) in &dmrs_pos {
            n_l[l] += 1;
        }
        // Gate: the coherent DMRS energy fraction Σ_l |acc_l|²/n_l / Σ|z|² is ≈ 3/144 for
        // noise (≈ 0.06 at most over the 72 hypotheses) and ≈ 0.2 at −6 dB per RE.
        let tot: f32 = zr.iter().map(|v| v.norm_sqr()).sum();
        let coh: f32 = (1..4).map(|l| acc[l].norm_sqr() / n_l[l] as f32).sum();
        if tot <= 0.0 || tot.is_nan() || coh / tot < DMRS_GATE {
            return Ok(None);
        }
        // Channel: per-symbol gain acc_l/n_l and the common slope α, from the DMRS.
        let mut gain = [C32::default(); 4];
        for l in 1..4 {
            gain[l] = acc[l] / n_l[l] as f32;
        }
        let rot = |k: usize| derot[k].conj(); // e^(jαk)
        let mut noise = 0f64;
        for (&(k, l), zz) in dmrs_pos.iter().zip(&zr) {
            noise += f64::from((zz - gain[l] * rot(k)).norm_sqr());
        }
        let m = zr.len() as f64;
        noise = (noise / (m - 3.0)).max(1e-30);
        let sig: f64 = (1..4).map(|l| f64::from(gain[l].norm_sqr())).sum::<f64>() / 3.0;
        if !(sig > 0.0 && sig.is_finite() && noise.is_finite()) {
            return Ok(None);
        }
        // Equalize and demap the PBCH, symbol by symbol.
        let mut llr = vec![0f32; BCH_E];
        let groups = group_by_symbol(&data_pos);
        let mut o = 0;
        for (l, ks) in groups {
            let g = gain[l];
            let p2 = g.norm_sqr().max(1e-30);
            let eq: Vec<C32> = ks
                .iter()
                .map(|&k| y(k, l) * (g * rot(k)).conj() / p2)
                .collect();
            let nv = (noise / f64::from(p2)) as f32;
            self.demapper
                .demap(&eq, nv.max(1e-12), &mut llr[o..o + 2 * ks.len()])?;
            o += 2 * ks.len();
        }
        let w_start = p as f64 - self.cp as f64;
        let ratio = self.cfg.sample_rate / self.fs_w;
        let input = w_start * ratio - self.input_delay();
        let member = Member {
            p,
            pci,
            ibar,
            llr,
            sample_offset: input.round().max(0.0) as u64,
            cfo_hz: cfo,
            snr_db: 10.0 * (sig / noise).log10(),
            rsrp_dbfs: 10.0 * (sig / (N_W * N_W) as f64).log10(),
        };
        let one = std::slice::from_ref(&member);
        if let Some(mut d) = self.decode_members(one)? {
            return Ok(d.pop());
        }
        if self.cfg.soft_combining {
            self.pending.push(member);
        }
        Ok(None)
    }

    /// Decodes SSBs of one burst of one cell together: their PBCH LLRs, each descrambled with
    /// its own ν, are summed (the BCH codeword is the same for every SSB of a half frame, or
    /// of a group of 8 for L_max = 64). Tries L_max 8 and 4 in FR1, 64 in FR2.
    fn decode_members(&self, members: &[Member]) -> Result<Option<Vec<SsbDetection>>, Error> {
        let fr2 = self.cfg.scs_ssb_khz >= 120;
        let hyps: &[u8] = if fr2 { &[64] } else { &[8, 4] };
        let pci = members[0].pci;
        let any_high = members.iter().any(|m| m.ibar >= 4);
        'hyp: for &l_max in hyps {
            if l_max == 4 && !any_high {
                continue; // same ν as L_max = 8
            }
            let mut sum = vec![0f32; BCH_E];
            for m in members {
                let nu = if l_max == 4 { m.ibar & 3 } else { m.ibar };
                let mut l2 = m.llr.clone();
                pbch_descramble_llr(&mut l2, pci, nu)?;
                for (a, b) in sum.iter_mut().zip(&l2) {
                    *a += b;
                }
            }
            let Some(dec) = self.bch.decode(&sum, pci, l_max, fr2)? else {
                continue;
            };
            let mut out = Vec::with_capacity(members.len());
            for m in members {
                let (idx, lm) = match l_max {
                    64 => (dec.ssb_index_msbs | m.ibar, 64),
                    4 => {
                        if (m.ibar >> 2) != dec.half_frame {
                            continue 'hyp;
                        }
                        (m.ibar & 3, 4)
                    }
                    _ => (m.ibar, 8),
                };
                out.push(SsbDetection {
                    pci,
                    ssb_index: idx,
                    half_frame: dec.half_frame,
                    mib: dec.mib,
                    l_max: lm,
                    sample_offset: m.sample_offset,
                    cfo_hz: m.cfo_hz,
                    snr_db: m.snr_db,
                    rsrp_dbfs: m.rsrp_dbfs,
                });
            }
            return Ok(Some(out));
        }
        Ok(None)
    }

    /// Soft combining: undecoded SSBs of one cell whose ī_SSB rise within one burst span
    /// are decoded together; those too old to gain a partner are dropped.
    fn combine_pending(&mut self, flush: bool) -> Result<Vec<SsbDetection>, Error> {
        let mut found = Vec::new();
        let span = (BURST_SPAN_S * self.fs_w) as u64;
        let mut pcis: Vec<u16> = self.pending.iter().map(|m| m.pci.value()).collect();
        pcis.sort_unstable();
        pcis.dedup();
        let mut keep = Vec::new();
        for pci in pcis {
            let mine: Vec<Member> = self
                .pending
                .iter()
                .filter(|m| m.pci.value() == pci)
                .cloned()
                .collect();
            // Split into runs of rising ī within the burst span.
            let mut runs: Vec<Vec<Member>> = Vec::new();
            for m in mine {
                match runs.last_mut() {
                    Some(r)
                        if r.last().is_some_and(|l| l.ibar < m.ibar) && m.p - r[0].p <= span =>
                    {
                        r.push(m)
                    }
                    _ => runs.push(vec![m]),
                }
            }
            let n_runs = runs.len();
            for (i, r) in runs.into_iter().enumerate() {
                let closed = flush || i + 1 < n_runs || self.decided > r[0].p + span;
                if r.len() >= 2 {
                    if let Some(d) = self.decode_members(&r)? {
                        found.extend(d);
                        continue;
                    }
                }
                if !closed {
                    keep.extend(r);
                }
            }
        }
        keep.sort_by_key(|m| m.p);
        self.pending = keep;
        Ok(found)
    }
}

/// e^(j(start + step·n)) for n = 0…len−1, by a rotation recurrence in f64 (accurate to
/// ~1e-13 rad over the few thousand steps used here).
fn rotations(start: f64, step: f64, len: usize) -> impl Iterator<Item = C32> {
    let (ss, cs) = step.sin_cos();
    let mut cur = (start.cos(), start.sin());
    (0..len).map(move |_| {
        let v = C32::new(cur.0 as f32, cur.1 as f32);
        cur = (cur.0 * cs - cur.1 * ss, cur.0 * ss + cur.1 * cs);
        v
    })
}

/// The 1008 SSS sequences, built once per process.
fn all_sss() -> &'static [[i8; SYNC_LEN]] {
    static TABLE: std::sync::OnceLock<Vec<[i8; SYNC_LEN]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..1008u16)
            .map(|p| sss(Pci::new(p).expect("0..1008")))
            .collect()
    })
}

fn group_by_symbol(pos: &[Re]) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for &(k, l) in pos {
        match out.last_mut() {
            Some((ll, ks)) if *ll == l => ks.push(k),
            _ => out.push((l, vec![k])),
        }
    }
    out
}

/// Convenience: searches a whole buffer.
pub fn search_samples(
    cfg: SearchConfig,
    x: &[C32],
    engine: &mut FftEngine,
) -> Result<Vec<SsbDetection>, Error> {
    let mut s = CellSearcher::new(cfg, engine)?;
    let mut out = Vec::new();
    for chunk in x.chunks(1 << 16) {
        out.extend(s.push(chunk)?);
    }
    out.extend(s.finish()?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_candidates_cover_the_raster_and_the_grid() {
        // 30.72 Msps around 3.5 GHz, 30 kHz: the SSB (±3.6 MHz) and the CFO range (30 kHz)
        // leave ±11.73 MHz for SS_REF: GSCN N = 340…355 (1.44 MHz apart) plus the centre.
        let c = scan_candidates(30.72e6, Some(3.5e9), None, &[30], None);
        assert_eq!(c.len(), 1 + 16);
        assert_eq!((c[0].offset_hz, c[0].on_raster), (0.0, false));
        assert!(c[1..]
            .iter()
            .all(|x| x.on_raster && x.offset_hz.abs() <= 11.73e6));
        assert_eq!(
            crate::ssb::raster::freq_to_gscn(c[1].freq_hz),
            Some(7499 + 340)
        );
        // A given frequency is the only candidate per spacing.
        let c = scan_candidates(30.72e6, Some(3.5e9), Some(3.51e9), &[30, 15], None);
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|x| x.offset_hz == 10e6 && x.on_raster));
        // No centre: offsets 2 × 30 kHz apart, symmetric around 0.
        let c = scan_candidates(15.36e6, None, None, &[30], None);
        assert_eq!(c.len() % 2, 1);
        assert!(c
            .windows(2)
            .all(|w| (w[1].offset_hz - w[0].offset_hz - 60e3).abs() < 1e-6));
        assert_eq!(c[c.len() / 2].offset_hz, 0.0);
        assert_eq!(default_spacings(Some(28e9)), vec![120, 240]);
        assert_eq!(default_spacings(None), vec![30, 15]);
    }
}
