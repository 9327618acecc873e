//! `nrkit generate pdsch` → (`nrkit impair`) → `nrkit decode pdsch` with the example
//! configuration: the transport blocks come back bit-exact, with the CFO, delay and SNR
//! measured where they were put; a slot below its waterfall reports a failed CRC, exit 0.

use super::{nrkit, path, stdout_json};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/configs/pdsch.toml");

fn annotations_hex(meta: &std::path::Path) -> Vec<String> {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(meta).unwrap()).unwrap();
    m["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["nrkit:tb_hex"].as_str().unwrap().to_string())
        .collect()
}

/// `nrkit decode pdsch REC --config CONFIG --json` with `extra` flags, its JSON.
fn decode_json(rec: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["decode", "pdsch", path(rec), "--config", CONFIG, "--json"];
    args.extend_from_slice(extra);
    stdout_json(&nrkit(&args))
}

#[test]
fn a_given_transport_block_comes_back_bit_exact() {
    let d = tempfile::tempdir().unwrap();
    let rec = d.path().join("tb.sigmf-meta");
    // TBS 28680 bits = 3585 bytes: a counting pattern.
    let hex: String = (0..3585)
        .map(|i| format!("{:02x}", (i * 7 + 3) % 256))
        .collect();
    let o = nrkit(&[
        "generate",
        "pdsch",
        "--config",
        CONFIG,
        "--tb-hex",
        &hex,
        "--slots",
        "2",
        "-o",
        path(&rec),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(annotations_hex(&rec), vec![hex.clone(), hex.clone()]);
    let j = decode_json(&rec, &[]);
    let rows = j["pdsch"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{j}");
    for (n, r) in rows.iter().enumerate() {
        assert_eq!(r["slot"], n, "{r}");
        assert_eq!(r["crc_ok"], true, "{r}");
        assert_eq!(r["tbs"], 28680, "{r}");
        assert_eq!(r["hex"].as_str().unwrap(), hex);
        for k in [
            "iterations",
            "evm_percent",
            "snr_db",
            "cfo_hz",
            "timing_offset",
        ] {
            assert!(r[k].is_number(), "{k}: {r}");
        }
    }
    // --slots picks one.
    let j = decode_json(&rec, &["--slots", "1:1"]);
    assert_eq!(j["pdsch"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["pdsch"][0]["slot"], 1, "{j}");
}

#[test]
fn impaired_slots_decode_with_the_impairments_measured() {
    let d = tempfile::tempdir().unwrap();
    let clean = d.path().join("clean.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "pdsch",
        "--config",
        CONFIG,
        "--random-tb",
        "--seed",
        "5",
        "--slots",
        "3",
        "-o",
        path(&clean),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sent = annotations_hex(&clean);
    assert_eq!(sent.len(), 3);
    assert!(sent[0] != sent[1], "--random-tb draws a new block per slot");
    let impaired = |snr: &str, name: &str| {
        let out = d.path().join(name);
        let o = nrkit(&[
            "impair",
            path(&clean),
            "-o",
            path(&out),
            "--snr-db",
            snr,
            "--cfo-hz",
            "3000",
            "--delay-samples",
            "20.5",
            "--seed",
            "9",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        decode_json(&out, &[])
    };
    // 64QAM R = 666/1024 with an SSB-sized hole: 22 dB per RE is well above its waterfall.
    let j = impaired("22", "good.sigmf-meta");
    for (r, hex) in j["pdsch"].as_array().unwrap().iter().zip(&sent) {
        assert_eq!(r["crc_ok"], true, "{r}");
        assert_eq!(r["hex"].as_str().unwrap(), hex);
        let f = |k: &str| r[k].as_f64().unwrap();
        assert!((f("cfo_hz") - 3000.0).abs() < 150.0, "{r}");
        assert!((f("timing_offset") - 20.5).abs() < 1.0, "{r}");
        assert!((f("snr_db") - 22.0).abs() < 1.5, "{r}");
        let evm = 100.0 * 10f64.powf(-22.0 / 20.0);
        assert!((f("evm_percent") / evm - 1.0).abs() < 0.25, "{r}");
    }
    // 8 dB: far below it. Every slot is reported, with a failed CRC and no data.
    let j = impaired("8", "bad.sigmf-meta");
    let rows = j["pdsch"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(r["crc_ok"], false, "{r}");
        assert_eq!(r["hex"], "", "{r}");
    }
}
