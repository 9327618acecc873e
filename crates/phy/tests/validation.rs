//! Property tests of the constructors' validation: any value either builds or returns an
//! error naming the problem, never panics, and never allocates by an unchecked size
//! (the bounds keep every accepted value small enough to build here).

use nrkit_core::{Numerology, Pci};
use nrkit_dsp::FftEngine;
use nrkit_phy::grid::ResourceGrid;
use nrkit_phy::modulation::Modulation;
use nrkit_phy::ssb::{SsbCase, SsbGenerator, SsbTxConfig};
use nrkit_phy::sync::{scan_candidates, CellSearcher, SearchConfig};
use nrkit_phy::testwave::TestWave;
use nrkit_phy::{Ofdm, OfdmConfig};
use proptest::prelude::*;

/// Any f64, with the awkward ones (NaN, ±inf, ±0, huge, tiny) often.
fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(1e300),
        Just(-1e300),
        Just(1e-300),
        -1e12..1e12f64,
        0.0..2e8f64,
        any::<f64>(),
    ]
}

fn any_size() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), Just(usize::MAX), 0..5000usize, any::<usize>()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn search_config_builds_or_errors(fs in any_f64(), off in any_f64(), scs in prop_oneof![Just(15u32), Just(30), Just(120), Just(240), any::<u32>()], cfo in any_f64(), list in any_size(), thr in -1.0..2.0f32) {
        let mut cfg = SearchConfig::new(fs, off, scs);
        cfg.cfo_range_hz = cfo;
        cfg.list = list;
        cfg.pss_threshold = thr;
        if cfg.validate().is_ok() && fs <= 2e8 {
            let mut e = FftEngine::detect();
            prop_assert!(CellSearcher::new(cfg, &mut e).is_ok());
        }
    }

    #[test]
    fn scan_candidates_builds_or_errors(fs in any_f64(), center in proptest::option::of(any_f64()), ssb in proptest::option::of(any_f64()), cfo in proptest::option::of(any_f64()), scs in prop_oneof![Just(15u32), Just(30), any::<u32>()]) {
        if let Ok(c) = scan_candidates(fs, center, ssb, &[scs], cfo) {
            prop_assert!(c.len() <= nrkit_phy::sync::candidates::MAX_CANDIDATES);
        }
    }

    #[test]
    fn ofdm_and_testwave_build_or_error(n_rb in any_size(), fft in any_size(), slots in any_size(), scs in prop_oneof![Just(15u32), Just(30), Just(60), any::<u32>()], f0 in proptest::option::of(any_f64())) {
        let Ok(num) = Numerology::from_scs_khz(scs) else { return Ok(()); };
        let mut cfg = OfdmConfig::new(num, n_rb);
        if fft % 2 == 0 { cfg.fft_size = fft; }
        cfg.phase_comp_f0 = f0;
        let mut e = FftEngine::detect();
        let _ = Ofdm::new(cfg, &mut e);
        let t = TestWave { numerology: num, n_rb, fft_size: fft, slots, modulation: Modulation::Qpsk, seed: 1, center_freq: f0 };
        if t.validate().is_ok() {
            prop_assert!(t.fft_size <= 65536 && t.slots >= 1);
        }
    }

    #[test]
    fn grid_builds_or_errors(start in any_size(), size in any_size(), sym in any_size(), ports in any_size()) {
        let num = Numerology::from_scs_khz(30).unwrap();
        if let Ok(g) = ResourceGrid::new(num, start, size % 400, sym % 100, ports % 20) {
            prop_assert!(g.n_size_grid() <= 275 && g.n_ports() <= 12);
        }
        // Unbounded values are refused before anything is allocated.
        if size > 275 || sym > 2240 || ports > 12 {
            prop_assert!(ResourceGrid::new(num, start, size, sym, ports).is_err());
        }
    }

    #[test]
    fn ssb_generator_builds_or_errors(fs in any_f64(), off in any_f64(), f0 in proptest::option::of(any_f64()), kssb in any::<u8>(), period in any::<u32>(), lmax in any::<u8>(), pci in 0u16..1008) {
        let mut cfg = SsbTxConfig::new(Pci::new(pci).unwrap(), SsbCase::A, lmax, fs);
        cfg.ssb_offset_hz = off;
        cfg.center_freq = f0;
        cfg.mib.k_ssb = kssb;
        cfg.period_ms = period;
        if cfg.validate().is_ok() && fs <= 1e8 {
            let mut e = FftEngine::detect();
            let _ = SsbGenerator::new(cfg, &mut e);
        }
    }
}
