//! `nrkit search --device …`: cell search on a live SoapySDR stream.

use anyhow::{anyhow, bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::core::C32;
use nrkit::dsp::{FftEngine, Isa};
use nrkit::phy::sync::{group_cells, SearchBank, SearchCandidate as Candidate, SsbDetection};
use nrkit::sdr::{self, CaptureOptions, CaptureSink, Direction, Gap, SdrError};

use super::{candidates, cells_json, print_cells, push_all};
use crate::cmd::common::device::{
    check_rate_freq, configure, open_device, parse_gain, stop_flag, summary_json, DeviceOpts,
    MAX_DURATION_S,
};
use crate::cmd::common::output::{fmt_hz, print_json, processors_json};

/// Live-search options of `search`.
#[derive(ClapArgs, Clone)]
pub struct LiveArgs {
    /// Search a live SoapySDR stream instead of a recording (device args).
    #[arg(long)]
    pub device: Option<String>,
    /// Centre frequency in Hz (live search).
    #[arg(long, requires = "device")]
    pub freq: Option<f64>,
    /// Sample rate in Hz (live search; default 30.72 MHz).
    #[arg(long, requires = "device")]
    pub rate: Option<f64>,
    /// RX gain in dB or `agc` (live search; default agc).
    #[arg(long, requires = "device", allow_hyphen_values = true)]
    pub gain: Option<String>,
    /// Seconds to search (live search; default until Ctrl-C).
    #[arg(long, requires = "device")]
    pub duration: Option<f64>,
    #[command(flatten)]
    pub dev: DeviceOpts,
}

/// Feeds a live stream to the cell searchers; lost samples (known from the timestamps) are
/// replaced by zeros so sample offsets stay on the device's sample clock.
struct SearchSink {
    searchers: SearchBank,
    found: Vec<(Candidate, SsbDetection)>,
    /// Print each SSB as it is found (open-ended live search).
    stream_lines: bool,
    printed: usize,
    error: Option<String>,
}

impl SearchSink {
    fn feed(&mut self, x: &[C32]) {
        if let Err(e) = push_all(&mut self.searchers, Some(x), &mut self.found) {
            self.error = Some(e.to_string());
        }
        if self.stream_lines {
            for (c, d) in &self.found[self.printed..] {
                outln!(
                    "PCI {} near {} ({} kHz): SSB {} half-frame {} SFN {} at sample {}, CFO {:.1} Hz, SNR {:.1} dB",
                    d.pci.value(),
                    fmt_hz(c.freq_hz),
                    c.scs_khz,
                    d.ssb_index,
                    d.half_frame,
                    d.mib.sfn,
                    d.sample_offset,
                    d.cfo_hz,
                    d.snr_db
                );
            }
            self.printed = self.found.len();
        }
    }
}

impl CaptureSink<C32> for SearchSink {
    fn write(&mut self, s: &[C32]) -> Result<(), SdrError> {
        self.feed(s);
        Ok(())
    }
    fn gap(&mut self, g: &Gap) -> Result<(), SdrError> {
        if let Some(n) = g.lost {
            let zeros = vec![C32::default(); 1 << 14];
            let mut left = n.min(1 << 26) as usize;
            while left > 0 {
                let k = left.min(zeros.len());
                self.feed(&zeros[..k]);
                left -= k;
            }
        }
        Ok(())
    }
}

/// Runs `nrkit search --device …`.
pub fn run(a: &super::Args, isa: Isa) -> Result<()> {
    let l = &a.live;
    let args = l.device.as_deref().expect("called with --device");
    let freq = l
        .freq
        .ok_or_else(|| anyhow!("live search needs --freq HZ (the centre frequency)"))?;
    let rate = l.rate.unwrap_or(30.72e6);
    check_rate_freq(rate, freq)?;
    let samples = match l.duration {
        None => None,
        Some(d) if d.is_finite() && d > 0.0 && d <= MAX_DURATION_S => {
            Some((d * rate).round() as u64)
        }
        Some(d) => bail!("--duration {d}: must be a number of seconds in (0, {MAX_DURATION_S}]"),
    };
    let gain = parse_gain(l.gain.as_deref().unwrap_or("agc"))?;
    let dev = open_device(args, &l.dev)?;
    let applied = configure(&dev, Direction::Rx, &l.dev, rate, freq, gain)?;
    let mut engine = FftEngine::new(isa)?;
    let cands = candidates(
        applied.sample_rate,
        Some(applied.frequency),
        a.ssb_freq,
        &a.scs_ssb,
        a.cfo_range,
    )
    .context("search parameters")?;
    let searchers = SearchBank::new(applied.sample_rate, &cands, a.cfo_range, &mut engine)
        .context("search parameters")?;
    let processors = searchers.isas();
    let mut sink = SearchSink {
        searchers,
        found: Vec::new(),
        stream_lines: !a.json && l.duration.is_none(),
        printed: 0,
        error: None,
    };
    let opts = CaptureOptions {
        samples,
        ring_samples: 1 << 24,
        ..CaptureOptions::default()
    };
    if !a.json {
        eprintln!(
            "searching {} at {} ({}){}",
            dev.args(),
            fmt_hz(applied.frequency),
            fmt_hz(applied.sample_rate),
            if l.duration.is_none() {
                ", Ctrl-C to stop"
            } else {
                ""
            }
        );
    }
    let stop = stop_flag();
    let mut rx = dev.rx_cf32(l.dev.channel)?;
    let (st, dev_err) = sdr::capture(&mut rx, &mut sink, &opts, &stop)?;
    push_all(&mut sink.searchers, None, &mut sink.found)?;
    if let Some(e) = sink.error.take() {
        bail!("search: {e}");
    }
    let cells = group_cells(std::mem::take(&mut sink.found));
    if a.json {
        let mut v = cells_json(&cells);
        v["capture"] = summary_json(&st);
        v["processors"] = processors_json(&processors);
        print_json(&v)?;
    } else {
        print_cells(&cells, dev.args());
        if st.samples_lost > 0 || st.gaps > 0 {
            eprintln!(
                "nrkit: {} samples lost in {} gap(s) during the search",
                st.samples_lost, st.gaps
            );
        }
    }
    if let Some(e) = dev_err {
        return Err(anyhow!(e).context("the device stream ended early"));
    }
    Ok(())
}
