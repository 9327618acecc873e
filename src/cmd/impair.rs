//! `nrkit impair`: a recording through channel impairments (nrkit-channel), streaming in
//! bounded memory, in this order: a delay (integer and fractional), TDL fading (TR 38.901
//! §7.7.2), a sample-rate offset, a carrier frequency offset, phase noise, then white
//! Gaussian noise at an SNR per resource element or per sample.

use anyhow::{bail, Context, Result};
use clap::{Args as ClapArgs, ValueEnum};
use nrkit::channel::impair::{Delay, PhaseNoise, SampleRateOffset};
use nrkit::channel::tdl::{TdlChannel, TdlConfig, TdlModel};
use nrkit::channel::{add_awgn, Snr};
use nrkit::core::{rng, C32};
use nrkit::dsp::Nco;
use nrkit::iq::Writer;
use serde_json::json;

use super::common::input::{open, InputArgs};
use super::common::meta::generator;
use super::common::output::{create_parent, OutputArgs};
use super::common::progress::Progress;
use super::common::Ctx;

/// What `--snr-db` is relative to.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnrPer {
    /// Per resource element of a unit-power-RE waveform with 1/N_FFT IFFT scaling (the
    /// nrkit/py3gpp/MATLAB convention): noise 10^(−SNR/10)·Δf/f_s per sample.
    Re,
    /// Per sample: the recording's measured mean power over the noise power.
    Sample,
}

/// Options of `nrkit impair`.
#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    /// SNR in dB (−100…100) of the added white Gaussian noise (none without it).
    #[arg(long, allow_hyphen_values = true)]
    pub snr_db: Option<f64>,
    /// What the SNR is relative to.
    #[arg(long, value_enum, default_value = "re", requires = "snr_db")]
    pub snr_per: SnrPer,
    /// Subcarrier spacing in kHz for `--snr-per re` (default: the recording's
    /// nrkit:scs_khz or nrkit:scs_ssb_khz).
    #[arg(long)]
    pub scs_khz: Option<u32>,
    /// Carrier frequency offset in Hz (|f| < f_s/2).
    #[arg(long, allow_hyphen_values = true)]
    pub cfo_hz: Option<f64>,
    /// Delay in samples (0…2^24; fractional values interpolate).
    #[arg(long)]
    pub delay_samples: Option<f64>,
    /// Sample-rate offset in ppm (−1000…1000): the receiver's sample clock runs fast by
    /// this much (the output has that many more samples).
    #[arg(long, allow_hyphen_values = true)]
    pub ppm: Option<f64>,
    /// TDL fading channel of TR 38.901 §7.7.2: A, B, C, D or E.
    #[arg(long, requires = "delay_spread_ns")]
    pub tdl: Option<String>,
    /// RMS delay spread of the TDL channel in ns (TR 38.901 Table 7.7.3-1: 10…1000).
    #[arg(long, requires = "tdl", allow_hyphen_values = true)]
    pub delay_spread_ns: Option<f64>,
    /// Maximum Doppler frequency of the TDL channel in Hz (0: static).
    #[arg(long, default_value_t = 0.0, requires = "tdl")]
    pub doppler_hz: f64,
    /// Phase noise: the oscillator's density in dBc/Hz at --phase-noise-offset-hz (a
    /// Wiener phase, Lorentzian spectrum falling 20 dB/decade).
    #[arg(long, allow_hyphen_values = true)]
    pub phase_noise_dbc_hz: Option<f64>,
    /// The offset from the carrier where --phase-noise-dbc-hz holds, Hz.
    #[arg(long, default_value_t = 1e6, requires = "phase_noise_dbc_hz")]
    pub phase_noise_offset_hz: f64,
    /// Seed of the noise, the fading and the phase noise (separate streams).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs `nrkit impair`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    a.out.check()?;
    let rec = open(&a.input)?;
    let fs = rec.meta.sample_rate;
    let path = rec
        .meta_path
        .clone()
        .unwrap_or_else(|| rec.data_path.clone());
    let kernels = nrkit::dsp::VectorKernels::new(ctx.isa)?;
    let mut delay = Delay::new(a.delay_samples.unwrap_or(0.0)).context("--delay-samples")?;
    let mut tdl = match (&a.tdl, a.delay_spread_ns) {
        (Some(m), Some(ds)) => {
            let model = TdlModel::from_name(m).context("--tdl")?;
            let cfg = TdlConfig::new(model, ds * 1e-9, a.doppler_hz, fs);
            Some(
                TdlChannel::new(cfg, &mut rng::stream(a.seed, 1))
                    .context("--tdl/--delay-spread-ns/--doppler-hz")?,
            )
        }
        _ => None,
    };
    let mut sro = a
        .ppm
        .map(SampleRateOffset::new)
        .transpose()
        .context("--ppm")?;
    let mut phase_noise = a
        .phase_noise_dbc_hz
        .map(|l| PhaseNoise::from_density(l, a.phase_noise_offset_hz, fs))
        .transpose()
        .context("--phase-noise-dbc-hz/--phase-noise-offset-hz")?;
    let mut nco = match a.cfo_hz {
        Some(f) if !(f.is_finite() && f.abs() < fs / 2.0) => {
            bail!(
                "--cfo-hz {f}: must be within ±{} Hz (half the sample rate)",
                fs / 2.0
            )
        }
        Some(f) => Some(Nco::new(f, fs)?.with_isa(ctx.isa)?),
        None => None,
    };
    let variance = match a.snr_db {
        None => None,
        Some(snr) if !(snr.is_finite() && snr.abs() <= 100.0) => {
            bail!("--snr-db {snr}: must be within -100..=100 dB")
        }
        Some(snr) => Some(match a.snr_per {
            SnrPer::Re => {
                let meta_scs = ["nrkit:scs_khz", "nrkit:scs_ssb_khz"]
                    .iter()
                    .find_map(|k| rec.meta.global_extra.get(*k).and_then(|v| v.as_u64()));
                let scs = match (a.scs_khz, meta_scs) {
                    (Some(s), _) => u64::from(s),
                    (None, Some(s)) => s,
                    (None, None) => bail!(
                        "{}: --snr-per re needs the subcarrier spacing: give --scs-khz (the recording has no nrkit:scs_khz)",
                        path.display()
                    ),
                };
                if ![15, 30, 60, 120, 240, 480, 960].contains(&scs) {
                    bail!("--scs-khz {scs}: must be 15, 30, 60, 120, 240, 480 or 960");
                }
                Snr::PerResourceElement {
                    sample_rate: fs,
                    scs_hz: scs as f64 * 1e3,
                }
                .noise_variance(snr)?
            }
            SnrPer::Sample => {
                // A first pass for the recording's mean power.
                let mut reader = rec.reader()?;
                reader.set_kernels(kernels);
                let mut buf = vec![C32::default(); 1 << 16];
                let mut energy = 0f64;
                loop {
                    let n = reader.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    energy += f64::from(kernels.energy(&buf[..n]));
                }
                let power = energy / rec.samples.max(1) as f64;
                if power <= 0.0 {
                    bail!(
                        "{}: the recording is silent: an SNR per sample has no reference",
                        path.display()
                    );
                }
                Snr::PerSample {
                    signal_power: power,
                }
                .noise_variance(snr)?
            }
        }),
    };
    let mut meta = rec.meta.clone();
    // Annotations move with the delay and stretch with the sample clock.
    let stretch = 1.0 + a.ppm.unwrap_or(0.0) * 1e-6;
    let delay_in = a.delay_samples.unwrap_or(0.0);
    let moved = |s: u64| ((s as f64 + delay_in) * stretch).round() as u64;
    for an in &mut meta.annotations {
        let end = an.sample_start + an.sample_count.unwrap_or(0);
        an.sample_start = moved(an.sample_start);
        if an.sample_count.is_some() {
            an.sample_count = Some(moved(end) - an.sample_start);
        }
    }
    for c in meta.captures.iter_mut().filter(|c| c.sample_start > 0) {
        c.sample_start = moved(c.sample_start);
    }
    meta.global_extra
        .insert("core:generator".into(), generator());
    meta.global_extra.insert(
        "nrkit:impairment".into(),
        json!({"source": path.display().to_string(), "delay_samples": a.delay_samples,
               "cfo_hz": a.cfo_hz, "snr_db": a.snr_db,
               "snr_per": a.snr_db.map(|_| if a.snr_per == SnrPer::Re { "re" } else { "sample" }),
               "noise_variance": variance, "seed": a.seed, "ppm": a.ppm,
               "tdl": tdl.as_ref().map(|t| json!({"model": t.config().model.name(),
                   "delay_spread_ns": a.delay_spread_ns, "doppler_hz": a.doppler_hz,
                   "sinusoids_per_tap": t.config().sinusoids,
                   "normalization": "total mean power 1"})),
               "phase_noise": phase_noise.as_ref().map(|p| json!({
                   "dbc_hz": a.phase_noise_dbc_hz, "offset_hz": a.phase_noise_offset_hz,
                   "linewidth_hz": p.linewidth_hz(fs), "model": "Wiener (Lorentzian)"}))}),
    );
    create_parent(&a.out.output)?;
    let mut w = Writer::create(&a.out.output, meta)?;
    w.set_kernels(kernels);
    let mut r = rng::stream(a.seed, 0);
    let mut r_pn = rng::stream(a.seed, 2);
    let mut faded = Vec::with_capacity(1 << 17);
    let mut resampled = Vec::with_capacity(1 << 17);
    let mut reader = rec.reader()?;
    reader.set_kernels(kernels);
    let mut buf = vec![C32::default(); 1 << 16];
    let mut y = Vec::with_capacity(1 << 17);
    let mut progress = Progress::new(rec.samples, "impairing");
    let mut last = false;
    while !last {
        let n = reader.read(&mut buf)?;
        y.clear();
        if n == 0 {
            delay.finish(&mut y);
            last = true;
        } else {
            delay.process(&buf[..n], &mut y);
        }
        if let Some(t) = &mut tdl {
            faded.clear();
            t.process(&y, &mut faded);
            if last {
                t.finish(&mut faded);
            }
            std::mem::swap(&mut y, &mut faded);
        }
        if let Some(s) = &mut sro {
            resampled.clear();
            s.process(&y, &mut resampled);
            if last {
                s.finish(&mut resampled);
            }
            std::mem::swap(&mut y, &mut resampled);
        }
        if let Some(nco) = &mut nco {
            nco.mix(&mut y);
        }
        if let Some(p) = &mut phase_noise {
            p.apply(&mut y, &mut r_pn);
        }
        if let Some(v) = variance {
            add_awgn(&mut y, v, &mut r);
        }
        w.write(&y)?;
        progress.set(reader.position());
    }
    progress.finish();
    let n = w.finish()?;
    let (m, d) = nrkit::iq::sigmf_paths(&a.out.output);
    outln!("wrote {n} samples to {} and {}", m.display(), d.display());
    Ok(())
}
