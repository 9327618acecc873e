//! The CLI's structure contracts: the forced ISA reaches every processor of `search`,
//! `evm` and `bench`; the bench kernels come from one table (help, JSON, README); stdout
//! survives a closed pipe.

use std::io::Read;
use std::process::{Command, Stdio};

use nrkit::coding::polar::scl::SclDecoder;
use nrkit::dsp::Isa;

use super::{nrkit, path, stdout_json};

fn expected(processor: &str, isa: Isa) -> &'static str {
    if processor == "polar" {
        SclDecoder::build_for(isa).name()
    } else {
        isa.name()
    }
}

fn check(list: &serde_json::Value, isa: Isa, what: &str) {
    let list = list
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no processors"));
    assert!(list.len() >= 3, "{what}: {list:?}");
    for p in list {
        let name = p["processor"].as_str().unwrap();
        assert_eq!(p["isa"], expected(name, isa), "{what}: {name} under {isa}");
    }
}

#[test]
fn forced_isa_reaches_search_evm_and_bench() {
    let d = tempfile::tempdir().unwrap();
    let wave = d.path().join("w.sigmf-meta");
    let o = nrkit(&[
        "generate",
        "ofdm",
        "--scs",
        "30",
        "--nrb",
        "24",
        "--slots",
        "1",
        "-o",
        path(&wave),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for isa in Isa::available() {
        let name = isa.name();
        let v = stdout_json(&nrkit(&[
            "--isa",
            name,
            "search",
            "tests/data/py3gpp_ssb.sigmf-meta",
            "--scs-ssb",
            "30",
            "--json",
        ]));
        assert_eq!(v["cells"].as_array().unwrap().len(), 1);
        check(&v["processors"], isa, "search");
        let names: Vec<&str> = v["processors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["processor"].as_str().unwrap())
            .collect();
        for n in [
            "fft",
            "correlator",
            "demapper",
            "polar",
            "nco",
            "resampler",
            "reader",
        ] {
            assert!(names.contains(&n), "search: {n} missing from {names:?}");
        }
        let v = stdout_json(&nrkit(&["--isa", name, "evm", path(&wave), "--json"]));
        check(&v["processors"], isa, "evm");
        let v = stdout_json(&nrkit(&[
            "--isa",
            name,
            "bench",
            "search",
            "--json",
            "--time-ms",
            "10",
        ]));
        let r = v["results"].as_array().unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0]["isa"], name);
        for (p, got) in r[0]["params"]["processors"].as_object().unwrap() {
            assert_eq!(got, expected(p, isa), "bench search: {p} under {isa}");
        }
    }
}

#[test]
fn bench_kernels_come_from_one_table() {
    let names = nrkit::bench::names();
    let help = nrkit(&["bench", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for n in &names {
        assert!(help.contains(n), "--help lacks {n}");
    }
    let list = nrkit(&["bench", "--list"]);
    assert!(list.status.success());
    let list = String::from_utf8(list.stdout).unwrap();
    assert_eq!(list, nrkit::bench::markdown_table());
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- bench-kernels:begin -->\n")
        .expect("README marker")
        + 29;
    let end = readme
        .find("<!-- bench-kernels:end -->")
        .expect("README marker");
    assert_eq!(
        &readme[start..end],
        list,
        "README's kernel table differs from `nrkit bench --list`"
    );
    let v = stdout_json(&nrkit(&["bench", "prbs", "--json", "--time-ms", "10"]));
    let json_names: Vec<&str> = v["kernels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(json_names, names);
}

#[test]
fn closed_stdout_pipe_exits_0() {
    for args in [
        vec![
            "search",
            "tests/data/py3gpp_ssb.sigmf-meta",
            "--scs-ssb",
            "30",
            "--json",
        ],
        vec!["bench", "--list"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nrkit"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before nrkit writes (`nrkit … | head -c0`).
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let st = child.wait().unwrap();
        assert_eq!(st.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
