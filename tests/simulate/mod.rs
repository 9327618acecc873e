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

/// Waits for every child and checks that each succeeded.
fn wait_all(children: Vec<std::process::Child>) {
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

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
    wait_all(children);
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

/// Width and height of a PNG (its IHDR chunk).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// `--plot`/`--svg` draw the run's curve next to its CSV, `simulate plot` draws CSV and
/// JSON results together (one legend line each, labelled by what differs), the CSV reads
/// back into the same points, and pictures with another extension are input errors.
#[test]
fn curves_are_drawn_as_png_and_svg() {
    let d = tempfile::tempdir().unwrap();
    let file = |n: &str| d.path().join(n);
    let (csv, png, svg) = (file("a.csv"), file("a.png"), file("a.svg"));
    let mut a = LDPC.to_vec();
    a.extend([
        "--csv",
        "-o",
        path(&csv),
        "--plot",
        path(&png),
        "--svg",
        path(&svg),
    ]);
    run_ok(&a);
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (1000, 650));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("<svg") && text.contains("LDPC BLER vs SNR"),
        "{text:.300}"
    );
    assert!(text.contains("block error rate"));
    // A second configuration as JSON, both in one picture.
    let json = file("b.json");
    let mut b = LDPC.to_vec();
    b[7] = "0.5";
    b.extend(["--json", "-o", path(&json)]);
    run_ok(&b);
    let both = file("both.svg");
    run_ok(&[
        "simulate",
        "plot",
        path(&csv),
        path(&json),
        "-o",
        path(&both),
        "--title",
        "two rates",
    ]);
    let text = std::fs::read_to_string(&both).unwrap();
    assert!(text.contains("two rates"));
    assert!(
        text.contains("rate=0.3333") && text.contains("rate=0.5"),
        "labels"
    );
    let again = file("both.png");
    run_ok(&[
        "simulate",
        "plot",
        path(&csv),
        path(&json),
        "-o",
        path(&again),
    ]);
    assert_eq!(png_size(&std::fs::read(&again).unwrap()), (1000, 650));
    // The CSV holds the same points as the JSON of the same run.
    let j = file("a.json");
    let mut c = LDPC.to_vec();
    c.extend(["--json", "-o", path(&j)]);
    run_ok(&c);
    let from_csv = nrkit::sim::output::from_csv(&std::fs::read_to_string(&csv).unwrap()).unwrap();
    let from_json = nrkit::sim::output::from_json(&std::fs::read_to_string(&j).unwrap()).unwrap();
    assert_eq!(from_csv.params, from_json.params);
    assert_eq!(from_csv.points.len(), from_json.points.len());
    for (p, q) in from_csv.points.iter().zip(&from_json.points) {
        assert_eq!(
            (p.snr_db, p.trials, p.block_errors),
            (q.snr_db, q.trials, q.block_errors)
        );
        assert!((p.bler_ci95[1] - q.bler_ci95[1]).abs() < 1e-6 * q.bler_ci95[1].max(1e-9));
    }
    // Bad picture names and inputs.
    for args in [
        vec!["simulate", "plot", path(&csv), "-o", "x.jpg"],
        vec!["simulate", "plot", path(&png), "-o", "x.png"],
    ] {
        let o = nrkit(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let c_csv = file("c.csv");
    let mut bad = LDPC.to_vec();
    bad.extend(["--csv", "-o", path(&c_csv), "--svg", "c.png"]);
    let o = nrkit(&bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--svg"));
    assert!(!c_csv.exists(), "nothing written after a bad --svg");
}

/// The Slurm example (examples/cluster/slurm): four array tasks of `bler.sbatch` as
/// separate processes, then `merge.sbatch`, give the unsharded run's result byte for byte
/// (and its picture).
#[test]
fn slurm_array_scripts_shard_and_merge() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("results");
    let root = env!("CARGO_MANIFEST_DIR");
    let script = |name: &str| format!("{root}/examples/cluster/slurm/{name}");
    let link_args = LDPC[1..].join(" ");
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            Command::new("bash")
                .arg(script("bler.sbatch"))
                .current_dir(root)
                .env("NRKIT", env!("CARGO_BIN_EXE_nrkit"))
                .env("OUT", &out)
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", "4")
                .env("SLURM_CPUS_PER_TASK", "1")
                .env("LINK_ARGS", &link_args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    wait_all(tasks);
    let merge = || {
        Command::new("bash")
            .arg(script("merge.sbatch"))
            .current_dir(root)
            .env("NRKIT", env!("CARGO_BIN_EXE_nrkit"))
            .env("OUT", &out)
            .env("SHARDS", "4")
            .output()
            .unwrap()
    };
    let o = merge();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let whole = d.path().join("whole.json");
    let mut a = LDPC.to_vec();
    a.extend(["--json", "-o", path(&whole)]);
    run_ok(&a);
    assert_eq!(
        std::fs::read(out.join("merged.json")).unwrap(),
        std::fs::read(&whole).unwrap(),
        "4 Slurm shards merged vs one run"
    );
    assert_eq!(
        png_size(&std::fs::read(out.join("bler.png")).unwrap()),
        (1000, 650)
    );
    // A missing shard is reported, not merged around.
    std::fs::remove_file(out.join("shard-2.json")).unwrap();
    let o = merge();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard-2.json is missing"));
}
