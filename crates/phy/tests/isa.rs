//! The ISA chosen for a search reaches every processor of it: the FFTs, the vector kernels
//! of the correlator and detector, the demapper, the BCH polar decoder (whose AVX-512
//! choice runs its AVX2 build), and the mixer and resampler or the shared front end.

use nrkit_coding::polar::scl::SclDecoder;
use nrkit_dsp::{FftEngine, Isa};
use nrkit_phy::sync::{scan_candidates, CellSearcher, SearchBank, SearchConfig};
use nrkit_phy::{Ofdm, OfdmConfig};

fn expected(name: &str, isa: Isa) -> Isa {
    if name == "polar" {
        SclDecoder::build_for(isa)
    } else {
        isa
    }
}

#[test]
fn forced_isa_reaches_every_search_processor() {
    for isa in Isa::available() {
        let mut engine = FftEngine::new(isa).unwrap();
        let s = CellSearcher::new(SearchConfig::new(30.72e6, 1.2e6, 30), &mut engine).unwrap();
        let own = s.isas();
        let names: Vec<&str> = own.iter().map(|e| e.0).collect();
        for n in [
            "fft",
            "correlator",
            "kernels",
            "demapper",
            "polar",
            "nco",
            "resampler",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        for (name, got) in own {
            assert_eq!(got, expected(name, isa), "{name} under {isa}");
        }
        // A blind scan: every candidate on one shared front end.
        let cands = scan_candidates(61.44e6, Some(3.5e9), None, &[30, 15], None).unwrap();
        let bank = SearchBank::new(61.44e6, &cands, None, &mut engine).unwrap();
        assert!(bank.shared());
        let all = bank.isas();
        let names: Vec<&str> = all.iter().map(|e| e.0).collect();
        assert!(
            names.contains(&"front_end") && names.contains(&"channel"),
            "{names:?}"
        );
        for (name, got) in all {
            assert_eq!(got, expected(name, isa), "{name} under {isa}");
        }
        let ofdm = Ofdm::new(
            OfdmConfig::new(nrkit_core::Numerology::from_scs_khz(30).unwrap(), 51),
            &mut engine,
        )
        .unwrap();
        for (name, got) in ofdm.isas() {
            assert_eq!(got, isa, "OFDM {name} under {isa}");
        }
    }
}
