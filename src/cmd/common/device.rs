//! Device options and helpers shared by tx, capture and live search.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use nrkit::core::C32;
use nrkit::iq::Recording;
use nrkit::sdr::{self, CaptureStats, ChannelConfig, Device, Direction, Gain};
use serde_json::json;

use super::output::fmt_hz;

/// Device options shared by tx, capture and live search (ignored when searching a file).
#[derive(Args, Clone)]
pub struct DeviceOpts {
    /// Channel index.
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// Antenna port (default: the driver's).
    #[arg(long)]
    pub antenna: Option<String>,
    /// Analog filter bandwidth in Hz (default: the driver's).
    #[arg(long)]
    pub bandwidth: Option<f64>,
    /// Reference clock source (e.g. internal, external, gpsdo).
    #[arg(long)]
    pub clock_source: Option<String>,
    /// Time source (e.g. internal, external, gpsdo).
    #[arg(long)]
    pub time_source: Option<String>,
}

/// Longest capture or live search, seconds (a day).
pub const MAX_DURATION_S: f64 = 86_400.0;
/// Most samples one capture takes (2^40: 8 TiB of cf32).
pub const MAX_SAMPLES: u64 = 1 << 40;
/// Largest capture ring, MiB.
pub const MAX_RING_MB: usize = 16_384;

/// Checks a device sample rate (Hz, finite, > 0, at most 100 GHz) and centre frequency
/// (Hz, finite, ≥ 0, at most 1 THz).
pub fn check_rate_freq(rate: f64, freq: f64) -> Result<()> {
    if !(rate.is_finite() && rate > 0.0 && rate <= nrkit::iq::MAX_SAMPLE_RATE) {
        bail!("--rate {rate}: must be a positive number of Hz up to 1e11");
    }
    if !(freq.is_finite() && (0.0..=1e12).contains(&freq)) {
        bail!("--freq {freq}: must be a frequency in Hz, 0..=1e12");
    }
    Ok(())
}

/// Ctrl-C and SIGTERM: the first sets the stop flag (finish what was read, then end), the
/// second the abort flag (end now, leaving a valid recording of what was written), a third
/// exits at once.
pub fn stop_flags() -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    let stop = Arc::new(AtomicBool::new(false));
    let abort = Arc::new(AtomicBool::new(false));
    let (s, a) = (stop.clone(), abort.clone());
    let _ = ctrlc::set_handler(move || {
        if !s.swap(true, Ordering::SeqCst) {
            return;
        }
        if a.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    (stop, abort)
}

/// The stop flag of [`stop_flags`] alone (commands with nothing to save: a second signal
/// ends the command like the first, a third exits at once).
pub fn stop_flag() -> Arc<AtomicBool> {
    stop_flags().0
}

pub fn parse_gain(g: &str) -> Result<Gain> {
    if g.eq_ignore_ascii_case("agc") || g.eq_ignore_ascii_case("auto") {
        return Ok(Gain::Agc);
    }
    let v: f64 = g
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && v.abs() <= 200.0)
        .ok_or_else(|| {
            anyhow!("--gain {g}: expected a finite number of dB (|g| <= 200) or `agc`")
        })?;
    Ok(Gain::Db(v))
}

pub fn open_device(args: &str, opts: &DeviceOpts) -> Result<Device> {
    let dev = Device::open(args)?;
    if let Some(c) = &opts.clock_source {
        dev.set_clock_source(c)?;
    }
    if let Some(t) = &opts.time_source {
        dev.set_time_source(t)?;
    }
    Ok(dev)
}

pub fn configure(
    dev: &Device,
    dir: Direction,
    opts: &DeviceOpts,
    rate: f64,
    freq: f64,
    gain: Gain,
) -> Result<sdr::Applied> {
    let cfg = ChannelConfig {
        channel: opts.channel,
        sample_rate: rate,
        frequency: freq,
        gain,
        bandwidth: opts.bandwidth,
        antenna: opts.antenna.clone(),
    };
    let applied = dev.configure(dir, &cfg)?;
    if (applied.sample_rate - rate).abs() > 1e-6 * rate {
        bail!(
            "{}: the device runs at {} instead of the requested {} (choose a rate it supports)",
            dev.args(),
            fmt_hz(applied.sample_rate),
            fmt_hz(rate)
        );
    }
    if (applied.frequency - freq).abs() > 1.0 {
        eprintln!(
            "nrkit: note: {} tuned to {} (asked {})",
            dev.args(),
            fmt_hz(applied.frequency),
            fmt_hz(freq)
        );
    }
    Ok(applied)
}

pub fn load_waveform(path: &Path, rate: Option<f64>) -> Result<(Vec<C32>, f64)> {
    let rec = Recording::open_sigmf(path)?;
    if rec.samples == 0 {
        bail!(
            "{}: the recording holds no samples",
            rec.data_path.display()
        );
    }
    if rec.samples > 1 << 28 {
        bail!(
            "{}: {} samples is more than nrkit tx holds in memory (2^28)",
            rec.data_path.display(),
            rec.samples
        );
    }
    let mut wave = rec.reader()?.read_all()?;
    let fs = rec.meta.sample_rate;
    let out_rate = rate.unwrap_or(fs);
    if !(out_rate.is_finite() && out_rate > 0.0) {
        bail!("--rate {out_rate}: must be a positive number of Hz");
    }
    if (out_rate - fs).abs() > 1e-9 * fs {
        let mut rs = nrkit::dsp::Resampler::for_rates(fs, out_rate).with_context(|| {
            format!(
                "resampling {} from {} to {}",
                rec.data_path.display(),
                fmt_hz(fs),
                fmt_hz(out_rate)
            )
        })?;
        let mut out = Vec::new();
        rs.process(&wave, &mut out);
        wave = out;
    }
    Ok((wave, out_rate))
}

pub fn summary_json(st: &CaptureStats) -> serde_json::Value {
    json!({
        "corruptions": st.corruptions,
        "samples_discarded": st.samples_discarded,
        "samples_received": st.samples_received,
        "samples_written": st.samples_written,
        "samples_lost": st.samples_lost,
        "overflows": st.overflows,
        "gaps": st.gaps,
        "gaps_unknown_size": st.gaps_unknown,
        "timeouts": st.timeouts,
    })
}
