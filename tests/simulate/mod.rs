//! `nrkit simulate`: 1 vs 2 threads give the same file, four shards run as separate
//! processes and merged give the unsharded file byte for byte, and the PDSCH link decodes
//! above its waterfall and fails below it.

use std::process::{Command, Stdio};

use super::{nrkit, path};

const PDSCH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/configs/pdsch_awgn.toml"
);

/// BG2 Z = 20 at R = 1/3 over QPSK around its waterfall, with the stop rule active.
const LDPC: &[&str] = &[
    "simulate",
    "ldpc",
    "--bg",
    "2",
    "--z",
    "20",
    "--rate",
    "0.3333",
    "--snr-db",
    "-3:1:1",
    "--trials",
    "300",
    "--min-errors",
    "40",
    "--seed",
    "5",
];

fn run_ok(args: &[&str]) {
    let o = nrkit(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn threads_and_shards_do_not_change_the_result() {
    let d = tempfile::tempdir().unwrap();
    let file = |n: &str| d.path().join(n);
    let mut one = LDPC.to_vec();
    let f1 = file("t1.json");
    one.extend(["--threads", "1", "--json", "-o", path(&f1)]);
    run_ok(&one);
    let mut two = LDPC.to_vec();
    let f2 = file("t2.json");
    two.extend(["--threads", "2", "--json", "-o", path(&f2)]);
    run_ok(&two);
    let a = std::fs::read(&f1).unwrap();
    assert_eq!(a, std::fs::read(&f2).unwrap(), "1 vs 2 threads");
    // The stop rule cut some points short and not others.
    let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let trials: Vec<u64> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["trials"].as_u64().unwrap())
        .collect();
    assert!(trials[0] < 300 && trials[4] == 300, "{trials:?}");
    // Four shards as four processes at once.
    let shards: Vec<_> = (0..4).map(|i| file(&format!("s{i}.json"))).collect();
    let children: Vec<_> = shards
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let s = format!("{i}/4");
            let mut args = LDPC.to_vec();
            args.extend(["--threads", "1", "--shard", &s, "--json", "-o", path(f)]);
            Command::new(env!("CARGO_BIN_EXE_nrkit"))
                .args(&args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let merged = file("merged.json");
    let mut m = vec!["simulate", "merge"];
    // Any order.
    m.extend(shards.iter().rev().map(|p| path(p)));
    m.extend(["--json", "-o", path(&merged)]);
    run_ok(&m);
    assert_eq!(std::fs::read(&merged).unwrap(), a, "4 shards merged");
    // CSV from the merge equals CSV from the run.
    let (mc, rc) = (file("m.csv"), file("r.csv"));
    let mut m = vec!["simulate", "merge"];
    m.extend(shards.iter().map(|p| path(p)));
    m.extend(["--csv", "-o", path(&mc)]);
    run_ok(&m);
    let mut r = LDPC.to_vec();
    r.extend(["--csv", "-o", path(&rc)]);
    run_ok(&r);
    let csv = std::fs::read_to_string(&mc).unwrap();
    assert_eq!(csv, std::fs::read_to_string(&rc).unwrap());
    assert!(csv.contains("snr_db,trials,block_errors,bler,bler_ci_low,bler_ci_high"));
    // Three of four shards, or one twice: refused as bad input.
    let x = file("x.json");
    let mut m = vec!["simulate", "merge"];
    m.extend(shards[..3].iter().map(|p| path(p)));
    m.extend(["--json", "-o", path(&x)]);
    let o = nrkit(&m);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 3/4 is missing"));
    let mut m = vec!["simulate", "merge", path(&shards[0]), path(&shards[0])];
    m.extend(["--json", "-o", path(&x)]);
    let o = nrkit(&m);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("given twice"));
}

#[test]
fn pdsch_link_decodes_above_its_waterfall_and_harq_helps() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("p.json");
    // MCS 10 of table 2 (16QAM R 658/1024): 10 % BLER near 9 dB per RE.
    run_ok(&[
        "simulate",
        "pdsch",
        "--config",
        PDSCH,
        "--mcs",
        "10",
        "--snr-db",
        "5:7:12",
        "--trials",
        "32",
        "--min-errors",
        "0",
        "--json",
        "-o",
        path(&out),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let e: Vec<u64> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["block_errors"].as_u64().unwrap())
        .collect();
    assert_eq!(e, vec![32, 0], "{v}");
    assert_eq!(v["params"]["modulation"], "16qam");
    assert_eq!(v["params"]["mcs_table"], "qam256");
    // 2 dB below it one transmission fails, four (rv 0, 2, 3, 1) recover every TB.
    let h = d.path().join("h.json");
    run_ok(&[
        "simulate",
        "pdsch",
        "--config",
        PDSCH,
        "--mcs",
        "10",
        "--snr-db",
        "7",
        "--harq",
        "4",
        "--trials",
        "32",
        "--min-errors",
        "0",
        "--json",
        "-o",
        path(&h),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&h).unwrap()).unwrap();
    let p = &v["points"][0];
    assert_eq!(p["block_errors"], 0, "{v}");
    assert!(p["mean_iterations"].as_f64().unwrap() > 1.5, "{v}");
}
