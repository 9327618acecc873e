//! The streaming searcher of one candidate (SS_REF frequency and SSB spacing): input to
//! the working rate, PSS correlation, peak decisions, CFO, the SSB's four symbols, SSS,
//! DMRS and PBCH, soft combining.

use std::collections::HashMap;

use nrkit_core::{Error, Pci, C32};
use nrkit_dsp::VectorKernels;
use nrkit_dsp::{Block, Direction, FcChannel, FcFrontEnd, Fft, FftEngine, Isa, Nco, Resampler};

use super::combining::{combine_pending, decode_members, Member, BURST_SPAN_S};
use super::correlator::{bin, PssCorrelator, BLOCK};
use super::detector::{measure_pbch, sss_candidates};
use super::{SearchConfig, SsbDetection, N_W};
use crate::estimation::{rotations, SlopeSet};
use crate::modulation::{Demapper, Modulation};
use crate::ssb::pbch::BchDecoder;
use crate::ssb::sequences::{pbch_dmrs, pss, SYNC_LEN};

/// A peak between two computed positions is at most one sample from one of them, where
/// the PSS correlation keeps ≥ 0.69 of its power (main lobe ≈ 3 samples); peaks above
/// this fraction of the threshold are refined at full resolution before the threshold.
const DECIM_MARGIN: f32 = 0.6;

/// How input reaches a searcher's working rate.
#[derive(Debug)]
enum Front {
    /// Its own mixer and polyphase resampler.
    Own { nco: Nco, resampler: Resampler },
    /// A channel of a shared fast-convolution front end ([`super::SearchBank`]).
    Shared(FcChannel),
}

/// Streaming cell searcher for one candidate; every processor it holds runs on the ISA
/// of the [`FftEngine`] it was built with ([`CellSearcher::isas`] reports them).
#[derive(Debug)]
pub struct CellSearcher {
    cfg: SearchConfig,
    fs_w: f64,
    cp: usize,
    front: Front,
    /// Working-rate samples, `buf[0]` at working index `base`.
    buf: Vec<C32>,
    base: u64,
    correlator: PssCorrelator,
    /// Next working index not yet decided as candidate or not.
    decided: u64,
    fft_sym: Fft,
    scratch: Vec<C32>,
    pss_seq: [[i8; SYNC_LEN]; 3],
    bch: BchDecoder,
    demapper: Demapper,
    resampled: Vec<C32>,
    mixed: Vec<C32>,
    kernels: VectorKernels,
    /// Timing-slope hypotheses α (rad per subcarrier) over the 240 subcarriers; the
    /// middle one is the nominal window advance.
    slopes: SlopeSet,
    /// Undecoded SSBs waiting for soft combining.
    pending: Vec<Member>,
    /// PBCH DMRS sequences per PCI (8 ī_SSB each), computed on first use.
    dmrs_cache: HashMap<u16, Vec<Vec<C32>>>,
}

impl CellSearcher {
    /// Validates `cfg` and prepares templates and transforms; input goes through the
    /// searcher's own mixer and resampler ([`CellSearcher::push`]).
    pub fn new(cfg: SearchConfig, engine: &mut FftEngine) -> Result<Self, Error> {
        Self::build(cfg, engine, None)
    }

    /// A searcher fed by a channel of the shared front end `front` (built for the
    /// [`super::working_rate`] of this spacing); input goes through
    /// [`CellSearcher::push_blocks`].
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
        cfg.validate()?;
        let isa = engine.isa();
        let scs = f64::from(cfg.scs_ssb_khz) * 1e3;
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
                resampler: Resampler::for_rates_with_taps(cfg.sample_rate, fs_w, 20)?
                    .with_isa(isa)?,
                nco: Nco::new(-cfg.ssb_offset_hz, cfg.sample_rate)?.with_isa(isa)?,
            },
        };
        let correlator = PssCorrelator::new(scs, cfg.cfo_range_hz, fs_w, engine)?;
        let fft_sym = engine.plan(N_W, Direction::Forward)?;
        let scratch = fft_sym.make_scratch();
        let pss_seq = [pss(0)?, pss(1)?, pss(2)?];
        let num = nrkit_core::Numerology::from_scs_khz(cfg.scs_ssb_khz)?;
        let cp = (num.n_cp_tc(1) as usize * N_W) / num.n_u_tc() as usize;
        // The FFT window starts a quarter CP before the useful part: a phase slope of
        // α_w = −2π·(CP/4)/N per subcarrier, plus the PSS timing error of −1…+1 samples
        // searched in quarter steps.
        let alpha_w = -std::f64::consts::TAU * (cp / 4) as f64 / N_W as f64;
        let alphas: Vec<f64> = (-4..=4)
            .map(|q| alpha_w - std::f64::consts::TAU * (f64::from(q) / 4.0) / N_W as f64)
            .collect();
        Ok(CellSearcher {
            bch: BchDecoder::with_isa(cfg.list, isa)?,
            demapper: Demapper::with_isa(Modulation::Qpsk, isa)?,
            fs_w,
            cp,
            slopes: SlopeSet::new(&alphas, 240),
            front,
            buf: Vec::new(),
            base: 0,
            correlator,
            decided: 0,
            fft_sym,
            scratch,
            pss_seq,
            resampled: Vec::new(),
            mixed: Vec::new(),
            dmrs_cache: HashMap::new(),
            kernels: VectorKernels::new(isa)?,
            pending: Vec::new(),
            cfg,
        })
    }

    /// The working sample rate.
    pub fn working_rate(&self) -> f64 {
        self.fs_w
    }

    /// The ISA each of its processors runs, by name: the FFTs, the vector kernels of the
    /// correlator and detector, the QPSK demapper, the BCH's polar decoder (AVX-512 runs
    /// its AVX2 build), and the mixer and resampler or the shared-front-end channel.
    pub fn isas(&self) -> Vec<(&'static str, Isa)> {
        let mut v = vec![
            ("fft", self.fft_sym.isa()),
            ("correlator", self.correlator.isa()),
            ("kernels", self.kernels.isa()),
            ("demapper", self.demapper.isa()),
            ("polar", self.bch.isa()),
        ];
        match &self.front {
            Front::Own { nco, resampler } => {
                v.push(("nco", nco.isa()));
                v.push(("resampler", resampler.isa()));
            }
            Front::Shared(ch) => v.push(("channel", ch.isa())),
        }
        v
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
            self.mixed.clear();
            self.mixed.extend_from_slice(x);
            nco.mix(&mut self.mixed);
            resampler.process(&self.mixed, &mut self.resampled);
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
        while self.end() >= self.correlator.scanned() + BLOCK as u64 {
            let off = (self.correlator.scanned() - self.base) as usize;
            self.correlator
                .correlate_block(&self.buf[off..off + BLOCK])?;
        }
        // Decide peaks where the local-maximum window and the SSB span are available.
        let w = (N_W / 2) as u64;
        let scanned = self.correlator.scanned();
        let limit = scanned
            .saturating_sub(w)
            .min(self.end().saturating_sub(self.span() as u64));
        let pre = self.cfg.pss_threshold * DECIM_MARGIN;
        let cands = self.correlator.peaks(self.decided, limit, pre, w);
        let mut found = Vec::new();
        for (p, nid2) in cands {
            let (buf, base) = (&self.buf, self.base);
            let at = |q: u64| {
                let i = (q - base) as usize;
                &buf[i..i + N_W]
            };
            let (q, h, v) = self.correlator.refine(p, nid2, base, at);
            if v < self.cfg.pss_threshold {
                continue;
            }
            if let Some(d) = self.candidate(q, h)? {
                found.extend(d);
            }
        }
        if !self.pending.is_empty() {
            let span = (BURST_SPAN_S * self.fs_w) as u64;
            let fr2 = self.cfg.scs_ssb_khz >= 120;
            found.extend(combine_pending(
                &self.bch,
                fr2,
                &mut self.pending,
                span,
                self.decided,
                last,
            )?);
            found.sort_by_key(|d| d.sample_offset);
        }
        self.decided = self.decided.max(limit);
        // Drop what is no longer needed (from an even index: the metric is decimated).
        let keep_from = self.decided.saturating_sub(w + N_W as u64).min(scanned) & !1;
        if keep_from > self.base && !last {
            let n = (keep_from - self.base) as usize;
            self.buf.drain(..n);
            self.base = keep_from;
        }
        self.correlator.drain(keep_from);
        Ok(found)
    }

    /// Samples from working index `p` (must be in `buf`).
    fn at(&self, p: u64, n: usize) -> &[C32] {
        let i = (p - self.base) as usize;
        &self.buf[i..i + n]
    }

    /// The SSB whose PSS (template `hyp`) peaks at working index `p`: fine CFO, its four
    /// symbols, SSS candidates, then DMRS/PBCH per candidate PCI.
    #[inline(never)]
    fn candidate(&mut self, p: u64, hyp: usize) -> Result<Option<Vec<SsbDetection>>, Error> {
        let (nid2, coarse) = self.correlator.hypothesis(hyp);
        // Fine CFO from the two halves of the PSS correlation (under the coarse CFO).
        let t = self.correlator.time_template(hyp);
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
        let nominal = self.slopes.derotation(self.slopes.len() / 2);
        let pcis = sss_candidates(&grid, nid2, &self.pss_seq[usize::from(nid2)], nominal)?;
        let mut out = None;
        for pci in pcis {
            if let Some(d) = self.decode_pci(p, pci, cfo, &grid)? {
                out.get_or_insert_with(Vec::new).push(d);
            }
        }
        Ok(out)
    }

    /// PBCH DMRS, channel estimate and BCH decoding of the SSB at working index `p` (PSS
    /// useful part) for cell `pci`. A failed decode is kept for soft combining.
    fn decode_pci(
        &mut self,
        p: u64,
        pci: Pci,
        cfo: f64,
        grid: &[[C32; 4]],
    ) -> Result<Option<SsbDetection>, Error> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.dmrs_cache.entry(pci.value()) {
            let seqs = (0..8u8)
                .map(|i| pbch_dmrs(pci, i))
                .collect::<Result<Vec<_>, _>>()?;
            e.insert(seqs);
        }
        let seqs = &self.dmrs_cache[&pci.value()];
        let Some(m) = measure_pbch(grid, pci, seqs, &self.slopes, &self.demapper)? else {
            return Ok(None);
        };
        let w_start = p as f64 - self.cp as f64;
        let ratio = self.cfg.sample_rate / self.fs_w;
        let input = w_start * ratio - self.input_delay();
        let member = Member {
            p,
            pci,
            ibar: m.ibar,
            llr: m.llr,
            sample_offset: input.round().max(0.0) as u64,
            cfo_hz: cfo,
            snr_db: 10.0 * (m.signal / m.noise).log10(),
            rsrp_dbfs: 10.0 * (m.signal / (N_W * N_W) as f64).log10(),
        };
        let fr2 = self.cfg.scs_ssb_khz >= 120;
        if let Some(mut d) = decode_members(&self.bch, fr2, std::slice::from_ref(&member))? {
            return Ok(d.pop());
        }
        if self.cfg.soft_combining {
            self.pending.push(member);
        }
        Ok(None)
    }
}
