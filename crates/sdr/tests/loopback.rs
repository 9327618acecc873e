//! nrkit-sdr through the real libSoapySDR and the `driver=loopback` module.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::Duration;

use nrkit_core::C32;
use nrkit_iq::{Datatype, Meta, Recording, Writer};
use nrkit_sdr::*;
use num_complex::Complex;

fn load() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let info = load_module(nrkit_sdr_loopback::module_path()).expect("module loads");
        assert_eq!(info.registered, vec!["loopback".to_string()]);
        assert_eq!(info.version, "0.1.0");
    });
}

/// A unique device args string (SoapySDR shares devices whose find() args are equal).
fn args(extra: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut s = format!("driver=loopback,serial=t{}-{n}", std::process::id());
    if !extra.is_empty() {
        s.push(',');
        s.push_str(extra);
    }
    s
}

fn open(extra: &str, rate: f64) -> Device {
    load();
    let d = Device::open(&args(extra)).expect("open loopback");
    for dir in [Direction::Rx, Direction::Tx] {
        d.configure(dir, &ChannelConfig::new(rate, 3.5e9, Gain::Db(10.0)))
            .unwrap();
    }
    d
}

/// The tick a `pattern=counter` sample carries (mod 2^30).
fn tick_of(z: C32) -> i64 {
    let lo = (z.re * 32768.0).round() as i64;
    let hi = (z.im * 32768.0).round() as i64;
    lo | (hi << 15)
}

#[derive(Default)]
struct VecSink<S> {
    data: Vec<S>,
    gaps: Vec<Gap>,
}

impl<S: Copy> CaptureSink<S> for VecSink<S> {
    fn write(&mut self, s: &[S]) -> Result<(), SdrError> {
        self.data.extend_from_slice(s);
        Ok(())
    }
    fn gap(&mut self, g: &Gap) -> Result<(), SdrError> {
        self.gaps.push(g.clone());
        Ok(())
    }
}

/// Checks a counter-pattern capture: consecutive ticks except at the gaps, where the jump is
/// exactly the samples lost.
fn check_counter(data: &[C32], gaps: &[(u64, u64)]) {
    let mut gi = 0;
    for i in 1..data.len() {
        let step = (tick_of(data[i]) - tick_of(data[i - 1])).rem_euclid(1 << 30);
        let expect = if gi < gaps.len() && gaps[gi].0 == i as u64 {
            gi += 1;
            gaps[gi - 1].1 as i64 + 1
        } else {
            1
        };
        assert_eq!(
            step, expect,
            "sample {i}: tick step {step}, expected {expect}"
        );
    }
    assert_eq!(gi, gaps.len(), "every gap seen in the data");
}

#[test]
fn module_loads_and_enumerates() {
    load();
    let a = args("");
    let found = enumerate(&a).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].args["driver"], "loopback");
    // Not a SoapySDR module: a clear error.
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("libbogus.so");
    std::fs::write(&bogus, b"not an ELF").unwrap();
    let e = load_module(&bogus).unwrap_err().to_string();
    assert!(e.contains("libbogus.so"), "{e}");
}

#[test]
fn configure_reads_back_and_rejects_bad_values() {
    let d = open("channels=2", 1e6);
    let mut cfg = ChannelConfig::new(30.72e6, 3.6e9, Gain::Db(20.0));
    cfg.channel = 1;
    cfg.bandwidth = Some(20e6);
    cfg.antenna = Some("LOOP".into());
    let a = d.configure(Direction::Rx, &cfg).unwrap();
    assert_eq!(a.sample_rate, 30.72e6);
    assert_eq!(a.frequency, 3.6e9);
    assert_eq!(a.gain_db, Some(20.0));
    assert!(!a.agc);
    assert_eq!(a.bandwidth, Some(20e6));
    assert_eq!(a.antenna.as_deref(), Some("LOOP"));
    cfg.gain = Gain::Agc;
    assert!(d.configure(Direction::Rx, &cfg).unwrap().agc);
    assert!(d.has_time());
    assert_eq!(d.driver(), "loopback");

    cfg.channel = 2;
    let e = d.configure(Direction::Rx, &cfg).unwrap_err();
    assert!(matches!(e, SdrError::Invalid { .. }), "{e}");
    assert!(e.to_string().contains("2 rx channel"), "{e}");
    cfg.channel = 0;
    cfg.gain = Gain::Db(99.0);
    let e = d.configure(Direction::Rx, &cfg).unwrap_err().to_string();
    assert!(e.contains("0 … 60 dB"), "{e}");
    cfg.gain = Gain::Db(0.0);
    cfg.antenna = Some("RX2".into());
    let e = d.configure(Direction::Rx, &cfg).unwrap_err().to_string();
    assert!(e.contains("available: LOOP"), "{e}");
    cfg.antenna = None;
    cfg.frequency = 200e9;
    let e = d.configure(Direction::Rx, &cfg).unwrap_err();
    assert!(matches!(e, SdrError::Config { .. }), "{e}");
    assert!(e.to_string().contains("out of range"), "{e}");
    assert!(matches!(
        d.set_clock_source("gpsdo").unwrap_err(),
        SdrError::Unsupported { .. }
    ));
    d.set_time_source("internal").unwrap();
}

#[test]
fn open_errors_keep_the_driver_text() {
    load();
    let e = Device::open(&args("fail_open=1")).unwrap_err();
    assert!(matches!(e, SdrError::Open { .. }), "{e}");
    assert!(e.to_string().contains("fail_open=1 injected"), "{e}");
    let e = Device::open("driver=nosuchdriver").unwrap_err();
    assert!(matches!(e, SdrError::NotFound { .. }), "{e}");
    assert!(
        e.to_string().contains("driver=loopback"),
        "lists what exists: {e}"
    );
}

fn ramp(n: usize) -> Vec<C32> {
    (0..n)
        .map(|i| C32::new((i as f32 * 0.37).sin() * 0.5, (i as f32 * 0.11).cos() * 0.5))
        .collect()
}

#[test]
fn tx_loops_to_rx_gaplessly() {
    let d = open("mtu=1000", 1e6);
    let wave = ramp(2500);
    let mut rx = d.rx_cf32(0).unwrap();
    let mut tx = d.tx_cf32(0).unwrap();
    let stop = AtomicBool::new(false);
    let mut sink = VecSink::<C32>::default();
    let (play, cap) = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let opts = PlayOptions {
                repeat: Repeat::Times(3),
                block_samples: 777,
                ..PlayOptions::default()
            };
            play(&mut tx, &wave, &opts, &stop)
        });
        let opts = CaptureOptions {
            samples: Some(3 * 2500 + 500),
            ..CaptureOptions::default()
        };
        let cap = capture(&mut rx, &mut sink, &opts, &stop);
        (h.join().unwrap(), cap)
    });
    let play = play.unwrap();
    assert_eq!(play.samples_sent, 7500);
    assert_eq!(play.repetitions, 3);
    assert_eq!((play.underflows, play.late), (0, 0));
    assert!(play.burst_acknowledged);
    let (stats, err) = cap.unwrap();
    assert!(err.is_none());
    assert_eq!(stats.samples_received, 8000);
    assert_eq!(stats.samples_written, 8000);
    assert_eq!((stats.samples_lost, stats.gaps), (0, 0));
    assert!(sink.gaps.is_empty());
    // The armed TX stream holds the clock: the waveform starts at the first sample.
    for r in 0..3 {
        assert_eq!(
            &sink.data[r * 2500..(r + 1) * 2500],
            &wave[..],
            "repetition {r}"
        );
    }
    assert!(sink.data[7500..].iter().all(|z| *z == C32::default()));
}

#[test]
fn timed_burst_starts_at_its_time_and_late_ones_are_reported() {
    let d = open("", 1e6);
    let mut rx = d.rx_cf32(0).unwrap();
    let mut tx = d.tx_cf32(0).unwrap();
    let t0 = d.time_ns().unwrap();
    let wave = ramp(300);
    let stop = AtomicBool::new(false);
    let opts = PlayOptions {
        start_at_ns: Some(t0 + 1_000_000), // 1 ms = 1000 samples later
        ..PlayOptions::default()
    };
    let st = play(&mut tx, &wave, &opts, &stop).unwrap();
    assert_eq!(st.samples_sent, 300);
    let mut buf = vec![C32::default(); 2000];
    let mut got = Vec::new();
    while got.len() < 2000 {
        let r = rx.read(&mut buf[..2000 - got.len()], 100_000).unwrap();
        if got.is_empty() {
            assert_eq!(r.time_ns, Some(t0));
        }
        got.extend_from_slice(&buf[..r.len]);
    }
    assert!(got[..1000].iter().all(|z| *z == C32::default()));
    assert_eq!(&got[1000..1300], &wave[..]);
    // Now the clock is at t0 + 2 ms: a burst for t0 + 1 ms is late.
    let opts = PlayOptions {
        start_at_ns: Some(t0 + 1_000_000),
        ..PlayOptions::default()
    };
    let e = play(&mut tx, &wave, &opts, &stop).unwrap_err();
    assert!(matches!(e, SdrError::Late { .. }), "{e}");
}

#[test]
fn injected_overflows_are_annotated_to_the_sample() {
    let d = open(
        "pattern=counter,overflow_every=10000,overflow_drop=123,mtu=4096",
        1e6,
    );
    let mut rx = d.rx_cf32(0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("cap");
    let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, Some(3.5e9))).unwrap();
    let mut sink = SigmfSink::new(w);
    let opts = CaptureOptions {
        samples: Some(55_000),
        ..CaptureOptions::default()
    };
    let (st, err) = capture(&mut rx, &mut sink, &opts, &AtomicBool::new(false)).unwrap();
    assert!(err.is_none());
    sink.finish().unwrap();
    assert_eq!(st.samples_received, 55_000);
    assert_eq!(st.samples_written, 55_000);
    assert_eq!(st.overflows, 5);
    assert_eq!(st.gaps, 5);
    assert_eq!(st.samples_lost, 5 * 123);
    let rec = Recording::open_sigmf(&base).unwrap();
    assert_eq!(rec.samples, 55_000);
    let gaps: Vec<(u64, u64)> = rec
        .meta
        .annotations
        .iter()
        .map(|a| {
            assert_eq!(a.label.as_deref(), Some("overflow: 123 samples lost"));
            (
                a.sample_start,
                a.extra["nrkit:samples_lost"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(gaps, (1..=5).map(|k| (k * 10_000, 123)).collect::<Vec<_>>());
    // One capture segment per gap, with the device's global index and a datetime.
    assert_eq!(rec.meta.captures.len(), 6);
    for (k, c) in rec.meta.captures.iter().enumerate() {
        assert_eq!(c.sample_start, k as u64 * 10_000);
        assert!(c.datetime.is_some());
        assert_eq!(c.frequency, Some(3.5e9));
        if k > 0 {
            assert_eq!(
                c.extra["core:global_index"].as_u64().unwrap(),
                k as u64 * 10_123
            );
        }
    }
    let data = rec.reader().unwrap().read_all().unwrap();
    check_counter(&data, &gaps);
}

#[test]
fn timeouts_are_retried_and_cs16_is_written_as_is() {
    let d = open("pattern=counter,timeout_every=3,mtu=1000", 1e6);
    let mut rx = d.rx_cs16(0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("cs16");
    let w = Writer::create(&base, Meta::new(Datatype::Ci16Le, 1e6, None)).unwrap();
    let mut sink = SigmfSink::new(w);
    let opts = CaptureOptions {
        samples: Some(20_000),
        ..CaptureOptions::default()
    };
    let (st, err) = capture(&mut rx, &mut sink, &opts, &AtomicBool::new(false)).unwrap();
    sink.finish().unwrap();
    assert!(err.is_none());
    assert!(st.timeouts >= 9, "{st:?}");
    assert_eq!((st.samples_written, st.gaps), (20_000, 0));
    let rec = Recording::open_sigmf(&base).unwrap();
    assert_eq!(rec.meta.datatype, Datatype::Ci16Le);
    let data = rec.reader().unwrap().read_all().unwrap();
    check_counter(&data, &[]);
    // Wrong pairing is an error, not silent conversion.
    let w = Writer::create(
        &dir.path().join("x"),
        Meta::new(Datatype::Cf32Le, 1e6, None),
    )
    .unwrap();
    let mut w = w;
    assert!(w.write_ci16(&[Complex::new(1i16, 2)]).is_err());
}

#[test]
fn disconnect_ends_the_capture_with_an_error_and_a_valid_file() {
    let d = open("pattern=counter,disconnect_after=12345", 1e6);
    let mut rx = d.rx_cf32(0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("disc");
    let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, None)).unwrap();
    let mut sink = SigmfSink::new(w);
    let opts = CaptureOptions {
        samples: Some(100_000),
        ..CaptureOptions::default()
    };
    let (st, err) = capture(&mut rx, &mut sink, &opts, &AtomicBool::new(false)).unwrap();
    sink.finish().unwrap();
    let err = err.expect("the disconnect is reported");
    assert!(matches!(err, SdrError::Disconnected { .. }), "{err}");
    assert_eq!(st.samples_written, 12_345);
    let rec = Recording::open_sigmf(&base).unwrap();
    assert_eq!(rec.samples, 12_345);
    check_counter(&rec.reader().unwrap().read_all().unwrap(), &[]);
}

#[test]
fn underflows_are_counted() {
    let d = open("underflow_every=1000", 1e6);
    let mut tx = d.tx_cf32(0).unwrap();
    let st = play(
        &mut tx,
        &ramp(500),
        &PlayOptions {
            repeat: Repeat::Times(9),
            ..PlayOptions::default()
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(st.samples_sent, 4500);
    assert_eq!(st.underflows, 4);
    assert!(st.burst_acknowledged);
}

#[test]
fn stop_ends_a_looping_burst_cleanly() {
    let d = open("", 1e6);
    let mut tx = d.tx_cf32(0).unwrap();
    let stop = AtomicBool::new(false);
    let st = std::thread::scope(|s| {
        let h = s.spawn(|| {
            play(
                &mut tx,
                &ramp(1000),
                &PlayOptions {
                    repeat: Repeat::Forever,
                    ..PlayOptions::default()
                },
                &stop,
            )
        });
        std::thread::sleep(Duration::from_millis(100));
        stop.store(true, Ordering::Relaxed);
        h.join().unwrap()
    })
    .unwrap();
    assert!(st.stopped);
    assert!(st.samples_sent > 1000);
    assert!(st.burst_acknowledged);
}

/// Paced like hardware: a writer that stalls longer than the device buffer (with a small
/// ring) makes the device overflow; the loss is counted exactly from the timestamps.
#[test]
fn paced_device_overflows_when_the_writer_stalls_and_the_loss_is_exact() {
    let d = open("pace=1,pattern=counter,buffer=20000,mtu=2000", 1e6);
    let mut rx = d.rx_cf32(0).unwrap();
    struct Slow(VecSink<C32>, usize);
    impl CaptureSink<C32> for Slow {
        fn write(&mut self, s: &[C32]) -> Result<(), SdrError> {
            self.1 += 1;
            if self.1 == 20 {
                std::thread::sleep(Duration::from_millis(150));
            }
            self.0.write(s)
        }
        fn gap(&mut self, g: &Gap) -> Result<(), SdrError> {
            self.0.gap(g)
        }
    }
    let mut sink = Slow(VecSink::default(), 0);
    let opts = CaptureOptions {
        samples: Some(150_000),
        ring_samples: 8000,
        block_samples: 2000,
        ..CaptureOptions::default()
    };
    let (st, err) = capture(&mut rx, &mut sink, &opts, &AtomicBool::new(false)).unwrap();
    assert!(err.is_none());
    assert!(st.overflows >= 1, "{st:?}");
    assert!(st.samples_lost > 50_000, "{st:?}");
    let gaps: Vec<(u64, u64)> = sink
        .0
        .gaps
        .iter()
        .map(|g| (g.at_sample, g.lost.unwrap()))
        .collect();
    assert_eq!(gaps.iter().map(|g| g.1).sum::<u64>(), st.samples_lost);
    check_counter(&sink.0.data, &gaps);
}

#[test]
fn soapysdrutil_finds_the_module_on_the_plugin_path() {
    let out = std::process::Command::new("SoapySDRUtil")
        .arg("--find=driver=loopback")
        .env("SOAPY_SDR_PLUGIN_PATH", nrkit_sdr_loopback::module_dir())
        .output()
        .expect("SoapySDRUtil runs (Debian soapysdr-tools; scripts/test.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("driver = loopback"), "{text}");
}

/// Soak (run by hand: `cargo test -p nrkit-sdr --release -- --ignored soak`, length from
/// NRKIT_SOAK_SECONDS, default 60): 30.72 Msps paced like hardware, pattern=counter, an
/// injected overflow of 4096 samples every 7 s, and the writer stalling 400 ms every 5 s
/// (absorbed by the ring). Every sample is checked as it is written: no delivered sample
/// lost, every injected loss accounted for to the sample.
#[test]
#[ignore]
fn soak_30_72_msps_with_stalls_and_overflows() {
    let secs: f64 = std::env::var("NRKIT_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60.0);
    let fs = 30.72e6;
    let every = (7.0 * fs) as u64;
    let d = open(
        &format!("pace=1,pattern=counter,overflow_every={every},overflow_drop=4096,mtu=16384"),
        fs,
    );
    let mut rx = d.rx_cf32(0).unwrap();
    struct Check {
        last: Option<i64>,
        pending_gap: Option<u64>,
        written: u64,
        lost: u64,
        gaps: u64,
        blocks: u64,
        stall_every: u64,
        stalls: u64,
    }
    impl CaptureSink<C32> for Check {
        fn write(&mut self, s: &[C32]) -> Result<(), SdrError> {
            for &z in s {
                let t = tick_of(z);
                if let Some(l) = self.last {
                    let want = 1 + self.pending_gap.take().unwrap_or(0) as i64;
                    let step = (t - l).rem_euclid(1 << 30);
                    assert_eq!(step, want, "sample {}: tick step", self.written);
                }
                self.last = Some(t);
                self.written += 1;
            }
            self.blocks += 1;
            if self.blocks.is_multiple_of(self.stall_every) {
                self.stalls += 1;
                std::thread::sleep(Duration::from_millis(400));
            }
            Ok(())
        }
        fn gap(&mut self, g: &Gap) -> Result<(), SdrError> {
            let n = g.lost.expect("the loopback keeps time");
            self.pending_gap = Some(n);
            self.lost += n;
            self.gaps += 1;
            Ok(())
        }
    }
    let block = 16384u64;
    let mut sink = Check {
        last: None,
        pending_gap: None,
        written: 0,
        lost: 0,
        gaps: 0,
        blocks: 0,
        stall_every: (5.0 * fs) as u64 / block,
        stalls: 0,
    };
    let total = (secs * fs) as u64;
    let opts = CaptureOptions {
        samples: Some(total),
        ring_samples: fs as usize, // one second
        block_samples: block as usize,
        ..CaptureOptions::default()
    };
    let t0 = std::time::Instant::now();
    let (st, err) = capture(&mut rx, &mut sink, &opts, &AtomicBool::new(false)).unwrap();
    let wall = t0.elapsed().as_secs_f64();
    assert!(err.is_none(), "{err:?}");
    let injected = st.samples_received / every;
    eprintln!(
        "soak: {secs} s at {fs} sps in {wall:.1} s wall: received {}, written {}, lost {} in {} gap(s) \
         ({} overflow(s) injected), {} writer stall(s) of 400 ms",
        st.samples_received, st.samples_written, st.samples_lost, st.gaps, injected, sink.stalls
    );
    assert_eq!(st.samples_received, total);
    assert_eq!(st.samples_written, total);
    assert_eq!(sink.written, total);
    assert_eq!(st.overflows, injected, "only the injected overflows");
    assert_eq!(st.samples_lost, injected * 4096);
    assert_eq!(sink.lost, st.samples_lost);
    assert!(sink.stalls >= (secs / 5.0) as u64 - 1);
}
