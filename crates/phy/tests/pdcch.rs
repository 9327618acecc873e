//! The PDCCH against independent vectors and in round trips:
//! * the DCI chain and PDCCH symbols against py3gpp primitives, the DMRS against nrPRBS,
//!   CCE-to-REG mapping and candidates against the script's own reading of the
//!   specification (scripts/make_pdcch_vectors.py records generator, version and seed);
//! * CORESET#0 and Type0-PDCCH lookups against TS 38.213 Tables 13-1…13-6 and 13-11 as
//!   extracted by scripts/extract_type0_tables.py;
//! * blind decoding with noise, timing offset and phase drift; nothing on noise alone.

use nrkit_coding::dci::dci_encode;
use nrkit_core::{rng, Numerology, C32};
use nrkit_phy::pdcch::{
    coreset0_row, pdcch_soft, transmit_dci, type0_monitoring, Candidate, CceRegMapping, Coreset,
    PdcchBlindDecoder, PdcchIds, PdcchSearch, PrecoderGranularity, SearchSpace, SearchSpaceType,
};
use nrkit_phy::ResourceGrid;
use serde_json::Value;

fn json(name: &str) -> Value {
    let p = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn u(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

fn cplx(v: &Value) -> Vec<C32> {
    let f: Vec<f32> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    f.chunks(2).map(|c| C32::new(c[0], c[1])).collect()
}

fn plain(n_rb: usize, duration: usize) -> Coreset {
    Coreset::new(
        1,
        0,
        n_rb,
        &vec![true; n_rb / 6],
        duration,
        CceRegMapping::NonInterleaved,
        PrecoderGranularity::SameAsRegBundle,
    )
    .unwrap()
}

#[test]
fn dci_chain_and_symbols_equal_py3gpp() {
    let v = json("pdcch_vectors.json");
    assert_eq!(v["generator"], "py3gpp");
    let num = Numerology::from_scs_khz(15).unwrap();
    for c in v["dci"].as_array().unwrap() {
        let a: Vec<u8> = c["a"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| u(b) as u8)
            .collect();
        let (rnti, e) = (u(&c["rnti"]) as u16, u(&c["e"]));
        let coded: Vec<u8> = c["coded"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| u(b) as u8)
            .collect();
        assert_eq!(
            dci_encode(&a, rnti, e).unwrap(),
            coded,
            "A = {}, E = {e}",
            a.len()
        );
        // The symbols in mapping order: a non-interleaved one-symbol CORESET, frequency first.
        let level = e / 108;
        let cs = plain(6 * level, 1);
        let mut g = ResourceGrid::slot(num, 0, 6 * level, 1).unwrap();
        let ids = PdcchIds {
            n_id: u(&c["n_id"]) as u16,
            n_rnti: u(&c["n_rnti"]) as u16,
            dmrs_n_id: 0,
        };
        let cand = Candidate {
            level,
            first_cce: 0,
            start_symbol: 0,
        };
        transmit_dci(&mut g, 0, &cs, &cand, &ids, 0, &a, rnti).unwrap();
        let got: Vec<C32> = (0..g.n_subcarriers())
            .filter(|k| ![1, 5, 9].contains(&(k % 12)))
            .map(|k| g.port(0)[[k, 0]])
            .collect();
        let want = cplx(&c["symbols"]);
        assert_eq!(got.len(), want.len());
        for (i, (x, y)) in got.iter().zip(&want).enumerate() {
            assert!((x - y).norm() < 1e-5, "symbol {i}: {x} vs {y}");
        }
    }
}

#[test]
fn dmrs_equals_nrprbs_sequence() {
    let v = json("pdcch_vectors.json");
    let num = Numerology::from_scs_khz(15).unwrap();
    for c in v["dmrs"].as_array().unwrap() {
        let n_rb = (u(&c["n_rb"]) / 6 * 6).min(270);
        let l = u(&c["l"]);
        let cs = plain(n_rb, 1);
        let mut g = ResourceGrid::slot(num, 0, n_rb, 1).unwrap();
        let ids = PdcchIds {
            n_id: 0,
            n_rnti: 0,
            dmrs_n_id: u(&c["n_id"]) as u16,
        };
        // Every CCE carries a PDCCH so that every REG has its DMRS.
        for j in 0..cs.n_cce() {
            let cand = Candidate {
                level: 1,
                first_cce: j,
                start_symbol: l,
            };
            transmit_dci(&mut g, 0, &cs, &cand, &ids, u(&c["n_slot"]), &[0; 20], 1).unwrap();
        }
        let r = cplx(&c["r"]);
        for n in 0..n_rb {
            for (kp, sc) in [1usize, 5, 9].into_iter().enumerate() {
                let x = g.port(0)[[12 * n + sc, l]];
                assert!((x - r[3 * n + kp]).norm() < 1e-5, "{c:?} n {n} k' {kp}");
            }
        }
    }
}

#[test]
fn cce_to_reg_mapping_and_candidates_equal_the_spec_model() {
    let v = json("pdcch_vectors.json");
    for c in v["cce_regs"].as_array().unwrap() {
        let (n_rb, dur) = (u(&c["n_rb"]), u(&c["duration"]));
        let mapping = if c["interleaved"].as_bool().unwrap() {
            CceRegMapping::Interleaved {
                reg_bundle_size: u(&c["L"]),
                interleaver_size: u(&c["R"]),
                shift_index: u(&c["n_shift"]),
            }
        } else {
            CceRegMapping::NonInterleaved
        };
        let cs = Coreset::new(
            1,
            0,
            n_rb,
            &vec![true; n_rb / 6],
            dur,
            mapping,
            PrecoderGranularity::SameAsRegBundle,
        )
        .unwrap();
        let want = c["cce_regs"].as_array().unwrap();
        assert_eq!(cs.n_cce(), want.len());
        for (j, w) in want.iter().enumerate() {
            let w: Vec<u16> = w.as_array().unwrap().iter().map(|x| u(x) as u16).collect();
            assert_eq!(
                cs.cce_regs(j).unwrap().to_vec(),
                w,
                "{n_rb} RB × {dur}, CCE {j}"
            );
        }
    }
    for c in v["candidates"].as_array().unwrap() {
        let n_cce = u(&c["n_cce"]);
        let dur = if n_cce == 54 { 2 } else { 1 };
        let n_rb = n_cce * 6 / dur;
        let cs = Coreset::new(
            u(&c["p"]) as u8,
            0,
            n_rb,
            &vec![true; n_rb / 6],
            dur,
            CceRegMapping::NonInterleaved,
            PrecoderGranularity::SameAsRegBundle,
        )
        .unwrap_or_else(|_| {
            // CORESET id 0 is CORESET#0.
            Coreset::zero(0, n_rb, dur, 0).unwrap()
        });
        assert_eq!(cs.n_cce(), n_cce);
        let level = u(&c["L"]);
        let mut counts = [0usize; 5];
        counts[[1, 2, 4, 8, 16].iter().position(|&l| l == level).unwrap()] = u(&c["M"]);
        let kind = SearchSpaceType::from_name(c["type"].as_str().unwrap()).unwrap();
        let ss = SearchSpace::new(1, kind, 0, 1, 0, 1, counts).unwrap();
        let want: Vec<usize> = c["first_cce"].as_array().unwrap().iter().map(u).collect();
        assert_eq!(
            ss.candidates(&cs, level, u(&c["n_slot"]), u(&c["rnti"]) as u16),
            want,
            "{c}"
        );
    }
}

#[test]
fn coreset0_and_type0_tables_equal_ts_38_213() {
    let v = json("type0_pdcch_tables.json");
    assert!(v["source"]["repository"]
        .as_str()
        .unwrap()
        .contains("mdspc"));
    let tables = v["coreset_tables"].as_array().unwrap();
    assert_eq!(tables.len(), 6);
    for t in tables {
        let (ssb, pdcch) = (u(&t["ssb_scs_khz"]) as u32, u(&t["pdcch_scs_khz"]) as u32);
        for bw in t["min_channel_bw_mhz"].as_array().unwrap() {
            for e in t["entries"].as_array().unwrap() {
                let idx = u(&e["index"]) as u8;
                let got = coreset0_row(ssb, pdcch, u(bw) as u32, idx);
                if e.get("reserved").is_some() {
                    assert!(got.is_err(), "{t:?} {idx}");
                    continue;
                }
                let r = got.unwrap();
                assert_eq!(
                    (u64::from(r.pattern), r.n_rb, r.n_symb, r.offset),
                    (
                        e["pattern"].as_u64().unwrap(),
                        u(&e["n_rb"]),
                        u(&e["n_symb"]),
                        u(&e["offset"])
                    ),
                    "Table {} index {idx}",
                    t["table"]
                );
            }
        }
    }
    for e in v["monitoring_table_13_11"].as_array().unwrap() {
        let m = type0_monitoring(u(&e["index"]) as u8).unwrap();
        assert_eq!(m.o, u(&e["o"]));
        assert_eq!(m.sets_per_slot, u(&e["search_space_sets_per_slot"]));
        assert_eq!(m.m_times_2 as f64 / 2.0, e["m"].as_f64().unwrap());
        match e["first_symbol"].as_u64() {
            Some(s) => assert_eq!(
                (m.first_symbol_even, m.odd_after_coreset),
                (s as usize, false)
            ),
            None => assert!(m.odd_after_coreset && m.first_symbol_even == 0),
        }
    }
}

/// A received grid: the transmitted one through a flat channel with a timing offset of
/// `delay` samples at FFT size `n_fft` (a phase slope), a phase drift of `drift` rad per
/// symbol (residual CFO), and complex AWGN of variance `nv`.
fn impair(
    g: &ResourceGrid,
    delay: f64,
    n_fft: usize,
    drift: f64,
    nv: f64,
    seed: u64,
) -> ResourceGrid {
    let mut r = rng::stream(seed, 0);
    let mut out = g.clone();
    let h = C32::from_polar(0.8, 1.1);
    for l in 0..g.n_symbols() {
        for (k, x) in out.symbol_mut(0, l).iter_mut().enumerate() {
            let ph =
                -2.0 * std::f64::consts::PI * delay * k as f64 / n_fft as f64 + drift * l as f64;
            *x = *x * h * C32::from_polar(1.0, ph as f32) + rng::complex_normal(&mut r, nv);
        }
    }
    out
}

#[test]
fn type0_pdcch_is_found_at_every_level_with_noise_timing_and_drift() {
    let num = Numerology::from_scs_khz(30).unwrap();
    let row = coreset0_row(30, 30, 10, 13).unwrap(); // 48 RB, 2 symbols, offset 12
    let cs = Coreset::zero(2, row.n_rb, row.n_symb, 17).unwrap();
    let ss = SearchSpace::type0(0).unwrap();
    let ids = PdcchIds::cell(17);
    let mut dec = PdcchBlindDecoder::new(8).unwrap();
    let mut trial = 0;
    let mut err_sum = 0.0;
    for level in [4usize, 8, 16] {
        for first_cce in ss.candidates(&cs, level, 1, 0) {
            trial += 1;
            let payload: Vec<u8> = (0..39).map(|i| ((i * 5 + trial) % 3 % 2) as u8).collect();
            let mut g = ResourceGrid::slot(num, 0, 52, 1).unwrap();
            let cand = Candidate {
                level,
                first_cce,
                start_symbol: 0,
            };
            transmit_dci(&mut g, 0, &cs, &cand, &ids, 1, &payload, 0xffff).unwrap();
            // 4 dB per RE at L = 4, 1 dB at L = 8, −2 dB at L = 16 (unit-power REs).
            let snr_db = 4.0 - 3.0 * (level as f64 / 4.0).log2();
            let rx = impair(
                &g,
                3.0,
                1024,
                0.05,
                10f64.powf(-snr_db / 10.0) * 0.64,
                trial as u64,
            );
            let found = dec
                .search(
                    &rx,
                    0,
                    1,
                    &PdcchSearch {
                        coreset: &cs,
                        search_space: &ss,
                        ids: &ids,
                        payload_sizes: &[39],
                        rntis: &[0xffff, 0x1234],
                        hash_rnti: 0,
                    },
                )
                .unwrap();
            assert_eq!(found.len(), 1, "L {level} CCE {first_cce}: {found:?}");
            assert_eq!(found[0].candidate, cand);
            assert_eq!(found[0].dci.payload, payload);
            assert_eq!(found[0].dci.rnti, 0xffff);
            err_sum += found[0].snr_db - snr_db;
            assert!(
                (found[0].snr_db - snr_db).abs() < 2.5,
                "{} vs {snr_db}",
                found[0].snr_db
            );
        }
    }
    // The SNR estimate (DMRS, a few hundred pilots) is unbiased within 1 dB on average.
    assert!(
        (err_sum / trial as f64).abs() < 1.0,
        "mean error {}",
        err_sum / trial as f64
    );
}

#[test]
fn ue_specific_interleaved_coreset_round_trip() {
    let num = Numerology::from_scs_khz(15).unwrap();
    let cs = Coreset::new(
        2,
        4,
        100,
        &[
            true, true, false, true, true, true, true, true, true, false, true, true,
        ],
        2,
        CceRegMapping::Interleaved {
            reg_bundle_size: 2,
            interleaver_size: 3,
            shift_index: 41,
        },
        PrecoderGranularity::AllContiguousRbs,
    )
    .unwrap();
    let ss = SearchSpace::new(5, SearchSpaceType::Ue, 2, 5, 1, 1, [2, 2, 2, 1, 0]).unwrap();
    let ids = PdcchIds {
        n_id: 700,
        n_rnti: 0x4601,
        dmrs_n_id: 700,
    };
    let mut dec = PdcchBlindDecoder::new(8).unwrap();
    for (level, slot) in [(1usize, 1usize), (2, 6), (4, 11), (8, 16)] {
        let first_cce = ss.candidates(&cs, level, slot, 0x4601)[level % 2];
        let mut g = ResourceGrid::slot(num, 0, 106, 1).unwrap();
        let payload: Vec<u8> = (0..57).map(|i| ((i * 3 + level) % 2) as u8).collect();
        let cand = Candidate {
            level,
            first_cce,
            start_symbol: 2,
        };
        transmit_dci(&mut g, 0, &cs, &cand, &ids, slot, &payload, 0x4601).unwrap();
        let rx = impair(&g, -2.0, 2048, -0.03, 0.05, level as u64);
        let found = dec
            .search(
                &rx,
                0,
                slot,
                &PdcchSearch {
                    coreset: &cs,
                    search_space: &ss,
                    ids: &ids,
                    payload_sizes: &[39, 57],
                    rntis: &[0x4601],
                    hash_rnti: 0x4601,
                },
            )
            .unwrap();
        assert_eq!(found.len(), 1, "L {level}: {found:?}");
        assert_eq!(
            (found[0].candidate, &found[0].dci.payload),
            (cand, &payload)
        );
        // The soft bits of the candidate agree with the code bits.
        let soft = pdcch_soft(&rx, 0, &cs, &cand, &ids, slot).unwrap();
        assert_eq!(soft.llrs.len(), 108 * level);
    }
}

#[test]
fn noise_alone_yields_no_dci_in_10000_type0_searches() {
    let num = Numerology::from_scs_khz(30).unwrap();
    let cs = Coreset::zero(0, 48, 2, 5).unwrap();
    let ss = SearchSpace::type0(0).unwrap();
    let ids = PdcchIds::cell(5);
    let mut dec = PdcchBlindDecoder::new(8).unwrap();
    let clean = ResourceGrid::new(num, 0, 48, 2, 1).unwrap();
    let mut false_alarms = 0;
    for s in 0..10_000u64 {
        let g = impair(&clean, 0.0, 1024, 0.0, 1.0, 1_000_000 + s);
        false_alarms += dec
            .search(
                &g,
                0,
                (s % 20) as usize,
                &PdcchSearch {
                    coreset: &cs,
                    search_space: &ss,
                    ids: &ids,
                    payload_sizes: &[39],
                    rntis: &[0xffff],
                    hash_rnti: 0,
                },
            )
            .unwrap()
            .len();
    }
    assert_eq!(false_alarms, 0);
}

/// Time samples: SIB1-style DCI (SI-RNTI) in CORESET#0 of a 30 kHz 52-RB carrier with a
/// CFO of 2 kHz and timing errors of a few samples and of 0.9 CP, at 0 dB per RE (L = 8), and
/// at 15 dB where the CFO estimate is checked.
#[test]
fn slot_samples_with_cfo_and_timing_error_are_decoded() {
    use nrkit_channel::impair::{apply_cfo, delay};
    use nrkit_dsp::{FftEngine, Isa};
    use nrkit_phy::ofdm::OfdmConfig;
    use nrkit_phy::pdcch::receive_pdcch_slot;
    use nrkit_phy::pdsch::modulate_slot;
    use nrkit_phy::Ofdm;
    let num = Numerology::from_scs_khz(30).unwrap();
    let cs = Coreset::zero(4, 48, 1, 321).unwrap();
    let ss = SearchSpace::type0(0).unwrap();
    let ids = PdcchIds::cell(321);
    let n_slot = 13;
    let payload: Vec<u8> = (0..39).map(|i| (i % 3 == 0) as u8).collect();
    let cand = Candidate {
        level: 8,
        first_cce: 0,
        start_symbol: 0,
    };
    let mut g = ResourceGrid::slot(num, 0, 52, 1).unwrap();
    transmit_dci(&mut g, 0, &cs, &cand, &ids, n_slot % 20, &payload, 0xffff).unwrap();
    let mut engine = FftEngine::detect();
    let mut ofdm = Ofdm::new(OfdmConfig::new(num, 52), &mut engine).unwrap();
    let mut wave = vec![Vec::new()];
    modulate_slot(&mut ofdm, &g, n_slot, &mut wave).unwrap();
    let fs = ofdm.sample_rate();
    let n_fft = ofdm.config().fft_size as f64;
    let cp = ofdm.cp_len(1) as f64;
    let mut dec = PdcchBlindDecoder::new(8).unwrap();
    let q = PdcchSearch {
        coreset: &cs,
        search_space: &ss,
        ids: &ids,
        payload_sizes: &[39],
        rntis: &[0xffff],
        hash_rnti: 0,
    };
    for (case, d, snr_db) in [
        (0u64, 3.0, 0.0),
        (1, -2.5, 0.0),
        (2, 0.9 * cp, 0.0),
        (3, 5.0, 15.0),
    ] {
        let mut x = wave[0].clone();
        apply_cfo(&mut x, 2000.0, fs, Isa::Scalar).unwrap();
        let mut y = delay(&x, d.max(0.0)).unwrap();
        if d < 0.0 {
            y = delay(&x, d + cp).unwrap();
            y.drain(..cp as usize);
        }
        y.resize(x.len() + 64, C32::default());
        // 0 dB per RE: the per-RE power from the CORESET symbol's samples (its 48 of 52 RBs
        // carry unit-power REs).
        let sym0 = &x[..ofdm.samples_for_at(0, 1)];
        let p_sample =
            sym0.iter().map(|v| f64::from(v.norm_sqr())).sum::<f64>() / sym0.len() as f64;
        let p_re = p_sample * n_fft / (12.0 * 48.0);
        let mut r = rng::stream(40 + case, 0);
        nrkit_channel::add_awgn(&mut y, p_re * 10f64.powf(-snr_db / 10.0), &mut r);
        let o = receive_pdcch_slot(&mut ofdm, &mut dec, num, 0, 52, n_slot, &q, &y).unwrap();
        assert_eq!(o.found.len(), 1, "delay {d}: {o:?}");
        assert_eq!(o.found[0].dci.payload, payload);
        assert_eq!(o.found[0].candidate, cand);
        // The CFO from one symbol's CP is coarse at 0 dB (the PDCCH tolerates the rest).
        let tol = if snr_db > 10.0 { 150.0 } else { 4000.0 };
        assert!((o.cfo_hz - 2000.0).abs() < tol, "{o:?}");
        assert!((o.found[0].snr_db - snr_db).abs() < 2.0, "{o:?}");
        if d > cp / 2.0 {
            assert!((o.shift as f64 - d).abs() <= cp / 8.0, "{o:?}");
        }
    }
}
