//! Impairments: carrier frequency offset, delay (integer and fractional), DC offset, IQ
//! imbalance, sample-rate offset and phase noise.

use std::sync::OnceLock;

use nrkit_core::{rng, Error, C32};
use nrkit_dsp::{Isa, Nco};
use rand::Rng;

/// Shifts `x` by `cfo_hz` at `sample_rate` (e^(j2π f n / f_s), phase 0 at the first
/// sample), with the NCO's kernels on `isa`.
pub fn apply_cfo(x: &mut [C32], cfo_hz: f64, sample_rate: f64, isa: Isa) -> Result<(), Error> {
    Nco::new(cfo_hz, sample_rate)?.with_isa(isa)?.mix(x);
    Ok(())
}

/// Adds a DC offset `dc` to every sample.
pub fn add_dc(x: &mut [C32], dc: C32) {
    x.iter_mut().for_each(|v| *v += dc);
}

/// IQ imbalance of a receiver with amplitude imbalance `gain_db` and phase imbalance
/// `phase_deg` (Q branch relative to I): y = μ·x + ν·x*, μ = (1 + g·e^(−jφ))/2,
/// ν = (1 − g·e^(jφ))/2, g = 10^(gain_db/20). The image rejection is |μ|²/|ν|².
pub fn apply_iq_imbalance(x: &mut [C32], gain_db: f64, phase_deg: f64) -> Result<(), Error> {
    if !(gain_db.is_finite() && gain_db.abs() <= 20.0) {
        return Err(Error::invalid("IQ gain imbalance", "-20..=20 dB", gain_db));
    }
    if !(phase_deg.is_finite() && phase_deg.abs() <= 45.0) {
        return Err(Error::invalid(
            "IQ phase imbalance",
            "-45..=45 degrees",
            phase_deg,
        ));
    }
    let g = 10f64.powf(gain_db / 20.0);
    let phi = phase_deg.to_radians();
    let mu = C32::new(
        ((1.0 + g * phi.cos()) / 2.0) as f32,
        (-g * phi.sin() / 2.0) as f32,
    );
    let nu = C32::new(
        ((1.0 - g * phi.cos()) / 2.0) as f32,
        (-g * phi.sin() / 2.0) as f32,
    );
    for v in x {
        *v = mu * *v + nu * v.conj();
    }
    Ok(())
}

/// Half-length of the fractional-delay interpolator, taps per side.
pub(crate) const HALF_TAPS: usize = 16;

/// Largest delay, samples.
pub const MAX_DELAY: f64 = (1u64 << 24) as f64;

/// The 32 taps h(k − frac), k = −15…16, of a Kaiser-windowed (β = 6) sinc.
pub(crate) fn fractional_taps(frac: f64) -> Vec<f32> {
    let beta = 6.0;
    let i0 = |v: f64| {
        let (mut s, mut t) = (1.0, 1.0);
        for k in 1..30 {
            t *= (v / 2.0) / k as f64;
            s += t * t;
        }
        s
    };
    (-(HALF_TAPS as isize) + 1..=HALF_TAPS as isize)
        .map(|k| {
            let t = k as f64 - frac;
            let sinc = if t.abs() < 1e-12 {
                1.0
            } else {
                (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t)
            };
            let r = t / HALF_TAPS as f64;
            let w = if r.abs() >= 1.0 {
                0.0
            } else {
                i0(beta * (1.0 - r * r).sqrt()) / i0(beta)
            };
            (sinc * w) as f32
        })
        .collect()
}

/// A streaming delay of `delay` samples (0…[`MAX_DELAY`]): the integer part as leading
/// zeros, the fractional part by a Kaiser-windowed sinc interpolator of 32 taps (flat to
/// about 0.4·f_s). Fed in chunks of any size, it gives the same samples as [`delay`]; in
/// all it outputs the input's length plus ⌈delay⌉ samples.
#[derive(Debug, Clone)]
pub struct Delay {
    zeros: usize,
    taps: Option<Vec<f32>>,
    /// The last 2·HALF_TAPS − 1 inputs (zeros before the first).
    history: Vec<C32>,
    /// Warm-up outputs still to drop (those for times before the first input).
    skip: usize,
}

impl Delay {
    /// A delay of `delay` samples.
    pub fn new(delay: f64) -> Result<Self, Error> {
        if !(delay.is_finite() && (0.0..=MAX_DELAY).contains(&delay)) {
            return Err(Error::invalid("delay", "0..=2^24 samples", delay));
        }
        let whole = delay.floor() as usize;
        let frac = delay - whole as f64;
        Ok(Delay {
            zeros: whole,
            taps: (frac != 0.0).then(|| fractional_taps(frac)),
            history: vec![C32::default(); 2 * HALF_TAPS - 1],
            skip: HALF_TAPS - 1,
        })
    }

    /// Appends the delayed samples of `x` to `out`.
    pub fn process(&mut self, x: &[C32], out: &mut Vec<C32>) {
        out.extend(std::iter::repeat_n(
            C32::default(),
            std::mem::take(&mut self.zeros),
        ));
        let Some(taps) = &self.taps else {
            out.extend_from_slice(x);
            return;
        };
        // A window buf[s..s + 32] = x[n − 16 …= n + 15] gives output n = s − 15:
        // y[n] = Σ_k x[n − k]·h(k − frac), the taps in reverse order.
        let h = 2 * HALF_TAPS - 1;
        let mut buf = std::mem::take(&mut self.history);
        buf.extend_from_slice(x);
        for w in buf.windows(2 * HALF_TAPS) {
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            let mut acc = C32::default();
            for (v, &t) in w.iter().zip(taps.iter().rev()) {
                acc += v * t;
            }
            out.push(acc);
        }
        self.history = buf[buf.len() - h..].to_vec();
    }

    /// Appends the tail (the interpolator's last samples, fed with zeros).
    pub fn finish(&mut self, out: &mut Vec<C32>) {
        if self.taps.is_some() {
            // The outputs up to one past the last input (x.len() + 1 in all).
            self.process(&[C32::default(); HALF_TAPS], out);
        }
    }
}

/// Delays a whole buffer (see [`Delay`]); `x.len() + ⌈delay⌉` samples.
pub fn delay(x: &[C32], delay: f64) -> Result<Vec<C32>, Error> {
    let mut d = Delay::new(delay)?;
    let mut out = Vec::with_capacity(x.len() + delay.ceil() as usize + HALF_TAPS);
    d.process(x, &mut out);
    d.finish(&mut out);
    Ok(out)
}

/// Phases of the interpolator table (linear interpolation between neighbours).
const PHASES: usize = 1024;

/// `fractional_taps(p / PHASES)` for p = 0…PHASES.
fn phase_table() -> &'static [Vec<f32>] {
    static TABLE: OnceLock<Vec<Vec<f32>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=PHASES)
            .map(|p| fractional_taps(p as f64 / PHASES as f64))
            .collect()
    })
}

/// Largest sample-rate offset, ppm.
pub const MAX_PPM: f64 = 1000.0;

/// A sample-rate offset: the recording of a receiver whose sample clock runs `ppm` parts
/// per million fast (f_s' = f_s·(1 + ε), ε = ppm·10⁻⁶), so output sample k is the input
/// at time k/(1 + ε) input samples, interpolated band-limited (the 32-tap Kaiser-windowed
/// sinc of [`Delay`], 1024 phases, linear between them). Only the sampling clock: a
/// shared oscillator's carrier offset is `apply_cfo`'s. Fed in chunks of any size it gives
/// the same samples; N inputs give the ⌈N·(1 + ε)⌉ outputs at times below N.
#[derive(Debug, Clone)]
pub struct SampleRateOffset {
    ratio: f64,
    /// Index of the next output sample.
    next: u64,
    /// Inputs from absolute index `base` on (zeros before the first).
    buf: Vec<C32>,
    base: i64,
    /// Inputs received.
    received: u64,
}

impl SampleRateOffset {
    /// An offset of `ppm` (|ppm| ≤ [`MAX_PPM`]).
    pub fn new(ppm: f64) -> Result<Self, Error> {
        if !(ppm.is_finite() && ppm.abs() <= MAX_PPM) {
            return Err(Error::invalid(
                "sample-rate offset",
                "-1000..=1000 ppm",
                ppm,
            ));
        }
        Ok(SampleRateOffset {
            ratio: 1.0 / (1.0 + ppm * 1e-6),
            next: 0,
            buf: vec![C32::default(); HALF_TAPS - 1],
            base: -(HALF_TAPS as i64 - 1),
            received: 0,
        })
    }

    /// Outputs while the window of the next one is inside the buffer and its time below
    /// `limit` input samples.
    fn drain(&mut self, limit: f64, out: &mut Vec<C32>) {
        let table = phase_table();
        let end = self.base + self.buf.len() as i64;
        loop {
            let t = self.next as f64 * self.ratio;
            if t >= limit {
                break;
            }
            let n = t.floor() as i64;
            if n + HALF_TAPS as i64 >= end {
                break;
            }
            let pos = (t - n as f64) * PHASES as f64;
            let p = (pos.floor() as usize).min(PHASES - 1);
            let a = (pos - p as f64) as f32;
            let (h0, h1) = (&table[p], &table[p + 1]);
            let start = (n - (HALF_TAPS as i64 - 1) - self.base) as usize;
            let w = &self.buf[start..start + 2 * HALF_TAPS];
            let mut acc = C32::default();
            for ((v, &u0), &u1) in w.iter().zip(h0).zip(h1) {
                acc += v * (u0 + (u1 - u0) * a);
            }
            out.push(acc);
            self.next += 1;
        }
        // Keep what the next output's window needs.
        let t = self.next as f64 * self.ratio;
        let keep_from = t.floor() as i64 - (HALF_TAPS as i64 - 1);
        let drop = (keep_from - self.base).clamp(0, self.buf.len() as i64) as usize;
        self.buf.drain(..drop);
        self.base += drop as i64;
    }

    /// Appends the resampled output of `x` to `out`.
    pub fn process(&mut self, x: &[C32], out: &mut Vec<C32>) {
        self.buf.extend_from_slice(x);
        self.received += x.len() as u64;
        self.drain(f64::INFINITY, out);
    }

    /// Appends the last outputs (times up to the last input, its window padded with zeros).
    pub fn finish(&mut self, out: &mut Vec<C32>) {
        self.buf
            .extend(std::iter::repeat_n(C32::default(), 2 * HALF_TAPS));
        self.drain(self.received as f64, out);
    }
}

/// Phase noise of a free-running oscillator: a Wiener process, φ(n) = φ(n−1) + w(n) with
/// w ~ N(0, 2π·Δν/f_s) for a 3-dB linewidth Δν. Its spectrum is a Lorentzian whose
/// single-sideband phase-noise density is L(f) ≈ Δν/(π f²) for f ≫ Δν (−20 dB/decade).
#[derive(Debug, Clone)]
pub struct PhaseNoise {
    sigma: f64,
    phase: f64,
}

impl PhaseNoise {
    /// A linewidth of `linewidth_hz` (0…f_s/100) at `sample_rate`, starting at phase 0.
    pub fn from_linewidth(linewidth_hz: f64, sample_rate: f64) -> Result<Self, Error> {
        if !(sample_rate.is_finite() && sample_rate > 0.0) {
            return Err(Error::invalid(
                "sample rate",
                "a positive number of Hz",
                sample_rate,
            ));
        }
        if !(linewidth_hz.is_finite() && (0.0..=sample_rate / 100.0).contains(&linewidth_hz)) {
            return Err(Error::invalid(
                "phase-noise linewidth",
                "0 Hz up to a hundredth of the sample rate",
                linewidth_hz,
            ));
        }
        Ok(PhaseNoise {
            sigma: (std::f64::consts::TAU * linewidth_hz / sample_rate).sqrt(),
            phase: 0.0,
        })
    }

    /// The oscillator whose density is `dbc_hz` dBc/Hz at `offset_hz` from the carrier:
    /// Δν = π·f²·10^(L/10) (−100 dBc/Hz at 1 MHz is a 314 Hz linewidth).
    pub fn from_density(dbc_hz: f64, offset_hz: f64, sample_rate: f64) -> Result<Self, Error> {
        if !(dbc_hz.is_finite() && dbc_hz < 0.0) {
            return Err(Error::invalid(
                "phase-noise density",
                "a negative dBc/Hz",
                dbc_hz,
            ));
        }
        if !(offset_hz.is_finite() && offset_hz > 0.0) {
            return Err(Error::invalid(
                "phase-noise offset",
                "a positive number of Hz",
                offset_hz,
            ));
        }
        Self::from_linewidth(
            std::f64::consts::PI * offset_hz * offset_hz * 10f64.powf(dbc_hz / 10.0),
            sample_rate,
        )
    }

    /// The 3-dB linewidth, Hz, at `sample_rate`.
    pub fn linewidth_hz(&self, sample_rate: f64) -> f64 {
        self.sigma * self.sigma * sample_rate / std::f64::consts::TAU
    }

    /// Rotates `x` by the oscillator's phase, one Gaussian step per sample from `r`.
    pub fn apply<R: Rng>(&mut self, x: &mut [C32], r: &mut R) {
        for v in x {
            self.phase = (self.phase + self.sigma * rng::normal(r)) % std::f64::consts::TAU;
            let (s, c) = self.phase.sin_cos();
            *v *= C32::new(c as f32, s as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, f: f64) -> Vec<C32> {
        (0..n)
            .map(|i| {
                let p = std::f64::consts::TAU * f * i as f64;
                C32::new(p.cos() as f32, p.sin() as f32)
            })
            .collect()
    }

    #[test]
    fn cfo_dc_and_iq_imbalance() {
        let mut x = vec![C32::new(1.0, 0.0); 1000];
        apply_cfo(&mut x, 1000.0, 1e6, Isa::Scalar).unwrap();
        let want = tone(1000, 1e-3);
        assert!(x.iter().zip(&want).all(|(a, b)| (a - b).norm() < 1e-5));
        add_dc(&mut x, C32::new(0.5, 0.0));
        assert!((x[0] - C32::new(1.5, 0.0)).norm() < 1e-6);
        // No imbalance: unchanged. 1 dB / 5°: the image of a tone sits |ν|/|μ| below it.
        let mut y = tone(4096, 0.125);
        apply_iq_imbalance(&mut y, 0.0, 0.0).unwrap();
        assert!(y
            .iter()
            .zip(tone(4096, 0.125))
            .all(|(a, b)| (a - b).norm() < 1e-6));
        apply_iq_imbalance(&mut y, 1.0, 5.0).unwrap();
        let img: C32 = y
            .iter()
            .zip(tone(4096, -0.125))
            .map(|(a, b)| a * b.conj())
            .sum::<C32>()
            / 4096.0;
        let g: f64 = 10f64.powf(0.05);
        let phi = 5f64.to_radians();
        let nu = ((1.0 - 2.0 * g * phi.cos() + g * g) / 4.0).sqrt();
        assert!(
            (f64::from(img.norm()) - nu).abs() < 1e-3,
            "{} vs {nu}",
            img.norm()
        );
        assert!(apply_iq_imbalance(&mut y, f64::NAN, 0.0).is_err());
        assert!(apply_iq_imbalance(&mut y, 0.0, 90.0).is_err());
        assert!(apply_cfo(&mut y, f64::INFINITY, 1e6, Isa::Scalar).is_err());
    }

    #[test]
    fn fractional_delay_shifts_a_band_limited_tone() {
        let x = tone(2000, 0.05);
        let d = delay(&x, 10.25).unwrap();
        assert_eq!(d.len(), 2011);
        // Away from the edges, d[n] = x(n − 10.25).
        for (n, got) in d.iter().enumerate().take(1900).skip(100) {
            let p = std::f64::consts::TAU * 0.05 * (n as f64 - 10.25);
            let want = C32::new(p.cos() as f32, p.sin() as f32);
            assert!((got - want).norm() < 2e-3, "{n}: {got} vs {want}");
        }
        assert_eq!(delay(&x, 3.0).unwrap()[3..], x[..]);
        // Streaming in uneven chunks gives the same samples.
        let mut s = Delay::new(10.25).unwrap();
        let mut got = Vec::new();
        for c in x.chunks(137) {
            s.process(c, &mut got);
        }
        s.finish(&mut got);
        assert_eq!(got, d);
        assert!(
            delay(&x, -1.0).is_err() && delay(&x, f64::NAN).is_err() && delay(&x, 1e30).is_err()
        );
    }
    #[test]
    fn sample_rate_offset_stretches_a_tone() {
        // A tone at 0.05 cycles/sample, 100 ppm fast clock: y[k] = x(k/(1+ε)).
        let x = tone(20000, 0.05);
        let eps = 100e-6;
        let mut s = SampleRateOffset::new(100.0).unwrap();
        let mut y = Vec::new();
        s.process(&x, &mut y);
        s.finish(&mut y);
        assert_eq!(y.len(), (20000.0f64 * (1.0 + eps)).ceil() as usize);
        for (k, got) in y.iter().enumerate().take(19900).skip(100) {
            let p = std::f64::consts::TAU * 0.05 * k as f64 / (1.0 + eps);
            let want = C32::new(p.cos() as f32, p.sin() as f32);
            assert!((got - want).norm() < 2e-3, "{k}: {got} vs {want}");
        }
        // Chunked input gives the same samples; −ppm gives fewer; 0 ppm is the identity.
        let mut c = SampleRateOffset::new(100.0).unwrap();
        let mut z = Vec::new();
        for ch in x.chunks(999) {
            c.process(ch, &mut z);
        }
        c.finish(&mut z);
        assert_eq!(z, y);
        let mut slow = SampleRateOffset::new(-250.0).unwrap();
        let mut w = Vec::new();
        slow.process(&x, &mut w);
        slow.finish(&mut w);
        assert_eq!(w.len(), (20000.0f64 * (1.0 - 250e-6)).ceil() as usize);
        let mut id = SampleRateOffset::new(0.0).unwrap();
        let mut v = Vec::new();
        id.process(&x, &mut v);
        id.finish(&mut v);
        assert!(v.iter().zip(&x).all(|(a, b)| (a - b).norm() < 1e-5));
        assert!(SampleRateOffset::new(2000.0).is_err());
        assert!(SampleRateOffset::new(f64::NAN).is_err());
    }

    #[test]
    fn phase_noise_is_a_wiener_process_of_its_linewidth() {
        // The phase variance grows as 2π·Δν·τ: measured over 2000 paths of 1000 samples.
        let fs = 1e6;
        let lw = 50.0;
        let mut acc = 0.0;
        for i in 0..2000 {
            let mut pn = PhaseNoise::from_linewidth(lw, fs).unwrap();
            let mut x = vec![C32::new(1.0, 0.0); 1000];
            pn.apply(&mut x, &mut rng::stream(8, i));
            assert!(x.iter().all(|v| (v.norm() - 1.0).abs() < 1e-5));
            acc += f64::from(x[999].arg()).powi(2);
        }
        let var = acc / 2000.0;
        let want = std::f64::consts::TAU * lw * 1000.0 / fs;
        assert!((var / want - 1.0).abs() < 0.1, "{var} vs {want}");
        let pn = PhaseNoise::from_density(-100.0, 1e6, fs).unwrap();
        assert!((pn.linewidth_hz(fs) - std::f64::consts::PI * 100.0).abs() < 1e-6);
        assert!(PhaseNoise::from_linewidth(-1.0, fs).is_err());
        assert!(PhaseNoise::from_linewidth(1e5, fs).is_err());
        assert!(PhaseNoise::from_density(3.0, 1e6, fs).is_err());
    }
}
