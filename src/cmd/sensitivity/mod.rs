//! `nrkit sensitivity`: the cell search's MIB success rate against SNR (CSV + PNG).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;

use super::common::output::check_overwrite;
use super::common::{runtime, Ctx};

/// Reads the TrueType font at `path` for the chart (leaked: one font per process).
fn load_font(path: &std::path::Path) -> Result<&'static [u8]> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "reading the font {} (leave out --font for the built-in DejaVu Sans)",
            path.display()
        )
    })?;
    if bytes.len() < 12
        || !(bytes.starts_with(&[0, 1, 0, 0])
            || bytes.starts_with(b"OTTO")
            || bytes.starts_with(b"true"))
    {
        bail!("--font {}: not a TrueType/OpenType font", path.display());
    }
    Ok(Box::leak(bytes.into_boxed_slice()))
}

/// Options of `nrkit sensitivity`.
#[derive(ClapArgs)]
pub struct Args {
    /// Lowest SNR per RE, dB.
    #[arg(long, default_value_t = -10.0, allow_negative_numbers = true)]
    pub snr_min: f64,
    /// Highest SNR per RE, dB.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    pub snr_max: f64,
    /// SNR step, dB.
    #[arg(long, default_value_t = 1.0)]
    pub snr_step: f64,
    /// Recordings per SNR point.
    #[arg(long, default_value_t = 200)]
    pub trials: usize,
    /// Noise-only recordings (false-alarm check).
    #[arg(long, default_value_t = 1000)]
    pub noise_trials: usize,
    /// Sample rate of the recordings, Hz.
    #[arg(long, default_value_t = 30.72e6)]
    pub sample_rate: f64,
    /// Seed of the random PCIs, MIBs, offsets and noise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory for sensitivity.csv and sensitivity.png.
    #[arg(long, default_value = "docs")]
    pub out_dir: PathBuf,
    /// TrueType font for the chart's text (default: the DejaVu Sans built into nrkit).
    #[arg(long)]
    pub font: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Overwrite existing sensitivity.csv / sensitivity.png in --out-dir.
    #[arg(long)]
    pub force: bool,
}

/// Runs `nrkit sensitivity`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    use nrkit::sim::sensitivity::{self as report, plot_png, to_csv, SensitivityOptions};
    let isa = ctx.isa;
    if !(a.snr_step.is_finite() && a.snr_step > 0.0) {
        bail!("--snr-step {}: must be > 0 dB", a.snr_step);
    }
    if !(a.snr_min.is_finite() && a.snr_max.is_finite() && a.snr_max >= a.snr_min) {
        bail!(
            "--snr-min {} --snr-max {}: need finite values with min <= max",
            a.snr_min,
            a.snr_max
        );
    }
    let points = ((a.snr_max - a.snr_min) / a.snr_step + 1e-9).floor() + 1.0;
    if !(points.is_finite() && points <= 1000.0) {
        bail!("{points} SNR points from --snr-min/--snr-max/--snr-step: at most 1000 (use a larger --snr-step)");
    }
    let n = points as usize;
    if !(1..=1_000_000).contains(&a.trials) {
        bail!("--trials {}: must be 1..=1000000 per SNR point", a.trials);
    }
    if a.noise_trials > 10_000_000 {
        bail!(
            "--noise-trials {}: must be at most 10000000",
            a.noise_trials
        );
    }
    // The font first: a bad one should not wait for minutes of trials to be reported.
    let font = a.font.as_deref().map(load_font).transpose()?;
    std::fs::create_dir_all(&a.out_dir)
        .with_context(|| format!("creating {}", a.out_dir.display()))?;
    for f in ["sensitivity.csv", "sensitivity.png"] {
        check_overwrite(&a.out_dir.join(f), false, a.force)?;
    }
    let o = SensitivityOptions {
        snrs_db: (0..n).map(|i| a.snr_min + i as f64 * a.snr_step).collect(),
        trials: a.trials,
        noise_trials: a.noise_trials,
        sample_rate: a.sample_rate,
        seed: a.seed,
        isa,
    };
    let quiet = a.json;
    let rep = report::run(&o, &|line: &str| {
        if !quiet {
            outln!("{line}");
        }
    })?;
    let csv = a.out_dir.join("sensitivity.csv");
    let png = a.out_dir.join("sensitivity.png");
    std::fs::write(&csv, to_csv(&rep)).with_context(|| format!("writing {}", csv.display()))?;
    plot_png(&rep, &png, font).map_err(|e| match e {
        nrkit::sim::plot::PlotError::Input(e) => anyhow::Error::new(e),
        nrkit::sim::plot::PlotError::Draw(m) => runtime(m),
    })?;
    if a.json {
        outln!("{}", serde_json::to_string(&rep)?);
    } else {
        outln!("wrote {} and {}", csv.display(), png.display());
    }
    Ok(())
}
