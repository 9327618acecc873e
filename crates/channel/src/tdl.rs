//! Tapped delay line (TDL) fading: the TDL-A…E models of TR 38.901 §7.7.2 (Tables
//! 7.7.2-1…7.7.2-5), with the delay scaling of §7.7.3 and Doppler fading.
//!
//! The model, as implemented:
//! * **Taps:** τ_n = τ_model,n · DS (§7.7.3, exact), the table powers normalized so that the
//!   total mean power is 1 (0 dB).
//! * **Fading:** every non-LOS tap is an independent sum of M sinusoids (default 32) with
//!   random arrival angles α_m and phases φ_m, both uniform on [0, 2π) (the Monte Carlo
//!   sum-of-sinusoids method): g(t) = √(P/M) Σ_m e^(j(2π f_D cos α_m t + φ_m)). Its mean
//!   power is exactly P and its ensemble autocorrelation exactly P·J0(2π f_D τ), Clarke's
//!   classical (Jakes) spectrum; its amplitude approaches Rayleigh as M grows.
//! * **LOS** (TDL-D, TDL-E): the first table row is the specular component, √P·e^(j(2π f_D
//!   cos θ t + φ)) with θ = π/4 (a Doppler shift of 0.707·f_D) and a random phase; the
//!   second row is the Rayleigh part at the same delay, giving the tables' K-factor (13.3 dB
//!   and 22 dB). No K-factor scaling (§7.7.6) is applied.
//! * **Filtering:** each tap is a band-limited fractional delay (the 32-tap Kaiser-windowed
//!   sinc of [`crate::impair::Delay`]); the taps sum into one FIR filter, which is
//!   recomputed every `B` samples (B ≤ f_s/(100·f_D), at most 1024) and linearly
//!   interpolated between (a phase step of at most 2π/100 per block, an error near −66 dB).
//!
//! * **Receive antennas** ([`TdlChannel::correlated`]): one realization per antenna, mixed
//!   per tap by the Cholesky factor of the receive correlation R_ij = β^(((i−j)/(N−1))²)
//!   (the uniform-array model of TS 38.101-4 §B.2.3.1; β = 0 low, 0.3874 medium-A, 0.9
//!   medium and high). Transmit correlation (2×2, 4×4 MIMO) is not modelled: one transmit
//!   antenna.

use std::f64::consts::{PI, TAU};
use std::fmt;
use std::str::FromStr;

use nrkit_core::{Error, C32, C64};
use rand::Rng;

use crate::impair::{fractional_taps, HALF_TAPS};

/// TR 38.901 Table 7.7.2-1, TDL-A: (normalized delay, power in dB).
const TDL_A: [(f64, f64); 23] = [
    (0.0000, -13.4),
    (0.3819, 0.0),
    (0.4025, -2.2),
    (0.5868, -4.0),
    (0.4610, -6.0),
    (0.5375, -8.2),
    (0.6708, -9.9),
    (0.5750, -10.5),
    (0.7618, -7.5),
    (1.5375, -15.9),
    (1.8978, -6.6),
    (2.2242, -16.7),
    (2.1718, -12.4),
    (2.4942, -15.2),
    (2.5119, -10.8),
    (3.0582, -11.3),
    (4.0810, -12.7),
    (4.4579, -16.2),
    (4.5695, -18.3),
    (4.7966, -18.9),
    (5.0066, -16.6),
    (5.3043, -19.9),
    (9.6586, -29.7),
];

/// TR 38.901 Table 7.7.2-2, TDL-B.
const TDL_B: [(f64, f64); 23] = [
    (0.0000, 0.0),
    (0.1072, -2.2),
    (0.2155, -4.0),
    (0.2095, -3.2),
    (0.2870, -9.8),
    (0.2986, -1.2),
    (0.3752, -3.4),
    (0.5055, -5.2),
    (0.3681, -7.6),
    (0.3697, -3.0),
    (0.5700, -8.9),
    (0.5283, -9.0),
    (1.1021, -4.8),
    (1.2756, -5.7),
    (1.5474, -7.5),
    (1.7842, -1.9),
    (2.0169, -7.6),
    (2.8294, -12.2),
    (3.0219, -9.8),
    (3.6187, -11.4),
    (4.1067, -14.9),
    (4.2790, -9.2),
    (4.7834, -11.3),
];

/// TR 38.901 Table 7.7.2-3, TDL-C (0.6366 is a table value, not 2/π).
#[allow(clippy::approx_constant)]
const TDL_C: [(f64, f64); 24] = [
    (0.0000, -4.4),
    (0.2099, -1.2),
    (0.2219, -3.5),
    (0.2329, -5.2),
    (0.2176, -2.5),
    (0.6366, 0.0),
    (0.6448, -2.2),
    (0.6560, -3.9),
    (0.6584, -7.4),
    (0.7935, -7.1),
    (0.8213, -10.7),
    (0.9336, -11.1),
    (1.2285, -5.1),
    (1.3083, -6.8),
    (2.1704, -8.7),
    (2.7105, -13.2),
    (4.2589, -13.9),
    (4.6003, -13.9),
    (5.4902, -15.8),
    (5.6077, -17.1),
    (6.3065, -16.0),
    (6.6374, -15.7),
    (7.0427, -21.6),
    (8.6523, -22.8),
];

/// TR 38.901 Table 7.7.2-4, TDL-D: the LOS component first, then tap 1's Rayleigh part.
const TDL_D: [(f64, f64); 14] = [
    (0.000, -0.2),
    (0.000, -13.5),
    (0.035, -18.8),
    (0.612, -21.0),
    (1.363, -22.8),
    (1.405, -17.9),
    (1.804, -20.1),
    (2.596, -21.9),
    (1.775, -22.9),
    (4.042, -27.8),
    (7.937, -23.6),
    (9.424, -24.8),
    (9.708, -30.0),
    (12.525, -27.7),
];

/// TR 38.901 Table 7.7.2-5, TDL-E: the LOS component first, then tap 1's Rayleigh part.
const TDL_E: [(f64, f64); 15] = [
    (0.0000, -0.03),
    (0.0000, -22.03),
    (0.5133, -15.8),
    (0.5440, -18.1),
    (0.5630, -19.8),
    (0.5440, -22.9),
    (0.7112, -22.4),
    (1.9092, -18.6),
    (1.9293, -20.8),
    (1.9589, -22.6),
    (2.6426, -22.3),
    (3.7136, -25.6),
    (5.4524, -20.2),
    (12.0034, -29.8),
    (20.6519, -29.2),
];

/// A TDL model of TR 38.901 §7.7.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TdlModel {
    /// TDL-A (NLOS, Table 7.7.2-1).
    A,
    /// TDL-B (NLOS, Table 7.7.2-2).
    B,
    /// TDL-C (NLOS, Table 7.7.2-3).
    C,
    /// TDL-D (LOS, K = 13.3 dB, Table 7.7.2-4).
    D,
    /// TDL-E (LOS, K = 22 dB, Table 7.7.2-5).
    E,
}

impl TdlModel {
    /// All five models.
    pub const ALL: [TdlModel; 5] = [Self::A, Self::B, Self::C, Self::D, Self::E];

    /// "TDL-A" … "TDL-E".
    pub fn name(self) -> &'static str {
        match self {
            Self::A => "TDL-A",
            Self::B => "TDL-B",
            Self::C => "TDL-C",
            Self::D => "TDL-D",
            Self::E => "TDL-E",
        }
    }

    /// The table rows: (normalized delay τ_model, power in dB); for the LOS models the
    /// first row is the specular component.
    pub fn taps(self) -> &'static [(f64, f64)] {
        match self {
            Self::A => &TDL_A,
            Self::B => &TDL_B,
            Self::C => &TDL_C,
            Self::D => &TDL_D,
            Self::E => &TDL_E,
        }
    }

    /// Whether the first row is a LOS (specular) component.
    pub fn has_los(self) -> bool {
        matches!(self, Self::D | Self::E)
    }

    /// "A"…"E", "TDL-A"…"TDL-E" or "tdla", in any case.
    pub fn from_name(s: &str) -> Result<Self, Error> {
        let t = s.trim().to_ascii_uppercase();
        let t = t
            .strip_prefix("TDL-")
            .or_else(|| t.strip_prefix("TDL"))
            .unwrap_or(&t);
        Ok(match t {
            "A" => Self::A,
            "B" => Self::B,
            "C" => Self::C,
            "D" => Self::D,
            "E" => Self::E,
            _ => {
                return Err(Error::invalid(
                    "TDL model",
                    "A, B, C, D or E (TDL-A … TDL-E)",
                    s,
                ))
            }
        })
    }
}

impl fmt::Display for TdlModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TdlModel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_name(s)
    }
}

/// The largest tap delay, samples (delay spread × the largest normalized delay × f_s).
pub const MAX_TAP_DELAY_SAMPLES: f64 = 16384.0;

/// A TDL channel's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TdlConfig {
    /// The model.
    pub model: TdlModel,
    /// The desired RMS delay spread DS, seconds (§7.7.3; Table 7.7.3-1 lists 10–1000 ns).
    pub delay_spread_s: f64,
    /// The maximum Doppler frequency f_D = v/λ, Hz.
    pub doppler_hz: f64,
    /// The sample rate, Hz.
    pub sample_rate: f64,
    /// Sinusoids per Rayleigh tap (M).
    pub sinusoids: usize,
    /// The LOS component's angle of arrival θ against the direction of motion, radians.
    pub los_angle_rad: f64,
}

impl TdlConfig {
    /// `model` with delay spread `delay_spread_s`, Doppler `doppler_hz` at `sample_rate`,
    /// 32 sinusoids per tap and the LOS at π/4.
    pub fn new(model: TdlModel, delay_spread_s: f64, doppler_hz: f64, sample_rate: f64) -> Self {
        TdlConfig {
            model,
            delay_spread_s,
            doppler_hz,
            sample_rate,
            sinusoids: 32,
            los_angle_rad: PI / 4.0,
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.sample_rate.is_finite() && self.sample_rate > 0.0) {
            return Err(Error::invalid(
                "sample rate",
                "a positive number of Hz",
                self.sample_rate,
            ));
        }
        if !(self.delay_spread_s.is_finite() && (0.0..=10e-6).contains(&self.delay_spread_s)) {
            return Err(Error::invalid(
                "TDL delay spread",
                "0..=10000 ns",
                format!("{} ns", self.delay_spread_s * 1e9),
            ));
        }
        if !(self.doppler_hz.is_finite()
            && self.doppler_hz >= 0.0
            && self.doppler_hz <= self.sample_rate / 8.0)
        {
            return Err(Error::invalid(
                "Doppler frequency",
                "0 Hz up to an eighth of the sample rate",
                self.doppler_hz,
            ));
        }
        if !(1..=1024).contains(&self.sinusoids) {
            return Err(Error::invalid(
                "sinusoids per tap",
                "1..=1024",
                self.sinusoids,
            ));
        }
        if !self.los_angle_rad.is_finite() {
            return Err(Error::invalid(
                "LOS angle",
                "a finite angle",
                self.los_angle_rad,
            ));
        }
        let longest = self.max_delay_s() * self.sample_rate;
        if longest > MAX_TAP_DELAY_SAMPLES {
            return Err(Error::invalid(
                "TDL delay spread",
                format!(
                    "a longest tap of at most {MAX_TAP_DELAY_SAMPLES} samples at this sample rate"
                ),
                format!("{longest:.0} samples"),
            ));
        }
        Ok(())
    }

    /// The tap delays τ_n = τ_model,n · DS, seconds (TR 38.901 §7.7.3).
    pub fn delays_s(&self) -> Vec<f64> {
        self.model
            .taps()
            .iter()
            .map(|&(d, _)| d * self.delay_spread_s)
            .collect()
    }

    /// The largest tap delay, seconds.
    pub fn max_delay_s(&self) -> f64 {
        self.delays_s().into_iter().fold(0.0, f64::max)
    }

    /// The tap powers, linear, normalized to a sum of 1.
    pub fn powers(&self) -> Vec<f64> {
        let p: Vec<f64> = self
            .model
            .taps()
            .iter()
            .map(|&(_, db)| 10f64.powf(db / 10.0))
            .collect();
        let sum: f64 = p.iter().sum();
        p.iter().map(|v| v / sum).collect()
    }
}

/// One tap's gain process: Σ_m a_m·e^(j(ω_m t + φ_m)) (a_m = √(P/M) for one antenna; a
/// mixture of several antennas' sinusoids for correlated ones).
#[derive(Debug, Clone)]
struct Tap {
    omega: Vec<f64>,
    phase: Vec<f64>,
    amp: Vec<f64>,
}

impl Tap {
    fn gain(&self, t: f64) -> C64 {
        self.omega
            .iter()
            .zip(&self.phase)
            .zip(&self.amp)
            .map(|((&w, &p), &a)| C64::from_polar(a, w * t + p))
            .sum()
    }
}

/// A real square matrix, row by row.
pub type Matrix = Vec<Vec<f64>>;

/// The receive correlation of `n` antennas, R_ij = β^(((i−j)/(n−1))²) (TS 38.101-4
/// §B.2.3.1), and its lower Cholesky factor.
pub fn rx_correlation(n: usize, beta: f64) -> Result<(Matrix, Matrix), Error> {
    if !(1..=8).contains(&n) {
        return Err(Error::invalid("receive antennas", "1..=8", n));
    }
    if !(beta.is_finite() && (0.0..0.99).contains(&beta)) {
        return Err(Error::invalid(
            "receive correlation β",
            "0 <= β < 0.99",
            beta,
        ));
    }
    let r: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if n == 1 || i == j {
                        1.0
                    } else {
                        let d = (i as f64 - j as f64) / (n - 1) as f64;
                        beta.powf(d * d)
                    }
                })
                .collect()
        })
        .collect();
    let mut l = vec![vec![0f64; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                l[i][i] = (r[i][i] - s).max(0.0).sqrt();
            } else {
                l[i][j] = (r[i][j] - s) / l[j][j];
            }
        }
    }
    Ok((r, l))
}

/// A TDL fading channel with one realization of its tap processes, applied to a sample
/// stream. Output sample n is the channel at time t0 + n/f_s (t0 from [`TdlChannel::reset`],
/// 0 at first). Fed in chunks of any size it gives the same samples; in all it outputs the
/// input's length plus ⌈largest delay⌉ samples.
#[derive(Debug, Clone)]
pub struct TdlChannel {
    cfg: TdlConfig,
    taps: Vec<Tap>,
    /// Per tap: the first filter index and its interpolator taps (one for a whole delay).
    filters: Vec<(usize, Vec<f32>)>,
    /// Filter length L (lags −(HALF−1) … ⌊max delay⌋ + HALF).
    len: usize,
    /// Samples beyond the input's length.
    tail: usize,
    block: usize,
    t0: f64,
    next: u64,
    /// The block whose start `h0` is (`h1` is at the next block's start).
    h_block: Option<u64>,
    /// Time-reversed combined filters at the current block's start and end.
    h0: Vec<C32>,
    h1: Vec<C32>,
    buf: Vec<C32>,
}

impl TdlChannel {
    /// A realization of `cfg`'s channel drawn from `r` (per tap in table order: for each
    /// sinusoid its angle then its phase; a LOS component draws one phase).
    pub fn new<R: Rng>(cfg: TdlConfig, r: &mut R) -> Result<Self, Error> {
        cfg.validate()?;
        let fs = cfg.sample_rate;
        let wd = TAU * cfg.doppler_hz;
        let powers = cfg.powers();
        let mut taps = Vec::with_capacity(powers.len());
        for (i, &p) in powers.iter().enumerate() {
            if i == 0 && cfg.model.has_los() {
                taps.push(Tap {
                    omega: vec![wd * cfg.los_angle_rad.cos()],
                    phase: vec![TAU * r.random::<f64>()],
                    amp: vec![p.sqrt()],
                });
                continue;
            }
            let m = cfg.sinusoids;
            let (mut omega, mut phase) = (Vec::with_capacity(m), Vec::with_capacity(m));
            for _ in 0..m {
                omega.push(wd * (TAU * r.random::<f64>()).cos());
                phase.push(TAU * r.random::<f64>());
            }
            taps.push(Tap {
                omega,
                phase,
                amp: vec![(p / m as f64).sqrt(); m],
            });
        }
        let delays: Vec<f64> = cfg.delays_s().iter().map(|d| d * fs).collect();
        let max = delays.iter().copied().fold(0.0, f64::max);
        let whole_max = max.floor() as usize;
        let len = whole_max + 2 * HALF_TAPS;
        let filters = delays
            .iter()
            .map(|&d| {
                let whole = d.floor() as usize;
                let frac = d - whole as f64;
                if frac == 0.0 {
                    (whole + HALF_TAPS - 1, vec![1.0])
                } else {
                    (whole, fractional_taps(frac))
                }
            })
            .collect();
        let block = if cfg.doppler_hz > 0.0 {
            ((fs / (100.0 * cfg.doppler_hz)).floor() as usize).clamp(1, 1024)
        } else {
            1024
        };
        let mut ch = TdlChannel {
            cfg,
            taps,
            filters,
            len,
            tail: max.ceil() as usize,
            block,
            t0: 0.0,
            next: 0,
            h_block: None,
            h0: vec![C32::default(); len],
            h1: vec![C32::default(); len],
            buf: Vec::new(),
        };
        ch.reset(0.0);
        Ok(ch)
    }

    /// The channels of `n_rx` receive antennas with correlation β (see [`rx_correlation`]):
    /// `n_rx` independent realizations drawn from `r` in turn, antenna a's taps the mixture
    /// Σ_b L_ab·g_b of them (L the Cholesky factor), so E[g_a·g_b*] = R_ab·P for every tap.
    pub fn correlated<R: Rng>(
        cfg: TdlConfig,
        n_rx: usize,
        beta: f64,
        r: &mut R,
    ) -> Result<Vec<Self>, Error> {
        let (_, l) = rx_correlation(n_rx, beta)?;
        let base: Vec<TdlChannel> = (0..n_rx)
            .map(|_| TdlChannel::new(cfg, r))
            .collect::<Result<_, _>>()?;
        Ok((0..n_rx)
            .map(|a| {
                let mut ch = base[a].clone();
                for (n, tap) in ch.taps.iter_mut().enumerate() {
                    let mut mixed = Tap {
                        omega: Vec::new(),
                        phase: Vec::new(),
                        amp: Vec::new(),
                    };
                    for (b, chb) in base.iter().enumerate().take(a + 1) {
                        let src = &chb.taps[n];
                        mixed.omega.extend_from_slice(&src.omega);
                        mixed.phase.extend_from_slice(&src.phase);
                        mixed.amp.extend(src.amp.iter().map(|v| v * l[a][b]));
                    }
                    *tap = mixed;
                }
                ch
            })
            .collect())
    }

    /// The parameters.
    pub fn config(&self) -> &TdlConfig {
        &self.cfg
    }

    /// Starts a new stream (no memory of earlier input) whose first output sample is the
    /// channel at time `t0_s`; the tap processes continue (the same realization).
    pub fn reset(&mut self, t0_s: f64) {
        self.t0 = t0_s;
        self.next = 0;
        self.h_block = None;
        self.buf.clear();
        self.buf.resize(self.len - HALF_TAPS, C32::default());
    }

    /// The tap gains g_n(t) at time `t_s`, in table order.
    pub fn gains(&self, t_s: f64) -> Vec<C64> {
        self.taps.iter().map(|p| p.gain(t_s)).collect()
    }

    /// The channel's frequency response H(f, t) = Σ_n g_n(t)·e^(−j2π f τ_n) at time `t_s`
    /// and baseband frequency `f_hz`.
    pub fn frequency_response(&self, t_s: f64, f_hz: f64) -> C64 {
        self.gains(t_s)
            .iter()
            .zip(self.cfg.delays_s())
            .map(|(g, d)| g * C64::from_polar(1.0, -TAU * f_hz * d))
            .sum()
    }

    /// Samples the output has beyond its input (⌈largest delay · f_s⌉).
    pub fn tail_samples(&self) -> usize {
        self.tail
    }

    /// The time-reversed combined filter at the start of block `j`.
    fn filter_at(&self, j: u64, out: &mut [C32]) {
        out.iter_mut().for_each(|v| *v = C32::default());
        let t = self.t0 + (j * self.block as u64) as f64 / self.cfg.sample_rate;
        for (tap, (first, h)) in self.taps.iter().zip(&self.filters) {
            let g = tap.gain(t);
            let g = C32::new(g.re as f32, g.im as f32);
            for (k, &w) in h.iter().enumerate() {
                // Index l = lag + HALF − 1 of the filter, reversed.
                out[self.len - 1 - (first + k)] += g * w;
            }
        }
    }

    /// Appends the channel's output for `x` to `out`.
    pub fn process(&mut self, x: &[C32], out: &mut Vec<C32>) {
        self.buf.extend_from_slice(x);
        let l = self.len;
        if self.buf.len() < l {
            return;
        }
        let count = self.buf.len() - l + 1;
        out.reserve(count);
        let b = self.block as u64;
        let mut s = 0;
        while s < count {
            let j = self.next / b;
            if self.h_block != Some(j) {
                let (mut h0, mut h1) = (std::mem::take(&mut self.h0), std::mem::take(&mut self.h1));
                if self.h_block == Some(j.wrapping_sub(1)) {
                    std::mem::swap(&mut h0, &mut h1);
                } else {
                    self.filter_at(j, &mut h0);
                }
                self.filter_at(j + 1, &mut h1);
                self.h0 = h0;
                self.h1 = h1;
                self.h_block = Some(j);
            }
            let in_block = (b - self.next % b) as usize;
            let run = in_block.min(count - s);
            let first = self.next % b;
            for i in 0..run {
                let w = &self.buf[s + i..s + i + l];
                let (y0, y1) = dot2(&self.h0, &self.h1, w);
                let a = (first + i as u64) as f32 / b as f32;
                out.push(y0 + (y1 - y0) * a);
            }
            s += run;
            self.next += run as u64;
        }
        self.buf.drain(..count);
    }

    /// Appends the tail: the outputs up to ⌈largest delay⌉ samples past the last input.
    pub fn finish(&mut self, out: &mut Vec<C32>) {
        let zeros = vec![C32::default(); self.tail + HALF_TAPS - 1];
        self.process(&zeros, out);
    }

    /// The channel's output for a whole buffer starting at time `t0_s`:
    /// `x.len() + tail_samples()` samples.
    pub fn apply(&mut self, x: &[C32], t0_s: f64) -> Vec<C32> {
        self.reset(t0_s);
        let mut out = Vec::with_capacity(x.len() + self.tail);
        self.process(x, &mut out);
        self.finish(&mut out);
        out
    }
}

/// (Σ a_i·w_i, Σ b_i·w_i) in eight independent lanes (so the compiler vectorizes it).
fn dot2(a: &[C32], b: &[C32], w: &[C32]) -> (C32, C32) {
    const LANES: usize = 8;
    let mut acc = [[0f32; LANES]; 4];
    let n = w.len() / LANES * LANES;
    for ((ca, cb), cw) in a[..n]
        .chunks_exact(LANES)
        .zip(b[..n].chunks_exact(LANES))
        .zip(w[..n].chunks_exact(LANES))
    {
        for k in 0..LANES {
            acc[0][k] += ca[k].re * cw[k].re - ca[k].im * cw[k].im;
            acc[1][k] += ca[k].re * cw[k].im + ca[k].im * cw[k].re;
            acc[2][k] += cb[k].re * cw[k].re - cb[k].im * cw[k].im;
            acc[3][k] += cb[k].re * cw[k].im + cb[k].im * cw[k].re;
        }
    }
    let mut y0 = C32::new(acc[0].iter().sum(), acc[1].iter().sum());
    let mut y1 = C32::new(acc[2].iter().sum(), acc[3].iter().sum());
    for i in n..w.len() {
        y0 += a[i] * w[i];
        y1 += b[i] * w[i];
    }
    (y0, y1)
}
