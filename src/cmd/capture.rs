//! `nrkit capture`: record from an SDR to SigMF without losing a sample silently.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgGroup, Args as ClapArgs, ValueEnum};
use nrkit::core::C32;
use nrkit::iq::{Annotation, Datatype, Meta, Writer};
use nrkit::sdr::{
    self, CaptureOptions, CaptureStats, Direction, Gain, PlayOptions, Repeat, SdrError, SigmfSink,
};
use serde_json::json;

use super::common::device::{
    check_rate_freq, configure, load_waveform, open_device, parse_gain, stop_flags, summary_json,
    DeviceOpts, MAX_DURATION_S, MAX_RING_MB, MAX_SAMPLES,
};
use super::common::output::print_json;
use super::common::output::{create_parent, OutputArgs};
use super::common::Ctx;

/// Sample formats `capture` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum CaptureDatatype {
    #[value(name = "cf32_le")]
    Cf32Le,
    #[value(name = "ci16_le")]
    Ci16Le,
}

#[derive(ClapArgs)]
#[command(group(ArgGroup::new("length").required(true).args(["duration", "samples"])))]
pub struct Args {
    /// SoapySDR device args, e.g. `driver=uhd,serial=3100`.
    #[arg(long)]
    pub device: String,
    /// Centre frequency in Hz.
    #[arg(long)]
    pub freq: f64,
    /// Sample rate in Hz.
    #[arg(long)]
    pub rate: f64,
    /// RX gain in dB, or `agc`.
    #[arg(long, allow_hyphen_values = true)]
    pub gain: String,
    /// Seconds to capture.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Samples to capture.
    #[arg(long)]
    pub samples: Option<u64>,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Sample format on disk (ci16_le streams CS16 from the device, unconverted).
    #[arg(long, value_enum, default_value = "cf32_le")]
    pub datatype: CaptureDatatype,
    /// Ring buffer between the device reader and the disk writer, in MiB.
    #[arg(long, default_value_t = 256)]
    pub ring_mb: usize,
    /// Also transmit this recording on the same device and channel while capturing (full
    /// duplex: a cable with an attenuator, or the loopback module), at the capture's rate
    /// (resampled if needed) and frequency.
    #[arg(long)]
    pub tx: Option<PathBuf>,
    /// TX gain in dB for --tx.
    #[arg(
        long,
        default_value_t = 0.0,
        allow_hyphen_values = true,
        requires = "tx"
    )]
    pub tx_gain: f64,
    /// Send the --tx waveform this many times back to back.
    #[arg(long, default_value_t = 1, requires = "tx")]
    pub tx_repeat: u64,
    #[command(flatten)]
    pub dev: DeviceOpts,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
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

/// Runs `nrkit capture`.
pub fn run(a: Args, _ctx: &Ctx) -> Result<()> {
    a.out.check()?;
    let gain = parse_gain(&a.gain)?;
    check_rate_freq(a.rate, a.freq)?;
    let samples = match (a.samples, a.duration) {
        (Some(n), _) => n,
        (None, Some(d)) if d.is_finite() && d > 0.0 && d <= MAX_DURATION_S => {
            (d * a.rate).round() as u64
        }
        (None, Some(d)) => {
            bail!("--duration {d}: must be a number of seconds in (0, {MAX_DURATION_S}]")
        }
        (None, None) => bail!("give --duration S or --samples N"),
    };
    if samples == 0 || samples > MAX_SAMPLES {
        bail!("--samples {samples}: must be 1..={MAX_SAMPLES}");
    }
    if !(1..=MAX_RING_MB).contains(&a.ring_mb) {
        bail!("--ring-mb {}: must be 1..={MAX_RING_MB} MiB", a.ring_mb);
    }
    if !(a.tx_gain.is_finite() && a.tx_gain.abs() <= 200.0) {
        bail!("--tx-gain {}: must be a finite number of dB", a.tx_gain);
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
    create_parent(&a.out.output)?;
    let writer = Writer::create(&a.out.output, meta)?;
    let mut sink = SigmfSink::new(writer);
    let (stop, abort) = stop_flags();
    let opts = CaptureOptions {
        samples: Some(samples),
        ring_samples: (a.ring_mb << 20) / dt.sample_size(),
        abort: Some(abort.clone()),
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
    let meta_path = nrkit::iq::sigmf_paths(&a.out.output).0;
    if abort.load(Ordering::Relaxed) {
        if let Ok((st, _, _)) = &res {
            let mut an = Annotation::new(st.samples_written, 0, "capture interrupted");
            an.comment = Some(format!(
                "stopped by a second interrupt: {} received samples were not written",
                st.samples_discarded
            ));
            sink.writer_mut().annotate(an);
        }
    }
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
        print_json(&v)?;
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
    if abort.load(Ordering::Relaxed) {
        eprintln!(
            "nrkit: capture aborted by a second signal: {} samples saved, {} received samples not written",
            st.samples_written, st.samples_discarded
        );
    } else if stop.load(Ordering::Relaxed) {
        eprintln!("nrkit: capture stopped by signal; the recording is complete up to there");
    }
    Ok(())
}
