//! Many searchers over one stream (a blind scan), sharing one fast-convolution front end.

use nrkit_core::{Error, C32};
use nrkit_dsp::{FcFrontEnd, FftEngine};

use super::{working_rate, CellSearcher, SearchCandidate, SearchConfig, SsbDetection, N_W};

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

    /// The ISA of every processor of the bank, by name (deduplicated, in first-seen
    /// order): the shared front end's FFT and each searcher's [`CellSearcher::isas`].
    pub fn isas(&self) -> Vec<(&'static str, nrkit_dsp::Isa)> {
        let mut v = Vec::new();
        if let Some(f) = &self.front {
            v.push(("front_end", f.isa()));
        }
        for (_, s) in &self.searchers {
            for e in s.isas() {
                if !v.contains(&e) {
                    v.push(e);
                }
            }
        }
        v
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
