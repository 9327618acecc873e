//! `nrkit impair` end to end: an SSB recording through a fractional delay, a CFO and noise
//! at 0 dB per RE is still found, with the CFO and the delay measured where they were put.

use super::{nrkit, path, stdout_json};

#[test]
fn impaired_ssb_recording_is_found_with_its_cfo_and_delay() {
    let d = tempfile::tempdir().unwrap();
    let clean = d.path().join("clean.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ssb",
        "--pci",
        "500",
        "--case",
        "C",
        "--lmax",
        "8",
        "--frames",
        "2",
        "--sample-rate",
        "15.36e6",
        "--sfn",
        "100",
        "-o",
        path(&clean),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Delay 10.5 samples, CFO 2 kHz, 10 dB per RE, seed 3.
    let impair = |out: &std::path::Path| {
        nrkit(&[
            "impair",
            path(&clean),
            "-o",
            path(out),
            "--snr-db",
            "10",
            "--cfo-hz",
            "2000",
            "--delay-samples",
            "10.5",
            "--seed",
            "3",
        ])
    };
    let bad = d.path().join("bad.sigmf-meta");
    let o = impair(&bad);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let a = stdout_json(&nrkit(&[
        "search",
        path(&clean),
        "--scs-ssb",
        "30",
        "--json",
    ]));
    let b = stdout_json(&nrkit(&["search", path(&bad), "--scs-ssb", "30", "--json"]));
    let (ca, cb) = (&a["cells"][0], &b["cells"][0]);
    assert_eq!(cb["pci"], 500, "{b}");
    assert_eq!(cb["mib"], ca["mib"]);
    let n = cb["ssbs"].as_array().unwrap().len();
    assert_eq!(n, 8, "{n} of 8 SSBs at 10 dB per RE");
    // The per-SSB CFO comes from the PSS alone (about ±500 Hz of spread at 10 dB per RE,
    // see the performance issue's fine-CFO item); their mean sits on the offset applied.
    let cfos: Vec<f64> = cb["ssbs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["cfo_hz"].as_f64().unwrap())
        .collect();
    let mean = cfos.iter().sum::<f64>() / cfos.len() as f64;
    assert!((mean - 2000.0).abs() < 300.0, "CFO mean {mean} of {cfos:?}");
    for s in cb["ssbs"].as_array().unwrap() {
        let idx = s["ssb_index"].as_u64().unwrap() as usize;
        let clean_at = ca["ssbs"][idx]["sample_offset"].as_i64().unwrap();
        let at = s["sample_offset"].as_i64().unwrap();
        assert!(
            (at - clean_at - 10).abs() <= 2,
            "SSB {idx}: {at} vs {clean_at} + 10.5"
        );
    }
    let info = stdout_json(&nrkit(&["info", "--json", path(&bad)]));
    let clean_info = stdout_json(&nrkit(&["info", "--json", path(&clean)]));
    assert_eq!(
        info["samples"].as_u64().unwrap(),
        clean_info["samples"].as_u64().unwrap() + 11
    );
    // The same seed gives the same noise.
    let again = d.path().join("again.sigmf-meta");
    let o = impair(&again);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(d.path().join("bad.sigmf-data")).unwrap(),
        std::fs::read(d.path().join("again.sigmf-data")).unwrap()
    );
}
