//! `nrkit tx`: transmit a recording through an SDR (gapless, repeated or looping).

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::Args as ClapArgs;
use nrkit::sdr::{self, Direction, Gain, PlayOptions, Repeat, SdrError};
use serde_json::json;

use super::common::device::{
    check_rate_freq, configure, load_waveform, open_device, stop_flag, DeviceOpts,
};
use super::common::output::fmt_hz;
use super::common::Ctx;

/// Options of `nrkit tx`.
#[derive(ClapArgs)]
pub struct Args {
    /// The waveform: a SigMF recording (any datatype nrkit reads).
    pub input: PathBuf,
    /// SoapySDR device args, e.g. `driver=uhd,serial=3100` or `driver=lime`.
    #[arg(long)]
    pub device: String,
    /// Centre frequency in Hz.
    #[arg(long)]
    pub freq: f64,
    /// TX gain in dB.
    #[arg(long, allow_hyphen_values = true)]
    pub gain: f64,
    /// Sample rate in Hz (default: the recording's; otherwise the waveform is resampled).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Send the waveform N times back to back (default 1).
    #[arg(long, conflicts_with = "loop_forever")]
    pub repeat: Option<u64>,
    /// Loop until Ctrl-C.
    #[arg(long = "loop")]
    pub loop_forever: bool,
    /// Start at this device time in seconds (`+S`: S seconds from now); needs a device
    /// that keeps time.
    #[arg(long, allow_hyphen_values = true)]
    pub start_at: Option<String>,
    #[command(flatten)]
    pub dev: DeviceOpts,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `nrkit tx`.
pub fn run(a: Args, _ctx: &Ctx) -> Result<()> {
    let (wave, rate) = load_waveform(&a.input, a.rate)?;
    check_rate_freq(rate, a.freq)?;
    if !(a.gain.is_finite() && a.gain.abs() <= 200.0) {
        anyhow::bail!(
            "--gain {}: must be a finite number of dB (|g| <= 200)",
            a.gain
        );
    }
    let dev = open_device(&a.device, &a.dev)?;
    let applied = configure(&dev, Direction::Tx, &a.dev, rate, a.freq, Gain::Db(a.gain))?;
    let mut stream = dev.tx_cf32(a.dev.channel)?;
    let start_at_ns = match &a.start_at {
        None => None,
        Some(s) => {
            if !dev.has_time() {
                return Err(SdrError::Unsupported {
                    text: format!("--start-at: {} keeps no hardware time", dev.args()),
                }
                .into());
            }
            let (rel, num) = match s.strip_prefix('+') {
                Some(r) => (true, r),
                None => (false, s.as_str()),
            };
            let secs: f64 = num
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && (0.0..=1e6).contains(v))
                .ok_or_else(|| anyhow!("--start-at {s}: expected seconds, e.g. 12.5 or +0.5"))?;
            let base = if rel { dev.time_ns()? } else { 0 };
            Some(base.saturating_add((secs * 1e9).round() as i64))
        }
    };
    let repeat = if a.loop_forever {
        Repeat::Forever
    } else {
        Repeat::Times(a.repeat.unwrap_or(1))
    };
    let stop = stop_flag();
    let opts = PlayOptions {
        repeat,
        start_at_ns,
        ..PlayOptions::default()
    };
    let st = sdr::play(&mut stream, &wave, &opts, &stop)?;
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "samples_sent": st.samples_sent,
                "repetitions": st.repetitions,
                "underflows": st.underflows,
                "late": st.late,
                "stopped": st.stopped,
                "sample_rate": applied.sample_rate,
                "frequency": applied.frequency,
                "gain_db": applied.gain_db,
            }))?
        );
    } else {
        outln!(
            "sent {} samples ({} × {} at {}) to {} at {}: underflows {}, late {}{}",
            st.samples_sent,
            st.repetitions,
            wave.len(),
            fmt_hz(applied.sample_rate),
            dev.args(),
            fmt_hz(applied.frequency),
            st.underflows,
            st.late,
            if st.stopped { " (stopped)" } else { "" }
        );
    }
    Ok(())
}
