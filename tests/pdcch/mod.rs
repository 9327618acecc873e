//! `nrkit generate pdcch` → `nrkit impair` → `nrkit decode pdcch` with the example SIB1
//! configuration (CORESET#0, SI-RNTI): the DCI and its format-1_0 fields come back; noise
//! alone gives no DCI; bad configurations are refused with exit 2.

use super::{nrkit, path, stdout_json};

const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/configs/pdcch_sib1.toml"
);

#[test]
fn sib1_dci_survives_cfo_delay_and_noise() {
    let d = tempfile::tempdir().unwrap();
    let rec = d.path().join("p.sigmf-meta");
    let imp = d.path().join("i.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "pdcch",
        "--config",
        CONFIG,
        "--fields",
        "frequency_domain_assignment=1127,mcs=5,redundancy_version=0",
        "--slots",
        "40",
        "-o",
        path(&rec),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rec).unwrap()).unwrap();
    let ann = m["annotations"].as_array().unwrap();
    assert_eq!(ann.len(), 2);
    let payload = ann[0]["nrkit:dci_payload"].as_str().unwrap().to_string();
    assert_eq!(payload.len(), 39);
    let o = nrkit(&[
        "impair",
        path(&rec),
        "-o",
        path(&imp),
        "--snr-db",
        "3",
        "--snr-per",
        "re",
        "--scs-khz",
        "30",
        "--cfo-hz",
        "2000",
        "--delay-samples",
        "7",
        "--seed",
        "5",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = stdout_json(&nrkit(&[
        "decode",
        "pdcch",
        path(&imp),
        "--config",
        CONFIG,
        "--json",
    ]));
    let rows = j["dci"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{j}");
    for (r, slot) in rows.iter().zip([0, 1]) {
        assert_eq!(r["slot"], slot, "{r}");
        assert_eq!(r["rnti"], 65535);
        assert_eq!(r["aggregation_level"], 8);
        assert_eq!(r["cce_index"], 0);
        assert_eq!(r["payload"].as_str().unwrap(), payload);
        assert_eq!(r["format"], "1_0");
        assert_eq!(r["fields"]["frequency_domain_assignment"], 1127);
        assert_eq!(r["fields"]["mcs"], 5);
        assert!((r["snr_db"].as_f64().unwrap() - 3.0).abs() < 2.0, "{r}");
    }
    // A wrong RNTI finds nothing (exit 0, an empty list).
    let j = stdout_json(&nrkit(&[
        "decode",
        "pdcch",
        path(&imp),
        "--config",
        CONFIG,
        "--rnti",
        "0x4601",
        "--json",
    ]));
    assert_eq!(j["dci"].as_array().unwrap().len(), 0, "{j}");
}

#[test]
fn bad_pdcch_input_is_exit_2_with_the_key() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "[pdcch.coreset]\ncoreset_id = 0\nfrequency_resources = [1, 0, 1]\n",
    )
    .unwrap();
    let o = nrkit(&[
        "generate",
        "pdcch",
        "--config",
        path(&cfg),
        "--random-dci",
        "-o",
        path(&d.path().join("x.sigmf-meta")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("frequency_resources"));
    let o = nrkit(&[
        "generate",
        "pdcch",
        "--config",
        CONFIG,
        "--payload",
        "0101",
        "-o",
        path(&d.path().join("y.sigmf-meta")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("dci_size"));
    let o = nrkit(&[
        "generate",
        "pdcch",
        "--config",
        CONFIG,
        "--fields",
        "mcs=99",
        "-o",
        path(&d.path().join("z.sigmf-meta")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
