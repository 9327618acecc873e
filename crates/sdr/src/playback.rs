//! Gapless transmission of a prepared waveform.
//!
//! A filler thread copies the waveform (wrapping around at its end) into two blocks that
//! alternate with the writer (double buffering), so the device is fed whole blocks with no
//! work between writes; the writer polls the stream status between writes to count
//! underflows and late bursts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use nrkit_core::C32;

use crate::{SdrError, TxEvent, TxSink};

/// How often to send the waveform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// This many times back to back (one burst).
    Times(u64),
    /// Until stopped.
    Forever,
}

/// Playback settings.
#[derive(Debug, Clone)]
pub struct PlayOptions {
    /// How often.
    pub repeat: Repeat,
    /// Device time (ns) of the first sample; `None` starts at once.
    pub start_at_ns: Option<i64>,
    /// Samples per write; 0 = the stream's MTU.
    pub block_samples: usize,
    /// Timeout of one write (µs); a device that takes nothing for this long is an error.
    pub write_timeout_us: i64,
}

impl Default for PlayOptions {
    fn default() -> Self {
        PlayOptions {
            repeat: Repeat::Times(1),
            start_at_ns: None,
            block_samples: 0,
            write_timeout_us: 1_000_000,
        }
    }
}

/// What a playback did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlayStats {
    /// Samples the device took.
    pub samples_sent: u64,
    /// Whole passes over the waveform.
    pub repetitions: u64,
    /// Underflows reported.
    pub underflows: u64,
    /// Late bursts reported.
    pub late: u64,
    /// Whether the end of the burst was acknowledged by the device.
    pub burst_acknowledged: bool,
    /// Whether it ended because `stop` was set.
    pub stopped: bool,
}

/// Sends `wave` through `sink` as one continuous burst, `opts.repeat` times or until `stop`
/// is set (then the burst is ended cleanly after the block in flight).
pub fn play<T: TxSink>(
    sink: &mut T,
    wave: &[C32],
    opts: &PlayOptions,
    stop: &AtomicBool,
) -> Result<PlayStats, SdrError> {
    if wave.is_empty() {
        return Err(SdrError::Invalid {
            what: "waveform".into(),
            problem: "it has no samples".into(),
        });
    }
    if let Repeat::Times(0) = opts.repeat {
        return Err(SdrError::Invalid {
            what: "repeat count".into(),
            problem: "must be at least 1".into(),
        });
    }
    let block = if opts.block_samples > 0 {
        opts.block_samples
    } else {
        sink.mtu().clamp(256, 1 << 16)
    };
    let total: Option<u64> = match opts.repeat {
        Repeat::Times(n) => Some(n.saturating_mul(wave.len() as u64)),
        Repeat::Forever => None,
    };
    let mut stats = PlayStats::default();
    let filler_stop = AtomicBool::new(false);
    // Two blocks circulate: filled → writer → back to the filler.
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<C32>, usize, bool)>(2);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<C32>>();
    for _ in 0..2 {
        empty_tx
            .send(vec![C32::default(); block])
            .expect("receiver alive");
    }
    let result = std::thread::scope(|scope| {
        let filler_stop = &filler_stop;
        scope.spawn(move || {
            let mut pos = 0usize;
            let mut produced = 0u64;
            for mut buf in empty_rx.iter() {
                let stopping = stop.load(Ordering::Relaxed) || filler_stop.load(Ordering::Relaxed);
                let want = match total {
                    Some(t) => ((t - produced) as usize).min(block),
                    None => block,
                };
                let want = if stopping { 0 } else { want };
                let mut k = 0;
                while k < want {
                    let n = (want - k).min(wave.len() - pos);
                    buf[k..k + n].copy_from_slice(&wave[pos..pos + n]);
                    k += n;
                    pos = (pos + n) % wave.len();
                }
                produced += want as u64;
                let last = stopping || total.is_some_and(|t| produced >= t);
                if full_tx.send((buf, want, last)).is_err() || last {
                    break;
                }
            }
        });
        let r = write_blocks(sink, opts, full_rx, &empty_tx, &mut stats);
        filler_stop.store(true, Ordering::Relaxed);
        drop(empty_tx);
        r
    });
    stats.repetitions = stats.samples_sent / wave.len() as u64;
    stats.stopped = stop.load(Ordering::Relaxed);
    result?;
    // Collect what the device reports about the burst's end.
    for _ in 0..64 {
        match sink.poll_status(100_000) {
            None => break,
            Some(ev) => {
                if count_event(&ev, &mut stats) {
                    break;
                }
            }
        }
    }
    Ok(stats)
}

/// Counts `ev`; true when it acknowledges the end of the burst.
fn count_event(ev: &TxEvent, stats: &mut PlayStats) -> bool {
    match ev {
        TxEvent::Underflow { .. } => stats.underflows += 1,
        TxEvent::Late { .. } => stats.late += 1,
        TxEvent::BurstEnd { .. } => {
            stats.burst_acknowledged = true;
            return true;
        }
        TxEvent::Error(_) => {}
    }
    false
}

fn write_blocks<T: TxSink>(
    sink: &mut T,
    opts: &PlayOptions,
    full_rx: mpsc::Receiver<(Vec<C32>, usize, bool)>,
    empty_tx: &mpsc::Sender<Vec<C32>>,
    stats: &mut PlayStats,
) -> Result<(), SdrError> {
    let mut at = opts.start_at_ns;
    for (buf, len, last) in full_rx.iter() {
        let mut k = 0;
        // An empty last block still ends the burst: send one zero sample.
        let zero = [C32::default()];
        let (data, n) = if len == 0 && last {
            (&zero[..], 1)
        } else {
            (&buf[..len], len)
        };
        while k < n {
            match sink.write(&data[k..n], at, last, opts.write_timeout_us) {
                Ok(0) => {
                    return Err(SdrError::Timeout {
                        text: "the device took no samples".into(),
                    })
                }
                Ok(w) => {
                    k += w;
                    at = None;
                }
                Err(SdrError::Late { time_ns, text }) => {
                    stats.late += 1;
                    return Err(SdrError::Late { time_ns, text });
                }
                Err(SdrError::Underflow { .. }) => stats.underflows += 1,
                Err(e) => return Err(e),
            }
            while let Some(ev) = sink.poll_status(0) {
                if let TxEvent::Late { time_ns } = ev {
                    stats.late += 1;
                    return Err(SdrError::Late {
                        time_ns,
                        text: "the timed burst arrived after its start time".into(),
                    });
                }
                count_event(&ev, stats);
            }
        }
        if len > 0 {
            stats.samples_sent += len as u64;
        }
        if last {
            break;
        }
        let _ = empty_tx.send(buf);
    }
    Ok(())
}
