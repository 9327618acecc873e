//! Opening the recording a command reads: SigMF, or raw with --format and --sample-rate.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use nrkit::iq::{Datatype, Recording};

/// How to read a raw (headerless) recording.
#[derive(Args, Clone)]
pub struct RawArgs {
    /// Raw file sample format (GNU Radio .cfile = cf32).
    #[arg(long, value_parser = ["cf32", "ci16", "ci8", "cu8"])]
    pub format: Option<String>,
    /// Raw file sample rate in Hz.
    #[arg(long)]
    pub sample_rate: Option<f64>,
    /// Raw file centre frequency in Hz.
    #[arg(long)]
    pub center_freq: Option<f64>,
}

/// Options shared by commands that read a recording.
#[derive(Args, Clone)]
pub struct InputArgs {
    /// A SigMF recording (.sigmf-meta, .sigmf-data or base name) or a raw file with --format.
    pub input: PathBuf,
    #[command(flatten)]
    pub raw: RawArgs,
}

pub fn open(a: &InputArgs) -> Result<Recording> {
    let r = &a.raw;
    if let Some(fmt) = &r.format {
        let dt = Datatype::parse(fmt).ok_or_else(|| anyhow!("unknown --format {fmt}"))?;
        let rate = r.sample_rate.ok_or_else(|| {
            anyhow!(
                "{}: raw input needs --sample-rate HZ (and --format)",
                a.input.display()
            )
        })?;
        return Ok(Recording::open_raw(&a.input, dt, rate, r.center_freq)?);
    }
    if r.sample_rate.is_some() || r.center_freq.is_some() {
        bail!(
            "{}: --sample-rate/--center-freq are for raw files; give --format too, or use the SigMF metadata",
            a.input.display()
        );
    }
    let s = a.input.to_string_lossy();
    if !(s.ends_with(".sigmf-meta") || s.ends_with(".sigmf-data") || s.ends_with(".sigmf")) {
        let (m, _) = nrkit::iq::sigmf_paths(&a.input);
        if !m.exists() {
            bail!(
                "{}: not a SigMF recording (no {}); for a raw file give --format cf32|ci16|ci8|cu8 --sample-rate HZ",
                a.input.display(),
                m.display()
            );
        }
    }
    Ok(Recording::open_sigmf(&a.input)?)
}

/// The recording's path for messages (the metadata file when there is one), and an error
/// when the configuration's `carrier.sample_rate` is set and differs from the recording's.
pub fn check_config_rate(rec: &Recording, config_rate: Option<f64>) -> Result<PathBuf> {
    let path = rec
        .meta_path
        .as_deref()
        .unwrap_or(&rec.data_path)
        .to_owned();
    if let Some(r) = config_rate {
        if (r - rec.meta.sample_rate).abs() > 1e-6 * r {
            bail!(
                "{}: sample rate {} Hz, the configuration's carrier.sample_rate is {r} Hz",
                path.display(),
                rec.meta.sample_rate
            );
        }
    }
    Ok(path)
}
