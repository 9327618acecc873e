//! Modulation and OFDM against py3gpp (vectors: scripts/make_vectors.py).

mod common;
use common::c32s;
use ndarray::{Array2, ShapeBuilder};
use nrkit_core::{Numerology, C32};
use nrkit_dsp::{FftEngine, Isa};
use nrkit_phy::modulation::{demap, map, Modulation};
use nrkit_phy::{Ofdm, OfdmConfig};
use serde_json::Value;

fn bits(v: &Value) -> Vec<u8> {
    v.as_str().unwrap().bytes().map(|b| b - b'0').collect()
}

fn load(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["generator"], "py3gpp");
    v
}

#[test]
fn mapping_matches_nr_symbol_modulate() {
    let v = load(include_str!("../testdata/modulation.json"));
    let cases = v["mapping"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for c in cases {
        let m = Modulation::from_name(c["modulation"].as_str().unwrap()).unwrap();
        let b = bits(&c["bits"]);
        let want = c32s(&c["symbols"]);
        let mut got = vec![C32::default(); want.len()];
        map(m, &b, &mut got).unwrap();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).norm() < 1e-6, "{m:?} symbol {i}: {g} vs {w}");
        }
    }
}

/// py3gpp's soft demapper is a simplified one (LLR ∝ y for the sign bits, ∝ 2a − |y| for
/// the 16QAM amplitude bits, scaled by e/σ²); exact max-log agrees with it in hard decisions
/// everywhere and is proportional to it wherever the simplification is exact.
#[test]
fn demapping_agrees_with_nr_symbol_demodulate() {
    let v = load(include_str!("../testdata/modulation.json"));
    for c in v["demap"].as_array().unwrap() {
        let m = Modulation::from_name(c["modulation"].as_str().unwrap()).unwrap();
        let nvar = c["noise_var"].as_f64().unwrap() as f32;
        let y = c32s(&c["symbols"]);
        let soft: Vec<f32> = c["soft"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let hard = bits(&c["hard"]);
        let q = m.bits_per_symbol();
        // py3gpp's BPSK demodulator returns one LLR per symbol like ours.
        let mut llr = vec![0f32; y.len() * q];
        demap(m, &y, nvar, &mut llr).unwrap();
        assert_eq!(llr.len(), soft.len(), "{m:?}");
        let ours_hard: Vec<u8> = llr.iter().map(|&l| u8::from(l < 0.0)).collect();
        assert_eq!(ours_hard, hard, "{m:?} hard decisions");
        let e = std::f32::consts::E;
        let a = 1.0 / 10f32.sqrt();
        for (i, (&ours, &theirs)) in llr.iter().zip(&soft).enumerate() {
            let (ratio, exact_here) = match m {
                Modulation::Bpsk | Modulation::Qpsk => (2.0 * std::f32::consts::SQRT_2 / e, true),
                Modulation::Qam16 => {
                    let sym = y[i / 4];
                    let comp = if i % 2 == 0 { sym.re } else { sym.im };
                    if i % 4 < 2 {
                        (4.0 * a / (e / 2.0), comp.abs() < 2.0 * a) // sign bits: inner region
                    } else {
                        (4.0 * a / (e / 2.0), true) // amplitude bits: linear everywhere
                    }
                }
                _ => unreachable!(),
            };
            if exact_here {
                assert!(
                    (ours - ratio * theirs).abs() <= 1e-3 * ours.abs().max(1.0),
                    "{m:?} llr {i}: {ours} vs {} ",
                    ratio * theirs
                );
            }
        }
    }
}

#[test]
fn ofdm_matches_nr_ofdm_modulate_and_demodulate() {
    let v = load(include_str!("../testdata/ofdm.json"));
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for isa in Isa::available() {
        let mut engine = FftEngine::new(isa).unwrap();
        for c in cases {
            let scs = c["scs_khz"].as_u64().unwrap() as u32;
            let n_rb = c["n_rb"].as_u64().unwrap() as usize;
            let slots = c["slots"].as_u64().unwrap() as usize;
            let f0 = c["f0"].as_f64().unwrap();
            let num = Numerology::from_scs_khz(scs).unwrap();
            let mut cfg = OfdmConfig::new(num, n_rb);
            cfg.fft_size = c["fft_size"].as_u64().unwrap() as usize;
            cfg.phase_comp_f0 = (f0 != 0.0).then_some(f0);
            let mut ofdm = Ofdm::new(cfg, &mut engine).unwrap();
            let k = n_rb * 12;
            let nsym = 14 * slots;
            let grid = Array2::from_shape_vec((k, nsym).f(), c32s(&c["grid"])).unwrap();
            let want = c32s(&c["waveform"]);
            let mut wave = Vec::new();
            ofdm.modulate(grid.view(), 0, &mut wave).unwrap();
            assert_eq!(wave.len(), want.len(), "length scs={scs} nrb={n_rb}");
            let rms = (want.iter().map(|z| z.norm_sqr()).sum::<f32>() / want.len() as f32).sqrt();
            let err = wave
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).norm())
                .fold(0f32, f32::max);
            assert!(
                err <= 1e-5 * rms * 10.0,
                "{isa} modulate scs={scs} nrb={n_rb} f0={f0}: max err {err} vs rms {rms}"
            );
            let rel = (wave
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).norm_sqr())
                .sum::<f32>()
                / want.iter().map(|z| z.norm_sqr()).sum::<f32>())
            .sqrt();
            assert!(rel < 1e-5, "{isa} modulate relative error {rel}");
            let noisy = c32s(&c["noisy"]);
            let want_grid = c32s(&c["demodulated"]);
            let got = ofdm.demodulate(&noisy, 0, nsym).unwrap();
            let got = got.as_slice_memory_order().unwrap();
            let num_e: f32 = got
                .iter()
                .zip(&want_grid)
                .map(|(a, b)| (a - b).norm_sqr())
                .sum();
            let den: f32 = want_grid.iter().map(|z| z.norm_sqr()).sum();
            let rel = (num_e / den).sqrt();
            assert!(
                rel < 1e-5,
                "{isa} demodulate scs={scs} nrb={n_rb} f0={f0}: relative error {rel}"
            );
        }
    }
}
