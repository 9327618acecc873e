//! Polyphase rational resampler (up by L, down by M).
//!
//! A Kaiser-windowed-sinc low-pass prototype of length `K·max(L, M)` (K = taps per
//! unit, default 48) with cut-off at `0.47·min(f_in, f_out)` is split into L phases. Output
//! sample m is Σ_k h[p + kL]·x[n − k] with n = ⌊mM/L⌋, p = mM mod L, so each output costs
//! `⌈K·max(L,M)/L⌉` complex × real MACs. Streaming: state carries across `process` calls,
//! so a recording can be resampled chunk by chunk in bounded memory with output identical
//! to a single call.
//!
//! Delay: the prototype is linear-phase with a group delay of (N−1)/2 samples at the
//! upsampled rate, N = its length; [`Resampler::delay_in_samples`] gives it in input samples.

use nrkit_core::{Error, C32};

use crate::Isa;

/// Accumulator lanes of the filter dot product: 16 f32 (8 complex), one AVX-512 register or
/// two AVX2 ones. Every ISA runs the same operations in the same order (no FMA), so the
/// output is bit-identical whichever is used.
const LANES: usize = 16;

/// Streaming L/M resampler of complex samples.
#[derive(Debug, Clone)]
pub struct Resampler {
    l: usize,
    m: usize,
    taps_per_phase: usize,
    /// `phases[p]` holds phase `p`'s taps twice each, `[h0, h0, h1, h1, …]`, zero-padded to
    /// a multiple of [`LANES`]: element `2j`/`2j + 1` multiplies the real/imaginary part of
    /// `buf[n + j]`.
    phases: Vec<Vec<f32>>,
    /// Instruction set of the filter loop.
    isa: Isa,
    proto_len: usize,
    /// Last `taps_per_phase − 1` input samples.
    history: Vec<C32>,
    /// Upsampled index of the next output, relative to the next input's first sample.
    next_u: usize,
    buf: Vec<C32>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Zeroth-order modified Bessel function of the first kind (series).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let q = x * x / 4.0;
    for k in 1..200 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

impl Resampler {
    /// Largest L or M accepted (after reduction by their gcd).
    pub const MAX_FACTOR: usize = 4096;

    /// Resampler by `up`/`down` (reduced by their gcd) with the default filter.
    pub fn new(up: usize, down: usize) -> Result<Self, Error> {
        Self::with_taps(up, down, 48)
    }

    /// Resampler from `from_hz` to `to_hz`; both must be whole numbers of Hz whose ratio
    /// reduces to factors ≤ [`Resampler::MAX_FACTOR`].
    pub fn for_rates(from_hz: f64, to_hz: f64) -> Result<Self, Error> {
        Self::for_rates_with_taps(from_hz, to_hz, 48)
    }

    /// Like [`Resampler::for_rates`] with `k` prototype taps per unit of max(L, M) (8..=256):
    /// fewer taps give a wider transition band for a lower cost.
    pub fn for_rates_with_taps(from_hz: f64, to_hz: f64, k: usize) -> Result<Self, Error> {
        for (what, r) in [
            ("input sample rate", from_hz),
            ("output sample rate", to_hz),
        ] {
            if !(r.is_finite() && r >= 1.0 && (r - r.round()).abs() < 1e-6) {
                return Err(Error::invalid(what, "a positive whole number of Hz", r));
            }
        }
        let (a, b) = (from_hz.round() as u64, to_hz.round() as u64);
        let g = gcd(a, b);
        Self::with_taps((b / g) as usize, (a / g) as usize, k)
    }

    /// Resampler with `k` prototype taps per unit of max(L, M) (8..=256).
    pub fn with_taps(up: usize, down: usize, k: usize) -> Result<Self, Error> {
        if up == 0 || down == 0 {
            return Err(Error::invalid(
                "resampling factors",
                ">= 1",
                format!("{up}/{down}"),
            ));
        }
        if !(8..=256).contains(&k) {
            return Err(Error::invalid("taps per unit", "8..=256", k));
        }
        let g = gcd(up as u64, down as u64) as usize;
        let (l, m) = (up / g, down / g);
        if l > Self::MAX_FACTOR || m > Self::MAX_FACTOR {
            return Err(Error::invalid(
                "resampling ratio",
                format!("factors <= {} after reduction", Self::MAX_FACTOR),
                format!("{l}/{m}"),
            ));
        }
        let n = if l == 1 && m == 1 {
            1
        } else {
            k * l.max(m) + 1
        };
        let t = n.div_ceil(l);
        // Prototype at the upsampled rate, gain L.
        let fc = 0.47 / l.max(m) as f64; // cycles per upsampled sample
        let beta = 8.0;
        let mid = (n as f64 - 1.0) / 2.0;
        let i0b = bessel_i0(beta);
        let h: Vec<f64> = (0..n)
            .map(|i| {
                if n == 1 {
                    return 1.0;
                }
                let x = i as f64 - mid;
                let sinc = if x == 0.0 {
                    2.0 * fc
                } else {
                    (std::f64::consts::TAU * fc * x).sin() / (std::f64::consts::PI * x)
                };
                let r = 2.0 * x / (n as f64 - 1.0);
                let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0b;
                sinc * w
            })
            .collect();
        let dc: f64 = h.iter().sum();
        let gain = l as f64 / dc;
        let padded = (2 * t).div_ceil(LANES) * LANES;
        let phases = (0..l)
            .map(|p| {
                let mut v: Vec<f32> = (0..t)
                    .flat_map(|j| {
                        let k = t - 1 - j;
                        let c = h.get(p + k * l).map_or(0.0, |v| (v * gain) as f32);
                        [c, c]
                    })
                    .collect();
                v.resize(padded, 0.0);
                v
            })
            .collect();
        Ok(Resampler {
            l,
            m,
            taps_per_phase: t,
            phases,
            isa: Isa::detect(),
            proto_len: n,
            history: vec![C32::default(); t - 1],
            next_u: 0,
            buf: Vec::new(),
        })
    }

    /// The same resampler running its filter loop on `isa` (the default is the best this
    /// CPU has); the output does not depend on it.
    pub fn with_isa(mut self, isa: Isa) -> Result<Self, Error> {
        self.isa = isa.require()?;
        Ok(self)
    }

    /// The ISA of its filter loop.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// (L, M) after reduction.
    pub fn factors(&self) -> (usize, usize) {
        (self.l, self.m)
    }

    /// Group delay in input samples.
    pub fn delay_in_samples(&self) -> f64 {
        (self.proto_len as f64 - 1.0) / 2.0 / self.l as f64
    }

    /// Upper bound of the outputs produced from `n_in` more inputs.
    pub fn max_output_len(&self, n_in: usize) -> usize {
        (n_in * self.l).div_ceil(self.m) + 1
    }

    /// Resets the state to silence.
    pub fn reset(&mut self) {
        self.history.iter_mut().for_each(|v| *v = C32::default());
        self.next_u = 0;
    }

    /// Resamples `input`, appending to `out`.
    pub fn process(&mut self, input: &[C32], out: &mut Vec<C32>) {
        let t = self.taps_per_phase;
        let n_in = input.len();
        self.buf.clear();
        self.buf.extend_from_slice(&self.history);
        self.buf.extend_from_slice(input);
        // Zeros behind the input so every padded window stays inside the buffer.
        let padded = self.phases[0].len() / 2;
        self.buf.resize(t - 1 + n_in + padded, C32::default());
        out.reserve(self.max_output_len(n_in));
        let x: &[f32] = bytemuck::cast_slice(&self.buf);
        let (l, m, u0) = (self.l, self.m, self.next_u);
        let u = match self.isa {
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `Isa::detect` chose these only on a CPU that has the features.
            Isa::Avx512 => unsafe { filter_avx512(&self.phases, x, l, m, u0, n_in, out) },
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { filter_avx2(&self.phases, x, l, m, u0, n_in, out) },
            _ => run(&self.phases, x, l, m, u0, n_in, out, dot_scalar),
        };
        self.next_u = u - n_in * self.l;
        self.history.copy_from_slice(&self.buf[n_in..n_in + t - 1]);
    }
}

/// The polyphase loop: outputs for upsampled indices `u0, u0 + m, …` while `u / l < n_in`;
/// `x` is the buffer (history + input + zeros) as interleaved f32. `dot` is the filter dot
/// product of one phase's taps with a window of `x`. Returns the next `u`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run(
    phases: &[Vec<f32>],
    x: &[f32],
    l: usize,
    m: usize,
    u0: usize,
    n_in: usize,
    out: &mut Vec<C32>,
    dot: impl Fn(&[f32], &[f32]) -> C32,
) -> usize {
    let mut u = u0;
    while u / l < n_in {
        let n = u / l;
        let taps = &phases[u % l];
        out.push(dot(taps, &x[2 * n..2 * n + taps.len()]));
        u += m;
    }
    u
}

/// Scalar dot product: 16 lane accumulators (product, then sum: no FMA), reduced pairwise
/// (lane i += lane i + 8, then + 4, then + 2); lanes 0 and 1 are the real and imaginary parts.
fn dot_scalar(taps: &[f32], w: &[f32]) -> C32 {
    let mut acc = [0f32; LANES];
    for (h, v) in taps.chunks_exact(LANES).zip(w.chunks_exact(LANES)) {
        for i in 0..LANES {
            acc[i] += h[i] * v[i];
        }
    }
    for half in [8, 4, 2] {
        for i in 0..half {
            acc[i] += acc[i + half];
        }
    }
    C32::new(acc[0], acc[1])
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(target_arch = "x86_64")]
use avx2::filter_avx2;
#[cfg(target_arch = "x86_64")]
use avx512::filter_avx512;

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(f: f64, fs: f64, n: usize, t0: f64) -> Vec<C32> {
        (0..n)
            .map(|i| {
                let ph = std::f64::consts::TAU * f * (i as f64 / fs - t0);
                C32::new(ph.cos() as f32, ph.sin() as f32)
            })
            .collect()
    }

    #[test]
    fn nr_rate_pairs_preserve_an_in_band_tone() {
        for &(fin, fout) in &[
            (11.52e6, 30.72e6),
            (15.36e6, 30.72e6),
            (23.04e6, 30.72e6),
            (46.08e6, 30.72e6),
            (184.32e6, 30.72e6),
            (30.72e6, 30.72e6),
        ] {
            let mut r = Resampler::for_rates(fin, fout).unwrap();
            let f = 0.3 * fin.min(fout);
            let x = tone(f, fin, 40_000, 0.0);
            let mut y = Vec::new();
            for c in x.chunks(3001) {
                r.process(c, &mut y);
            }
            let d = r.delay_in_samples() / fin;
            let want = tone(f, fout, y.len(), d);
            let skip = 2 * (r.delay_in_samples() * fout / fin) as usize + 10;
            let err: f64 = y[skip..y.len() - 10]
                .iter()
                .zip(&want[skip..])
                .map(|(a, b)| f64::from((a - b).norm_sqr()))
                .sum::<f64>()
                / (y.len() - skip - 10) as f64;
            let db = 10.0 * err.log10();
            assert!(db < -60.0, "{fin}->{fout}: error {db:.1} dB");
            let expect = 40_000.0 * fout / fin;
            assert!(
                (y.len() as f64 - expect).abs() <= 2.0,
                "{} vs {expect}",
                y.len()
            );
        }
    }

    #[test]
    fn every_isa_gives_the_same_bits() {
        let x: Vec<C32> = (0..7000)
            .map(|i| C32::new(((i * 37) % 101) as f32 - 50.0, ((i * 11) % 53) as f32))
            .collect();
        for (fin, fout) in [(30.72e6, 11.52e6), (7.68e6, 11.52e6), (122.88e6, 23.04e6)] {
            let mut want = Vec::new();
            Resampler::for_rates_with_taps(fin, fout, 20)
                .unwrap()
                .with_isa(Isa::Scalar)
                .unwrap()
                .process(&x, &mut want);
            for isa in Isa::available() {
                let mut r = Resampler::for_rates_with_taps(fin, fout, 20)
                    .unwrap()
                    .with_isa(isa)
                    .unwrap();
                let mut got = Vec::new();
                for c in x.chunks(999) {
                    r.process(c, &mut got);
                }
                assert_eq!(got, want, "{isa:?} {fin}->{fout}");
            }
        }
    }

    #[test]
    fn chunking_does_not_change_output() {
        let x = tone(1e6, 11.52e6, 5000, 0.0);
        let mut a = Resampler::for_rates(11.52e6, 30.72e6).unwrap();
        let mut b = a.clone();
        let (mut ya, mut yb) = (Vec::new(), Vec::new());
        a.process(&x, &mut ya);
        for c in x.chunks(7) {
            b.process(c, &mut yb);
        }
        assert_eq!(ya, yb);
    }

    #[test]
    fn rejects_bad_factors() {
        assert!(Resampler::new(0, 1).is_err());
        assert!(Resampler::new(4097, 1).is_err());
        assert!(Resampler::for_rates(1.5, 3.0).is_err());
        assert!(Resampler::for_rates(-1.0, 3.0).is_err());
        assert_eq!(Resampler::new(16, 6).unwrap().factors(), (8, 3));
    }
}
