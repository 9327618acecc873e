//! The case builders, one function per row of [`CASES`].

use std::hint::black_box;

use nrkit_channel::{add_awgn, Snr};
use nrkit_coding::crc::{Crc, CrcPoly};
use nrkit_coding::ldpc::{
    BaseGraph, DecoderConfig, DecoderWorkspace, LdpcDecoder, LdpcEncoder, LiftingSize,
};
use nrkit_core::{gold::GoldSequence, rng, Numerology, C32};
use nrkit_dsp::{Direction, FftEngine, Isa, VectorKernels};
use nrkit_phy::modulation::{map, Demapper, Modulation};
use nrkit_phy::{Ofdm, OfdmConfig};
use serde_json::json;

use crate::{BenchError, Case, Item, Op, Setup, Timing};

/// The NR FFT sizes benchmarked.
pub const FFT_SIZES: &[usize] = &[128, 256, 512, 1024, 1536, 2048, 3072, 4096];

/// The OFDM carriers benchmarked: (label MHz, SCS kHz, N_RB, FFT size).
pub const OFDM_CARRIERS: &[(u32, u32, usize, usize)] = &[(20, 15, 106, 2048), (100, 30, 273, 4096)];

pub(crate) const CASES: &[Case] = &[
    Case {
        name: "fft",
        about: "forward FFT per NR size, in place (own kernels or rustfft, per ISA)",
        only_when_named: false,
        build: fft,
    },
    Case {
        name: "fft_rustfft",
        about: "plain rustfft with its own planner per NR size (the baseline)",
        only_when_named: false,
        build: fft_rustfft,
    },
    Case {
        name: "fft_outofplace",
        about: "forward FFT per NR size, out of place",
        only_when_named: false,
        build: fft_outofplace,
    },
    Case {
        name: "ofdm_mod",
        about: "OFDM modulation of one slot, 20 MHz/15 kHz and 100 MHz/30 kHz",
        only_when_named: false,
        build: ofdm_mod,
    },
    Case {
        name: "ofdm_demod",
        about: "OFDM demodulation of one slot, 20 MHz/15 kHz and 100 MHz/30 kHz",
        only_when_named: false,
        build: ofdm_demod,
    },
    Case {
        name: "map",
        about: "modulation mapping of 8192 symbols, every modulation",
        only_when_named: false,
        build: map_case,
    },
    Case {
        name: "demap",
        about: "max-log soft demapping of 8192 symbols to f32 and i8 LLRs, every modulation",
        only_when_named: false,
        build: demap,
    },
    Case {
        name: "prbs",
        about: "Gold sequence c(n), 65536 bits",
        only_when_named: false,
        build: prbs,
    },
    Case {
        name: "cmul",
        about: "complex multiply of 4096 samples",
        only_when_named: false,
        build: cmul,
    },
    Case {
        name: "energy",
        about: "energy of 4096 samples",
        only_when_named: false,
        build: energy,
    },
    Case {
        name: "ci16_to_cf32",
        about: "ci16 to cf32 conversion of 4096 samples",
        only_when_named: false,
        build: ci16_to_cf32,
    },
    Case {
        name: "crc",
        about: "CRC24A/24B/16 on 64 KiB of bytes and on 8448 bits",
        only_when_named: false,
        build: crc,
    },
    Case {
        name: "ldpc_encode",
        about: "LDPC encoding of a complete codeword, BG1/BG2 Z=384, BG1 Z=52",
        only_when_named: false,
        build: ldpc_encode,
    },
    Case {
        name: "ldpc_decode",
        about:
            "layered min-sum LDPC decoding, Z=384, 6 iterations, BG1 R=0.92/0.33, BG2 R=0.83/0.2",
        only_when_named: false,
        build: ldpc_decode,
    },
    Case {
        name: "pdsch_tx",
        about: "PDSCH transmit of one slot into the grid (DL-SCH, scrambling, 256QAM, layers, DMRS, mapping), 100 MHz/30 kHz, 273 and 270 PRB, MCS 27 of table 2, 1 and 2 layers",
        only_when_named: false,
        build: pdsch_tx,
    },
    Case {
        name: "pdsch_rx",
        about: "PDSCH receive of one slot from the grid (estimation, MMSE, demapping, LDPC with early stop, CRC), same slots at 30 dB per RE",
        only_when_named: false,
        build: pdsch_rx,
    },
    Case {
        name: "pdcch_blind",
        about: "PDCCH blind decoding of a Type0-PDCCH search space (CORESET#0 48 RB × 2 symbols, 7 candidates at L 4/8/16, one 39-bit SI-RNTI DCI) on 8 distinct slots at 2 dB per RE",
        only_when_named: false,
        build: pdcch_blind,
    },
    Case {
        name: "polar_decode",
        about: "polar SC and CA-SCL-8 decoding of the BCH (K=56, E=864)",
        only_when_named: false,
        build: polar_decode,
    },
    Case {
        name: "search",
        about: "cell search of 20 ms at 30.72 Msps, SSB frequency known, 0 dB per RE",
        only_when_named: false,
        build: search,
    },
    Case {
        name: "search_blind",
        about: "blind search of 20 ms of a 100 MHz capture over the sync raster (shared front end)",
        only_when_named: false,
        build: search_blind,
    },
    Case {
        name: "search_blind_separate",
        about: "the same blind search with one mixer and resampler per candidate (reference)",
        only_when_named: true,
        build: search_blind_separate,
    },
    Case {
        name: "capture",
        about: "capture pipeline from the SoapySDR loopback to a cf32 SigMF file, 2^24 samples",
        only_when_named: false,
        build: capture,
    },
];

fn random_c32(n: usize, seed: u64) -> Vec<C32> {
    let mut r = rng::stream(seed, 0);
    (0..n).map(|_| rng::complex_normal(&mut r, 1.0)).collect()
}

/// The ISA of each processor, as `{"name": "isa", …}`.
fn processors(list: &[(&'static str, Isa)]) -> serde_json::Value {
    serde_json::Value::Object(
        list.iter()
            .map(|(p, i)| ((*p).to_string(), json!(i.name())))
            .collect(),
    )
}

fn item(
    kernel: &'static str,
    params: serde_json::Value,
    isa: Isa,
    work: f64,
    unit: &'static str,
    op: Op,
) -> Item {
    Item {
        kernel,
        params,
        isa,
        work,
        unit,
        budget: None,
        timing: Timing::Batches,
        op,
    }
}

fn fft(s: &Setup) -> Result<Vec<Item>, BenchError> {
    // Bounded data: each in-place transform is followed by a 1/√N scaling (SIMD, part of
    // the timed work), so the buffer keeps unit power; unscaled, it would grow by √N per
    // call and run on inf/NaN within ~20 calls.
    let mut out = Vec::new();
    for &isa in &s.isas {
        let mut engine = FftEngine::new(isa)?;
        let k = VectorKernels::new(isa)?;
        for &n in FFT_SIZES {
            let fft = engine.plan(n, Direction::Forward)?;
            let mut buf = random_c32(n, n as u64);
            let mut scratch = fft.make_scratch();
            let imp = fft.implementation();
            let g = C32::new(1.0 / (n as f32).sqrt(), 0.0);
            out.push(item("fft", json!({"size": n, "implementation": imp, "input": "noisy, rescaled by 1/sqrt(N) after each op", "threads": 1}), isa, n as f64, "Msps",
                Box::new(move || {
                    fft.process(black_box(&mut buf), &mut scratch)?;
                    k.scale_in_place(&mut buf, g);
                    Ok(())
                })));
        }
    }
    Ok(out)
}

fn fft_outofplace(s: &Setup) -> Result<Vec<Item>, BenchError> {
    // The input is workspace of the out-of-place transform: refreshed from a fixed one.
    let mut out = Vec::new();
    for &isa in &s.isas {
        let mut engine = FftEngine::new(isa)?;
        for &n in FFT_SIZES {
            let fft = engine.plan(n, Direction::Forward)?;
            let fixed = random_c32(n, n as u64);
            let mut input = fixed.clone();
            let mut output = vec![C32::default(); n];
            let mut scratch = fft.make_scratch();
            out.push(item(
                "fft_outofplace",
                json!({"size": n, "input": "fixed, copied in per op", "threads": 1}),
                isa,
                n as f64,
                "Msps",
                Box::new(move || {
                    input.copy_from_slice(&fixed);
                    Ok(fft.process_outofplace(black_box(&mut input), &mut output, &mut scratch)?)
                }),
            ));
        }
    }
    Ok(out)
}

fn fft_rustfft(_: &Setup) -> Result<Vec<Item>, BenchError> {
    // Plain rustfft with its own planner (auto-detected ISA): the baseline, on the same
    // bounded data as `fft` (a fixed input copied in per op).
    let mut planner = rustfft::FftPlanner::<f32>::new();
    let isa = if Isa::Avx2.is_supported() {
        Isa::Avx2
    } else {
        Isa::Scalar
    };
    let mut out = Vec::new();
    for &n in FFT_SIZES {
        let fft = planner.plan_fft_forward(n);
        let input = random_c32(n, n as u64);
        let mut buf = input.clone();
        let mut scratch = vec![C32::default(); fft.get_inplace_scratch_len()];
        out.push(item(
            "fft_rustfft",
            json!({"size": n, "input": "fixed, copied in per op", "threads": 1}),
            isa,
            n as f64,
            "Msps",
            Box::new(move || {
                buf.copy_from_slice(&input);
                fft.process_with_scratch(black_box(&mut buf), &mut scratch);
                Ok(())
            }),
        ));
    }
    Ok(out)
}

fn ofdm(s: &Setup, kernel: &'static str, modulate: bool) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for &isa in &s.isas {
        let mut engine = FftEngine::new(isa)?;
        for &(bw, scs, n_rb, n_fft) in OFDM_CARRIERS {
            let num = Numerology::from_scs_khz(scs)?;
            let mut cfg = OfdmConfig::new(num, n_rb);
            cfg.fft_size = n_fft;
            let mut ofdm = Ofdm::new(cfg, &mut engine)?;
            let l = num.symbols_per_slot();
            let grid = ndarray::Array2::from_shape_vec(
                ndarray::ShapeBuilder::f((n_rb * 12, l)),
                random_c32(n_rb * 12 * l, 3),
            )?;
            let mut wave = Vec::new();
            ofdm.modulate(grid.view(), 0, &mut wave)?;
            let samples = wave.len();
            let op: Op = if modulate {
                let mut buf = Vec::with_capacity(samples);
                Box::new(move || {
                    buf.clear();
                    Ok(ofdm.modulate(black_box(grid.view()), 0, &mut buf)?)
                })
            } else {
                Box::new(move || {
                    black_box(ofdm.demodulate(black_box(&wave), 0, l)?);
                    Ok(())
                })
            };
            let air_us = 1000.0 / num.slots_per_subframe() as f64;
            let mut it = item(
                kernel,
                json!({"bandwidth_mhz": bw, "scs_khz": scs, "n_rb": n_rb, "fft_size": n_fft, "air_time_us": air_us}),
                isa,
                samples as f64,
                "Msps",
                op,
            );
            it.budget = Some(("fraction_of_air_time", air_us * 1e3));
            out.push(it);
        }
    }
    Ok(out)
}

fn ofdm_mod(s: &Setup) -> Result<Vec<Item>, BenchError> {
    ofdm(s, "ofdm_mod", true)
}

fn ofdm_demod(s: &Setup) -> Result<Vec<Item>, BenchError> {
    ofdm(s, "ofdm_demod", false)
}

const SYMS: usize = 8192;

fn map_case(_: &Setup) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for m in Modulation::ALL {
        let q = m.bits_per_symbol();
        let mut bits = vec![0u8; SYMS * q];
        rng::fill_bits(&mut rng::stream(1, 0), &mut bits);
        let mut syms = vec![C32::default(); SYMS];
        out.push(item(
            "map",
            json!({"modulation": m.name(), "symbols": SYMS}),
            Isa::Scalar,
            (SYMS * q) as f64,
            "Mbit/s",
            Box::new(move || Ok(map(m, black_box(&bits), &mut syms)?)),
        ));
    }
    Ok(out)
}

fn demap(s: &Setup) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for m in Modulation::ALL {
        let q = m.bits_per_symbol();
        let syms = random_c32(SYMS, 2);
        for &isa in &s.isas {
            let d = Demapper::with_isa(m, isa)?;
            let d8 = d.clone();
            let y = syms.clone();
            let y8 = syms.clone();
            let mut llr = vec![0f32; SYMS * q];
            let mut llr8 = vec![0i8; SYMS * q];
            out.push(item(
                "demap",
                json!({"modulation": m.name(), "symbols": SYMS, "output": "f32"}),
                isa,
                (SYMS * q) as f64,
                "Mbit/s",
                Box::new(move || Ok(d.demap(black_box(&y), 0.1, &mut llr)?)),
            ));
            out.push(item(
                "demap",
                json!({"modulation": m.name(), "symbols": SYMS, "output": "i8"}),
                isa,
                (SYMS * q) as f64,
                "Mbit/s",
                Box::new(move || Ok(d8.demap_i8(black_box(&y8), 0.1, 8.0, &mut llr8)?)),
            ));
        }
    }
    Ok(out)
}

fn prbs(_: &Setup) -> Result<Vec<Item>, BenchError> {
    const BITS: usize = 1 << 16;
    Ok(vec![item(
        "prbs",
        json!({"bits": BITS}),
        Isa::Scalar,
        BITS as f64,
        "Mbit/s",
        Box::new(|| {
            let mut g = GoldSequence::new(black_box(0x0123_4567));
            let mut acc = 0u64;
            for _ in 0..BITS / 64 {
                acc ^= g.next_word();
            }
            black_box(acc);
            Ok(())
        }),
    )])
}

const VLEN: usize = 4096;

fn cmul(s: &Setup) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for &isa in &s.isas {
        let k = VectorKernels::new(isa)?;
        let (a, b) = (random_c32(VLEN, 4), random_c32(VLEN, 5));
        let mut o = vec![C32::default(); VLEN];
        out.push(item(
            "cmul",
            json!({"len": VLEN}),
            isa,
            VLEN as f64,
            "Msps",
            Box::new(move || Ok(k.mul(black_box(&a), &b, &mut o)?)),
        ));
    }
    Ok(out)
}

fn energy(s: &Setup) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for &isa in &s.isas {
        let k = VectorKernels::new(isa)?;
        let a = random_c32(VLEN, 4);
        out.push(item(
            "energy",
            json!({"len": VLEN}),
            isa,
            VLEN as f64,
            "Msps",
            Box::new(move || {
                black_box(k.energy(black_box(&a)));
                Ok(())
            }),
        ));
    }
    Ok(out)
}

fn ci16_to_cf32(s: &Setup) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for &isa in &s.isas {
        let k = VectorKernels::new(isa)?;
        let raw: Vec<i16> = (0..2 * VLEN).map(|i| (i as i16).wrapping_mul(31)).collect();
        let mut o = vec![C32::default(); VLEN];
        out.push(item(
            "ci16_to_cf32",
            json!({"len": VLEN}),
            isa,
            VLEN as f64,
            "Msps",
            Box::new(move || Ok(k.ci16_to_cf32(black_box(&raw), &mut o)?)),
        ));
    }
    Ok(out)
}

fn crc(_: &Setup) -> Result<Vec<Item>, BenchError> {
    const BYTES: usize = 1 << 16;
    let data: Vec<u8> = (0..BYTES).map(|i| (i as u8).wrapping_mul(73)).collect();
    let mut bits = vec![0u8; 8448];
    rng::fill_bits(&mut rng::stream(6, 0), &mut bits);
    let mut out = Vec::new();
    for poly in [CrcPoly::Crc24A, CrcPoly::Crc24B, CrcPoly::Crc16] {
        let crc = Crc::new(poly);
        let c2 = crc.clone();
        let d = data.clone();
        let b = bits.clone();
        let n = b.len();
        out.push(item(
            "crc",
            json!({"poly": poly.name(), "input": "bytes", "bytes": BYTES}),
            Isa::Scalar,
            (BYTES * 8) as f64,
            "Mbit/s",
            Box::new(move || {
                black_box(crc.compute_bytes(black_box(&d)));
                Ok(())
            }),
        ));
        out.push(item(
            "crc",
            json!({"poly": poly.name(), "input": "bits", "bits": n}),
            Isa::Scalar,
            n as f64,
            "Mbit/s",
            Box::new(move || {
                black_box(c2.compute_bits(black_box(&b)));
                Ok(())
            }),
        ));
    }
    Ok(out)
}

fn ldpc_encode(s: &Setup) -> Result<Vec<Item>, BenchError> {
    let mut out = Vec::new();
    for (bg, z) in [
        (BaseGraph::Bg1, 384),
        (BaseGraph::Bg2, 384),
        (BaseGraph::Bg1, 52),
    ] {
        for &isa in &s.isas {
            let enc = LdpcEncoder::with_isa(bg, LiftingSize::new(z)?, isa)?;
            let mut c = vec![0u8; enc.k()];
            rng::fill_bits(&mut rng::stream(7, 0), &mut c);
            let mut d = vec![0u8; enc.n()];
            let (k, n) = (enc.k(), enc.n());
            out.push(item(
                "ldpc_encode",
                json!({"bg": bg.number(), "z": z, "k": k, "n": n, "output": "complete codeword"}),
                isa,
                k as f64,
                "Mbit/s",
                Box::new(move || Ok(enc.encode(black_box(&c), &mut d)?)),
            ));
        }
    }
    Ok(out)
}

fn ldpc_decode(s: &Setup) -> Result<Vec<Item>, BenchError> {
    // The comparison cases of the channel-coding issue: K = 22·Z (BG1) or 10·Z (BG2)
    // information bits, the first E coded bits received (first 2·Z systematic punctured),
    // random LLRs so that every iteration runs.
    let z = 384;
    let mut out = Vec::new();
    for (bg, e_over_z) in [
        (BaseGraph::Bg1, 24usize),
        (BaseGraph::Bg1, 66),
        (BaseGraph::Bg2, 12),
        (BaseGraph::Bg2, 50),
    ] {
        for &isa in &s.isas {
            let dec = LdpcDecoder::with_isa(bg, LiftingSize::new(z)?, isa)?;
            let mut r = rng::stream(8, e_over_z as u64);
            let mut soft = vec![0f32; dec.n()];
            for v in soft.iter_mut().take(e_over_z * z) {
                *v = (rng::normal(&mut r) * 4.0) as f32;
            }
            let cfg = DecoderConfig {
                max_iterations: 6,
                early_stop: false,
                llr_scale: None,
            };
            let mut c = vec![0u8; dec.k()];
            let mut ws = DecoderWorkspace::default();
            let k = dec.k();
            let rate = k as f64 / (e_over_z * z) as f64;
            out.push(item("ldpc_decode",
                json!({"bg": bg.number(), "z": z, "rate": (rate * 1000.0).round() / 1000.0,
                       "max_iterations": 6, "early_stop": false, "decoder": "layered normalized min-sum i8"}),
                isa, k as f64, "Mbit/s",
                Box::new(move || {
                    black_box(dec.decode_in(&mut ws, black_box(&soft), &cfg, &mut c)?);
                    Ok(())
                })));
        }
    }
    Ok(out)
}

fn polar_decode(s: &Setup) -> Result<Vec<Item>, BenchError> {
    use nrkit_coding::polar::{scl::SclDecoder, PolarCode};
    // BCH: K = 56 (32 payload + CRC24C), E = 864, CA-SCL, on 64 distinct noisy blocks
    // (random payloads, BPSK LLRs ±1 plus Gaussian noise of σ = 0.7) decoded in turn, so
    // that no branch pattern repeats.
    const BLOCKS: usize = 64;
    let crc = Crc::new(CrcPoly::Crc24C);
    let code = PolarCode::new(56, 864, 9, true, false)?;
    let mut blocks = Vec::with_capacity(BLOCKS);
    for b in 0..BLOCKS as u64 {
        let mut c = vec![0u8; 32];
        rng::fill_bits(&mut rng::stream(9, 2 * b), &mut c);
        crc.attach_bits(&mut c);
        let f = code.encode_rm(&c)?;
        let mut r = rng::stream(9, 2 * b + 1);
        let llr: Vec<f32> = f
            .iter()
            .map(|&x| (if x == 0 { 1.0 } else { -1.0 }) + (rng::normal(&mut r) * 0.7) as f32)
            .collect();
        let mut d = vec![0f32; code.n()];
        code.rate_recover(&llr, &mut d)?;
        blocks.push(d);
    }
    // The decoder's builds among the ISAs asked for (AVX-512 runs the AVX2 build: once).
    let mut out = Vec::new();
    for isa in SclDecoder::isas()
        .into_iter()
        .filter(|b| s.isas.iter().any(|&i| SclDecoder::build_for(i) == *b))
    {
        for list in [1usize, 8] {
            let dec = SclDecoder::with_isa(code.clone(), list, isa)?;
            let crc = crc.clone();
            let blocks = blocks.clone();
            let mut next = 0usize;
            out.push(item(
                "polar_decode",
                json!({"config": "bch", "k": 56, "e": 864, "n": 512, "list": list,
                       "blocks": BLOCKS, "llr_noise_sigma": 0.7, "threads": 1}),
                isa,
                56.0,
                "Mbit/s",
                Box::new(move || {
                    let d = &blocks[next % BLOCKS];
                    next += 1;
                    black_box(dec.decode(black_box(d), |b| crc.check_bits(b))?);
                    Ok(())
                }),
            ));
        }
    }
    Ok(out)
}

fn search(s: &Setup) -> Result<Vec<Item>, BenchError> {
    use nrkit_phy::ssb::{SsbCase, SsbGenerator, SsbTxConfig};
    use nrkit_phy::sync::{search_samples, CellSearcher, SearchConfig};
    // 20 ms at 30.72 Msps, Case C, 8 SSBs, SSB frequency known, AWGN at 0 dB per RE.
    let fs = 30.72e6;
    let cfg = SsbTxConfig::new(nrkit_core::Pci::new(321)?, SsbCase::C, 8, fs);
    let mut out = Vec::new();
    for &isa in &s.isas {
        let mut engine = FftEngine::new(isa)?;
        let (mut wave, _) = SsbGenerator::generate(cfg.clone(), 2, &mut engine)?;
        let var = Snr::PerResourceElement {
            sample_rate: fs,
            scs_hz: 30e3,
        }
        .noise_variance(0.0)?;
        add_awgn(&mut wave, var, &mut rng::stream(11, 0));
        let found = search_samples(SearchConfig::new(fs, 0.0, 30), &wave, &mut engine)?.len();
        let searcher = CellSearcher::new(SearchConfig::new(fs, 0.0, 30), &mut engine)?;
        let procs = processors(&searcher.isas());
        let n = wave.len();
        let mut it = item(
            "search",
            json!({"duration_ms": 20, "sample_rate": fs, "scs_ssb_khz": 30, "ssb_freq": "known",
                   "snr_db": 0.0, "ssbs_decoded": found, "processors": procs}),
            isa,
            n as f64,
            "Msps",
            Box::new(move || {
                black_box(search_samples(
                    SearchConfig::new(fs, 0.0, 30),
                    black_box(&wave),
                    &mut engine,
                )?);
                Ok(())
            }),
        );
        it.budget = Some(("fraction_of_real_time", 20e6));
        out.push(it);
    }
    Ok(out)
}

/// SSBs decoded, whether the front end was shared, the processors' ISAs.
type BlindRun = (usize, bool, serde_json::Value);

fn blind(s: &Setup, name: &'static str, shared: bool) -> Result<Vec<Item>, BenchError> {
    use nrkit_phy::ssb::{raster, SsbCase, SsbGenerator, SsbTxConfig};
    use nrkit_phy::sync::{scan_candidates, SearchBank};
    // A 100 MHz capture: 20 ms at 122.88 Msps around 3.5 GHz, one cell on GSCN 7850
    // (+5.44 MHz), blind scan of every GSCN in the band for 15 and 30 kHz plus the
    // centre (as `nrkit search` without --ssb-freq), searchers in parallel.
    let fs = 122.88e6;
    let fc = 3.5e9;
    let mut cfg = SsbTxConfig::new(nrkit_core::Pci::new(77)?, SsbCase::C, 8, fs);
    cfg.center_freq = Some(fc);
    cfg.ssb_offset_hz = raster::gscn_to_freq(7850)? - fc;
    let mut out = Vec::new();
    for &isa in &s.isas {
        let mut engine = FftEngine::new(isa)?;
        let (wave, _) = SsbGenerator::generate(cfg.clone(), 2, &mut engine)?;
        let cands = scan_candidates(fs, Some(fc), None, &[30, 15], None)?;
        let run_once =
            move |engine: &mut FftEngine, wave: &[C32]| -> Result<BlindRun, BenchError> {
                let mut bank = if shared {
                    SearchBank::new(fs, &cands, None, engine)?
                } else {
                    SearchBank::separate(fs, &cands, None, engine)?
                };
                let mut found = 0;
                for chunk in wave.chunks(1 << 16) {
                    found += bank.push(black_box(chunk))?.len();
                }
                found += bank.finish()?.len();
                Ok((found, bank.shared(), processors(&bank.isas())))
            };
        let (found, is_shared, procs) = run_once(&mut engine, &wave)?;
        let n_cands = scan_candidates(fs, Some(fc), None, &[30, 15], None)?.len();
        let n = wave.len();
        let mut it = item(
            name,
            json!({"duration_ms": 20, "sample_rate": fs, "bandwidth_mhz": 100,
                   "candidates": n_cands, "scs_ssb_khz": [30, 15],
                   "threads": rayon::current_num_threads(), "ssbs_decoded": found,
                   "shared_front_end": is_shared, "processors": procs}),
            isa,
            n as f64,
            "Msps",
            Box::new(move || {
                run_once(&mut engine, &wave)?;
                Ok(())
            }),
        );
        it.budget = Some(("fraction_of_real_time", 20e6));
        it.timing = Timing::Runs { min_runs: 2 };
        out.push(it);
    }
    Ok(out)
}

fn search_blind(s: &Setup) -> Result<Vec<Item>, BenchError> {
    blind(s, "search_blind", true)
}

fn search_blind_separate(s: &Setup) -> Result<Vec<Item>, BenchError> {
    blind(s, "search_blind_separate", false)
}

/// The capture pipeline (device read → ring → SigMF writer) from the SoapySDR loopback
/// module (found through `SOAPY_SDR_PLUGIN_PATH`) into a cf32 file on tmpfs (`/dev/shm`
/// when present), 2^24 samples per operation. Skipped with a note when no loopback device
/// is found, unless asked for by name.
fn capture(s: &Setup) -> Result<Vec<Item>, BenchError> {
    use nrkit_iq::{Datatype, Meta, Writer};
    use nrkit_sdr::{CaptureOptions, ChannelConfig, Device, Direction, Gain, SigmfSink};
    use std::sync::atomic::AtomicBool;
    let found = nrkit_sdr::enumerate("driver=loopback").unwrap_or_default();
    if found.is_empty() {
        let msg = "capture: no driver=loopback device (set SOAPY_SDR_PLUGIN_PATH to the folder \
                   of libnrkitLoopback.so, built by crates/sdr/loopback)";
        if s.named {
            return Err(msg.into());
        }
        eprintln!("nrkit bench: skipping {msg}");
        return Ok(Vec::new());
    }
    let fs = 122.88e6;
    let dev = Device::open(&format!(
        "driver=loopback,serial=bench{}",
        std::process::id()
    ))?;
    dev.configure(Direction::Rx, &ChannelConfig::new(fs, 3.5e9, Gain::Db(0.0)))?;
    let mut rx = dev.rx_cf32(0)?;
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let base = dir.join(format!("nrkit-bench-capture-{}", std::process::id()));
    let n: u64 = 1 << 24;
    let opts = CaptureOptions {
        samples: Some(n),
        ..CaptureOptions::default()
    };
    let stop = AtomicBool::new(false);
    let target = dir.display().to_string();
    let op: Op = Box::new(move || {
        let _keep = &dev;
        let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, fs, Some(3.5e9)))?;
        let mut sink = SigmfSink::new(w);
        let res = nrkit_sdr::capture(&mut rx, &mut sink, &opts, &stop);
        sink.finish()?;
        let (meta, data) = nrkit_iq::sigmf_paths(&base);
        let _ = std::fs::remove_file(meta);
        let _ = std::fs::remove_file(data);
        let (st, err) = res?;
        if let Some(e) = err {
            return Err(e.into());
        }
        if st.samples_written != n || st.samples_lost != 0 {
            return Err(format!("capture wrote {} of {n}", st.samples_written).into());
        }
        Ok(())
    });
    Ok(vec![item(
        "capture",
        json!({"device": "loopback", "datatype": "cf32_le", "samples": n, "target": target}),
        Isa::Scalar,
        n as f64,
        "Msps",
        op,
    )])
}

/// The PDSCH slots of the performance issue: 100 MHz at 30 kHz (273 or 270 PRB), 256QAM at
/// MCS 27 of table 2 (R = 948/1024), type A DMRS at symbol 2 plus one additional position,
/// 1 or 2 layers; with the transport block and the grid it fills.
struct PdschSlot {
    params: serde_json::Value,
    pdsch: nrkit_phy::pdsch::Pdsch,
    t: nrkit_phy::pdsch::Transport,
    tb: Vec<u8>,
    grid: nrkit_phy::grid::ResourceGrid,
}

fn pdsch_slots() -> Result<Vec<PdschSlot>, BenchError> {
    use nrkit_phy::pdsch::{Carrier, DmrsConfig, McsTable, Pdsch, PdschConfig};
    let num = Numerology::from_scs_khz(30)?;
    let mut out = Vec::new();
    for n_prb in [273usize, 270] {
        for layers in [1usize, 2] {
            let carrier = Carrier {
                numerology: num,
                n_size_grid: n_prb,
                n_start_grid: 0,
                n_cell_id: 1,
                n_slot: 0,
                n_frame: 0,
            };
            let (table, mcs) = (McsTable::Qam256, 27u8);
            let e = table.entry(mcs)?;
            let cfg = PdschConfig {
                n_size_bwp: n_prb,
                modulation: e.modulation(),
                num_layers: layers,
                prb_set: (0..n_prb).collect(),
                rnti: 0x4601,
                dmrs: DmrsConfig {
                    additional_position: 1,
                    ..DmrsConfig::default()
                },
                ..PdschConfig::default()
            };
            let pdsch = Pdsch::new(carrier, cfg)?;
            let t = pdsch.transport(e, 0, 0)?;
            let mut tb = vec![0u8; t.tbs];
            rng::fill_bits(&mut rng::stream(21, (n_prb * 4 + layers) as u64), &mut tb);
            let grid = nrkit_phy::grid::ResourceGrid::slot(num, 0, n_prb, layers)?;
            let params = json!({"n_prb": n_prb, "modulation": e.modulation().name(),
                "num_layers": layers, "mcs_table": table.name(), "mcs": mcs, "tbs": t.tbs,
                "bandwidth_mhz": 100, "scs_khz": 30, "dmrs": "type 1, type A pos 2, 1 additional",
                "air_time_us": 500.0, "threads": 1});
            out.push(PdschSlot {
                params,
                pdsch,
                t,
                tb,
                grid,
            });
        }
    }
    Ok(out)
}

/// The PDSCH chain picks the best ISA of the CPU itself: it runs once, when that ISA is
/// among those asked for.
fn pdsch_isa(s: &Setup) -> Option<Isa> {
    let isa = VectorKernels::detect().isa();
    s.isas.contains(&isa).then_some(isa)
}

fn pdsch_tx(s: &Setup) -> Result<Vec<Item>, BenchError> {
    let Some(isa) = pdsch_isa(s) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for mut slot in pdsch_slots()? {
        let bits = slot.t.tbs as f64;
        let mut it = item(
            "pdsch_tx",
            slot.params.clone(),
            isa,
            bits,
            "Mbit/s",
            Box::new(move || {
                slot.grid.clear();
                slot.pdsch
                    .transmit(black_box(&slot.tb), &slot.t, &mut slot.grid)?;
                black_box(&slot.grid);
                Ok(())
            }),
        );
        it.budget = Some(("fraction_of_air_time", 500e3));
        out.push(it);
    }
    Ok(out)
}

fn pdsch_rx(s: &Setup) -> Result<Vec<Item>, BenchError> {
    use nrkit_phy::pdsch::PdschReceiver;
    let Some(isa) = pdsch_isa(s) else {
        return Ok(Vec::new());
    };
    let snr_db = 30.0;
    let mut out = Vec::new();
    for mut slot in pdsch_slots()? {
        slot.pdsch.transmit(&slot.tb, &slot.t, &mut slot.grid)?;
        // The identity channel from layer v to receive port v, plus AWGN per RE.
        let nv = 10f64.powf(-snr_db / 10.0);
        let mut r = rng::stream(22, slot.t.tbs as u64);
        for p in 0..slot.grid.n_ports() {
            for l in 0..slot.grid.n_symbols() {
                add_awgn(slot.grid.symbol_mut(p, l), nv, &mut r);
            }
        }
        let mut rx = PdschReceiver::new();
        let first = rx.receive(&slot.pdsch, &slot.grid, &slot.t, 4096)?;
        if !(first.crc_ok && first.tb == slot.tb) {
            return Err(format!("pdsch_rx: the bench slot does not decode at {snr_db} dB").into());
        }
        let mut params = slot.params.clone();
        params["snr_db"] = json!(snr_db);
        params["iterations"] = json!(first.iterations);
        params["early_stop"] = json!(true);
        let bits = slot.t.tbs as f64;
        let mut it = item(
            "pdsch_rx",
            params,
            isa,
            bits,
            "Mbit/s",
            Box::new(move || {
                rx.reset();
                let o = rx.receive(&slot.pdsch, black_box(&slot.grid), &slot.t, 4096)?;
                if !o.crc_ok {
                    return Err("pdsch_rx: CRC failed".into());
                }
                Ok(())
            }),
        );
        it.budget = Some(("fraction_of_air_time", 500e3));
        out.push(it);
    }
    Ok(out)
}

fn pdcch_blind(s: &Setup) -> Result<Vec<Item>, BenchError> {
    use nrkit_phy::pdcch::{
        transmit_dci, Candidate, Coreset, PdcchBlindDecoder, PdcchIds, PdcchSearch, SearchSpace,
    };
    use nrkit_phy::ResourceGrid;
    // The polar decoder and the estimation pick the CPU's best ISA themselves.
    let Some(isa) = pdsch_isa(s) else {
        return Ok(Vec::new());
    };
    let num = Numerology::from_scs_khz(30)?;
    let cs = Coreset::zero(2, 48, 2, 17)?;
    let ss = SearchSpace::type0(0)?;
    let ids = PdcchIds::cell(17);
    let snr_db = 2.0;
    let nv = 10f64.powf(-snr_db / 10.0);
    let mut grids = Vec::new();
    let mut r = rng::stream(31, 0);
    for i in 0..8usize {
        let level = [4usize, 8, 16][i % 3];
        let first_cce = ss.candidates(&cs, level, i, 0)[i % ss.candidates(&cs, level, i, 0).len()];
        let mut payload = vec![0u8; 39];
        rng::fill_bits(&mut r, &mut payload);
        let mut g = ResourceGrid::slot(num, 0, 52, 1)?;
        let cand = Candidate {
            level,
            first_cce,
            start_symbol: 0,
        };
        transmit_dci(&mut g, 0, &cs, &cand, &ids, i, &payload, 0xffff)?;
        for l in 0..g.n_symbols() {
            add_awgn(g.symbol_mut(0, l), nv, &mut r);
        }
        grids.push((i, g));
    }
    let mut dec = PdcchBlindDecoder::new(8)?;
    let rntis = [0xffffu16];
    let sizes = [39usize];
    let search = move |dec: &mut PdcchBlindDecoder, n: usize, g: &ResourceGrid| {
        let q = PdcchSearch {
            coreset: &cs,
            search_space: &ss,
            ids: &ids,
            payload_sizes: &sizes,
            rntis: &rntis,
            hash_rnti: 0,
        };
        dec.search(g, 0, n, &q)
    };
    for (n, g) in &grids {
        if search(&mut dec, *n, g)?.len() != 1 {
            return Err(
                format!("pdcch_blind: bench slot {n} does not decode at {snr_db} dB").into(),
            );
        }
    }
    let mut k = 0;
    let mut it = item(
        "pdcch_blind",
        json!({"coreset_rb": 48, "duration": 2, "candidates": 7, "dci_bits": 39, "list": 8, "snr_db": snr_db, "slots": 8}),
        isa,
        1.0,
        "searches",
        Box::new(move || {
            let (n, g) = &grids[k % grids.len()];
            k += 1;
            let f = search(&mut dec, *n, black_box(g))?;
            black_box(f);
            Ok(())
        }),
    );
    it.budget = Some(("fraction_of_air_time", 500e3));
    Ok(vec![it])
}
