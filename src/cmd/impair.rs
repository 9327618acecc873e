//! `nrkit impair`: a recording through channel impairments (nrkit-channel), streaming in
//! bounded memory: a delay (integer and fractional), a carrier frequency offset, then
//! white Gaussian noise at an SNR per resource element or per sample.

use anyhow::{bail, Context, Result};
use clap::{Args as ClapArgs, ValueEnum};
use nrkit::channel::impair::Delay;
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
    /// Seed of the noise.
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
    let shift = a.delay_samples.unwrap_or(0.0).round() as u64;
    for an in &mut meta.annotations {
        an.sample_start += shift;
    }
    for c in meta.captures.iter_mut().filter(|c| c.sample_start > 0) {
        c.sample_start += shift;
    }
    meta.global_extra
        .insert("core:generator".into(), generator());
    meta.global_extra.insert(
        "nrkit:impairment".into(),
        json!({"source": path.display().to_string(), "delay_samples": a.delay_samples,
               "cfo_hz": a.cfo_hz, "snr_db": a.snr_db,
               "snr_per": a.snr_db.map(|_| if a.snr_per == SnrPer::Re { "re" } else { "sample" }),
               "noise_variance": variance, "seed": a.seed}),
    );
    create_parent(&a.out.output)?;
    let mut w = Writer::create(&a.out.output, meta)?;
    w.set_kernels(kernels);
    let mut r = rng::stream(a.seed, 0);
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
        if let Some(nco) = &mut nco {
            nco.mix(&mut y);
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
