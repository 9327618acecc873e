//! The SDR commands through the real libSoapySDR and the `driver=loopback` module
//! (`SOAPY_SDR_PLUGIN_PATH` points the CLI at it).

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use nrkit::core::C32;
use nrkit::iq::{Datatype, Meta, Recording, Writer};
use nrkit::sdr::{
    self, CaptureOptions, ChannelConfig, Device, Direction, Gain, PlayOptions, Repeat, SigmfSink,
};

use super::{path, stdout_json};

fn nrkit_sdr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nrkit"))
        .args(args)
        .env("SOAPY_SDR_PLUGIN_PATH", nrkit_sdr_loopback::module_dir())
        .output()
        .expect("run nrkit")
}

/// Device args unique to this test (SoapySDR shares devices with equal find() args).
fn dev(extra: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut s = format!("driver=loopback,serial=e2e{}-{n}", std::process::id());
    if !extra.is_empty() {
        s.push(',');
        s.push_str(extra);
    }
    s
}

fn tick_of(z: C32) -> i64 {
    (z.re * 32768.0).round() as i64 | (((z.im * 32768.0).round() as i64) << 15)
}

/// Generates SSBs (PCI 321, Case C, L_max 8, SSBs 0 and 5, SFN 100, 2 frames at 30.72 Msps).
fn generate(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("ssb.sigmf-meta");
    let o = nrkit_sdr(&[
        "generate",
        "ssb",
        "--pci",
        "321",
        "--case",
        "C",
        "--lmax",
        "8",
        "--ssb-indices",
        "0,5",
        "--sfn",
        "100",
        "--frames",
        "2",
        "--sample-rate",
        "30.72e6",
        "--period-ms",
        "10",
        "-o",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn check_cell(v: &serde_json::Value) {
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{v}");
    assert_eq!(cells[0]["pci"], 321);
    assert_eq!(cells[0]["scs_ssb_khz"], 30);
    let idx: Vec<u64> = cells[0]["ssbs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ssb_index"].as_u64().unwrap())
        .collect();
    assert!(idx.contains(&0) && idx.contains(&5), "{v}");
}

/// `nrkit search` decodes the cell in `cap` at exactly the sample offsets the generator
/// annotated in `gen` (the loopback is sample exact).
fn search_matches_generator(cap: &Path, gen: &Recording) {
    let v = stdout_json(&nrkit_sdr(&[
        "search",
        "--json",
        "--scs-ssb",
        "30",
        path(cap),
    ]));
    check_cell(&v);
    let starts: Vec<u64> = gen
        .meta
        .annotations
        .iter()
        .map(|a| a.sample_start)
        .collect();
    for s in v["cells"][0]["ssbs"].as_array().unwrap() {
        assert!(
            starts.contains(&s["sample_offset"].as_u64().unwrap()),
            "{s}"
        );
    }
}

#[test]
fn devices_lists_the_loopback() {
    let v = stdout_json(&nrkit_sdr(&[
        "devices",
        "--json",
        "--filter",
        "driver=loopback",
    ]));
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["args"]["driver"], "loopback");
    let o = nrkit_sdr(&["devices"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("driver=loopback"));
}

/// generate ssb → TX → loopback → capture → search: the cell decodes.
#[test]
fn generate_tx_loopback_capture_search() {
    let d = tempfile::tempdir().unwrap();
    let ssb = generate(d.path());
    let rec = Recording::open_sigmf(&ssb).unwrap();
    let wave = rec.reader().unwrap().read_all().unwrap();
    sdr::load_module(nrkit_sdr_loopback::module_path()).unwrap();
    let device = Device::open(&dev("")).unwrap();
    for dir in [Direction::Tx, Direction::Rx] {
        device
            .configure(dir, &ChannelConfig::new(30.72e6, 3.5e9, Gain::Db(20.0)))
            .unwrap();
    }
    let mut rx = device.rx_cf32(0).unwrap();
    let mut tx = device.tx_cf32(0).unwrap();
    let cap = d.path().join("cap.sigmf-meta");
    let mut sink = SigmfSink::new(
        Writer::create(&cap, Meta::new(Datatype::Cf32Le, 30.72e6, Some(3.5e9))).unwrap(),
    );
    let stop = AtomicBool::new(false);
    let (played, captured) = std::thread::scope(|s| {
        let h = s.spawn(|| {
            sdr::play(
                &mut tx,
                &wave,
                &PlayOptions {
                    repeat: Repeat::Times(1),
                    ..PlayOptions::default()
                },
                &stop,
            )
        });
        let opts = CaptureOptions {
            samples: Some(wave.len() as u64),
            ..CaptureOptions::default()
        };
        let c = sdr::capture(&mut rx, &mut sink, &opts, &stop);
        (h.join().unwrap(), c)
    });
    assert_eq!(played.unwrap().samples_sent, wave.len() as u64);
    let (st, err) = captured.unwrap();
    assert!(err.is_none());
    assert_eq!(
        (st.samples_written, st.samples_lost),
        (wave.len() as u64, 0)
    );
    sink.finish().unwrap();
    search_matches_generator(&cap, &rec);
}

#[test]
fn capture_cli_annotates_injected_overflows_exactly() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("c.sigmf-meta");
    let args = dev("pattern=counter,overflow_every=30000,overflow_drop=777");
    let o = nrkit_sdr(&[
        "capture",
        "--device",
        &args,
        "--freq",
        "2.6e9",
        "--rate",
        "1e6",
        "--gain",
        "30",
        "--samples",
        "100000",
        "--json",
        "-o",
        path(&out),
    ]);
    let v = stdout_json(&o);
    assert_eq!(v["samples_received"], 100_000);
    assert_eq!(v["samples_written"], 100_000);
    assert_eq!(v["samples_lost"], 3 * 777);
    assert_eq!(v["overflows"], 3);
    let rec = Recording::open_sigmf(&out).unwrap();
    let m = &rec.meta;
    assert_eq!(m.sample_rate, 1e6);
    assert_eq!(m.frequency_at(0), Some(2.6e9));
    assert!(m.hw.as_deref().unwrap().starts_with("loopback"));
    assert_eq!(m.global_extra["nrkit:gain_db"], 30.0);
    assert_eq!(m.global_extra["nrkit:driver"], "loopback");
    assert!(m.captures[0].datetime.is_some());
    assert_eq!(m.captures.len(), 4);
    let gaps: Vec<(u64, u64)> = m
        .annotations
        .iter()
        .map(|a| {
            (
                a.sample_start,
                a.extra["nrkit:samples_lost"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(gaps, vec![(30_000, 777), (60_000, 777), (90_000, 777)]);
    let x = rec.reader().unwrap().read_all().unwrap();
    for i in 1..x.len() {
        let step = (tick_of(x[i]) - tick_of(x[i - 1])).rem_euclid(1 << 30);
        let want = if i % 30_000 == 0 { 778 } else { 1 };
        assert_eq!(step, want, "sample {i}");
    }
}

#[test]
fn capture_cli_ci16_with_timeouts_and_agc() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("c16.sigmf-meta");
    let args = dev("pattern=counter,timeout_every=2");
    let v = stdout_json(&nrkit_sdr(&[
        "capture",
        "--device",
        &args,
        "--freq",
        "1e9",
        "--rate",
        "2e6",
        "--gain",
        "agc",
        "--duration",
        "0.01",
        "--datatype",
        "ci16_le",
        "--json",
        "-o",
        path(&out),
    ]));
    assert_eq!(v["samples_written"], 20_000);
    assert_eq!(v["samples_lost"], 0);
    assert!(v["timeouts"].as_u64().unwrap() > 0);
    let rec = Recording::open_sigmf(&out).unwrap();
    assert_eq!(rec.meta.datatype, Datatype::Ci16Le);
    assert_eq!(rec.meta.global_extra["nrkit:agc"], true);
    assert_eq!(rec.samples, 20_000);
}

#[test]
fn device_faults_exit_1_bad_device_requests_exit_2_and_captures_are_kept() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("disc.sigmf-meta");
    let args = dev("pattern=counter,disconnect_after=40000");
    let o = nrkit_sdr(&[
        "capture",
        "--device",
        &args,
        "--freq",
        "1e9",
        "--rate",
        "1e6",
        "--gain",
        "0",
        "--samples",
        "100000",
        "-o",
        path(&out),
    ]);
    // A device that fails while capturing is a runtime failure (exit 1).
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("disconnected") && err.contains("40000 samples saved"),
        "{err}"
    );
    assert_eq!(Recording::open_sigmf(&out).unwrap().samples, 40_000);

    // A 10-sample capture at 1 Msps with `gain` on `device` must fail with `msg` and exit
    // `code` (1: the device failed; 2: what was asked is wrong).
    let fails = |device: &str, gain: &str, name: &str, msg: &str, code: i32| {
        let o = nrkit_sdr(&[
            "capture",
            "--device",
            device,
            "--freq",
            "1e9",
            "--rate",
            "1e6",
            "--gain",
            gain,
            "--samples",
            "10",
            "-o",
            path(&d.path().join(name)),
        ]);
        assert_eq!(o.status.code(), Some(code), "{device}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{device}: {err}");
    };
    fails(
        &dev("fail_open=1"),
        "0",
        "x.sigmf-meta",
        "fail_open=1 injected",
        1,
    );
    fails(
        "driver=nosuch",
        "0",
        "y.sigmf-meta",
        "no SDR device matches",
        2,
    );
    fails(&dev(""), "90", "z.sigmf-meta", "range is 0 … 60 dB", 2);
}

#[test]
fn tx_cli_counts_underflows_and_checks_start_at() {
    let d = tempfile::tempdir().unwrap();
    let ssb = generate(d.path());
    let n = Recording::open_sigmf(&ssb).unwrap().samples;
    let v = stdout_json(&nrkit_sdr(&[
        "tx",
        path(&ssb),
        "--device",
        &dev("underflow_every=100000"),
        "--freq",
        "3.5e9",
        "--gain",
        "10",
        "--repeat",
        "2",
        "--json",
    ]));
    assert_eq!(v["samples_sent"], 2 * n);
    assert_eq!(v["repetitions"], 2);
    assert_eq!(v["underflows"], 2 * n / 100_000);
    // Timed start in the future, resampled to another rate.
    let v = stdout_json(&nrkit_sdr(&[
        "tx",
        path(&ssb),
        "--device",
        &dev(""),
        "--freq",
        "3.5e9",
        "--gain",
        "10",
        "--rate",
        "15.36e6",
        "--start-at",
        "+0.01",
        "--json",
    ]));
    assert_eq!(v["samples_sent"], n / 2);
    assert_eq!(v["late"], 0);
    let o = nrkit_sdr(&[
        "tx",
        path(&ssb),
        "--device",
        &dev(""),
        "--freq",
        "3.5e9",
        "--gain",
        "10",
        "--start-at",
        "soon",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// Live search: the loopback receives the generated recording in a loop (`rx_file=`).
#[test]
fn live_search_decodes_the_cell() {
    let d = tempfile::tempdir().unwrap();
    let ssb = generate(d.path());
    let data = ssb.with_extension("sigmf-data");
    // On the second channel of a two-channel device, with the device options of tx/capture.
    let args = dev(&format!("channels=2,rx_file={}", data.display()));
    let v = stdout_json(&nrkit_sdr(&[
        "search",
        "--device",
        &args,
        "--freq",
        "3.5e9",
        "--rate",
        "30.72e6",
        "--duration",
        "0.03",
        "--scs-ssb",
        "30",
        "--channel",
        "1",
        "--antenna",
        "LOOP",
        "--json",
    ]));
    check_cell(&v);
    assert_eq!(v["capture"]["samples_lost"], 0);
    let o = nrkit_sdr(&[
        "search",
        "--device",
        &args,
        "--freq",
        "3.5e9",
        "--duration",
        "0.01",
        "--channel",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rx channel 2"));
    // And capture of the same source, searched from the file.
    let cap = d.path().join("live.sigmf-meta");
    let o = nrkit_sdr(&[
        "capture",
        "--device",
        &dev(&format!("rx_file={}", data.display())),
        "--freq",
        "3.5e9",
        "--rate",
        "30.72e6",
        "--gain",
        "20",
        "--duration",
        "0.02",
        "-o",
        path(&cap),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_cell(&stdout_json(&nrkit_sdr(&[
        "search",
        "--json",
        "--scs-ssb",
        "30",
        path(&cap),
    ])));
}

/// SIGTERM (as Ctrl-C) ends a paced capture cleanly: every sample read is written and the
/// metadata is valid.
#[test]
fn sigterm_finalizes_the_capture() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("term.sigmf-meta");
    let child = Command::new(env!("CARGO_BIN_EXE_nrkit"))
        .args([
            "capture",
            "--device",
            &dev("pace=1,pattern=counter"),
            "--freq",
            "1e9",
            "--rate",
            "1e6",
            "--gain",
            "0",
            "--duration",
            "30",
            "--json",
            "-o",
            path(&out),
        ])
        .env("SOAPY_SDR_PLUGIN_PATH", nrkit_sdr_loopback::module_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let k = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    let o = child.wait_with_output().unwrap();
    let v = stdout_json(&o);
    let written = v["samples_written"].as_u64().unwrap();
    assert!(written > 100_000 && written < 5_000_000, "{v}");
    assert_eq!(v["samples_lost"], 0);
    let rec = Recording::open_sigmf(&out).unwrap();
    assert_eq!(rec.samples, written);
    let x = rec.reader().unwrap().read_all().unwrap();
    assert!(x
        .windows(2)
        .all(|w| (tick_of(w[1]) - tick_of(w[0])).rem_euclid(1 << 30) == 1));
}

/// The same chain on the command line only: `capture --tx` sends the generated SSBs through
/// the loopback while capturing them.
#[test]
fn cli_generate_then_capture_with_tx_then_search() {
    let d = tempfile::tempdir().unwrap();
    let ssb = generate(d.path());
    let rec = Recording::open_sigmf(&ssb).unwrap();
    let cap = d.path().join("duplex.sigmf-meta");
    let n = (rec.samples + 5000).to_string();
    let v = stdout_json(&nrkit_sdr(&[
        "capture",
        "--device",
        &dev(""),
        "--freq",
        "3.5e9",
        "--rate",
        "30.72e6",
        "--gain",
        "20",
        "--samples",
        &n,
        "--tx",
        path(&ssb),
        "--tx-gain",
        "10",
        "--json",
        "-o",
        path(&cap),
    ]));
    assert_eq!(v["tx"]["samples_sent"], rec.samples);
    assert_eq!(v["tx"]["underflows"], 0);
    assert_eq!(v["samples_lost"], 0);
    search_matches_generator(&cap, &rec);
}

/// A capture that hits a file-size limit (a full disk, for the writer) keeps every gap
/// annotation made before it, is marked incomplete with the samples on disk, and exits 1.
#[test]
fn capture_write_failure_keeps_annotations_and_marks_the_recording() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cut.sigmf-meta");
    let args = dev("pattern=counter,overflow_every=20000,overflow_drop=100");
    // 512 KiB = 65536 cf32 samples fit; 200000 are asked for.
    let o = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 512; exec \"$0\" capture --device \"$1\" --freq 1e9 --rate 1e6 --gain 0 --samples 200000 -o \"$2\"")
        .arg(env!("CARGO_BIN_EXE_nrkit"))
        .arg(&args)
        .arg(&out)
        .env("SOAPY_SDR_PLUGIN_PATH", nrkit_sdr_loopback::module_dir())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("marked incomplete"), "{err}");
    let rec = Recording::open_sigmf(&out).unwrap();
    let inc = rec.meta.incomplete().expect("marked incomplete").clone();
    assert_eq!(inc["samples"], rec.samples);
    assert!(rec.samples > 0 && rec.samples <= 65536, "{}", rec.samples);
    // Every overflow before the cut is annotated (one every 20000 samples read).
    let gaps = rec
        .meta
        .annotations
        .iter()
        .filter(|a| a.extra.get("nrkit:gap_cause").is_some())
        .count() as u64;
    assert!(
        gaps >= rec.samples / 20_000,
        "{gaps} gaps for {} samples",
        rec.samples
    );
    assert!(rec
        .meta
        .annotations
        .iter()
        .any(|a| a.label.as_deref() == Some("recording incomplete")));
}

/// Two interrupts during a capture: the first stops it, the second aborts the rest of the
/// ring; either way the recording left is valid (its metadata matches its data) and the
/// summary says what happened.
#[test]
fn a_second_interrupt_leaves_a_valid_recording() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("int.sigmf-meta");
    let args = dev("pace=1");
    let child = Command::new(env!("CARGO_BIN_EXE_nrkit"))
        .args([
            "capture", "--device", &args, "--freq", "1e9", "--rate", "2e6", "--gain", "0",
        ])
        .args(["--duration", "60", "-o", path(&out)])
        .env("SOAPY_SDR_PLUGIN_PATH", nrkit_sdr_loopback::module_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for _ in 0..2 {
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("second signal") || err.contains("stopped by signal"),
        "{err}"
    );
    let rec = Recording::open_sigmf(&out).unwrap();
    assert!(
        rec.samples > 0 && rec.samples < 120_000_000,
        "{}",
        rec.samples
    );
    assert!(rec.meta.incomplete().is_none());
    assert_eq!(
        rec.reader().unwrap().read_all().unwrap().len() as u64,
        rec.samples
    );
}
