//! The FFT engine.
//!
//! Wraps rustfft behind nrkit's own types: plans are cached per (size, direction) in an
//! [`FftEngine`], scratch is owned by the caller (no allocation inside `process`), and a
//! buffer holding many transforms back to back is processed as a batch.
//!
//! Conventions: forward `X[k] = Σ x[n]·e^(−j2πkn/N)`, inverse `x[n] = Σ X[k]·e^(+j2πkn/N)`;
//! **neither direction is scaled** (the caller applies 1/N where wanted; OFDM folds it into
//! subcarrier mapping). Bin 0 is DC; bins N/2..N are the negative frequencies.
//!
//! ISA: `Scalar` uses rustfft's scalar planner; `Avx2` uses rustfft's AVX planner;
//! `Avx512` uses nrkit's own four-step kernel (module `avx512`) for the NR sizes (powers of
//! two 128..=4096, 1536 and 3072) and rustfft's AVX planner for every other size.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use nrkit_core::{Error, C32};
use rustfft::{FftPlannerAvx, FftPlannerScalar};

use crate::Isa;

#[cfg(target_arch = "x86_64")]
mod avx512;
mod codelet;

#[derive(Clone)]
enum Inner {
    Rust(Arc<dyn rustfft::Fft<f32>>),
    #[cfg(target_arch = "x86_64")]
    Avx512(Arc<avx512::Plan>),
}

/// Transform direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// e^(−j2πkn/N).
    Forward,
    /// e^(+j2πkn/N), unscaled.
    Inverse,
}

impl From<Direction> for rustfft::FftDirection {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Forward => rustfft::FftDirection::Forward,
            Direction::Inverse => rustfft::FftDirection::Inverse,
        }
    }
}

/// A planned transform of one size and direction. Cheap to clone and shareable across
/// threads; each thread brings its own scratch.
#[derive(Clone)]
pub struct Fft {
    inner: Inner,
    len: usize,
    direction: Direction,
    isa: Isa,
}

/// A scratch buffer of `got` elements must hold at least `need`.
fn check_scratch(need: usize, got: usize) -> Result<(), Error> {
    if got < need {
        return Err(Error::LengthMismatch {
            what: "FFT scratch",
            expected: need,
            got,
        });
    }
    Ok(())
}

impl fmt::Debug for Fft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fft")
            .field("len", &self.len)
            .field("direction", &self.direction)
            .field("isa", &self.isa)
            .finish()
    }
}

impl Fft {
    /// Transform size N.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: N ≥ 1.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// ISA this plan was built for.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Scratch length needed by [`Fft::process`].
    pub fn scratch_len(&self) -> usize {
        match &self.inner {
            Inner::Rust(f) => f.get_inplace_scratch_len(),
            #[cfg(target_arch = "x86_64")]
            Inner::Avx512(p) => p.scratch_len(),
        }
    }

    /// Scratch length needed by [`Fft::process_outofplace`].
    pub fn outofplace_scratch_len(&self) -> usize {
        match &self.inner {
            Inner::Rust(f) => f.get_outofplace_scratch_len(),
            #[cfg(target_arch = "x86_64")]
            Inner::Avx512(p) => p.scratch_len(),
        }
    }

    /// Which implementation runs: `"rustfft"` or `"nrkit-avx512"`.
    pub fn implementation(&self) -> &'static str {
        match &self.inner {
            Inner::Rust(_) => "rustfft",
            #[cfg(target_arch = "x86_64")]
            Inner::Avx512(_) => "nrkit-avx512",
        }
    }

    /// A scratch buffer of the right size for either call.
    pub fn make_scratch(&self) -> Vec<C32> {
        vec![C32::default(); self.scratch_len().max(self.outofplace_scratch_len())]
    }

    /// Transforms `buf` in place; `buf.len()` must be a non-zero multiple of N (a batch of
    /// transforms back to back). `scratch` needs at least [`Fft::scratch_len`] elements.
    #[allow(unsafe_code)]
    pub fn process(&self, buf: &mut [C32], scratch: &mut [C32]) -> Result<(), Error> {
        self.check_batch(buf.len())?;
        let need = self.scratch_len();
        check_scratch(need, scratch.len())?;
        match &self.inner {
            Inner::Rust(f) => f.process_with_scratch(buf, &mut scratch[..need]),
            #[cfg(target_arch = "x86_64")]
            Inner::Avx512(p) => {
                for chunk in buf.chunks_exact_mut(self.len) {
                    let ptr = chunk.as_mut_ptr();
                    // SAFETY: the plan exists only when the engine's ISA (checked at
                    // construction) is AVX-512; `chunk` holds N values and `scratch` (checked
                    // above) the plan's scratch length; they do not overlap.
                    unsafe { avx512::run(p, ptr, ptr, scratch.as_mut_ptr()) };
                }
            }
        }
        Ok(())
    }

    /// Transforms `input` into `output` (both a non-zero multiple of N, equal lengths);
    /// `input` is used as workspace and left undefined.
    #[allow(unsafe_code)]
    pub fn process_outofplace(
        &self,
        input: &mut [C32],
        output: &mut [C32],
        scratch: &mut [C32],
    ) -> Result<(), Error> {
        self.check_batch(input.len())?;
        Error::check_len("FFT output", input.len(), output.len())?;
        let need = self.outofplace_scratch_len();
        check_scratch(need, scratch.len())?;
        match &self.inner {
            Inner::Rust(f) => {
                f.process_outofplace_with_scratch(input, output, &mut scratch[..need])
            }
            #[cfg(target_arch = "x86_64")]
            Inner::Avx512(p) => {
                for (i, o) in input
                    .chunks_exact(self.len)
                    .zip(output.chunks_exact_mut(self.len))
                {
                    // SAFETY: as in `process`; input, output and scratch are distinct.
                    unsafe { avx512::run(p, i.as_ptr(), o.as_mut_ptr(), scratch.as_mut_ptr()) };
                }
            }
        }
        Ok(())
    }

    fn check_batch(&self, n: usize) -> Result<(), Error> {
        if n == 0 || !n.is_multiple_of(self.len) {
            return Err(Error::LengthMismatch {
                what: "FFT buffer (must be a non-zero multiple of the FFT size)",
                expected: (n / self.len).max(1) * self.len,
                got: n,
            });
        }
        Ok(())
    }
}

enum Planner {
    Scalar(FftPlannerScalar<f32>),
    Avx(FftPlannerAvx<f32>),
}

/// Plans and caches FFTs for one ISA.
pub struct FftEngine {
    isa: Isa,
    planner: Planner,
    cache: HashMap<(usize, Direction), Fft>,
}

impl fmt::Debug for FftEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FftEngine")
            .field("isa", &self.isa)
            .field("cached_plans", &self.cache.len())
            .finish()
    }
}

impl FftEngine {
    /// An engine for `isa`; fails if the CPU does not support it.
    pub fn new(isa: Isa) -> Result<Self, Error> {
        let isa = isa.require()?;
        let planner = match isa {
            Isa::Scalar => Planner::Scalar(FftPlannerScalar::new()),
            Isa::Avx2 | Isa::Avx512 => match FftPlannerAvx::new() {
                Ok(p) => Planner::Avx(p),
                Err(_) => return Err(Error::UnsupportedIsa { isa: isa.name() }),
            },
        };
        Ok(FftEngine {
            isa,
            planner,
            cache: HashMap::new(),
        })
    }

    /// An engine for the best ISA of this CPU.
    pub fn detect() -> Self {
        Self::new(Isa::detect())
            .unwrap_or_else(|_| Self::new(Isa::Scalar).expect("the scalar FFT is always available"))
    }

    /// The engine's ISA.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The plan for size `len` (≥ 1) and `direction`, planned once and then cached.
    pub fn plan(&mut self, len: usize, direction: Direction) -> Result<Fft, Error> {
        if len == 0 {
            return Err(Error::invalid("FFT size", ">= 1", 0));
        }
        if let Some(p) = self.cache.get(&(len, direction)) {
            return Ok(p.clone());
        }
        #[cfg(target_arch = "x86_64")]
        let own = if self.isa == Isa::Avx512 {
            avx512::Plan::new(len, direction == Direction::Inverse)
                .map(|p| Inner::Avx512(Arc::new(p)))
        } else {
            None
        };
        #[cfg(not(target_arch = "x86_64"))]
        let own: Option<Inner> = None;
        let inner = match own {
            Some(i) => i,
            None => Inner::Rust(match &mut self.planner {
                Planner::Scalar(p) => p.plan_fft(len, direction.into()),
                Planner::Avx(p) => p.plan_fft(len, direction.into()),
            }),
        };
        let fft = Fft {
            inner,
            len,
            direction,
            isa: self.isa,
        };
        self.cache.insert((len, direction), fft.clone());
        Ok(fft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dft(x: &[C32], dir: Direction) -> Vec<C32> {
        let n = x.len();
        let sign = if dir == Direction::Forward { -1.0 } else { 1.0 };
        (0..n)
            .map(|k| {
                let mut acc = nrkit_core::C64::new(0.0, 0.0);
                for (i, v) in x.iter().enumerate() {
                    let ph = sign * std::f64::consts::TAU * ((k * i) % n) as f64 / n as f64;
                    acc += nrkit_core::C64::new(f64::from(v.re), f64::from(v.im))
                        * nrkit_core::C64::from_polar(1.0, ph);
                }
                C32::new(acc.re as f32, acc.im as f32)
            })
            .collect()
    }

    fn signal(n: usize, seed: u64) -> Vec<C32> {
        let mut r = nrkit_core::rng::stream(seed, 0);
        (0..n)
            .map(|_| nrkit_core::rng::complex_normal(&mut r, 1.0))
            .collect()
    }

    fn check(engine: &mut FftEngine, n: usize) {
        for dir in [Direction::Forward, Direction::Inverse] {
            let x = signal(n, n as u64);
            let want = naive_dft(&x, dir);
            let fft = engine.plan(n, dir).unwrap();
            let mut buf = x.clone();
            let mut scratch = fft.make_scratch();
            fft.process(&mut buf, &mut scratch).unwrap();
            let tol = 2e-6 * (n as f32).sqrt() * (n as f32).log2().max(1.0) + 1e-6;
            let rms = (want.iter().map(|v| v.norm_sqr()).sum::<f32>() / n as f32).sqrt();
            for (k, (g, w)) in buf.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).norm() <= tol * rms.max(1.0) * 4.0,
                    "isa={} n={n} dir={dir:?} k={k}: {g} vs {w}",
                    engine.isa()
                );
            }
        }
    }

    #[test]
    fn every_length_up_to_1024_matches_naive_dft() {
        for isa in Isa::available() {
            let mut e = FftEngine::new(isa).unwrap();
            for n in 1..=1024 {
                check(&mut e, n);
            }
        }
    }

    #[test]
    fn nr_sizes_match_naive_dft() {
        for isa in Isa::available() {
            let mut e = FftEngine::new(isa).unwrap();
            for n in [1536, 2048, 3072, 4096] {
                check(&mut e, n);
            }
        }
    }

    #[test]
    fn batch_and_errors() {
        let mut e = FftEngine::detect();
        let f = e.plan(128, Direction::Forward).unwrap();
        let x = signal(3 * 128, 9);
        let mut batch = x.clone();
        let mut scratch = f.make_scratch();
        f.process(&mut batch, &mut scratch).unwrap();
        for c in 0..3 {
            let mut one = x[c * 128..(c + 1) * 128].to_vec();
            f.process(&mut one, &mut scratch).unwrap();
            assert_eq!(one, batch[c * 128..(c + 1) * 128]);
        }
        assert!(f.process(&mut batch[..100], &mut scratch).is_err());
        assert!(e.plan(0, Direction::Forward).is_err());
        let mut small = vec![];
        if f.scratch_len() > 0 {
            assert!(f.process(&mut batch, &mut small).is_err());
        }
    }
}
