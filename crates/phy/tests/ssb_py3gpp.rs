//! SS/PBCH block parts against py3gpp (vectors: scripts/make_vectors.py, ssb()).

mod common;
use common::c32s;
use nrkit_core::Pci;
use nrkit_phy::ssb::mapping::pbch_positions;
use nrkit_phy::ssb::pbch::{bch_encode, pbch_symbols, BchDecoder, BchPayload, Mib};
use nrkit_phy::ssb::sequences::{pbch_dmrs, pss, sss};
use serde_json::Value;

fn load() -> Value {
    let v: Value = serde_json::from_str(include_str!("../testdata/ssb.json")).unwrap();
    assert_eq!(v["generator"], "py3gpp");
    v
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn hex_bits(v: &Value, n: usize) -> Vec<u8> {
    let s = v.as_str().unwrap();
    let mut out = Vec::with_capacity(s.len() * 4);
    for ch in s.chars() {
        let d = ch.to_digit(16).unwrap() as u8;
        for sh in (0..4).rev() {
            out.push((d >> sh) & 1);
        }
    }
    out.truncate(n);
    out
}

#[test]
fn pss_and_sss_match() {
    let v = load();
    for c in v["pss"].as_array().unwrap() {
        let n = c["n_id_2"].as_u64().unwrap() as u8;
        let want: Vec<i8> = ints(&c["d"]).iter().map(|&x| x as i8).collect();
        assert_eq!(pss(n).unwrap().to_vec(), want, "PSS N_ID2={n}");
    }
    let cases = v["sss"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for c in cases {
        let pci = Pci::new(c["pci"].as_u64().unwrap() as u16).unwrap();
        let want: Vec<i8> = ints(&c["d"]).iter().map(|&x| x as i8).collect();
        assert_eq!(sss(pci).to_vec(), want, "SSS {pci:?}");
    }
}

#[test]
fn pbch_dmrs_matches() {
    let v = load();
    let cases = v["dmrs"].as_array().unwrap();
    assert!(cases.len() >= 32);
    for c in cases {
        let pci = Pci::new(c["pci"].as_u64().unwrap() as u16).unwrap();
        let i = c["i_bar"].as_u64().unwrap() as u8;
        let want = c32s(&c["r"]);
        let got = pbch_dmrs(pci, i).unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).norm() < 1e-6, "{pci:?} i_bar={i}");
        }
    }
}

#[test]
fn ssb_indices_match() {
    let v = load();
    for c in v["indices"].as_array().unwrap() {
        let pci = c["pci"].as_u64().unwrap() as usize;
        let (d, p) = pbch_positions(pci % 4);
        let lin = |x: &[(usize, usize)]| {
            x.iter()
                .map(|&(k, l)| (k + 240 * l) as i64)
                .collect::<Vec<_>>()
        };
        assert_eq!(lin(&d), ints(&c["dmrs"]), "DMRS indices, PCI {pci}");
        assert_eq!(lin(&p), ints(&c["pbch"]), "PBCH indices, PCI {pci}");
        let sync: Vec<i64> = (56..183).collect();
        assert_eq!(ints(&c["pss"]), sync);
        assert_eq!(
            ints(&c["sss"]).iter().map(|x| x % 240).collect::<Vec<_>>(),
            sync
        );
    }
}

#[test]
fn bch_and_pbch_match_and_decode() {
    let v = load();
    let dec = BchDecoder::new(8).unwrap();
    let cases = v["bch"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for c in cases {
        let pci = Pci::new(c["pci"].as_u64().unwrap() as u16).unwrap();
        let sfn = c["sfn"].as_u64().unwrap() as u16;
        let l_max = c["l_max"].as_u64().unwrap() as u8;
        let idx = c["ssb_index"].as_u64().unwrap() as u8;
        let bits: [u8; 24] = hex_bits(&c["mib"], 24).try_into().unwrap();
        let mib = Mib::from_message_bits(&bits, (sfn & 15) as u8, 0, l_max == 64);
        assert_eq!(mib.sfn, sfn);
        assert_eq!(mib.message_bits(), bits);
        let payload = BchPayload {
            mib,
            half_frame: c["hrf"].as_u64().unwrap() as u8,
            ssb_index: idx,
            l_max,
        };
        let coded = bch_encode(&payload, pci).unwrap();
        assert_eq!(coded, hex_bits(&c["coded"], 864), "nrBCH {c}");
        let nu = c["v"].as_u64().unwrap() as u8;
        let syms = pbch_symbols(&coded, pci, nu).unwrap();
        for (g, w) in syms.iter().zip(&c32s(&c["pbch"])) {
            assert!((g - w).norm() < 1e-6, "nrPBCH");
        }
        let llr: Vec<f32> = coded.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
        let got = dec.decode(&llr, pci, l_max, l_max == 64).unwrap().unwrap();
        assert_eq!(got.mib, mib);
        assert_eq!(got.half_frame, payload.half_frame);
    }
}

/// py3gpp decoded `nrkit generate ssb` output (scripts/make_interop.py); our blocks for the
/// same parameters still carry exactly the PBCH symbols it decoded.
#[test]
fn py3gpp_decodes_our_ssbs() {
    use nrkit_phy::ssb::mapping::pbch_positions;
    use nrkit_phy::ssb::ssb_block;
    let v: Value =
        serde_json::from_str(include_str!("../testdata/py3gpp_decodes_nrkit.json")).unwrap();
    let dec = v["decoded"].as_array().unwrap();
    assert_eq!(dec.len(), 2);
    for d in dec {
        let pci = Pci::new(d["pci"].as_u64().unwrap() as u16).unwrap();
        assert_eq!(pci.value(), 77);
        assert_eq!(d["sfn"], 1020);
        assert_eq!(d["k_ssb_lsbs"], 5);
        assert_eq!(d["pdcch_config_sib1"], 200);
        let idx = d["ssb_index"].as_u64().unwrap() as u8;
        assert_eq!(d["i_bar"].as_u64().unwrap() as u8, idx);
        let payload = BchPayload {
            mib: Mib {
                sfn: 1020,
                k_ssb: 5,
                pdcch_config_sib1: 200,
                ..Mib::default()
            },
            half_frame: 0,
            ssb_index: idx,
            l_max: 8,
        };
        let g = ssb_block(pci, &payload).unwrap();
        let (_, data) = pbch_positions(usize::from(pci.value() % 4));
        let want = c32s(&d["pbch"]);
        for (&(k, l), w) in data.iter().zip(&want) {
            assert!((g[[k, l]] - w).norm() < 2e-3, "SSB {idx} k={k} l={l}");
        }
    }
}
