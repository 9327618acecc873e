//! generate → impair (AWGN at an SNR per RE, CFO, timing offset) → search recovers every
//! field.

use nrkit_channel::{add_awgn, Snr};
use nrkit_core::{rng, Pci, C32};
use nrkit_dsp::{FftEngine, Nco};
use nrkit_phy::ssb::{SsbCase, SsbGenerator, SsbPlacement, SsbTxConfig};
use nrkit_phy::sync::{search_samples, SearchConfig, SsbDetection};

fn generate(cfg: &SsbTxConfig, frames: usize) -> (Vec<C32>, Vec<SsbPlacement>) {
    SsbGenerator::generate(cfg.clone(), frames, &mut FftEngine::detect()).unwrap()
}

/// Delays by `delay` samples (zeros in front), shifts by `cfo` Hz and adds white noise for
/// `snr_db` per RE (noise variance 10^(−SNR/10)/N_FFT per sample, N_FFT = fs/Δf: a
/// unit-power RE of the generator's 1/N_FFT-scaled IFFT).
fn impair(
    x: &[C32],
    fs: f64,
    scs: f64,
    delay: usize,
    cfo: f64,
    snr_db: f64,
    seed: u64,
) -> Vec<C32> {
    let mut y = vec![C32::default(); delay];
    y.extend_from_slice(x);
    Nco::new(cfo, fs).unwrap().mix(&mut y);
    let var = Snr::PerResourceElement {
        sample_rate: fs,
        scs_hz: scs,
    }
    .noise_variance(snr_db)
    .unwrap();
    add_awgn(&mut y, var, &mut rng::stream(seed, 7));
    y
}

fn check(cfg: &SsbTxConfig, placed: &[SsbPlacement], got: &[SsbDetection], delay: u64, cfo: f64) {
    let scs = f64::from(cfg.case.scs_khz()) * 1e3;
    let brief: Vec<_> = got
        .iter()
        .map(|d| {
            (
                d.ssb_index,
                d.half_frame,
                d.mib.sfn,
                d.sample_offset,
                d.snr_db as i32,
            )
        })
        .collect();
    let want: Vec<_> = placed
        .iter()
        .map(|p| (p.ssb_index, p.half_frame, p.sfn, p.start + delay))
        .collect();
    assert_eq!(
        got.len(),
        placed.len(),
        "every SSB found once: {brief:?} vs {want:?}"
    );
    for (p, d) in placed.iter().zip(got) {
        assert_eq!(d.pci, cfg.pci);
        assert_eq!(d.ssb_index, p.ssb_index);
        assert_eq!(d.half_frame, p.half_frame);
        assert_eq!(d.mib.sfn, p.sfn);
        let mut want = cfg.mib;
        want.sfn = p.sfn;
        assert_eq!(d.mib, want);
        let off = d.sample_offset as i64 - (p.start + delay) as i64;
        assert!(
            off.abs() <= 2,
            "timing {} vs {}",
            d.sample_offset,
            p.start + delay
        );
        assert!(
            (d.cfo_hz - cfo).abs() < 0.1 * scs,
            "cfo {} vs {cfo}",
            d.cfo_hz
        );
    }
}

#[test]
fn case_c_clean_and_impaired() {
    let mut cfg = SsbTxConfig::new(Pci::new(1007).unwrap(), SsbCase::C, 8, 15.36e6);
    cfg.mib.sfn = 1023;
    cfg.mib.k_ssb = 21;
    cfg.mib.pdcch_config_sib1 = 0x3c;
    cfg.period_ms = 10;
    let (x, placed) = generate(&cfg, 2);
    let mut engine = FftEngine::detect();
    let scfg = SearchConfig::new(15.36e6, 0.0, 30);
    let got = search_samples(scfg.clone(), &x, &mut engine).unwrap();
    check(&cfg, &placed, &got, 0, 0.0);
    let y = impair(&x, 15.36e6, 30e3, 1234, 21e3, 0.0, 1);
    let got = search_samples(scfg, &y, &mut engine).unwrap();
    check(&cfg, &placed, &got, 1234, 21e3);
}

#[test]
fn cases_a_b_d_e_and_offsets() {
    let mut engine = FftEngine::detect();
    for (case, l_max, fs, pci, idx, off) in [
        (SsbCase::A, 4, 7.68e6, 0u16, vec![0u8, 3], 150e3),
        (SsbCase::B, 8, 30.72e6, 500, vec![1, 6], -2.5e6),
        (SsbCase::D, 64, 61.44e6, 333, vec![0, 17, 63], 0.0),
        (SsbCase::E, 64, 122.88e6, 1, vec![9, 40], 5e6),
    ] {
        let mut cfg = SsbTxConfig::new(Pci::new(pci).unwrap(), case, l_max, fs);
        cfg.ssb_indices = idx;
        cfg.mib.sfn = 511;
        cfg.ssb_offset_hz = off;
        cfg.center_freq = Some(if case.is_fr2() { 28e9 } else { 3.5e9 });
        let (x, placed) = generate(&cfg, 2);
        let scs = f64::from(case.scs_khz()) * 1e3;
        let cfo = 0.3 * scs;
        let y = impair(&x, fs, scs, 77, cfo, 3.0, u64::from(pci));
        let got =
            search_samples(SearchConfig::new(fs, off, case.scs_khz()), &y, &mut engine).unwrap();
        check(&cfg, &placed, &got, 77, cfo);
    }
}

#[test]
fn noise_only_reports_nothing() {
    let mut engine = FftEngine::detect();
    let fs = 7.68e6;
    for seed in 0..20u64 {
        let mut r = rng::stream(seed, 99);
        let x: Vec<C32> = (0..(0.02 * fs) as usize)
            .map(|_| rng::complex_normal(&mut r, 1e-3))
            .collect();
        let got = search_samples(SearchConfig::new(fs, 0.0, 30), &x, &mut engine).unwrap();
        assert!(got.is_empty(), "seed {seed}: {got:?}");
        let got = search_samples(SearchConfig::new(fs, 0.0, 15), &x, &mut engine).unwrap();
        assert!(got.is_empty(), "seed {seed}: {got:?}");
    }
}

/// MIB success rate of 20 ms Case C / L_max 8 recordings (all 8 SSBs) at an SNR per RE,
/// random CFO within ±1 subcarrier.
fn mib_rate(snr_db: f64, trials: u64) -> f64 {
    let mut engine = FftEngine::detect();
    let fs = 7.68e6;
    let mut ok = 0;
    for t in 0..trials {
        let pci = ((t * 131 + 7) % 1008) as u16;
        let mut cfg = SsbTxConfig::new(Pci::new(pci).unwrap(), SsbCase::C, 8, fs);
        cfg.mib.sfn = (t * 2 % 1024) as u16;
        let (x, _) = generate(&cfg, 2);
        let mut r = rng::stream(t, 5);
        let cfo = (rand::Rng::random::<f64>(&mut r) * 2.0 - 1.0) * 30e3;
        let y = impair(
            &x,
            fs,
            30e3,
            (t * 37 % 1000) as usize,
            cfo,
            snr_db,
            1000 + t,
        );
        let got = search_samples(SearchConfig::new(fs, 0.0, 30), &y, &mut engine).unwrap();
        if got
            .iter()
            .any(|d| d.pci.value() == pci && d.mib.sfn == cfg.mib.sfn)
        {
            ok += 1;
        }
    }
    ok as f64 / trials as f64
}

#[test]
fn soft_combining_decodes_at_minus_6_db() {
    let r = mib_rate(-6.0, 20);
    assert!(r >= 0.9, "MIB success at -6 dB: {r}");
}

#[test]
#[ignore = "1000 noise-only recordings (about a minute); run with --ignored"]
fn noise_only_1000_recordings() {
    let mut engine = FftEngine::detect();
    let fs = 7.68e6;
    let mut reported = 0;
    for seed in 0..1000u64 {
        let mut r = rng::stream(seed, 4242);
        let x: Vec<C32> = (0..(0.02 * fs) as usize)
            .map(|_| rng::complex_normal(&mut r, 1.0))
            .collect();
        let got = search_samples(SearchConfig::new(fs, 0.0, 30), &x, &mut engine).unwrap();
        reported += usize::from(!got.is_empty());
    }
    assert_eq!(reported, 0, "recordings with a false cell");
}

#[test]
fn ssb_cut_at_the_stream_start_does_not_panic() {
    let cfg = SsbTxConfig::new(Pci::new(9).unwrap(), SsbCase::C, 8, 7.68e6);
    let (x, placed) = generate(&cfg, 1);
    let mut engine = FftEngine::detect();
    // Start the stream 0…30 samples into the first SSB (inside its CP and PSS).
    for cut in 0..30 {
        let y = &x[placed[0].start as usize + cut..];
        let got = search_samples(SearchConfig::new(7.68e6, 0.0, 30), y, &mut engine).unwrap();
        assert!(got.len() >= 7, "cut {cut}: {}", got.len());
    }
}

/// Two cells in one recording: `(pci, gain, delay)` each, same CFO, AWGN at 0 dB per RE
/// relative to the stronger. Returns, per cell, how many of its 8 SSBs were reported with
/// its own MIB (SFN included).
fn two_cells(a: (u16, f32, usize), b: (u16, f32, usize)) -> Vec<usize> {
    let fs = 15.36e6;
    let mut sum: Vec<C32> = Vec::new();
    let mut cfgs = Vec::new();
    for (i, &(pci, gain, delay)) in [a, b].iter().enumerate() {
        let mut cfg = SsbTxConfig::new(Pci::new(pci).unwrap(), SsbCase::C, 8, fs);
        cfg.mib.sfn = 100 + 2 * i as u16;
        cfg.mib.pdcch_config_sib1 = 17 * (i as u8 + 1);
        let (x, _) = generate(&cfg, 2);
        if sum.len() < x.len() + delay {
            sum.resize(x.len() + delay, C32::default());
        }
        for (s, v) in sum[delay..].iter_mut().zip(&x) {
            *s += v * gain;
        }
        cfgs.push(cfg);
    }
    let y = impair(&sum, fs, 30e3, 0, 2.1e3, 0.0, 99);
    let got = search_samples(SearchConfig::new(fs, 0.0, 30), &y, &mut FftEngine::detect()).unwrap();
    assert!(
        got.iter()
            .all(|d| cfgs.iter().any(|c| c.pci == d.pci && c.mib == d.mib)),
        "no other cell, no wrong MIB: {got:?}"
    );
    cfgs.iter()
        .map(|c| got.iter().filter(|d| d.pci == c.pci).count())
        .collect()
}

#[test]
fn several_cells_in_one_recording() {
    // Different N_ID2, same timing (a synchronized network), 3 dB apart.
    assert_eq!(two_cells((10, 1.0, 0), (20, 0.7, 0)), vec![8, 8]);
    // Same N_ID2, different timing.
    assert_eq!(two_cells((3, 1.0, 0), (6, 0.8, 30_000)), vec![8, 8]);
    // Same N_ID2 and the same timing: one PSS peak, two SSS; 3 dB apart every SSB of both,
    // 6 dB apart (the weaker at −7.8 dB SINR under the stronger's PBCH and the noise) the
    // weaker's MIB from most of its SSBs.
    assert_eq!(two_cells((3, 1.0, 0), (6, 0.7, 0)), vec![8, 8]);
    let n = two_cells((501, 1.0, 0), (999, 0.5, 0));
    assert!(n[0] == 8 && n[1] >= 6, "{n:?}");
}

/// A blind scan through the shared front end finds what one searcher per candidate (own
/// mixer and resampler) finds: same cells, SSB indices and MIBs, timing within a sample,
/// CFO within 100 Hz of each other; an SSB off the centre at 30 kHz and one at the centre at 15 kHz.
#[test]
fn search_bank_matches_separate_searchers() {
    use nrkit_phy::sync::{scan_candidates, CellSearcher, SearchBank};
    let fs = 30.72e6;
    let fc = 3.5e9;
    let mut a = SsbTxConfig::new(Pci::new(77).unwrap(), SsbCase::C, 8, fs);
    a.center_freq = Some(fc);
    a.ssb_offset_hz = nrkit_phy::ssb::raster::gscn_to_freq(7850).unwrap() - fc;
    let b = SsbTxConfig::new(Pci::new(400).unwrap(), SsbCase::A, 4, fs);
    let (xa, pa) = generate(&a, 2);
    let (xb, pb) = generate(&b, 2);
    let x: Vec<C32> = xa.iter().zip(&xb).map(|(p, q)| p + q * 0.7).collect();
    let y = impair(&x, fs, 30e3, 123, 1.7e3, 3.0, 5);
    let cands = scan_candidates(fs, Some(fc), None, &[30, 15], None).unwrap();
    let mut engine = FftEngine::detect();
    let mut bank = SearchBank::new(fs, &cands, None, &mut engine).unwrap();
    assert!(bank.shared() && bank.len() == cands.len());
    let mut got = Vec::new();
    for c in y.chunks(50_000) {
        got.extend(bank.push(c).unwrap());
    }
    got.extend(bank.finish().unwrap());
    let mut want = Vec::new();
    for c in &cands {
        let mut s =
            CellSearcher::new(SearchConfig::new(fs, c.offset_hz, c.scs_khz), &mut engine).unwrap();
        for ch in y.chunks(50_000) {
            want.extend(s.push(ch).unwrap().into_iter().map(|d| (*c, d)));
        }
        want.extend(s.finish().unwrap().into_iter().map(|d| (*c, d)));
    }
    let key = |v: &[(nrkit_phy::sync::SearchCandidate, SsbDetection)]| {
        let mut k: Vec<_> = v
            .iter()
            .filter(|(c, _)| c.on_raster || c.offset_hz == 0.0)
            .map(|(c, d)| {
                (
                    c.freq_hz as i64,
                    d.pci.value(),
                    d.ssb_index,
                    d.mib,
                    d.sample_offset,
                    d.cfo_hz,
                )
            })
            .collect();
        k.sort_by_key(|t| (t.0, t.1, t.2, t.4));
        k
    };
    let (g, w) = (key(&got), key(&want));
    assert_eq!(g.len(), w.len(), "{g:?}\nvs\n{w:?}");
    for (p, q) in g.iter().zip(&w) {
        assert_eq!((p.0, p.1, p.2, p.3), (q.0, q.1, q.2, q.3));
        assert!(p.4.abs_diff(q.4) <= 1, "{p:?} vs {q:?}");
        assert!((p.5 - q.5).abs() < 100.0, "{p:?} vs {q:?}");
    }
    // Both transmitted cells, every SSB, at their sample offsets.
    for (cfg, placed, freq) in [(&a, &pa, fc + a.ssb_offset_hz), (&b, &pb, fc)] {
        let mine: Vec<_> = got
            .iter()
            .filter(|(c, d)| d.pci == cfg.pci && (c.freq_hz - freq).abs() < 1.0)
            .collect();
        assert_eq!(mine.len(), placed.len(), "PCI {}", cfg.pci.value());
        for (_, d) in &mine {
            assert!(placed
                .iter()
                .any(|p| p.start + 123 == d.sample_offset && p.ssb_index == d.ssb_index));
            // The PSS-based estimate at 3 dB per RE: about ±1 kHz.
            assert!((d.cfo_hz - 1.7e3).abs() < 1.5e3, "{d:?}");
        }
    }
}
