//! CRC, segmentation and LDPC encoding against py3gpp (vectors: scripts/make_vectors.py).

use nrkit_coding::crc::{Crc, CrcPoly};
use nrkit_coding::ldpc::{segment, BaseGraph, LdpcEncoder, LiftingSize};
use serde_json::Value;

fn load(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["generator"], "py3gpp");
    v
}

/// Hex (MSB-first) → `len` bits.
fn bits(hex: &Value, len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = hex
        .as_str()
        .unwrap()
        .chars()
        .flat_map(|c| {
            let v = c.to_digit(16).unwrap() as u8;
            (0..4).rev().map(move |i| (v >> i) & 1)
        })
        .collect();
    assert!(out.len() >= len && out.len() < len + 4);
    out.truncate(len);
    out
}

#[test]
fn crc_matches_nr_crc_encode() {
    let v = load(include_str!("../testdata/crc.json"));
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 36);
    for c in cases {
        let poly = CrcPoly::from_name(c["poly"].as_str().unwrap()).unwrap();
        let n = c["len"].as_u64().unwrap() as usize;
        let mut b = bits(&c["bits"], n);
        let want = bits(&c["with_crc"], n + poly.len());
        let crc = Crc::new(poly);
        crc.attach_bits(&mut b);
        assert_eq!(b, want, "{poly:?} len {n}");
        assert!(crc.check_bits(&b));
    }
}

#[test]
fn segmentation_matches_nr_code_block_segment_ldpc() {
    let v = load(include_str!("../testdata/segmentation.json"));
    for c in v["cases"].as_array().unwrap() {
        let bg = BaseGraph::from_number(c["bg"].as_u64().unwrap() as u8).unwrap();
        let b = c["b"].as_u64().unwrap() as usize;
        let input = bits(&c["bits"], b);
        let (s, blocks) = segment(&input, bg).unwrap();
        let ctx = format!("BG{} B={b}", bg.number());
        assert_eq!(s.c, c["c"].as_u64().unwrap() as usize, "{ctx} C");
        assert_eq!(s.k, c["k"].as_u64().unwrap() as usize, "{ctx} K");
        assert_eq!(
            s.z_c.value(),
            c["z_c"].as_u64().unwrap() as usize,
            "{ctx} Zc"
        );
        assert_eq!(s.filler, c["filler"].as_u64().unwrap() as usize, "{ctx} F");
        let want = c["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), want.len());
        for (i, (got, w)) in blocks.iter().zip(want).enumerate() {
            assert_eq!(got, &bits(w, s.k), "{ctx} block {i}");
        }
    }
}

#[test]
fn ldpc_encoder_matches_py3gpp_for_all_51_lifting_sizes_and_both_graphs() {
    let v = load(include_str!("../testdata/ldpc_encode.json"));
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 102);
    for c in cases {
        let bg = BaseGraph::from_number(c["bg"].as_u64().unwrap() as u8).unwrap();
        let z = LiftingSize::new(c["z"].as_u64().unwrap() as usize).unwrap();
        assert_eq!(z.set_index(), c["i_ls"].as_u64().unwrap() as usize);
        let enc = LdpcEncoder::new(bg, z).unwrap();
        let info = bits(&c["c"], enc.k());
        let want = bits(&c["d"], enc.n());
        let mut d = vec![0u8; enc.n()];
        enc.encode(&info, &mut d).unwrap();
        assert_eq!(d, want, "BG{} Z={}", bg.number(), z.value());
    }
}

#[test]
fn rate_matching_matches_py3gpp_for_every_rv_qm_and_lbrm() {
    use nrkit_coding::ldpc::RateMatch;
    let v = load(include_str!("../testdata/ratematch.json"));
    let cases = v["cases"].as_array().unwrap();
    let codeword = |name: &str| {
        cases
            .iter()
            .find(|c| c["codeword"] == name)
            .expect("codeword entry")
    };
    let mut n_cases = 0;
    let mut combos = std::collections::HashSet::new();
    for c in cases.iter().filter(|c| c.get("rv").is_some()) {
        let bg = BaseGraph::from_number(c["bg"].as_u64().unwrap() as u8).unwrap();
        let z = LiftingSize::new(c["z"].as_u64().unwrap() as usize).unwrap();
        let k_prime = c["k_prime"].as_u64().unwrap() as usize;
        let tbs_lbrm = c["tbs_lbrm"].as_u64().map(|t| t as usize);
        let rm = RateMatch::with_fillers(bg, z, k_prime, tbs_lbrm, 1).unwrap();
        assert_eq!(rm.n_cb(), c["n_cb"].as_u64().unwrap() as usize);
        let rv = c["rv"].as_u64().unwrap() as u8;
        assert_eq!(rm.k0(rv).unwrap(), c["k0"].as_u64().unwrap() as usize);
        let qm = c["qm"].as_u64().unwrap() as usize;
        let e = c["e"].as_u64().unwrap() as usize;
        let d = bits(&codeword(&format!("bg{}", bg.number()))["d"], rm.n());
        let mut f = vec![0u8; e];
        rm.rate_match(&d, rv, qm, &mut f).unwrap();
        assert_eq!(
            f,
            bits(&c["f"], e),
            "BG{} rv{rv} Qm{qm} E{e} lbrm={}",
            bg.number(),
            tbs_lbrm.is_some()
        );
        combos.insert((bg.number(), rv, qm, tbs_lbrm.is_some()));
        n_cases += 1;
    }
    assert_eq!(n_cases, 192);
    assert_eq!(combos.len(), 2 * 4 * 6 * 2);
}

#[test]
fn polar_encoding_and_rate_matching_match_py3gpp() {
    use nrkit_coding::polar::PolarCode;
    let v = load(include_str!("../testdata/polar.json"));
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for c in cases {
        let k = c["k"].as_u64().unwrap() as usize;
        let e = c["e"].as_u64().unwrap() as usize;
        let code = PolarCode::new(k, e, 9, true, false).unwrap();
        assert_eq!(code.n(), c["n"].as_u64().unwrap() as usize, "K={k} E={e}");
        let info = bits(&c["c"], k);
        let mut d = vec![0u8; code.n()];
        code.encode(&info, &mut d).unwrap();
        assert_eq!(d, bits(&c["d"], code.n()), "codeword K={k} E={e}");
        let mut f = vec![0u8; e];
        code.rate_match(&d, &mut f).unwrap();
        assert_eq!(f, bits(&c["f"], e), "rate matching K={k} E={e}");
    }
}
