//! The bodies of the fuzz targets (`fuzz_targets/*.rs` call them; the main test suite
//! runs them too, on seeded random inputs, in `tests/fuzz_smoke`). Each takes arbitrary
//! bytes and must never panic: every input builds or returns an error.

#![forbid(unsafe_code)]

use arbitrary::Arbitrary;
use nrkit_coding::bch::{BchDecoder, BCH_E};
use nrkit_coding::ldpc::{BaseGraph, DecoderConfig, DecoderWorkspace, LdpcDecoder, LiftingSize};
use nrkit_coding::polar::{scl::SclDecoder, PolarCode};
use nrkit_core::{Numerology, Pci, C32};
use nrkit_dsp::{FftEngine, Resampler};
use nrkit_iq::{Datatype, Meta, Recording};
use nrkit_phy::grid::ResourceGrid;
use nrkit_phy::modulation::Modulation;
use nrkit_phy::ssb::{SsbCase, SsbGenerator, SsbTxConfig};
use nrkit_phy::sync::{scan_candidates, CellSearcher, SearchBank, SearchConfig};
use nrkit_phy::testwave::TestWave;
use nrkit_phy::{Ofdm, OfdmConfig};

/// The SigMF metadata parser on arbitrary text: parses or errors, never panics; what it
/// accepts round-trips through `to_json`.
pub fn sigmf_meta(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("fuzz.sigmf-meta");
    if let Ok(m) = Meta::parse(text, path) {
        assert!(m.sample_rate.is_finite() && m.sample_rate > 0.0);
        let again = Meta::parse(&m.to_json().to_string(), path).expect("own output parses");
        assert_eq!(again.sample_rate, m.sample_rate);
        let _ = m.frequency_at(u64::MAX);
        let _ = m.incomplete();
    }
}

/// The raw and SigMF sample readers on arbitrary bytes of every datatype: read or error
/// (partial sample, non-finite value), never panic; seeking anywhere is safe.
pub fn sample_reader(data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dts = [
        Datatype::Cf32Le,
        Datatype::Cf64Le,
        Datatype::Ci16Le,
        Datatype::Ci8,
        Datatype::Cu8,
    ];
    let dt = dts[usize::from(data[0]) % dts.len()];
    let body = &data[1..];
    let raw = dir.path().join("x.raw");
    std::fs::write(&raw, body).unwrap();
    let Ok(rec) = Recording::open_raw(&raw, dt, 1e6, None) else {
        return;
    };
    let Ok(mut r) = rec.reader() else { return };
    let mut buf = vec![C32::default(); 7];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = r.seek(u64::from(data[0]) * 3);
    let _ = r.seek(u64::MAX);
    // The same bytes as a SigMF recording.
    let base = dir.path().join("y");
    let meta = format!(
        "{{\"global\":{{\"core:datatype\":\"{}\",\"core:sample_rate\":1e6,\"core:version\":\"1.2.0\"}},\"captures\":[{{\"core:sample_start\":0}}],\"annotations\":[]}}",
        dt.sigmf_name()
    );
    std::fs::write(base.with_extension("sigmf-meta"), meta).unwrap();
    std::fs::write(base.with_extension("sigmf-data"), body).unwrap();
    if let Ok(rec) = Recording::open_sigmf(&base.with_extension("sigmf-meta")) {
        if let Ok(mut r) = rec.reader() {
            let _ = r.read_all();
        }
    }
}

/// The BCH/PBCH decoder on arbitrary LLRs (any f32, NaN and inf included), any PCI, L_max
/// and range: decodes, fails or errors, never panics.
pub fn bch_decode(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let pci = Pci::new(u16::from_le_bytes([data[0], data[1]]) % 1008).unwrap();
    let l_max = [4u8, 8, 64][usize::from(data[2]) % 3];
    let fr2 = data[3] & 1 == 1;
    let list = [1usize, 2, 8][usize::from(data[3] >> 1) % 3];
    let mut llr = vec![0f32; BCH_E];
    for (i, c) in data[4..].chunks(4).enumerate().take(BCH_E) {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        llr[i] = f32::from_le_bytes(b);
    }
    let dec = BchDecoder::new(list).unwrap();
    let _ = dec.decode(&llr, pci, l_max, fr2);
    let _ = dec.decode(&llr[..BCH_E - 1], pci, l_max, fr2);
}

/// The polar CA-SCL decoder on arbitrary code parameters (K, E, n_max, interleaving) and
/// arbitrary LLRs: a code builds or errors; decoding decodes or errors, never panics.
pub fn polar_decode(data: &[u8]) {
    if data.len() < 6 {
        return;
    }
    let k = usize::from(u16::from_le_bytes([data[0], data[1]]) % 200);
    let e = usize::from(u16::from_le_bytes([data[2], data[3]]) % 9000);
    let n_max = [9u32, 10][usize::from(data[4] & 1)];
    let (i_il, i_bil) = (data[4] & 2 != 0, data[4] & 4 != 0);
    let list = [1usize, 2, 4, 8, 16, 32][usize::from(data[5]) % 6];
    let Ok(code) = PolarCode::new(k, e, n_max, i_il, i_bil) else {
        return;
    };
    let mut f = vec![0f32; code.e()];
    for (i, c) in data[6..].chunks(4).enumerate().take(f.len()) {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        f[i] = f32::from_le_bytes(b);
    }
    let mut d = vec![0f32; code.n()];
    if code.rate_recover(&f, &mut d).is_err() {
        return;
    }
    let dec = SclDecoder::new(code, list).unwrap();
    let _ = dec.decode(&d, |b| b.first() == Some(&0));
}

/// The layered LDPC decoder on arbitrary base graph, lifting size, iterations, LLR scale
/// and LLRs (any f32): decodes or errors, never panics; the result has K bits.
pub fn ldpc_decode(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let bg = if data[0] & 1 == 0 {
        BaseGraph::Bg1
    } else {
        BaseGraph::Bg2
    };
    let Ok(z) = LiftingSize::new(usize::from(u16::from_le_bytes([data[1], data[2]]) % 400)) else {
        return;
    };
    let dec = LdpcDecoder::new(bg, z).unwrap();
    let scale = f32::from_le_bytes([data[3], data[4], data[5], data[6]]);
    let cfg = DecoderConfig {
        max_iterations: usize::from(data[7] % 12),
        early_stop: data[0] & 2 != 0,
        llr_scale: (data[0] & 4 != 0).then_some(scale),
    };
    let mut soft = vec![0f32; dec.n()];
    for (i, c) in data[8..].chunks(4).enumerate().take(soft.len()) {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        soft[i] = f32::from_le_bytes(b);
    }
    let mut c = vec![0u8; dec.k()];
    let mut ws = DecoderWorkspace::default();
    let _ = dec.decode_in(&mut ws, &soft, &cfg, &mut c);
    let _ = dec.decode_in(&mut ws, &soft[..soft.len() / 2], &cfg, &mut c);
}

#[derive(Arbitrary, Debug)]
struct Search {
    sample_rate: f64,
    center: Option<f64>,
    ssb_freq: Option<f64>,
    scs: u32,
    cfo_range: Option<f64>,
}

#[derive(Arbitrary, Debug)]
struct Generate {
    scs: u32,
    n_rb: usize,
    fft_size: Option<usize>,
    slots: usize,
    center_freq: Option<f64>,
    pci: u16,
    l_max: u8,
    ssb_rate: f64,
    ssb_offset: f64,
    period_ms: u32,
    k_ssb: u8,
    grid_start: usize,
    grid_symbols: usize,
    ports: usize,
    rs_from: f64,
    rs_to: f64,
}

#[derive(Arbitrary, Debug)]
enum Input {
    Search(Search),
    Generate(Generate),
}

/// The parameter paths of `search`, `generate` and `evm`: arbitrary values (NaN, inf,
/// huge, negative) into the validated constructors the commands build — search
/// candidates and searchers, the OFDM test carrier and its modulator, the SSB generator,
/// the resource grid. Each builds or returns an error; nothing panics or allocates by an
/// unchecked value.
pub fn cli_params(data: &[u8]) {
    let Ok(input) = Input::arbitrary(&mut arbitrary::Unstructured::new(data)) else {
        return;
    };
    let mut engine = FftEngine::detect();
    match input {
        Input::Search(s) => {
            let Ok(cands) =
                scan_candidates(s.sample_rate, s.center, s.ssb_freq, &[s.scs], s.cfo_range)
            else {
                return;
            };
            if s.sample_rate > 1e8 || cands.len() > 8 {
                return;
            }
            if let Some(c) = cands.first() {
                let mut cfg = SearchConfig::new(s.sample_rate, c.offset_hz, c.scs_khz);
                if let Some(r) = s.cfo_range {
                    cfg.cfo_range_hz = r;
                }
                let _ = CellSearcher::new(cfg, &mut engine);
            }
            let _ = SearchBank::new(s.sample_rate, &cands, s.cfo_range, &mut engine);
        }
        Input::Generate(g) => {
            if let Ok(num) = Numerology::from_scs_khz(g.scs) {
                let mut cfg = OfdmConfig::new(num, g.n_rb);
                let t = TestWave {
                    numerology: num,
                    n_rb: g.n_rb,
                    fft_size: g.fft_size.unwrap_or(cfg.fft_size),
                    slots: g.slots,
                    modulation: Modulation::Qam16,
                    seed: 1,
                    center_freq: g.center_freq,
                };
                if t.validate().is_ok() && t.slots * t.fft_size < 100_000 {
                    if let Ok(mut o) = Ofdm::new(t.ofdm_config(), &mut engine) {
                        let _ = t.waveform(&mut o);
                    }
                }
                cfg.fft_size = g.fft_size.unwrap_or(cfg.fft_size);
                if cfg.fft_size <= 65536 {
                    let _ = Ofdm::new(cfg, &mut engine);
                }
                let _ = ResourceGrid::new(
                    num,
                    g.grid_start,
                    g.n_rb % 300,
                    g.grid_symbols % 3000,
                    g.ports % 16,
                );
            }
            if let Ok(pci) = Pci::new(g.pci) {
                let mut cfg = SsbTxConfig::new(pci, SsbCase::C, g.l_max, g.ssb_rate);
                cfg.ssb_offset_hz = g.ssb_offset;
                cfg.period_ms = g.period_ms;
                cfg.mib.k_ssb = g.k_ssb;
                cfg.center_freq = g.center_freq;
                if cfg.validate().is_ok() && g.ssb_rate <= 5e7 {
                    let _ = SsbGenerator::new(cfg, &mut engine);
                }
            }
            let _ = Resampler::for_rates(g.rs_from, g.rs_to);
        }
    }
}
