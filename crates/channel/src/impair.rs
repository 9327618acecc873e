//! Deterministic impairments: carrier frequency offset, delay (integer and fractional),
//! DC offset and IQ imbalance.

use nrkit_core::{Error, C32};
use nrkit_dsp::{Isa, Nco};

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
const HALF_TAPS: usize = 16;

/// Largest delay, samples.
pub const MAX_DELAY: f64 = (1u64 << 24) as f64;

/// The 32 taps h(k − frac), k = −15…16, of a Kaiser-windowed (β = 6) sinc.
fn fractional_taps(frac: f64) -> Vec<f32> {
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
}
