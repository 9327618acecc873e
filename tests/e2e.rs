//! End-to-end tests of the `nrkit` command line on small SigMF files.

use std::path::Path;
use std::process::{Command, Output};

mod bad_input;
mod fuzz_smoke;
mod impair;
mod pdcch;
mod pdsch;
mod sdr;
mod simulate;
mod structure;

fn nrkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nrkit"))
        .args(args)
        .output()
        .expect("run nrkit")
}

fn stdout_json(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn generate_info_evm_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("w.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ofdm",
        "--scs",
        "15",
        "--nrb",
        "52",
        "--slots",
        "2",
        "--modulation",
        "64qam",
        "--center-freq",
        "2.6e9",
        "-o",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let info = stdout_json(&nrkit(&["info", "--json", path(&out)]));
    for f in [
        "sample_rate",
        "samples",
        "duration_s",
        "center_freq",
        "datatype",
        "power_dbfs",
        "peak_dbfs",
        "dc_offset_dbfs",
    ] {
        assert!(info.get(f).is_some(), "missing {f}");
    }
    assert_eq!(info["sample_rate"], 15.36e6);
    assert_eq!(info["samples"], 30720);
    assert_eq!(info["datatype"], "cf32_le");
    assert_eq!(info["center_freq"], 2.6e9);
    assert!((info["duration_s"].as_f64().unwrap() - 2e-3).abs() < 1e-12);
    let evm = stdout_json(&nrkit(&["evm", "--json", path(&out)]));
    assert!(evm["evm_db"].as_f64().unwrap() < -100.0, "{evm}");
    // ci16 at a sensible level: quantization-limited EVM.
    let out16 = d.path().join("w16.sigmf-meta");
    assert!(nrkit(&[
        "generate",
        "ofdm",
        "--datatype",
        "ci16_le",
        "--gain-db",
        "20",
        "-o",
        path(&out16)
    ])
    .status
    .success());
    let evm = stdout_json(&nrkit(&["evm", "--json", path(&out16)]));
    assert!(evm["evm_db"].as_f64().unwrap() < -60.0, "{evm}");
}

#[test]
fn raw_files_are_read_with_format_flags() {
    let d = tempfile::tempdir().unwrap();
    let raw = d.path().join("x.cfile");
    let mut bytes = Vec::new();
    for i in 0..1000 {
        let v = if i % 2 == 0 { 0.5f32 } else { -0.5 };
        bytes.extend_from_slice(&v.to_le_bytes());
        bytes.extend_from_slice(&0f32.to_le_bytes());
    }
    std::fs::write(&raw, &bytes).unwrap();
    let info = stdout_json(&nrkit(&[
        "info",
        "--json",
        path(&raw),
        "--format",
        "cf32",
        "--sample-rate",
        "1e6",
        "--center-freq",
        "1e9",
    ]));
    assert_eq!(info["samples"], 1000);
    assert!((info["power_dbfs"].as_f64().unwrap() - 20.0 * 0.5f64.log10()).abs() < 1e-6);
    assert!(info["dc_offset_dbfs"].is_null()); // exactly zero mean
    let o = nrkit(&["info", path(&raw)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format"));
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("bad.sigmf-meta");
    std::fs::write(&m, "{\"global\": 3").unwrap();
    std::fs::write(d.path().join("bad.sigmf-data"), []).unwrap();
    for (args, needle) in [
        (vec!["info", path(&m)], "malformed JSON"),
        (
            vec!["info", "/does/not/exist.sigmf-meta"],
            "exist.sigmf-meta",
        ),
        (vec!["bench", "nosuchkernel"], "unknown kernel"),
        (vec!["bench", "--isa", "sse9"], "ISA"),
        (
            vec!["generate", "ofdm", "--scs", "45", "-o", "/tmp/never"],
            "subcarrier spacing",
        ),
        (vec!["evm", path(&m)], "malformed JSON"),
    ] {
        let o = nrkit(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let o = nrkit(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let o = nrkit(&["info"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bench_json_contract() {
    let v = stdout_json(&nrkit(&[
        "bench",
        "fft",
        "prbs",
        "--isa",
        "scalar",
        "--json",
        "--time-ms",
        "10",
    ]));
    assert!(v["machine"].is_object());
    let r = v["results"].as_array().unwrap();
    assert!(r
        .iter()
        .any(|x| x["kernel"] == "fft" && x["params"]["size"] == 4096 && x["isa"] == "scalar"));
    for x in r {
        for f in [
            "kernel",
            "params",
            "isa",
            "ns_per_op",
            "cpu_ns_per_op",
            "throughput",
            "unit",
        ] {
            assert!(x.get(f).is_some(), "{f} missing in {x}");
        }
        assert!(x["params"]["threads"].as_u64().unwrap() >= 1, "{x}");
        assert!(x["ns_per_op"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn generate_ssb_then_search_json_contract() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ssb.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ssb",
        "--pci",
        "1007",
        "--case",
        "B",
        "--lmax",
        "8",
        "--ssb-indices",
        "2,5",
        "--sfn",
        "1022",
        "--frames",
        "4",
        "--sample-rate",
        "23.04e6",
        "--scs-common",
        "15",
        "--kssb",
        "23",
        "--dmrs-type-a-position",
        "3",
        "--pdcch-config-sib1",
        "77",
        "--intra-freq-reselection-not-allowed",
        "--period-ms",
        "20",
        "--center-freq",
        "2.6e9",
        "--ssb-freq",
        "2.6012e9",
        "-o",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ann = meta["annotations"].as_array().unwrap();
    assert_eq!(ann.len(), 4); // SFN 1022 and 0, SSBs 2 and 5
    assert_eq!(meta["captures"][0]["core:frequency"], 2.6e9);
    let ann_out = d.path().join("annotated.sigmf-meta");
    let v = stdout_json(&nrkit(&[
        "search",
        path(&out),
        "--ssb-freq",
        "2.6012e9",
        "--scs-ssb",
        "30",
        "--json",
        "--annotate",
        path(&ann_out),
    ]));
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{v}");
    let c = &cells[0];
    assert_eq!(c["pci"], 1007);
    assert_eq!(c["ssb_freq_hz"], 2.6012e9);
    assert_eq!(c["scs_ssb_khz"], 30);
    let m = &c["mib"];
    assert_eq!(m["sfn"], 1022);
    assert_eq!(m["subcarrier_spacing_common"], 15);
    assert_eq!(m["ssb_subcarrier_offset"], 23);
    assert_eq!(m["dmrs_type_a_position"], 3);
    assert_eq!(m["pdcch_config_sib1"], 77);
    assert_eq!(m["cell_barred"], false);
    assert_eq!(m["intra_freq_reselection_allowed"], false);
    let ssbs = c["ssbs"].as_array().unwrap();
    assert_eq!(ssbs.len(), 4);
    for (s, a) in ssbs.iter().zip(ann) {
        assert_eq!(s["sample_offset"], a["core:sample_start"]);
        assert_eq!(s["ssb_index"], a["nrkit:ssb_index"]);
        assert_eq!(s["sfn"], a["nrkit:sfn"]);
        assert_eq!(s["half_frame"], 0);
        for k in ["cfo_hz", "snr_db", "rsrp_dbfs"] {
            assert!(s[k].is_f64(), "{k}");
        }
    }
    let annotated: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ann_out).unwrap()).unwrap();
    let found: Vec<_> = annotated["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("nrkit:mib").is_some())
        .collect();
    assert_eq!(found.len(), 4);
    assert!(d.path().join("annotated.sigmf-data").exists());
    // Bad parameters: exit 2 with one line.
    for args in [
        vec![
            "generate",
            "ssb",
            "--pci",
            "5",
            "--case",
            "D",
            "--lmax",
            "8",
            "--sample-rate",
            "61.44e6",
            "-o",
            "x.sigmf-meta",
        ],
        vec![
            "generate",
            "ssb",
            "--pci",
            "5",
            "--case",
            "C",
            "--lmax",
            "8",
            "--sample-rate",
            "15.36e6",
            "--ssb-freq",
            "9e6",
            "-o",
            "x.sigmf-meta",
        ],
        vec!["search", path(&out), "--ssb-freq", "1e12"],
    ] {
        let o = nrkit(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);
    }
}

/// A recording built only with py3gpp (scripts/make_interop.py) is decoded by `nrkit search`.
#[test]
fn search_decodes_a_py3gpp_recording() {
    let meta = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/py3gpp_ssb.sigmf-meta"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(meta).unwrap()).unwrap();
    let want = &m["global"]["nrkit_test:expected"];
    let v = stdout_json(&nrkit(&["search", meta, "--scs-ssb", "30", "--json"]));
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{v}");
    let c = &cells[0];
    assert_eq!(c["pci"], want["pci"]);
    assert_eq!(c["scs_ssb_khz"], want["scs_ssb_khz"]);
    assert_eq!(c["mib"], want["mib"]);
    let got = c["ssbs"].as_array().unwrap();
    let exp = want["ssbs"].as_array().unwrap();
    assert_eq!(got.len(), exp.len());
    for (g, e) in got.iter().zip(exp) {
        for k in ["ssb_index", "half_frame", "sfn"] {
            assert_eq!(g[k], e[k], "{k}");
        }
        let d = g["sample_offset"].as_i64().unwrap() - e["sample_offset"].as_i64().unwrap();
        assert!(d.abs() <= 1, "timing {g} vs {e}");
        let snr = g["snr_db"].as_f64().unwrap();
        assert!((snr - 3.0).abs() < 2.0, "SNR estimate {snr} for 3 dB");
    }
}

/// Blind search: SSBs on sync-raster points (GSCN) off the centre of a recording with
/// core:frequency are found and reported at their raster frequency; without a centre
/// frequency the fine offset grid finds an SSB at an arbitrary offset.
#[test]
fn blind_search_over_the_sync_raster_and_the_offset_grid() {
    let d = tempfile::tempdir().unwrap();
    // GSCN 7499 + 351 = 3505.44 MHz, 30 kHz (Case C), carrier at 3.5 GHz, 30.72 Msps.
    let a = d.path().join("gscn.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ssb",
        "--pci",
        "77",
        "--case",
        "C",
        "--lmax",
        "8",
        "--frames",
        "2",
        "--sample-rate",
        "30.72e6",
        "--center-freq",
        "3.5e9",
        "--gscn",
        "7850",
        "-o",
        path(&a),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    assert_eq!(meta["global"]["nrkit:gscn"], 7850);
    let v = stdout_json(&nrkit(&["search", "--json", path(&a)]));
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{v}");
    assert_eq!(cells[0]["pci"], 77);
    assert_eq!(cells[0]["scs_ssb_khz"], 30);
    assert!(
        (cells[0]["ssb_freq_hz"].as_f64().unwrap() - 3505.44e6).abs() < 1.0,
        "{v}"
    );
    assert_eq!(cells[0]["ssbs"].as_array().unwrap().len(), 8);

    // Point A placement, 15 kHz Case A: SS_REF = Point A + 6 RBs + 4 × 15 kHz + 120 × 15 kHz.
    let b = d.path().join("pointa.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ssb",
        "--pci",
        "5",
        "--case",
        "A",
        "--lmax",
        "4",
        "--frames",
        "2",
        "--sample-rate",
        "15.36e6",
        "--point-a-arfcn",
        "422000",
        "--offset-to-point-a",
        "6",
        "--kssb",
        "4",
        "--scs-common",
        "15",
        "-o",
        path(&b),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want = 422000.0 * 5e3 + 6.0 * 180e3 + 4.0 * 15e3 + 120.0 * 15e3;
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    assert_eq!(meta["global"]["nrkit:ssb_freq_hz"], want);
    assert_eq!(meta["captures"][0]["core:frequency"], want);
    let v = stdout_json(&nrkit(&["search", "--json", path(&b)]));
    assert_eq!(v["cells"][0]["pci"], 5);
    assert_eq!(v["cells"][0]["mib"]["ssb_subcarrier_offset"], 4);

    // No centre frequency: an SSB 2.13 MHz above 0 Hz, found on the offset grid.
    let c = d.path().join("nocenter.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ssb",
        "--pci",
        "600",
        "--case",
        "C",
        "--lmax",
        "8",
        "--ssb-indices",
        "1",
        "--frames",
        "2",
        "--sample-rate",
        "15.36e6",
        "--ssb-freq",
        "2.13e6",
        "-o",
        path(&c),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = stdout_json(&nrkit(&["search", "--json", "--scs-ssb", "30", path(&c)]));
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{v}");
    assert_eq!(cells[0]["pci"], 600);
    assert!(
        (cells[0]["ssb_freq_hz"].as_f64().unwrap() - 2.13e6).abs() < 2e3,
        "{v}"
    );
}

#[test]
fn sensitivity_report_writes_csv_png_and_json() {
    let d = tempfile::tempdir().unwrap();
    let o = nrkit(&[
        "sensitivity",
        "--snr-min",
        "-12",
        "--snr-max",
        "0",
        "--snr-step",
        "12",
        "--trials",
        "4",
        "--noise-trials",
        "3",
        "--sample-rate",
        "15.36e6",
        "--out-dir",
        path(d.path()),
        "--json",
    ]);
    let j = stdout_json(&o);
    let pts = j["points"].as_array().unwrap();
    assert_eq!(pts.len(), 2);
    assert_eq!(pts[0]["snr_db"], -12.0);
    // Below the PSS detection limit nothing decodes; at 0 dB every recording does.
    assert!(pts[0]["mib_success"].as_f64().unwrap() < 0.5, "{j}");
    assert_eq!(pts[1]["mib_success"], 1.0, "{j}");
    assert_eq!(pts[1]["ssbs_per_recording"], 8.0, "{j}");
    assert_eq!(
        (
            j["noise_recordings"].as_u64(),
            j["noise_false_cells"].as_u64()
        ),
        (Some(3), Some(0))
    );
    let csv = std::fs::read_to_string(d.path().join("sensitivity.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "snr_db,trials,mib_success,mib_success_single,ssbs_per_recording,false_cells"
    );
    assert!(lines[2].starts_with("0,4,1.0000,1.0000,8.000,0"), "{csv}");
    assert!(lines[3].starts_with("# noise only: 0 of 3"), "{csv}");
    let png = std::fs::read(d.path().join("sensitivity.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Bad parameters exit 2 with the reason.
    let o = nrkit(&[
        "sensitivity",
        "--snr-step",
        "0",
        "--out-dir",
        path(d.path()),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--snr-step"));
    let o = nrkit(&[
        "sensitivity",
        "--font",
        "/nonexistent.ttf",
        "--out-dir",
        path(d.path()),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("built-in DejaVu Sans"));
}

/// A recording too narrow for a 30 kHz SSB (3.84 Msps) is searched at 15 kHz without
/// `--scs-ssb`, instead of being refused.
#[test]
fn narrow_recording_searches_the_spacings_that_fit() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("a.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ssb",
        "--pci",
        "42",
        "--case",
        "A",
        "--lmax",
        "4",
        "--frames",
        "2",
        "--sample-rate",
        "3.84e6",
        "-o",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = stdout_json(&nrkit(&["search", path(&out), "--json"]));
    assert_eq!(v["cells"][0]["pci"], 42, "{v}");
    assert_eq!(v["cells"][0]["scs_ssb_khz"], 15, "{v}");
}
