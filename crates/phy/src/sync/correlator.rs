//! The PSS correlator of the cell search (TS 38.211 §7.4.2.2): normalized cross-correlation
//! |c|²/(E_t·E_x) of a working-rate stream with the three time-domain PSS symbols, each
//! under CFO hypotheses every Δf/2 over ±`cfo_range_hz`, by FFT overlap-save on 2048-point
//! blocks, decimated by two (the product spectrum lives in the central half of the bins).

use nrkit_core::{Error, C32};
use nrkit_dsp::{Direction, Fft, FftEngine, VectorKernels};

use super::N_W;
use crate::ssb::mapping::SYNC_K0;
use crate::ssb::sequences::pss;

/// Overlap-save block size of the PSS correlator.
pub(crate) const BLOCK: usize = 2048;
/// Correlator positions per block: the 1665 valid ones rounded down to even, so every
/// block starts on an even position.
pub(crate) const STEP: usize = 1664;
/// Inverse FFT size of the correlator: the product spectrum lives in the PSS band (±64
/// subcarriers plus the CFO range = ±347 of the 2048 bins), so the central 1024 bins give
/// the correlation exactly at every second position, for half the work.
const HALF: usize = BLOCK / 2;

/// The FFT bin (working rate, `N_W` points) of SSB subcarrier `k_ssb`: subcarrier k sits at
/// (k − 120)·Δf.
pub(crate) fn bin(k_ssb: usize) -> usize {
    (k_ssb as isize - 120).rem_euclid(N_W as isize) as usize
}

/// One PSS template: its N_ID^(2), CFO hypothesis (Hz) and conjugated, scaled spectrum (the
/// central `HALF` bins); its time-domain samples are in [`PssCorrelator::time_template`].
#[derive(Debug)]
struct Template {
    nid2: u8,
    cfo_hz: f64,
    spectrum: Vec<C32>,
    time: Vec<C32>,
}

/// Streaming PSS correlator at the working rate: keeps the best metric per N_ID^(2) over
/// the CFO hypotheses at the even working indices.
#[derive(Debug)]
pub(crate) struct PssCorrelator {
    templates: Vec<Template>,
    template_energy: f64,
    /// Best metric per N_ID2 over the CFO hypotheses at the even working indices from
    /// `mbase` (entry i ↔ index `mbase + 2i`).
    metric: [Vec<f32>; 3],
    mbase: u64,
    /// Window-energy floor of the last block (digital silence is not normalized up).
    floor: f64,
    /// Next working index whose correlation is not computed.
    scanned: u64,
    /// Energy and count of the correlated samples so far (for the silence floor).
    energy_sum: f64,
    energy_n: u64,
    fft_block: Fft,
    ifft_block: Fft,
    scratch: Vec<C32>,
    kernels: VectorKernels,
    /// Per-block work buffers (kept to avoid allocating per block).
    x: Vec<C32>,
    xs: Vec<C32>,
    prod: Vec<C32>,
    mag: Vec<f32>,
    energies: Vec<f64>,
    inv: Vec<f32>,
}

impl PssCorrelator {
    /// Templates for SSB spacing `scs_hz` with CFO hypotheses every Δf/2 within
    /// ±`cfo_range_hz` (validated by the caller), at working rate `fs_w`.
    pub(crate) fn new(
        scs_hz: f64,
        cfo_range_hz: f64,
        fs_w: f64,
        engine: &mut FftEngine,
    ) -> Result<Self, Error> {
        let fft_block = engine.plan(BLOCK, Direction::Forward)?;
        let ifft_block = engine.plan(HALF, Direction::Inverse)?;
        let ifft_sym = engine.plan(N_W, Direction::Inverse)?;
        let scratch_len = [&fft_block, &ifft_block, &ifft_sym]
            .iter()
            .map(|f| f.scratch_len())
            .max()
            .unwrap_or(0);
        let mut scratch = vec![C32::default(); scratch_len];
        // Time-domain PSS useful parts (unit-energy spectrum scaling is irrelevant: the
        // metric is normalized).
        let n_hyp = (cfo_range_hz / (scs_hz / 2.0)).floor() as i64;
        let mut templates = Vec::new();
        let mut template_energy = 0.0;
        for nid2 in 0..3u8 {
            let seq = pss(nid2)?;
            let mut t = vec![C32::default(); N_W];
            for (n, &d) in seq.iter().enumerate() {
                t[bin(SYNC_K0 + n)] = C32::new(f32::from(d), 0.0);
            }
            ifft_sym.process(&mut t, &mut scratch)?;
            template_energy = t.iter().map(|v| f64::from(v.norm_sqr())).sum();
            for h in -n_hyp..=n_hyp {
                let cfo = h as f64 * scs_hz / 2.0;
                let mut padded = vec![C32::default(); BLOCK];
                for (n, v) in t.iter().enumerate() {
                    let ph = std::f64::consts::TAU * cfo * n as f64 / fs_w;
                    padded[n] = v * C32::new(ph.cos() as f32, ph.sin() as f32);
                }
                let time = padded[..N_W].to_vec();
                fft_block.process(&mut padded, &mut scratch)?;
                // Correlation c[p] = Σ x[p+n]·conj(t[n]) = IFFT(X·conj(T)) / BLOCK.
                // Only the central HALF bins are used (see `correlate_block`).
                let s = 1.0 / BLOCK as f32;
                let spectrum: Vec<C32> = padded[..HALF / 2]
                    .iter()
                    .chain(&padded[BLOCK - HALF / 2..])
                    .map(|v| v.conj() * s)
                    .collect();
                templates.push(Template {
                    nid2,
                    cfo_hz: cfo,
                    spectrum,
                    time,
                });
            }
        }
        Ok(PssCorrelator {
            templates,
            template_energy,
            metric: [Vec::new(), Vec::new(), Vec::new()],
            mbase: 0,
            floor: 0.0,
            scanned: 0,
            energy_sum: 0.0,
            energy_n: 0,
            fft_block,
            ifft_block,
            scratch,
            kernels: VectorKernels::new(engine.isa())?,
            x: vec![C32::default(); BLOCK],
            xs: vec![C32::default(); HALF],
            prod: vec![C32::default(); HALF],
            mag: vec![0f32; HALF],
            energies: Vec::with_capacity(STEP / 2),
            inv: Vec::with_capacity(STEP / 2),
        })
    }

    /// Next working index whose correlation is not computed.
    pub(crate) fn scanned(&self) -> u64 {
        self.scanned
    }

    /// The N_ID2 and CFO hypothesis (Hz) of template `h`.
    pub(crate) fn hypothesis(&self, h: usize) -> (u8, f64) {
        (self.templates[h].nid2, self.templates[h].cfo_hz)
    }

    /// The time-domain samples (N_W) of template `h`.
    pub(crate) fn time_template(&self, h: usize) -> &[C32] {
        &self.templates[h].time
    }

    /// Correlates the block of `BLOCK` samples starting at working index `scanned()`;
    /// `x` holds them.
    #[inline(never)]
    pub(crate) fn correlate_block(&mut self, block: &[C32]) -> Result<(), Error> {
        Error::check_len("PSS correlator block", BLOCK, block.len())?;
        self.x.copy_from_slice(block);
        let x = &mut self.x;
        // Window energies at the even positions of this block.
        let e = &mut self.energies;
        e.clear();
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
        self.fft_block.process(x, &mut self.scratch)?;
        let start_len = self.metric[0].len();
        for m in &mut self.metric {
            m.resize(start_len + STEP / 2, 0.0);
        }
        self.inv.clear();
        let (te, floor) = (self.template_energy, self.floor);
        self.inv.extend(
            e.iter()
                .map(|&ep| (1.0 / (te * ep.max(floor).max(1e-30))) as f32),
        );
        // The central HALF bins of the spectrum (DC and up, then the negative half): the
        // correlation at even positions, c[2m] = IFFT_HALF(X·T)[m] (T scaled by 1/BLOCK).
        self.xs[..HALF / 2].copy_from_slice(&x[..HALF / 2]);
        self.xs[HALF / 2..].copy_from_slice(&x[BLOCK - HALF / 2..]);
        for t in &self.templates {
            self.kernels.mul(&self.xs, &t.spectrum, &mut self.prod)?;
            self.ifft_block.process(&mut self.prod, &mut self.scratch)?;
            self.kernels.mag_sq(&self.prod, &mut self.mag)?;
            let m = &mut self.metric[usize::from(t.nid2)][start_len..];
            for ((slot, &c), &w) in m.iter_mut().zip(&self.mag[..STEP / 2]).zip(&self.inv) {
                *slot = slot.max(c * w);
            }
        }
        self.scanned += STEP as u64;
        Ok(())
    }

    /// Even positions in `first..limit` whose metric is at least `pre` and a local maximum
    /// within ±`half_window` positions, as (position, N_ID2), sorted.
    pub(crate) fn peaks(
        &self,
        first: u64,
        limit: u64,
        pre: f32,
        half_window: u64,
    ) -> Vec<(u64, u8)> {
        let mut cands = Vec::new();
        let wd = (half_window / 2) as usize;
        let first = first.next_multiple_of(2);
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
        cands
    }

    /// The normalized PSS correlation of N_ID2 `nid2` at full resolution around the even
    /// position `p` (p − 1, p, p + 1, from `lowest` on) under every CFO hypothesis; `at(q)`
    /// gives the N_W samples from working index q. The best (position, hypothesis, metric).
    pub(crate) fn refine<'a>(
        &self,
        p: u64,
        nid2: u8,
        lowest: u64,
        at: impl Fn(u64) -> &'a [C32],
    ) -> (u64, usize, f32) {
        let mut best = (p, 0, f32::MIN);
        for q in p.saturating_sub(1).max(lowest)..=p + 1 {
            let x = at(q);
            let ex: f64 = x.iter().map(|v| f64::from(v.norm_sqr())).sum();
            let norm = 1.0 / (self.template_energy * ex.max(self.floor).max(1e-30));
            for (h, t) in self.templates.iter().enumerate() {
                if t.nid2 != nid2 {
                    continue;
                }
                let c = self.kernels.dot(x, &t.time).expect("equal lengths");
                let v = (f64::from(c.norm_sqr()) * norm) as f32;
                if v > best.2 {
                    best = (q, h, v);
                }
            }
        }
        best
    }

    /// Drops the metric before working index `keep_from` (even).
    pub(crate) fn drain(&mut self, keep_from: u64) {
        if keep_from > self.mbase {
            let n = (((keep_from - self.mbase) / 2) as usize).min(self.metric[0].len());
            for m in &mut self.metric {
                m.drain(..n);
            }
            self.mbase += 2 * n as u64;
        }
    }

    /// The ISA of its vector kernels and FFTs.
    pub(crate) fn isa(&self) -> nrkit_dsp::Isa {
        self.kernels.isa()
    }
}
