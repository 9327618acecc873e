//! The bad-input suite: one row per case — the arguments (with files made for it), the
//! exit code and a phrase the message must hold. Every row runs bounded (20 s, 4 GiB of
//! address space): no panic, no abort, no hang, one line on stderr for nrkit's own errors.
//! Also a write failure injected through a file-size limit: the recording left behind
//! says it is incomplete and its metadata matches its data.

use std::path::Path;
use std::process::{Command, Output};

use super::{nrkit, path, stdout_json};

/// Runs nrkit under `timeout 20` with `ulimit -v 4 GiB`.
fn bounded(args: &[&str]) -> Output {
    let mut cmd = String::from("ulimit -v 4194304; exec timeout 20 \"$0\"");
    for i in 0..args.len() {
        cmd.push_str(&format!(" \"${{{}}}\"", i + 1));
    }
    Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .arg(env!("CARGO_BIN_EXE_nrkit"))
        .args(args)
        .output()
        .expect("run bash")
}

/// Copies the SigMF pair `src` to `dir/name` with the metadata changed by `edit`.
fn variant(src: &str, dir: &Path, name: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{src}.sigmf-meta")).unwrap())
            .unwrap();
    edit(&mut m);
    let base = dir.join(name);
    std::fs::write(base.with_extension("sigmf-meta"), m.to_string()).unwrap();
    std::fs::copy(
        format!("{src}.sigmf-data"),
        base.with_extension("sigmf-data"),
    )
    .unwrap();
    path(&base.with_extension("sigmf-meta")).to_string()
}

#[test]
fn every_bad_input_row_exits_cleanly() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let p3 = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/py3gpp_ssb");
    let p3m = format!("{p3}.sigmf-meta");
    let wave = dir.join("w");
    let o = nrkit(&[
        "generate",
        "ofdm",
        "--scs",
        "15",
        "--nrb",
        "6",
        "--slots",
        "1",
        "-o",
        path(&wave),
    ]);
    assert!(o.status.success());
    let w = path(&wave).to_string();
    let g = |k: &'static str, v: serde_json::Value| {
        move |m: &mut serde_json::Value| m["global"][k] = v.clone()
    };
    let rate_huge = variant(p3, dir, "rate_huge", g("core:sample_rate", 1e300.into()));
    let rate_neg = variant(p3, dir, "rate_neg", g("core:sample_rate", (-1.0).into()));
    let rate_str = variant(p3, dir, "rate_str", g("core:sample_rate", "fast".into()));
    let dt_bad = variant(p3, dir, "dt_bad", g("core:datatype", "cf128_le".into()));
    let ver_bad = variant(p3, dir, "ver_bad", g("core:version", "9.0".into()));
    let freq_huge = variant(p3, dir, "freq_huge", |m| {
        m["captures"][0]["core:frequency"] = 1e300.into()
    });
    let start_neg = variant(p3, dir, "start_neg", |m| {
        m["captures"][0]["core:sample_start"] = (-5).into()
    });
    let ann_huge =
        variant(
            p3,
            dir,
            "ann_huge",
            |m| {
                m["annotations"] =
                    serde_json::json!([{"core:sample_start": 1e15, "core:sample_count": 1e18}])
            },
        );
    let slots = variant(
        &w,
        dir,
        "slots",
        g("nrkit:slots", 1_000_000_000_000_000u64.into()),
    );
    let slots_f = variant(&w, dir, "slots_f", g("nrkit:slots", 1e15.into()));
    let n_rb = variant(
        &w,
        dir,
        "n_rb",
        g("nrkit:n_rb", 1_000_000_000_000_000u64.into()),
    );
    let fft = variant(
        &w,
        dir,
        "fft",
        g("nrkit:fft_size", 1_099_511_627_776u64.into()),
    );
    let gain = variant(&w, dir, "gain", g("nrkit:gain_db", 1e308.into()));
    let scs = variant(&w, dir, "scs", g("nrkit:scs_khz", 4_294_967_311u64.into()));
    let out = |n: &str| path(&dir.join(n)).to_string();
    let (o1, o2, o3) = (
        out("o1.sigmf-meta"),
        out("o2.sigmf-meta"),
        out("o3.sigmf-meta"),
    );
    let sdir = out("sens");
    let exists = out("exists.sigmf-meta");
    assert!(
        nrkit(&["generate", "ofdm", "--nrb", "6", "--slots", "1", "-o", &exists])
            .status
            .success()
    );
    // PDSCH configurations: one good, then one fault each.
    let ex = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/configs/pdsch.toml");
    let good = std::fs::read_to_string(ex).unwrap();
    let cfg = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        path(&p).to_string()
    };
    let sub = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        good.replacen(from, to, 1)
    };
    let c_typo = cfg("typo.toml", sub("modulation =", "modulaton ="));
    let c_mcs = cfg("mcs.toml", sub("mcs = 15", "mcs = 32"));
    let c_prb = cfg("prb.toml", sub("prb_set = \"0:50\"", "prb_set = \"0:99\""));
    let c_layers = cfg("layers.toml", sub("num_layers = 1", "num_layers = 2"));
    let c_syntax = cfg("syntax.toml", sub("[pdsch]", "[pdsch"));
    let c_nan = cfg(
        "nan.toml",
        sub("sample_rate = 30.72e6", "sample_rate = nan"),
    );
    let c_rate = cfg(
        "rate.toml",
        sub("sample_rate = 30.72e6", "sample_rate = 1e300"),
    );
    let c_mod = cfg("mod.toml", sub("\"64QAM\"", "\"8PSK\""));
    let c_sym = cfg("sym.toml", sub("[0, 14]", "[2, 14]"));
    let c_big = cfg(
        "big.toml",
        sub("n_size_grid = 51", "n_size_grid = 10000000000000"),
    );
    let c_good = cfg("good.toml", good.clone());
    // One out-of-range value per remaining key (added after its table's header).
    let keys: Vec<(String, &str)> = [
        (
            "[carrier]",
            "subcarrier_spacing = 45",
            "carrier.subcarrier_spacing",
        ),
        (
            "[carrier]",
            "cyclic_prefix = \"long\"",
            "carrier.cyclic_prefix",
        ),
        ("[carrier]", "n_start_grid = -1", "carrier.n_start_grid"),
        ("[carrier]", "n_cell_id = 1008", "carrier.n_cell_id"),
        ("[carrier]", "n_slot = 1e9", "carrier.n_slot"),
        ("[carrier]", "n_frame = 1024", "carrier.n_frame"),
        (
            "[carrier]",
            "center_frequency = inf",
            "carrier.center_frequency",
        ),
        ("[pdsch]", "n_size_bwp = 300", "pdsch.n_size_bwp"),
        ("[pdsch]", "n_start_bwp = 3000", "pdsch.n_start_bwp"),
        ("[pdsch]", "mapping_type = \"C\"", "pdsch.mapping_type"),
        (
            "[pdsch]",
            "vrb_to_prb_interleaving = 2",
            "pdsch.vrb_to_prb_interleaving",
        ),
        ("[pdsch]", "vrb_bundle_size = 3", "pdsch.vrb_bundle_size"),
        ("[pdsch]", "nid = 1024", "pdsch.nid"),
        ("[pdsch]", "rnti = 65536", "pdsch.rnti"),
        ("[pdsch]", "reserved_re = [-1]", "pdsch.reserved_re"),
        ("[[pdsch.reserved_prb]]", "period = 0", "period"),
        ("[[pdsch.reserved_prb]]", "symbol_set = [14]", "symbol_set"),
        (
            "[pdsch.dmrs]",
            "dmrs_configuration_type = 3",
            "pdsch.dmrs.dmrs_configuration_type",
        ),
        (
            "[pdsch.dmrs]",
            "dmrs_type_a_position = 4",
            "pdsch.dmrs.dmrs_type_a_position",
        ),
        (
            "[pdsch.dmrs]",
            "dmrs_additional_position = 4",
            "pdsch.dmrs.dmrs_additional_position",
        ),
        ("[pdsch.dmrs]", "dmrs_length = 3", "pdsch.dmrs.dmrs_length"),
        (
            "[pdsch.dmrs]",
            "num_cdm_groups_without_data = 0",
            "pdsch.dmrs.num_cdm_groups_without_data",
        ),
        ("[pdsch.dmrs]", "nidnscid = 65536", "pdsch.dmrs.nidnscid"),
        ("[pdsch.dmrs]", "nscid = 2", "pdsch.dmrs.nscid"),
        (
            "[pdsch.dmrs]",
            "dmrs_port_set = [12]",
            "pdsch.dmrs.dmrs_port_set",
        ),
        ("[dlsch]", "mcs_table = \"qam512\"", "dlsch.mcs_table"),
        (
            "[dlsch]",
            "target_code_rate = 1.5",
            "dlsch.target_code_rate",
        ),
        ("[dlsch]", "rv = 4", "dlsch.rv"),
        ("[dlsch]", "x_overhead = 7", "dlsch.x_overhead"),
        ("[dlsch]", "tbs = 0", "dlsch.tbs"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (table, line, phrase))| {
        // A key the example already sets is replaced, else added.
        let key = line.split(" = ").next().unwrap();
        let text = match good.lines().find(|l| l.starts_with(&format!("{key} ="))) {
            Some(old) => good.replacen(old, line, 1),
            None => sub(table, &format!("{table}\n{line}")),
        };
        (cfg(&format!("key{i}.toml"), text), *phrase)
    })
    .collect();
    let pd = out("pdsch.sigmf-meta");
    assert!(nrkit(&[
        "generate",
        "pdsch",
        "--config",
        &c_good,
        "--random-tb",
        "--slots",
        "2",
        "-o",
        &pd
    ])
    .status
    .success());
    let pd_rate = variant(
        &pd.replace(".sigmf-meta", ""),
        dir,
        "pd_rate",
        g("core:sample_rate", 15.36e6.into()),
    );
    #[rustfmt::skip]
    let rows: Vec<(Vec<&str>, i32, &str)> = vec![
        // generate pdsch / decode pdsch: configuration files and flags.
        (vec!["generate", "pdsch", "--config", &c_typo, "--random-tb", "-o", &o1], 2, "pdsch.modulation"),
        (vec!["generate", "pdsch", "--config", &c_mcs, "--random-tb", "-o", &o1], 2, "dlsch.mcs"),
        (vec!["generate", "pdsch", "--config", &c_prb, "--random-tb", "-o", &o1], 2, "prb_set"),
        (vec!["generate", "pdsch", "--config", &c_layers, "--random-tb", "-o", &o1], 2, "num_layers"),
        (vec!["generate", "pdsch", "--config", &c_syntax, "--random-tb", "-o", &o1], 2, "TOML"),
        (vec!["generate", "pdsch", "--config", &c_nan, "--random-tb", "-o", &o1], 2, "carrier.sample_rate"),
        (vec!["generate", "pdsch", "--config", &c_rate, "--random-tb", "-o", &o1], 2, "carrier.sample_rate"),
        (vec!["generate", "pdsch", "--config", &c_mod, "--random-tb", "-o", &o1], 2, "pdsch.modulation"),
        (vec!["generate", "pdsch", "--config", &c_sym, "--random-tb", "-o", &o1], 2, "symbol_allocation"),
        (vec!["generate", "pdsch", "--config", &c_big, "--random-tb", "-o", &o1], 2, "carrier.n_size_grid"),
        (vec!["generate", "pdsch", "--config", "/does/not/exist.toml", "--random-tb", "-o", &o1], 2, "No such file"),
        (vec!["generate", "pdsch", "--config", &c_good, "-o", &o1], 2, "--random-tb"),
        (vec!["generate", "pdsch", "--config", &c_good, "--tb-hex", "abc", "-o", &o1], 2, "--tb-hex"),
        (vec!["generate", "pdsch", "--config", &c_good, "--tb-hex", "zz", "-o", &o1], 2, "--tb-hex"),
        (vec!["generate", "pdsch", "--config", &c_good, "--random-tb", "--slots", "0", "-o", &o1], 2, "--slots"),
        (vec!["generate", "pdsch", "--config", &c_good, "--random-tb", "--slots", "99999999999", "-o", &o1], 2, "--slots"),
        (vec!["generate", "pdsch", "--config", &c_good, "--random-tb", "-o", &exists], 2, "--force"),
        (vec!["decode", "pdsch", &pd, "--config", &c_typo], 2, "pdsch.modulation"),
        (vec!["decode", "pdsch", &pd, "--config", &c_layers], 2, "num_layers"),
        (vec!["decode", "pdsch", &pd, "--config", &c_good, "--slots", "0:9"], 2, "--slots"),
        (vec!["decode", "pdsch", &pd, "--config", &c_good, "--slots", "3:1"], 2, "--slots"),
        (vec!["decode", "pdsch", &pd, "--config", &c_good, "--slots", "x"], 2, "--slots"),
        (vec!["decode", "pdsch", &pd_rate, "--config", &c_good], 2, "sample rate"),
        (vec!["decode", "pdsch", &w, "--config", &c_good], 2, "sample rate"),
        // search: the examples and every class of value.
        (vec!["search", &p3m, "--cfo-range", "0"], 2, "CFO range"),
        (vec!["search", &p3m, "--cfo-range", "1e-9"], 2, "search candidates"),
        (vec!["search", &p3m, "--cfo-range=-5"], 2, "CFO range"),
        (vec!["search", &p3m, "--cfo-range", "nan"], 2, "CFO range"),
        (vec!["search", &p3m, "--cfo-range", "inf"], 2, "CFO range"),
        (vec!["search", &p3m, "--cfo-range", "1e300"], 2, "CFO range"),
        (vec!["search", &p3m, "--ssb-freq", "nan"], 2, "SSB frequency"),
        (vec!["search", &p3m, "--ssb-freq", "1e300"], 2, "sample rate"),
        (vec!["search", &p3m, "--ssb-freq=-1e300"], 2, "SSB frequency offset"),
        (vec!["search", &p3m, "--scs-ssb", "45"], 2, "--scs-ssb"),
        (vec!["search", &rate_huge], 2, "core:sample_rate"),
        (vec!["search", &rate_neg], 2, "core:sample_rate"),
        (vec!["search", &rate_str], 2, "core:sample_rate"),
        (vec!["search", &freq_huge], 2, "core:frequency"),
        (vec!["search", &p3m, "--annotate", &exists], 2, "--force"),
        // info and the recording formats.
        (vec!["info", &dt_bad], 2, "unsupported datatype"),
        (vec!["info", &ver_bad], 2, "core:version"),
        (vec!["info", &start_neg], 2, "core:sample_start"),
        (vec!["info", &ann_huge], 2, "core:sample_start"),
        (vec!["info", &p3m, "--format", "cf32", "--sample-rate", "1e300"], 2, "--sample-rate"),
        (vec!["info", &p3m, "--format", "cf32", "--sample-rate", "0"], 2, "--sample-rate"),
        (vec!["info", "/does/not/exist", "--format", "cf32", "--sample-rate", "1e6"], 2, "No such file"),
        (vec!["info", "/tmp", "--format", "cf32", "--sample-rate", "1e6"], 2, "directory"),
        // generate ofdm.
        (vec!["generate", "ofdm", "--nrb", "1000000000000000000", "-o", &o1], 2, "N_RB"),
        (vec!["generate", "ofdm", "--fft-size", "1099511627776", "-o", &o1], 2, "FFT size"),
        (vec!["generate", "ofdm", "--fft-size", "0", "-o", &o1], 2, "FFT size"),
        (vec!["generate", "ofdm", "--nrb", "0", "-o", &o1], 2, "N_RB"),
        (vec!["generate", "ofdm", "--slots", "0", "-o", &o1], 2, "slots"),
        (vec!["generate", "ofdm", "--slots", "99999999999", "-o", &o1], 2, "slots"),
        (vec!["generate", "ofdm", "--slots=-1", "-o", &o1], 2, "--slots"),
        (vec!["generate", "ofdm", "--gain-db", "nan", "-o", &o1], 2, "--gain-db"),
        (vec!["generate", "ofdm", "--gain-db", "1e308", "-o", &o1], 2, "--gain-db"),
        (vec!["generate", "ofdm", "--center-freq", "inf", "-o", &o1], 2, "centre frequency"),
        (vec!["generate", "ofdm", "--scs", "45", "-o", &o1], 2, "subcarrier spacing"),
        (vec!["generate", "ofdm", "--modulation", "7qam", "-o", &o1], 2, "modulation"),
        (vec!["generate", "ofdm", "-o", &exists], 2, "--force"),
        // generate ssb.
        (vec!["generate", "ssb", "--pci", "2000", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "-o", &o2], 2, "PCI"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "Q", "--lmax", "4", "--sample-rate", "3.84e6", "-o", &o2], 2, "--case"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "5", "--sample-rate", "3.84e6", "-o", &o2], 2, "L_max"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "1e300", "-o", &o2], 2, "sample rate"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "0", "-o", &o2], 2, "sample rate"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "nan", "-o", &o2], 2, "sample rate"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "--frames", "0", "-o", &o2], 2, "--frames"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "--period-ms", "7", "-o", &o2], 2, "periodicity"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "--ssb-freq", "1e300", "-o", &o2], 2, "SSB frequency offset"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "--gscn", "99999999", "-o", &o2], 2, "GSCN"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "--kssb", "99", "-o", &o2], 2, "k_SSB"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "3.84e6", "--ssb-indices", "9", "-o", &o2], 2, "SSB index"),
        (vec!["generate", "ssb", "--pci", "1", "--case", "A", "--lmax", "4", "--sample-rate", "1e10", "-o", &o2], 2, "sample rate"),
        // evm: the waveform's metadata.
        (vec!["evm", &slots], 2, "slots"),
        (vec!["evm", &slots_f], 2, "nrkit:slots"),
        (vec!["evm", &n_rb], 2, "N_RB"),
        (vec!["evm", &fft], 2, "FFT size"),
        (vec!["evm", &gain], 2, "nrkit:gain_db"),
        (vec!["evm", &scs], 2, "nrkit:scs_khz"),
        (vec!["evm", &p3m], 2, "not an nrkit OFDM test waveform"),
        // bench and sensitivity.
        (vec!["bench", "nosuchkernel"], 2, "unknown kernel"),
        (vec!["bench", "fft", "--time-ms", "0"], 2, "--time-ms"),
        (vec!["bench", "fft", "--time-ms", "99999999999"], 2, "--time-ms"),
        (vec!["--isa", "sse9", "info", &p3m], 2, "ISA"),
        (vec!["sensitivity", "--trials", "0", "--out-dir", &sdir], 2, "trials"),
        (vec!["sensitivity", "--trials", "18446744073709551615", "--out-dir", &sdir], 2, "--trials"),
        (vec!["sensitivity", "--noise-trials", "99999999999", "--out-dir", &sdir], 2, "--noise-trials"),
        (vec!["sensitivity", "--snr-min", "nan", "--out-dir", &sdir], 2, "--snr-min"),
        (vec!["sensitivity", "--snr-step", "0", "--out-dir", &sdir], 2, "--snr-step"),
        (vec!["sensitivity", "--snr-min=-1e300", "--snr-max", "1e300", "--out-dir", &sdir], 2, "SNR"),
        (vec!["sensitivity", "--sample-rate", "1e300", "--out-dir", &sdir], 2, "sample rate"),
        // Device commands: parameters are checked before any device is opened.
        (vec!["capture", "--device", "driver=none", "--freq", "nan", "--rate", "1e6", "--gain", "0", "--samples", "10", "-o", &o3], 2, "--freq"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e300", "--gain", "0", "--samples", "10", "-o", &o3], 2, "--rate"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e6", "--gain", "inf", "--samples", "10", "-o", &o3], 2, "--gain"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e6", "--gain", "0", "--duration=-1", "-o", &o3], 2, "--duration"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e6", "--gain", "0", "--duration", "1e300", "-o", &o3], 2, "--duration"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e6", "--gain", "0", "--samples", "0", "-o", &o3], 2, "--samples"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e6", "--gain", "0", "--samples", "10", "--ring-mb", "99999999999999", "-o", &o3], 2, "--ring-mb"),
        (vec!["capture", "--device", "driver=none", "--freq", "1e9", "--rate", "1e6", "--gain", "0", "--samples", "10", "-o", &exists], 2, "--force"),
        (vec!["tx", &w, "--device", "driver=none", "--freq", "-1", "--gain", "0"], 2, "--freq"),
        (vec!["tx", &w, "--device", "driver=none", "--freq", "1e9", "--gain", "nan"], 2, "--gain"),
        (vec!["tx", &w, "--device", "driver=none", "--freq", "1e9", "--gain", "0", "--rate", "0"], 2, "--rate"),
        (vec!["tx", &w, "--device", "driver=none", "--freq", "1e9", "--gain", "0", "--repeat=-1"], 2, "--repeat"),
        (vec!["search", "--device", "driver=none", "--freq", "1e9", "--duration", "nan"], 2, "--duration"),
        (vec!["search", "--device", "driver=none", "--freq", "inf"], 2, "--freq"),
        // simulate.
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "1:0:2", "--json", "-o", &o1], 2, "--snr-db"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "3:1:1", "--json", "-o", &o1], 2, "--snr-db"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0:1e-9:1", "--json", "-o", &o1], 2, "at most 1000 points"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "nan", "--json", "-o", &o1], 2, "--snr-db"),
        (vec!["simulate", "ldpc", "--rate", "0.2", "--snr-db", "0", "--json", "-o", &o1], 2, "code rate"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--z", "401", "--snr-db", "0", "--json", "-o", &o1], 2, "lifting size"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--bg", "3", "--snr-db", "0", "--json", "-o", &o1], 2, "base graph"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--modulation", "8psk", "--snr-db", "0", "--json", "-o", &o1], 2, "--modulation"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0", "--trials", "0", "--json", "-o", &o1], 2, "--trials"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0", "--shard", "4/4", "--json", "-o", &o1], 2, "--shard"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0", "--threads", "0", "--json", "-o", &o1], 2, "--threads"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0", "-o", &o1], 2, "--json"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0", "--json", "--csv", "-o", &o1], 2, "--csv"),
        (vec!["simulate", "ldpc", "--rate", "0.5", "--snr-db", "0", "--json", "-o", &exists], 2, "--force"),
        (vec!["simulate", "pdsch", "--config", &c_typo, "--snr-db", "0", "--json", "-o", &o1], 2, "modulaton"),
        (vec!["simulate", "pdsch", "--config", ex, "--mcs", "29", "--snr-db", "0", "--json", "-o", &o1], 2, "mcs"),
        (vec!["simulate", "pdsch", "--config", ex, "--mcs-table", "qam32", "--mcs", "2", "--snr-db", "0", "--json", "-o", &o1], 2, "--mcs-table"),
        (vec!["simulate", "pdsch", "--config", ex, "--harq", "5", "--snr-db", "0", "--json", "-o", &o1], 2, "HARQ"),
        (vec!["simulate", "pdsch", "--config", ex, "--tdl", "Q", "--delay-spread-ns", "300", "--snr-db", "0", "--json", "-o", &o1], 2, "--tdl"),
        (vec!["simulate", "pdsch", "--config", ex, "--tdl", "C", "--delay-spread-ns", "-3", "--snr-db", "0", "--json", "-o", &o1], 2, "delay spread"),
        (vec!["simulate", "pdsch", "--config", ex, "--tdl", "C", "--delay-spread-ns", "300", "--doppler-hz", "1e9", "--snr-db", "0", "--json", "-o", &o1], 2, "Doppler"),
        (vec!["simulate", "pdsch", "--config", ex, "--tdl", "C", "--snr-db", "0", "--json", "-o", &o1], 2, "--delay-spread-ns"),
        (vec!["simulate", "pdsch", "--config", ex, "--tdl", "C", "--delay-spread-ns", "300", "--rx-antennas", "9", "--snr-db", "0", "--json", "-o", &o1], 2, "receive antennas"),
        (vec!["simulate", "pdsch", "--config", ex, "--tdl", "C", "--delay-spread-ns", "300", "--rx-correlation", "strong", "--snr-db", "0", "--json", "-o", &o1], 2, "--rx-correlation"),
        (vec!["simulate", "pdsch", "--config", ex, "--rx-antennas", "2", "--snr-db", "0", "--json", "-o", &o1], 2, "--tdl"),
        (vec!["simulate", "polar", "--payload", "5", "--snr-db", "0", "--json", "-o", &o1], 2, "payload"),
        (vec!["simulate", "polar", "--e", "63", "--snr-db", "0", "--json", "-o", &o1], 2, "--e"),
        (vec!["simulate", "polar", "--list", "64", "--snr-db", "0", "--json", "-o", &o1], 2, "list"),
        (vec!["simulate", "pbch", "--list", "0", "--snr-db", "0", "--json", "-o", &o1], 2, "list"),
        (vec!["simulate", "merge", &exists, "--json", "-o", &o1], 2, "simulation result"),
        (vec!["simulate", "merge", ex, "--json", "-o", &o1], 2, "simulation result"),
        // impair.
        (vec!["impair", &w, "-o", &o1, "--snr-db", "nan"], 2, "--snr-db"),
        (vec!["impair", &w, "-o", &o1, "--snr-db", "1e300"], 2, "--snr-db"),
        (vec!["impair", &w, "-o", &o1, "--cfo-hz", "1e12"], 2, "--cfo-hz"),
        (vec!["impair", &w, "-o", &o1, "--cfo-hz", "nan"], 2, "--cfo-hz"),
        (vec!["impair", &w, "-o", &o1, "--delay-samples=-1"], 2, "delay"),
        (vec!["impair", &w, "-o", &o1, "--tdl", "C", "--delay-spread-ns", "nan"], 2, "delay spread"),
        (vec!["impair", &w, "-o", &o1, "--tdl", "A", "--delay-spread-ns", "100", "--doppler-hz=-5"], 2, "Doppler"),
        (vec!["impair", &w, "-o", &o1, "--ppm", "nan"], 2, "--ppm"),
        (vec!["impair", &w, "-o", &o1, "--phase-noise-dbc-hz", "-80", "--phase-noise-offset-hz", "0"], 2, "phase-noise offset"),
        (vec!["impair", &w, "-o", &o1, "--delay-samples", "1e30"], 2, "delay"),
        (vec!["impair", &w, "-o", &o1, "--snr-db", "0", "--scs-khz", "7"], 2, "--scs-khz"),
        (vec!["impair", &p3m, "-o", &o1, "--snr-db", "0"], 2, "--scs-khz"),
        (vec!["impair", &w, "-o", &exists], 2, "--force"),
    ];
    let mut rows = rows;
    for (c, phrase) in &keys {
        rows.push((
            vec!["generate", "pdsch", "--config", c, "--random-tb", "-o", &o1],
            2,
            phrase,
        ));
    }
    let mut failures = Vec::new();
    for (args, code, phrase) in &rows {
        let o = bounded(args);
        let err = String::from_utf8_lossy(&o.stderr);
        let first = err.lines().next().unwrap_or("");
        let ours = first.starts_with("nrkit: error:");
        let ok = o.status.code() == Some(*code)
            && err.contains(phrase)
            && !err.contains("panicked")
            && !err.contains("internal error")
            && (!ours || err.lines().count() == 1);
        if !ok {
            failures.push(format!(
                "{args:?}: exit {:?}, stderr: {err}",
                o.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// A file-size limit stops `generate ofdm` mid-write (SIGXFSZ ignored, so the write fails
/// with EFBIG): exit 1 with the number of safe samples, and a recording whose metadata
/// matches its data and says it is incomplete.
#[test]
fn a_write_failure_leaves_a_recording_marked_incomplete() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cut.sigmf-meta");
    // 1 MiB limit (ulimit -f counts 1 KiB blocks); the carrier is 8 × 122880 × 8 bytes.
    let o = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1024; exec \"$0\" generate ofdm --scs 30 --nrb 273 --slots 8 -o \"$1\"")
        .arg(env!("CARGO_BIN_EXE_nrkit"))
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("marked incomplete") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let info = stdout_json(&nrkit(&["info", "--json", path(&out)]));
    let samples = info["samples"].as_u64().unwrap();
    assert_eq!(samples, (1 << 20) / 8, "{info}");
    assert_eq!(info["incomplete"]["samples"], samples, "{info}");
    assert!(
        info["incomplete"]["reason"]
            .as_str()
            .unwrap()
            .contains("large"),
        "{info}"
    );
    let data = std::fs::metadata(d.path().join("cut.sigmf-data"))
        .unwrap()
        .len();
    assert_eq!(data, samples * 8);
    let text = nrkit(&["info", path(&out)]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("INCOMPLETE"));
    // The error names the safe count.
    assert!(err.contains(&format!("after {samples} samples")), "{err}");
}
