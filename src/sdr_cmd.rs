//! The SDR commands: `devices`, `tx`, `capture` and live `search --device`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgGroup, Args, ValueEnum};
use nrkit::core::C32;
use nrkit::dsp::{FftEngine, Isa};
use nrkit::iq::{Datatype, Meta, Recording, Writer};
use nrkit::phy::search::SearchBank;
use nrkit::sdr::{
    self, CaptureOptions, CaptureSink, CaptureStats, ChannelConfig, Device, Direction, Gain, Gap,
    PlayOptions, Repeat, SdrError, SigmfSink,
};
use serde_json::json;

use crate::{
    candidates, cells_json, create_parent, fmt_hz, group_cells, print_cells, push_all, Candidate,
};

#[derive(Args)]
pub struct DevicesArgs {
    /// Only devices matching these SoapySDR args (e.g. `driver=uhd`).
    #[arg(long, default_value = "")]
    filter: String,
    /// Print JSON: `[{"args": {...}, "open_args": "..."}]`.
    #[arg(long)]
    json: bool,
}

/// Device options shared by tx, capture and live search (ignored when searching a file).
#[derive(Args, Clone)]
pub struct DeviceOpts {
    /// Channel index.
    #[arg(long, default_value_t = 0)]
    channel: usize,
    /// Antenna port (default: the driver's).
    #[arg(long)]
    antenna: Option<String>,
    /// Analog filter bandwidth in Hz (default: the driver's).
    #[arg(long)]
    bandwidth: Option<f64>,
    /// Reference clock source (e.g. internal, external, gpsdo).
    #[arg(long)]
    clock_source: Option<String>,
    /// Time source (e.g. internal, external, gpsdo).
    #[arg(long)]
    time_source: Option<String>,
}

#[derive(Args)]
pub struct TxArgs {
    /// The waveform: a SigMF recording (any datatype nrkit reads).
    input: PathBuf,
    /// SoapySDR device args, e.g. `driver=uhd,serial=3100` or `driver=lime`.
    #[arg(long)]
    device: String,
    /// Centre frequency in Hz.
    #[arg(long)]
    freq: f64,
    /// TX gain in dB.
    #[arg(long, allow_hyphen_values = true)]
    gain: f64,
    /// Sample rate in Hz (default: the recording's; otherwise the waveform is resampled).
    #[arg(long)]
    rate: Option<f64>,
    /// Send the waveform N times back to back (default 1).
    #[arg(long, conflicts_with = "loop_forever")]
    repeat: Option<u64>,
    /// Loop until Ctrl-C.
    #[arg(long = "loop")]
    loop_forever: bool,
    /// Start at this device time in seconds (`+S`: S seconds from now); needs a device
    /// that keeps time.
    #[arg(long, allow_hyphen_values = true)]
    start_at: Option<String>,
    #[command(flatten)]
    dev: DeviceOpts,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CaptureDatatype {
    #[value(name = "cf32_le")]
    Cf32Le,
    #[value(name = "ci16_le")]
    Ci16Le,
}

#[derive(Args)]
#[command(group(ArgGroup::new("length").required(true).args(["duration", "samples"])))]
pub struct CaptureArgs {
    /// SoapySDR device args, e.g. `driver=uhd,serial=3100`.
    #[arg(long)]
    device: String,
    /// Centre frequency in Hz.
    #[arg(long)]
    freq: f64,
    /// Sample rate in Hz.
    #[arg(long)]
    rate: f64,
    /// RX gain in dB, or `agc`.
    #[arg(long, allow_hyphen_values = true)]
    gain: String,
    /// Seconds to capture.
    #[arg(long)]
    duration: Option<f64>,
    /// Samples to capture.
    #[arg(long)]
    samples: Option<u64>,
    /// Output .sigmf-meta (the .sigmf-data is written beside it).
    #[arg(short = 'o', long)]
    output: PathBuf,
    /// Sample format on disk (ci16_le streams CS16 from the device, unconverted).
    #[arg(long, value_enum, default_value = "cf32_le")]
    datatype: CaptureDatatype,
    /// Ring buffer between the device reader and the disk writer, in MiB.
    #[arg(long, default_value_t = 256)]
    ring_mb: usize,
    /// Also transmit this recording on the same device and channel while capturing (full
    /// duplex: a cable with an attenuator, or the loopback module), at the capture's rate
    /// (resampled if needed) and frequency.
    #[arg(long)]
    tx: Option<PathBuf>,
    /// TX gain in dB for --tx.
    #[arg(
        long,
        default_value_t = 0.0,
        allow_hyphen_values = true,
        requires = "tx"
    )]
    tx_gain: f64,
    /// Send the --tx waveform this many times back to back.
    #[arg(long, default_value_t = 1, requires = "tx")]
    tx_repeat: u64,
    #[command(flatten)]
    dev: DeviceOpts,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Live-search options of `search`.
#[derive(Args, Clone)]
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

/// Ctrl-C and SIGTERM set the flag (a second one exits at once).
fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if s.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    stop
}

fn parse_gain(g: &str) -> Result<Gain> {
    if g.eq_ignore_ascii_case("agc") || g.eq_ignore_ascii_case("auto") {
        return Ok(Gain::Agc);
    }
    let v: f64 = g
        .parse()
        .map_err(|_| anyhow!("--gain {g}: expected a number of dB or `agc`"))?;
    Ok(Gain::Db(v))
}

fn open_device(args: &str, opts: &DeviceOpts) -> Result<Device> {
    let dev = Device::open(args)?;
    if let Some(c) = &opts.clock_source {
        dev.set_clock_source(c)?;
    }
    if let Some(t) = &opts.time_source {
        dev.set_time_source(t)?;
    }
    Ok(dev)
}

fn configure(
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

pub fn devices(a: DevicesArgs) -> Result<()> {
    let list = sdr::enumerate(&a.filter)?;
    if a.json {
        let v: Vec<_> = list
            .iter()
            .map(|d| json!({"args": d.args, "open_args": d.args_string()}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if list.is_empty() {
        println!(
            "no SoapySDR device found{} (drivers are SoapySDR modules, e.g. Debian's \
             soapysdr-module-uhd, -lms7, -rtlsdr; SOAPY_SDR_PLUGIN_PATH adds module folders)",
            if a.filter.is_empty() {
                String::new()
            } else {
                format!(" matching \"{}\"", a.filter)
            }
        );
    } else {
        for d in &list {
            let label = d.args.get("label").cloned().unwrap_or_default();
            println!("{label}\n  --device \"{}\"", d.args_string());
        }
    }
    Ok(())
}

fn load_waveform(path: &std::path::Path, rate: Option<f64>) -> Result<(Vec<C32>, f64)> {
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

pub fn tx(a: TxArgs) -> Result<()> {
    let (wave, rate) = load_waveform(&a.input, a.rate)?;
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
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| anyhow!("--start-at {s}: expected seconds, e.g. 12.5 or +0.5"))?;
            let base = if rel { dev.time_ns()? } else { 0 };
            Some(base + (secs * 1e9).round() as i64)
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
        println!(
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
        println!(
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

fn summary_json(st: &CaptureStats) -> serde_json::Value {
    json!({
        "samples_received": st.samples_received,
        "samples_written": st.samples_written,
        "samples_lost": st.samples_lost,
        "overflows": st.overflows,
        "gaps": st.gaps,
        "gaps_unknown_size": st.gaps_unknown,
        "timeouts": st.timeouts,
    })
}

type CaptureResult = (CaptureStats, Option<SdrError>, Option<sdr::PlayStats>);

/// Captures from `rx`; with `tx`, transmits the waveform meanwhile (the receive stream is
/// active before the first sample is sent).
fn run_capture<R: sdr::RxSource>(
    mut rx: R,
    sink: &mut SigmfSink,
    opts: &CaptureOptions,
    stop: &AtomicBool,
    tx: Option<(sdr::SoapyTx, Vec<C32>, u64)>,
) -> Result<CaptureResult> {
    let Some((mut txs, wave, repeat)) = tx else {
        let (st, e) = sdr::capture(&mut rx, sink, opts, stop)?;
        return Ok((st, e, None));
    };
    let tx_stop = AtomicBool::new(false);
    let (cap, played) = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let o = PlayOptions {
                repeat: Repeat::Times(repeat),
                ..PlayOptions::default()
            };
            sdr::play(&mut txs, &wave, &o, &tx_stop)
        });
        let cap = sdr::capture(&mut rx, sink, opts, stop);
        // Release the receiver so a transmitter waiting for room finishes, then end the burst.
        drop(rx);
        tx_stop.store(true, Ordering::Relaxed);
        (cap, h.join())
    });
    let (st, e) = cap?;
    let played = played
        .map_err(|_| anyhow!("the transmit thread panicked"))?
        .context("transmitting --tx")?;
    Ok((st, e, Some(played)))
}

pub fn capture(a: CaptureArgs) -> Result<()> {
    let gain = parse_gain(&a.gain)?;
    let samples = match (a.samples, a.duration) {
        (Some(n), _) => n,
        (None, Some(d)) if d.is_finite() && d > 0.0 => (d * a.rate).round() as u64,
        (None, Some(d)) => bail!("--duration {d}: must be a positive number of seconds"),
        (None, None) => unreachable!("clap requires one"),
    };
    if samples == 0 {
        bail!("--samples 0: nothing to capture");
    }
    let dev = open_device(&a.device, &a.dev)?;
    let applied = configure(&dev, Direction::Rx, &a.dev, a.rate, a.freq, gain)?;
    let dt = match a.datatype {
        CaptureDatatype::Cf32Le => Datatype::Cf32Le,
        CaptureDatatype::Ci16Le => Datatype::Ci16Le,
    };
    let mut meta = Meta::new(dt, applied.sample_rate, Some(applied.frequency));
    let hw = dev.hardware();
    meta.hw = Some(format!(
        "{} ({})",
        dev.driver(),
        hw.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    meta.description = Some(format!("nrkit capture from {}", dev.args()));
    let g = &mut meta.global_extra;
    g.insert("nrkit:driver".into(), json!(dev.driver()));
    g.insert("nrkit:device_args".into(), json!(dev.args()));
    g.insert("nrkit:gain_db".into(), json!(applied.gain_db));
    g.insert("nrkit:agc".into(), json!(applied.agc));
    g.insert("nrkit:channel".into(), json!(a.dev.channel));
    if let Some(bw) = applied.bandwidth {
        g.insert("nrkit:bandwidth".into(), json!(bw));
    }
    if let Some(ant) = &applied.antenna {
        g.insert("nrkit:antenna".into(), json!(ant));
    }
    create_parent(&a.output)?;
    let writer = Writer::create(&a.output, meta)?;
    let mut sink = SigmfSink::new(writer);
    let opts = CaptureOptions {
        samples: Some(samples),
        ring_samples: (a.ring_mb.max(1) << 20) / dt.sample_size(),
        ..CaptureOptions::default()
    };
    let tx_wave = match &a.tx {
        Some(p) => {
            let (wave, _) = load_waveform(p, Some(applied.sample_rate))?;
            configure(
                &dev,
                Direction::Tx,
                &a.dev,
                applied.sample_rate,
                applied.frequency,
                Gain::Db(a.tx_gain),
            )?;
            Some(wave)
        }
        None => None,
    };
    let stop = stop_flag();
    let ch = a.dev.channel;
    let tx_for = |wave: Option<Vec<C32>>| -> Result<Option<(sdr::SoapyTx, Vec<C32>, u64)>> {
        Ok(match wave {
            Some(w) => Some((dev.tx_cf32(ch)?, w, a.tx_repeat)),
            None => None,
        })
    };
    let res = match a.datatype {
        CaptureDatatype::Cf32Le => {
            let rx = dev.rx_cf32(ch)?;
            run_capture(rx, &mut sink, &opts, &stop, tx_for(tx_wave)?)
        }
        CaptureDatatype::Ci16Le => {
            let rx = dev.rx_cs16(ch)?;
            run_capture(rx, &mut sink, &opts, &stop, tx_for(tx_wave)?)
        }
    };
    let meta_path = nrkit::iq::sigmf_paths(&a.output).0;
    // The recording is finished whatever happened.
    let finished = sink.finish();
    let (st, dev_err, played) = res?;
    finished?;
    if a.json {
        let mut v = summary_json(&st);
        if let Some(p) = &played {
            v["tx"] = json!({"samples_sent": p.samples_sent, "underflows": p.underflows,
                             "late": p.late});
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        if let Some(p) = &played {
            eprintln!(
                "transmitted {} samples meanwhile: underflows {}, late {}",
                p.samples_sent, p.underflows, p.late
            );
        }
        eprintln!(
            "{}: received {} samples, written {}, lost {} in {} overflow(s){}",
            meta_path.display(),
            st.samples_received,
            st.samples_written,
            st.samples_lost,
            st.overflows,
            if st.gaps_unknown > 0 {
                format!(" (+{} gap(s) of unknown size)", st.gaps_unknown)
            } else {
                String::new()
            }
        );
    }
    if let Some(e) = dev_err {
        return Err(anyhow!(e).context(format!(
            "capture ended early; {} samples saved in {}",
            st.samples_written,
            meta_path.display()
        )));
    }
    if stop.load(Ordering::Relaxed) {
        eprintln!("nrkit: capture stopped by signal; the recording is complete up to there");
    }
    Ok(())
}

/// Feeds a live stream to the cell searchers; lost samples (known from the timestamps) are
/// replaced by zeros so sample offsets stay on the device's sample clock.
struct SearchSink {
    searchers: SearchBank,
    found: Vec<(Candidate, nrkit::phy::search::SsbDetection)>,
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
                println!(
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

pub fn live_search(a: &crate::SearchArgs, isa: Isa) -> Result<()> {
    let l = &a.live;
    let args = l.device.as_deref().expect("called with --device");
    let freq = l
        .freq
        .ok_or_else(|| anyhow!("live search needs --freq HZ (the centre frequency)"))?;
    let rate = l.rate.unwrap_or(30.72e6);
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
    );
    let searchers = SearchBank::new(applied.sample_rate, &cands, a.cfo_range, &mut engine)
        .context("search parameters")?;
    let mut sink = SearchSink {
        searchers,
        found: Vec::new(),
        stream_lines: !a.json && l.duration.is_none(),
        printed: 0,
        error: None,
    };
    let opts = CaptureOptions {
        samples: l.duration.map(|d| (d * applied.sample_rate).round() as u64),
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
        println!("{}", serde_json::to_string_pretty(&v)?);
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
