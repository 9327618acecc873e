//! Gapless capture: a reader thread, a bounded ring of blocks, and a writer.
//!
//! The reader only reads the device and hands full blocks over; the writer (the calling
//! thread) writes them. The ring holds `ring_samples`, so the writer may stall that long
//! (a slow disk, a full page cache) before the reader has to wait, and only then can the
//! device overflow. Losses are found two ways: the driver's overflow report, and the device
//! timestamps (the first sample after a loss is later than the last one read plus its
//! length); where the device keeps time, the number of samples lost is exact.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use nrkit_iq::{Annotation, Capture, Writer};
use serde_json::json;

use crate::{ns_to_ticks, RxSource, SdrError, WireSample};

/// Capture settings.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Stop after this many samples received (`None`: until stopped).
    pub samples: Option<u64>,
    /// Ring capacity in samples between the reader and the writer.
    pub ring_samples: usize,
    /// Samples per block (per read); 0 = the stream's MTU.
    pub block_samples: usize,
    /// Timeout of one read (µs).
    pub read_timeout_us: i64,
    /// Give up after this long without a sample.
    pub max_silence: Duration,
    /// Rewrite the metadata this often while capturing, so it is valid even if the process
    /// is killed.
    pub checkpoint_every: Duration,
    /// When set (a second Ctrl-C), the writer stops at once: what is still in the ring is
    /// not written (counted in [`CaptureStats::samples_discarded`]), and the recording ends
    /// valid at the last sample written.
    pub abort: Option<Arc<AtomicBool>>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            samples: None,
            ring_samples: 32 << 20,
            block_samples: 0,
            read_timeout_us: 200_000,
            max_silence: Duration::from_secs(5),
            checkpoint_every: Duration::from_secs(1),
            abort: None,
        }
    }
}

impl CaptureOptions {
    /// Checks the ranges: a ring of 1…2^33 samples, blocks of at most 2^20 samples, a read
    /// timeout of 1 µs…60 s, a silence limit of 1 ms…1 day, a checkpoint period of
    /// 10 ms…1 h, and at most 2^48 samples.
    pub fn validate(&self) -> Result<(), SdrError> {
        let bad = |what: &str, problem: String| {
            Err(SdrError::Invalid {
                what: what.into(),
                problem,
            })
        };
        if !(1..=1usize << 33).contains(&self.ring_samples) {
            return bad(
                "capture ring",
                format!("{} samples: must be 1..=2^33", self.ring_samples),
            );
        }
        if self.block_samples > 1 << 20 {
            return bad(
                "capture block",
                format!("{} samples: must be at most 2^20", self.block_samples),
            );
        }
        if !(1..=60_000_000).contains(&self.read_timeout_us) {
            return bad(
                "read timeout",
                format!("{} µs: must be 1..=60000000", self.read_timeout_us),
            );
        }
        if !(Duration::from_millis(1)..=Duration::from_secs(86_400)).contains(&self.max_silence) {
            return bad(
                "silence limit",
                format!("{:?}: must be 1 ms..=1 day", self.max_silence),
            );
        }
        if !(Duration::from_millis(10)..=Duration::from_secs(3600)).contains(&self.checkpoint_every)
        {
            return bad(
                "checkpoint period",
                format!("{:?}: must be 10 ms..=1 h", self.checkpoint_every),
            );
        }
        if self.samples.is_some_and(|n| n == 0 || n > 1 << 48) {
            return bad(
                "capture length",
                format!("{:?} samples: must be 1..=2^48", self.samples),
            );
        }
        Ok(())
    }
}

/// Why a gap was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapCause {
    /// The driver reported an overflow.
    Overflow,
    /// The device timestamps jumped without an overflow report.
    Timestamp,
    /// The driver reported corrupted data (or another non-fatal stream error) before it.
    Corruption,
}

/// A discontinuity in the captured stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Index (in the written stream) of the first sample after the gap.
    pub at_sample: u64,
    /// Samples lost, when the device keeps time.
    pub lost: Option<u64>,
    /// Device time (ns) of the first sample after the gap, when known.
    pub time_ns: Option<i64>,
    /// Device time (ns) of the first sample of the capture, when known.
    pub start_time_ns: Option<i64>,
    /// What revealed it.
    pub cause: GapCause,
}

/// Where captured samples go.
pub trait CaptureSink<S> {
    /// Appends samples.
    fn write(&mut self, s: &[S]) -> Result<(), SdrError>;
    /// Marks a gap before the next sample.
    fn gap(&mut self, g: &Gap) -> Result<(), SdrError>;
    /// The first sample arrived (device time, if any).
    fn started(&mut self, _time_ns: Option<i64>) -> Result<(), SdrError> {
        Ok(())
    }
    /// A read timed out before the next sample (`timeouts` in a row so far; the stream
    /// goes on). A loss, if any, is reported by the gap that follows.
    fn timeout(&mut self, _at_sample: u64, _timeouts: u64) -> Result<(), SdrError> {
        Ok(())
    }
    /// Makes what was written so far durable and valid (called periodically).
    fn checkpoint(&mut self) -> Result<(), SdrError> {
        Ok(())
    }
}

/// Writes a capture as SigMF: the first capture segment gets `core:datetime` of the first
/// sample; every gap starts a new segment (`core:datetime` and `core:global_index` from the
/// device time) and gets an annotation labelled `overflow: N samples lost` with
/// `nrkit:samples_lost` (null when the device keeps no time) and `nrkit:gap_cause`.
#[derive(Debug)]
pub struct SigmfSink {
    writer: Writer,
    rate: f64,
    start_wall: Option<SystemTime>,
    start_time_ns: Option<i64>,
}

impl SigmfSink {
    /// Wraps a writer (its metadata carries rate, frequency, hw and so on).
    pub fn new(writer: Writer) -> Self {
        let rate = writer.meta().sample_rate;
        SigmfSink {
            writer,
            rate,
            start_wall: None,
            start_time_ns: None,
        }
    }

    /// The writer (e.g. to add global fields before finishing).
    pub fn writer_mut(&mut self) -> &mut Writer {
        &mut self.writer
    }

    /// Finishes the recording; returns samples written.
    pub fn finish(self) -> Result<u64, SdrError> {
        Ok(self.writer.finish()?)
    }

    fn datetime(&self, time_ns: Option<i64>) -> Option<String> {
        let wall = self.start_wall?;
        let at = match (time_ns, self.start_time_ns) {
            (Some(t), Some(t0)) if t >= t0 => wall + Duration::from_nanos((t - t0) as u64),
            _ => SystemTime::now(),
        };
        Some(humantime::format_rfc3339_micros(at).to_string())
    }
}

impl<S: WireSample> CaptureSink<S> for SigmfSink {
    fn write(&mut self, s: &[S]) -> Result<(), SdrError> {
        Ok(S::write(&mut self.writer, s)?)
    }

    fn started(&mut self, time_ns: Option<i64>) -> Result<(), SdrError> {
        self.start_wall = Some(SystemTime::now());
        self.start_time_ns = time_ns;
        let dt = self.datetime(time_ns);
        if let Some(c) = self.writer.meta_mut().captures.first_mut() {
            c.datetime = dt;
        }
        Ok(())
    }

    fn gap(&mut self, g: &Gap) -> Result<(), SdrError> {
        let frequency = self.writer.meta().captures.last().and_then(|c| c.frequency);
        let mut extra = serde_json::Map::new();
        if let (Some(t), Some(t0)) = (g.time_ns, g.start_time_ns) {
            extra.insert(
                "core:global_index".into(),
                json!(ns_to_ticks(t - t0, self.rate).max(0)),
            );
        }
        self.writer.new_capture(Capture {
            sample_start: g.at_sample,
            frequency,
            datetime: self.datetime(g.time_ns),
            extra,
        });
        let what = match g.cause {
            GapCause::Corruption => "corrupted data",
            _ => "overflow",
        };
        let label = match g.lost {
            Some(n) => format!("{what}: {n} samples lost"),
            None => format!("{what}: samples lost (count unknown: no device time)"),
        };
        let mut a = Annotation::new(g.at_sample, 0, label);
        a.sample_count = None;
        a.extra.insert("nrkit:samples_lost".into(), json!(g.lost));
        a.extra.insert(
            "nrkit:gap_cause".into(),
            json!(match g.cause {
                GapCause::Overflow => "overflow",
                GapCause::Timestamp => "timestamp",
                GapCause::Corruption => "corruption",
            }),
        );
        if let Some(t) = g.time_ns {
            a.extra.insert("nrkit:device_time_ns".into(), json!(t));
        }
        self.writer.annotate(a);
        Ok(())
    }

    fn timeout(&mut self, at_sample: u64, timeouts: u64) -> Result<(), SdrError> {
        // One annotation per run of timeouts, at the first sample after it; a repeated
        // timeout at the same place updates the count.
        if let Some(a) = self
            .writer
            .meta_mut()
            .annotations
            .iter_mut()
            .rev()
            .find(|a| {
                a.sample_start == at_sample
                    && a.extra.get("nrkit:event").is_some_and(|v| v == "timeout")
            })
        {
            a.extra.insert("nrkit:timeouts".into(), json!(timeouts));
            return Ok(());
        }
        let mut a = Annotation::new(at_sample, 0, "read timeout");
        a.sample_count = None;
        a.comment = Some("the device delivered no samples within the read timeout".into());
        a.extra.insert("nrkit:event".into(), json!("timeout"));
        a.extra.insert("nrkit:timeouts".into(), json!(timeouts));
        self.writer.annotate(a);
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<(), SdrError> {
        Ok(self.writer.sync_meta()?)
    }
}

/// What a capture did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Samples delivered by the device.
    pub samples_received: u64,
    /// Samples written to the sink.
    pub samples_written: u64,
    /// Samples lost (counted from device timestamps).
    pub samples_lost: u64,
    /// Overflows reported by the driver.
    pub overflows: u64,
    /// Gaps recorded (overflows and timestamp jumps).
    pub gaps: u64,
    /// Gaps whose size is unknown (device without time).
    pub gaps_unknown: u64,
    /// Read timeouts.
    pub timeouts: u64,
    /// Non-fatal stream errors other than overflows and timeouts (corrupted data): each
    /// is counted here and marked like an overflow before the next samples.
    pub corruptions: u64,
    /// Samples received but not written because the capture was aborted
    /// ([`CaptureOptions::abort`]) or the sink failed.
    pub samples_discarded: u64,
}

enum Msg<S> {
    Data(Vec<S>, usize),
    Gap {
        lost: Option<u64>,
        time_ns: Option<i64>,
        start_time_ns: Option<i64>,
        cause: GapCause,
    },
    Started(Option<i64>),
    /// A read timed out (the count of timeouts in a row).
    Timeout(u64),
}

struct ReaderResult {
    received: u64,
    overflows: u64,
    timeouts: u64,
    corruptions: u64,
    error: Option<SdrError>,
}

/// Captures from `src` into `sink` until `opts.samples` are received, `stop` is set, or the
/// device fails. On every exit all samples read are written first; a device failure after
/// the start is returned in the second element, with the statistics of what was saved.
/// A sink error ends the capture with `Err`.
pub fn capture<R, K>(
    src: &mut R,
    sink: &mut K,
    opts: &CaptureOptions,
    stop: &AtomicBool,
) -> Result<(CaptureStats, Option<SdrError>), SdrError>
where
    R: RxSource,
    K: CaptureSink<R::Sample>,
{
    opts.validate()?;
    let block = if opts.block_samples > 0 {
        opts.block_samples
    } else {
        src.mtu().clamp(1024, 1 << 16)
    };
    let nblocks = (opts.ring_samples / block).max(4);
    let (data_tx, data_rx) = mpsc::sync_channel::<Msg<R::Sample>>(nblocks + 8);
    let (free_tx, free_rx) = mpsc::channel::<Vec<R::Sample>>();
    // Buffers are allocated on demand up to `nblocks`, then recycled.
    let mut stats = CaptureStats::default();
    // A writer that fails drops its ends of both channels, which stops the reader.
    let (reader_result, write_result) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| read_loop(src, opts, block, nblocks, stop, data_tx, free_rx));
        let w = write_loop(sink, opts, data_rx, free_tx, &mut stats);
        (reader.join(), w)
    });
    let rr = reader_result.map_err(|_| SdrError::Driver {
        text: "the capture reader thread panicked".into(),
    })?;
    write_result?;
    stats.samples_received = rr.received;
    stats.overflows = rr.overflows;
    stats.timeouts = rr.timeouts;
    stats.corruptions = rr.corruptions;
    stats.samples_discarded = rr.received.saturating_sub(stats.samples_written);
    sink.checkpoint()?;
    Ok((stats, rr.error))
}

fn read_loop<R: RxSource>(
    src: &mut R,
    opts: &CaptureOptions,
    block: usize,
    nblocks: usize,
    stop: &AtomicBool,
    data_tx: SyncSender<Msg<R::Sample>>,
    free_rx: Receiver<Vec<R::Sample>>,
) -> ReaderResult {
    let rate = src.sample_rate();
    let mut res = ReaderResult {
        received: 0,
        overflows: 0,
        timeouts: 0,
        corruptions: 0,
        error: None,
    };
    let mut allocated = 0usize;
    let mut spare: Option<Vec<R::Sample>> = None;
    let mut next_tick: Option<i64> = None;
    let mut start_time_ns: Option<i64> = None;
    let mut started = false;
    let mut overflow_pending = false;
    let mut corruption_pending = false;
    let mut in_a_row = 0u64;
    let mut last_data = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let want = match opts.samples {
            Some(n) if res.received >= n => break,
            Some(n) => block.min((n - res.received) as usize),
            None => block,
        };
        let mut buf = match spare.take() {
            Some(b) => b,
            None => match free_rx.try_recv() {
                Ok(b) => b,
                Err(_) if allocated < nblocks => {
                    allocated += 1;
                    vec![R::Sample::default(); block]
                }
                // The ring is full: wait for the writer.
                Err(_) => match free_rx.recv() {
                    Ok(b) => b,
                    Err(_) => break,
                },
            },
        };
        match src.read(&mut buf[..want], opts.read_timeout_us) {
            Ok(r) if r.len == 0 => {
                // No data without a timeout is silence too.
                spare = Some(buf);
                if let Some(e) = silence(last_data, opts, "reads returned nothing") {
                    res.error = Some(e);
                    break;
                }
            }
            Ok(r) => {
                last_data = Instant::now();
                in_a_row = 0;
                if !started {
                    started = true;
                    start_time_ns = r.time_ns;
                    if data_tx.send(Msg::Started(r.time_ns)).is_err() {
                        break;
                    }
                }
                let tick = r.time_ns.map(|t| ns_to_ticks(t, rate));
                let jump = match (tick, next_tick) {
                    (Some(t), Some(e)) if t != e => Some(t - e),
                    _ => None,
                };
                if overflow_pending || corruption_pending || jump.is_some() {
                    let lost = match (tick, next_tick) {
                        (Some(t), Some(e)) if t >= e => Some((t - e) as u64),
                        _ => None,
                    };
                    let cause = if overflow_pending {
                        GapCause::Overflow
                    } else if corruption_pending {
                        GapCause::Corruption
                    } else {
                        GapCause::Timestamp
                    };
                    overflow_pending = false;
                    corruption_pending = false;
                    let gap = Msg::Gap {
                        lost,
                        time_ns: r.time_ns,
                        start_time_ns,
                        cause,
                    };
                    if data_tx.send(gap).is_err() {
                        break;
                    }
                }
                next_tick = tick.map(|t| t + r.len as i64);
                res.received += r.len as u64;
                if data_tx.send(Msg::Data(buf, r.len)).is_err() {
                    break;
                }
            }
            Err(SdrError::Overflow { .. }) => {
                res.overflows += 1;
                overflow_pending = true;
                spare = Some(buf);
            }
            Err(SdrError::Timeout { text }) => {
                res.timeouts += 1;
                in_a_row += 1;
                spare = Some(buf);
                if data_tx.send(Msg::Timeout(in_a_row)).is_err() {
                    break;
                }
                if let Some(e) = silence(last_data, opts, &text) {
                    res.error = Some(e);
                    break;
                }
            }
            Err(e) if !e.is_fatal() => {
                res.corruptions += 1;
                corruption_pending = true;
                spare = Some(buf);
            }
            Err(e) => {
                res.error = Some(e);
                break;
            }
        }
    }
    res
}

/// The error ending a capture that has had no sample for longer than `max_silence`.
fn silence(last_data: Instant, opts: &CaptureOptions, why: &str) -> Option<SdrError> {
    let quiet = last_data.elapsed();
    (quiet > opts.max_silence).then(|| SdrError::Timeout {
        text: format!("no samples for {:.1} s ({why})", quiet.as_secs_f64()),
    })
}

fn write_loop<S: WireSample, K: CaptureSink<S>>(
    sink: &mut K,
    opts: &CaptureOptions,
    data_rx: Receiver<Msg<S>>,
    free_tx: mpsc::Sender<Vec<S>>,
    stats: &mut CaptureStats,
) -> Result<(), SdrError> {
    let mut last_checkpoint = Instant::now();
    for msg in data_rx {
        if opts
            .abort
            .as_ref()
            .is_some_and(|a| a.load(Ordering::Relaxed))
        {
            // Dropping the receiver stops the reader; the ring's rest is not written.
            break;
        }
        match msg {
            Msg::Data(buf, len) => {
                sink.write(&buf[..len])?;
                stats.samples_written += len as u64;
                let _ = free_tx.send(buf);
            }
            Msg::Gap {
                lost,
                time_ns,
                start_time_ns,
                cause,
            } => {
                stats.gaps += 1;
                match lost {
                    Some(n) => stats.samples_lost += n,
                    None => stats.gaps_unknown += 1,
                }
                sink.gap(&Gap {
                    at_sample: stats.samples_written,
                    lost,
                    time_ns,
                    start_time_ns,
                    cause,
                })?;
            }
            Msg::Started(t) => sink.started(t)?,
            Msg::Timeout(n) => sink.timeout(stats.samples_written, n)?,
        }
        if last_checkpoint.elapsed() >= opts.checkpoint_every {
            sink.checkpoint()?;
            last_checkpoint = Instant::now();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RxRead;
    use nrkit_core::C32;
    use nrkit_iq::{Datatype, Meta, Recording};

    /// A source that plays a script of reads, then returns `after` forever.
    struct Scripted {
        script: Vec<Result<(usize, Option<i64>), SdrError>>,
        after: fn() -> Result<RxRead, SdrError>,
    }

    impl RxSource for Scripted {
        type Sample = C32;
        fn sample_rate(&self) -> f64 {
            1e6
        }
        fn mtu(&self) -> usize {
            1024
        }
        fn read(&mut self, buf: &mut [C32], _timeout_us: i64) -> Result<RxRead, SdrError> {
            if self.script.is_empty() {
                return (self.after)();
            }
            match self.script.remove(0) {
                Ok((n, time_ns)) => {
                    let n = n.min(buf.len());
                    buf[..n].iter_mut().for_each(|v| *v = C32::new(0.5, -0.5));
                    Ok(RxRead { len: n, time_ns })
                }
                Err(e) => Err(e),
            }
        }
    }

    fn quick() -> CaptureOptions {
        CaptureOptions {
            samples: Some(4000),
            block_samples: 1000,
            ring_samples: 8000,
            max_silence: Duration::from_millis(200),
            ..CaptureOptions::default()
        }
    }

    #[test]
    fn options_are_validated() {
        assert!(CaptureOptions::default().validate().is_ok());
        for o in [
            CaptureOptions {
                ring_samples: 0,
                ..quick()
            },
            CaptureOptions {
                block_samples: 1 << 21,
                ..quick()
            },
            CaptureOptions {
                read_timeout_us: 0,
                ..quick()
            },
            CaptureOptions {
                read_timeout_us: -5,
                ..quick()
            },
            CaptureOptions {
                max_silence: Duration::ZERO,
                ..quick()
            },
            CaptureOptions {
                checkpoint_every: Duration::from_secs(1 << 40),
                ..quick()
            },
            CaptureOptions {
                samples: Some(0),
                ..quick()
            },
        ] {
            assert!(
                matches!(o.validate(), Err(SdrError::Invalid { .. })),
                "{o:?}"
            );
        }
    }

    #[test]
    fn corruption_is_counted_and_marked() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("c");
        let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, Some(1e9))).unwrap();
        let mut sink = SigmfSink::new(w);
        let mut src = Scripted {
            script: vec![
                Ok((1000, Some(0))),
                Err(SdrError::Corruption {
                    text: "bad packet".into(),
                }),
                // 500 samples (500 µs) went missing with the corrupted packet.
                Ok((1000, Some(1_500_000))),
                Ok((1000, Some(2_500_000))),
                Ok((1000, Some(3_500_000))),
            ],
            after: || {
                Ok(RxRead {
                    len: 0,
                    time_ns: None,
                })
            },
        };
        let stop = AtomicBool::new(false);
        let (st, err) = capture(&mut src, &mut sink, &quick(), &stop).unwrap();
        assert!(err.is_none());
        sink.finish().unwrap();
        assert_eq!((st.corruptions, st.gaps, st.samples_lost), (1, 1, 500));
        let r = Recording::open_sigmf(&base).unwrap();
        let a = &r.meta.annotations[0];
        assert_eq!(a.sample_start, 1000);
        assert_eq!(a.extra["nrkit:gap_cause"], "corruption");
        assert_eq!(a.label.as_deref(), Some("corrupted data: 500 samples lost"));
        assert_eq!(r.meta.captures.len(), 2);
    }

    #[test]
    fn timeouts_are_marked_once_per_run() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("t");
        let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, None)).unwrap();
        let mut sink = SigmfSink::new(w);
        let timeout = || Err(SdrError::Timeout { text: "t".into() });
        let mut src = Scripted {
            script: vec![
                Ok((1000, None)),
                timeout(),
                timeout(),
                Ok((1000, None)),
                timeout(),
                Ok((2000, None)),
            ],
            after: || {
                Ok(RxRead {
                    len: 0,
                    time_ns: None,
                })
            },
        };
        let stop = AtomicBool::new(false);
        let (st, _) = capture(&mut src, &mut sink, &quick(), &stop).unwrap();
        sink.finish().unwrap();
        assert_eq!(st.timeouts, 3);
        let r = Recording::open_sigmf(&base).unwrap();
        let t: Vec<_> = r
            .meta
            .annotations
            .iter()
            .filter(|a| a.extra.get("nrkit:event").is_some_and(|v| v == "timeout"))
            .map(|a| (a.sample_start, a.extra["nrkit:timeouts"].as_u64().unwrap()))
            .collect();
        assert_eq!(t, vec![(1000, 2), (2000, 1)]);
    }

    #[test]
    fn reads_that_return_nothing_end_on_the_silence_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let w = Writer::create(
            &dir.path().join("s"),
            Meta::new(Datatype::Cf32Le, 1e6, None),
        )
        .unwrap();
        let mut sink = SigmfSink::new(w);
        let mut src = Scripted {
            script: vec![Ok((1000, None))],
            after: || {
                Ok(RxRead {
                    len: 0,
                    time_ns: None,
                })
            },
        };
        let stop = AtomicBool::new(false);
        let t0 = Instant::now();
        let (st, err) = capture(&mut src, &mut sink, &quick(), &stop).unwrap();
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert_eq!(st.samples_written, 1000);
        assert!(matches!(err, Some(SdrError::Timeout { .. })), "{err:?}");
        assert_eq!(sink.finish().unwrap(), 1000);
    }

    #[test]
    fn abort_stops_the_writer_and_leaves_a_valid_recording() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("a");
        let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, None)).unwrap();
        let mut sink = SigmfSink::new(w);
        let mut src = Scripted {
            script: (0..4).map(|_| Ok((1000, None))).collect(),
            after: || {
                Ok(RxRead {
                    len: 0,
                    time_ns: None,
                })
            },
        };
        let abort = Arc::new(AtomicBool::new(true));
        let opts = CaptureOptions {
            abort: Some(abort),
            ..quick()
        };
        let stop = AtomicBool::new(false);
        let (st, _) = capture(&mut src, &mut sink, &opts, &stop).unwrap();
        let n = sink.finish().unwrap();
        assert_eq!(st.samples_written, n);
        assert_eq!(st.samples_discarded, st.samples_received - n);
        assert_eq!(Recording::open_sigmf(&base).unwrap().samples, n);
    }
}
