//! The `nrkit bench` runner: times every kernel per ISA and reports ns per operation and
//! throughput. Plans and buffers are made outside the timed loop; each result is the
//! median of 5 batches after a warm-up.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nrkit_coding::crc::{Crc, CrcPoly};
use nrkit_coding::ldpc::{
    BaseGraph, DecoderConfig, DecoderWorkspace, LdpcDecoder, LdpcEncoder, LiftingSize,
};
use nrkit_core::{gold::GoldSequence, rng, Numerology, C32};
use nrkit_dsp::{Direction, FftEngine, Isa, VectorKernels};
use nrkit_phy::modulation::{map, Demapper, Modulation};
use nrkit_phy::{Ofdm, OfdmConfig};
use serde::Serialize;
use serde_json::{json, Value};

/// Kernel names accepted by `nrkit bench`.
pub const KERNELS: &[&str] = &[
    "fft",
    "fft_rustfft",
    "fft_outofplace",
    "ofdm_mod",
    "ofdm_demod",
    "map",
    "demap",
    "prbs",
    "cmul",
    "energy",
    "ci16_to_cf32",
    "crc",
    "ldpc_encode",
    "ldpc_decode",
    "polar_decode",
    "search",
    "search_blind",
    "search_blind_separate",
    "capture",
];

/// The NR FFT sizes benchmarked.
pub const FFT_SIZES: &[usize] = &[128, 256, 512, 1024, 1536, 2048, 3072, 4096];

/// One measurement.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// Kernel name.
    pub kernel: String,
    /// Parameters (size, bandwidth, modulation, …).
    pub params: Value,
    /// ISA that ran.
    pub isa: String,
    /// Median nanoseconds per operation.
    pub ns_per_op: f64,
    /// Work per second in `unit`.
    pub throughput: f64,
    /// Unit of `throughput`.
    pub unit: String,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Kernels to run (empty: all).
    pub kernels: Vec<String>,
    /// ISAs to run (each kernel runs on the ones it has).
    pub isas: Vec<Isa>,
    /// Approximate time per measurement.
    pub time_per_result: Duration,
}

/// Validates kernel names; returns the unknown one, if any.
pub fn unknown_kernel(names: &[String]) -> Option<&String> {
    names.iter().find(|n| !KERNELS.contains(&n.as_str()))
}

/// Facts about the machine for the report.
pub fn machine_info() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "arch": std::env::consts::ARCH,
        "os": std::env::consts::OS,
        "isa_available": Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>(),
        "nrkit_version": env!("CARGO_PKG_VERSION"),
    })
}

/// Median ns per call of `f`, over 5 batches sized to fill `budget`.
pub fn time_op<F: FnMut()>(budget: Duration, mut f: F) -> f64 {
    f();
    let t0 = Instant::now();
    f();
    let one = t0.elapsed().as_nanos().max(1) as f64;
    let per_batch = budget.as_nanos() as f64 / 5.0;
    let iters = ((per_batch / one) as u64).clamp(1, 1_000_000);
    let mut v: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[2]
}

fn result(kernel: &str, params: Value, isa: Isa, ns: f64, work: f64, unit: &str) -> BenchResult {
    BenchResult {
        kernel: kernel.into(),
        params,
        isa: isa.name().into(),
        ns_per_op: ns,
        throughput: work / ns * 1e3, // work units per µs = M units per second
        unit: unit.into(),
    }
}

fn random_c32(n: usize, seed: u64) -> Vec<C32> {
    let mut r = rng::stream(seed, 0);
    (0..n).map(|_| rng::complex_normal(&mut r, 1.0)).collect()
}

/// The OFDM carriers benchmarked: (label MHz, SCS kHz, N_RB, FFT size).
pub const OFDM_CARRIERS: &[(u32, u32, usize, usize)] = &[(20, 15, 106, 2048), (100, 30, 273, 4096)];

/// Runs the selected benchmarks; `progress` is told each kernel as it starts.
pub fn run(
    opts: &BenchOptions,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<Vec<BenchResult>> {
    let want = |k: &str| opts.kernels.is_empty() || opts.kernels.iter().any(|x| x == k);
    let budget = opts.time_per_result;
    let mut out = Vec::new();
    for &isa in &opts.isas {
        isa.require()?;
    }
    if want("fft") {
        for &isa in &opts.isas {
            let mut engine = FftEngine::new(isa)?;
            for &n in FFT_SIZES {
                progress(&format!("fft/{isa}/{n}"));
                let fft = engine.plan(n, Direction::Forward)?;
                let mut buf = random_c32(n, n as u64);
                let mut scratch = fft.make_scratch();
                let ns = time_op(budget, || {
                    fft.process(black_box(&mut buf), &mut scratch)
                        .expect("sized");
                });
                out.push(result(
                    "fft",
                    json!({"size": n, "implementation": fft.implementation()}),
                    isa,
                    ns,
                    n as f64,
                    "Msps",
                ));
            }
        }
    }
    if want("fft_outofplace") {
        for &isa in &opts.isas {
            let mut engine = FftEngine::new(isa)?;
            for &n in FFT_SIZES {
                progress(&format!("fft_outofplace/{isa}/{n}"));
                let fft = engine.plan(n, Direction::Forward)?;
                let mut input = random_c32(n, n as u64);
                let mut output = vec![C32::default(); n];
                let mut scratch = fft.make_scratch();
                let ns = time_op(budget, || {
                    fft.process_outofplace(black_box(&mut input), &mut output, &mut scratch)
                        .expect("sized");
                });
                out.push(result(
                    "fft_outofplace",
                    json!({"size": n}),
                    isa,
                    ns,
                    n as f64,
                    "Msps",
                ));
            }
        }
    }
    if want("fft_rustfft") {
        // Plain rustfft with its own planner (auto-detected ISA): the baseline.
        let mut planner = rustfft::FftPlanner::<f32>::new();
        for &n in FFT_SIZES {
            progress(&format!("fft_rustfft/{n}"));
            let fft = planner.plan_fft_forward(n);
            let mut buf = random_c32(n, n as u64);
            let mut scratch = vec![C32::default(); fft.get_inplace_scratch_len()];
            let ns = time_op(budget, || {
                fft.process_with_scratch(black_box(&mut buf), &mut scratch);
            });
            let isa = if Isa::Avx2.is_supported() {
                Isa::Avx2
            } else {
                Isa::Scalar
            };
            out.push(result(
                "fft_rustfft",
                json!({"size": n}),
                isa,
                ns,
                n as f64,
                "Msps",
            ));
        }
    }
    for (kernel, modulate) in [("ofdm_mod", true), ("ofdm_demod", false)] {
        if !want(kernel) {
            continue;
        }
        for &isa in &opts.isas {
            let mut engine = FftEngine::new(isa)?;
            for &(bw, scs, n_rb, n_fft) in OFDM_CARRIERS {
                progress(&format!("{kernel}/{isa}/{bw}MHz"));
                let num = Numerology::from_scs_khz(scs)?;
                let mut cfg = OfdmConfig::new(num, n_rb);
                cfg.fft_size = n_fft;
                let mut ofdm = Ofdm::new(cfg, &mut engine)?;
                let l = num.symbols_per_slot();
                let grid = ndarray::Array2::from_shape_vec(
                    ndarray::ShapeBuilder::f((n_rb * 12, l)),
                    random_c32(n_rb * 12 * l, 3),
                )
                .expect("shape");
                let mut wave = Vec::new();
                ofdm.modulate(grid.view(), 0, &mut wave)?;
                let samples = wave.len();
                let ns = if modulate {
                    let mut buf = Vec::with_capacity(samples);
                    time_op(budget, || {
                        buf.clear();
                        ofdm.modulate(black_box(grid.view()), 0, &mut buf)
                            .expect("sized");
                    })
                } else {
                    time_op(budget, || {
                        black_box(ofdm.demodulate(black_box(&wave), 0, l).expect("sized"));
                    })
                };
                let air_us = 1000.0 / num.slots_per_subframe() as f64;
                out.push(result(
                    kernel,
                    json!({"bandwidth_mhz": bw, "scs_khz": scs, "n_rb": n_rb, "fft_size": n_fft,
                           "air_time_us": air_us, "fraction_of_air_time": ns / 1e3 / air_us}),
                    isa,
                    ns,
                    samples as f64,
                    "Msps",
                ));
            }
        }
    }
    const SYMS: usize = 8192;
    if want("map") {
        for m in Modulation::ALL {
            progress(&format!("map/{}", m.name()));
            let q = m.bits_per_symbol();
            let mut bits = vec![0u8; SYMS * q];
            rng::fill_bits(&mut rng::stream(1, 0), &mut bits);
            let mut syms = vec![C32::default(); SYMS];
            let ns = time_op(budget, || {
                map(m, black_box(&bits), &mut syms).expect("sized")
            });
            out.push(result(
                "map",
                json!({"modulation": m.name(), "symbols": SYMS}),
                Isa::Scalar,
                ns,
                (SYMS * q) as f64,
                "Mbit/s",
            ));
        }
    }
    if want("demap") {
        for m in Modulation::ALL {
            let q = m.bits_per_symbol();
            let syms = random_c32(SYMS, 2);
            for &isa in &opts.isas {
                progress(&format!("demap/{isa}/{}", m.name()));
                let d = Demapper::with_isa(m, isa)?;
                let mut llr = vec![0f32; SYMS * q];
                let ns = time_op(budget, || {
                    d.demap(black_box(&syms), 0.1, &mut llr).expect("sized")
                });
                out.push(result(
                    "demap",
                    json!({"modulation": m.name(), "symbols": SYMS, "output": "f32"}),
                    isa,
                    ns,
                    (SYMS * q) as f64,
                    "Mbit/s",
                ));
                let mut llr8 = vec![0i8; SYMS * q];
                let ns = time_op(budget, || {
                    d.demap_i8(black_box(&syms), 0.1, 8.0, &mut llr8)
                        .expect("sized")
                });
                out.push(result(
                    "demap",
                    json!({"modulation": m.name(), "symbols": SYMS, "output": "i8"}),
                    isa,
                    ns,
                    (SYMS * q) as f64,
                    "Mbit/s",
                ));
            }
        }
    }
    if want("prbs") {
        progress("prbs");
        const BITS: usize = 1 << 16;
        let ns = time_op(budget, || {
            let mut g = GoldSequence::new(black_box(0x0123_4567));
            let mut acc = 0u64;
            for _ in 0..BITS / 64 {
                acc ^= g.next_word();
            }
            black_box(acc);
        });
        out.push(result(
            "prbs",
            json!({"bits": BITS}),
            Isa::Scalar,
            ns,
            BITS as f64,
            "Mbit/s",
        ));
    }
    for kernel in ["cmul", "energy", "ci16_to_cf32"] {
        if !want(kernel) {
            continue;
        }
        const N: usize = 4096;
        for &isa in &opts.isas {
            progress(&format!("{kernel}/{isa}"));
            let k = VectorKernels::new(isa)?;
            let a = random_c32(N, 4);
            let b = random_c32(N, 5);
            let mut o = vec![C32::default(); N];
            let raw: Vec<i16> = (0..2 * N).map(|i| (i as i16).wrapping_mul(31)).collect();
            let ns = match kernel {
                "cmul" => time_op(budget, || k.mul(black_box(&a), &b, &mut o).expect("sized")),
                "energy" => time_op(budget, || {
                    black_box(k.energy(black_box(&a)));
                }),
                _ => time_op(budget, || {
                    k.ci16_to_cf32(black_box(&raw), &mut o).expect("sized")
                }),
            };
            out.push(result(kernel, json!({"len": N}), isa, ns, N as f64, "Msps"));
        }
    }
    if want("crc") {
        const BYTES: usize = 1 << 16;
        let data: Vec<u8> = (0..BYTES).map(|i| (i as u8).wrapping_mul(73)).collect();
        let mut bits = vec![0u8; 8448];
        rng::fill_bits(&mut rng::stream(6, 0), &mut bits);
        for poly in [CrcPoly::Crc24A, CrcPoly::Crc24B, CrcPoly::Crc16] {
            progress(&format!("crc/{}", poly.name()));
            let crc = Crc::new(poly);
            let ns = time_op(budget, || {
                black_box(crc.compute_bytes(black_box(&data)));
            });
            out.push(result(
                "crc",
                json!({"poly": poly.name(), "input": "bytes", "bytes": BYTES}),
                Isa::Scalar,
                ns,
                (BYTES * 8) as f64,
                "Mbit/s",
            ));
            let ns = time_op(budget, || {
                black_box(crc.compute_bits(black_box(&bits)));
            });
            out.push(result(
                "crc",
                json!({"poly": poly.name(), "input": "bits", "bits": bits.len()}),
                Isa::Scalar,
                ns,
                bits.len() as f64,
                "Mbit/s",
            ));
        }
    }
    if want("ldpc_encode") {
        for (bg, z) in [
            (BaseGraph::Bg1, 384),
            (BaseGraph::Bg2, 384),
            (BaseGraph::Bg1, 52),
        ] {
            for &isa in &opts.isas {
                progress(&format!("ldpc_encode/{isa}/bg{}/z{z}", bg.number()));
                let enc = LdpcEncoder::with_isa(bg, LiftingSize::new(z)?, isa)?;
                let mut c = vec![0u8; enc.k()];
                rng::fill_bits(&mut rng::stream(7, 0), &mut c);
                let mut d = vec![0u8; enc.n()];
                let ns = time_op(budget, || enc.encode(black_box(&c), &mut d).expect("sized"));
                out.push(result(
                    "ldpc_encode",
                    json!({"bg": bg.number(), "z": z, "k": enc.k(), "n": enc.n(), "output": "complete codeword"}),
                    isa,
                    ns,
                    enc.k() as f64,
                    "Mbit/s",
                ));
            }
        }
    }
    if want("ldpc_decode") {
        // The comparison cases of the channel-coding issue: K = 22·Z (BG1) or 10·Z (BG2)
        // information bits, the first E coded bits received (first 2·Z systematic punctured),
        // random LLRs so that every iteration runs.
        let z = 384;
        for (bg, e_over_z) in [
            (BaseGraph::Bg1, 24usize),
            (BaseGraph::Bg1, 66),
            (BaseGraph::Bg2, 12),
            (BaseGraph::Bg2, 50),
        ] {
            for &isa in &opts.isas {
                progress(&format!("ldpc_decode/{isa}/bg{}/e{e_over_z}z", bg.number()));
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
                let ns = time_op(budget, || {
                    black_box(
                        dec.decode_in(&mut ws, black_box(&soft), &cfg, &mut c)
                            .expect("sized"),
                    );
                });
                let rate = dec.k() as f64 / (e_over_z * z) as f64;
                out.push(result(
                    "ldpc_decode",
                    json!({"bg": bg.number(), "z": z, "rate": (rate * 1000.0).round() / 1000.0,
                           "max_iterations": 6, "early_stop": false,
                           "decoder": "layered normalized min-sum i8"}),
                    isa,
                    ns,
                    dec.k() as f64,
                    "Mbit/s",
                ));
            }
        }
    }
    if want("polar_decode") {
        use nrkit_coding::polar::{scl::SclDecoder, PolarCode};
        // BCH: K = 56 (32 payload + CRC24C), E = 864, CA-SCL.
        let crc = Crc::new(CrcPoly::Crc24C);
        let code = PolarCode::new(56, 864, 9, true, false)?;
        let mut c = vec![0u8; 32];
        rng::fill_bits(&mut rng::stream(9, 0), &mut c);
        crc.attach_bits(&mut c);
        let f = code.encode_rm(&c)?;
        let mut r = rng::stream(9, 1);
        let llr: Vec<f32> = f
            .iter()
            .map(|&b| (if b == 0 { 1.0 } else { -1.0 }) + (rng::normal(&mut r) * 0.7) as f32)
            .collect();
        let mut d = vec![0f32; code.n()];
        code.rate_recover(&llr, &mut d)?;
        // The decoder's builds among the ISAs asked for (AVX-512 runs the AVX2 build: once).
        let builds = SclDecoder::isas();
        let isas = builds
            .into_iter()
            .filter(|b| opts.isas.iter().any(|&i| SclDecoder::build_for(i) == *b));
        for isa in isas {
            for list in [1usize, 8] {
                progress(&format!("polar_decode/{}/bch/l{list}", isa.name()));
                let dec = SclDecoder::with_isa(code.clone(), list, isa)?;
                let ns = time_op(budget, || {
                    black_box(
                        dec.decode(black_box(&d), |b| crc.check_bits(b))
                            .expect("sized"),
                    );
                });
                out.push(result(
                    "polar_decode",
                    json!({"config": "bch", "k": 56, "e": 864, "n": 512, "list": list}),
                    isa,
                    ns,
                    56.0,
                    "Mbit/s",
                ));
            }
        }
    }
    if want("search") {
        use nrkit_phy::search::{search_samples, SearchConfig};
        use nrkit_phy::ssb::{SsbCase, SsbGenerator, SsbTxConfig};
        // 20 ms at 30.72 Msps, Case C, 8 SSBs, SSB frequency known, AWGN at 0 dB per RE.
        let fs = 30.72e6;
        let cfg = SsbTxConfig::new(nrkit_core::Pci::new(321)?, SsbCase::C, 8, fs);
        let (mut wave, _) = SsbGenerator::generate(cfg, 2, &mut FftEngine::detect())?;
        let var = 1.0 / (fs / 30e3);
        let mut r = rng::stream(11, 0);
        for v in &mut wave {
            *v += rng::complex_normal(&mut r, var);
        }
        for &isa in &opts.isas {
            progress(&format!("search/{isa}"));
            let mut engine = FftEngine::new(isa)?;
            let mut found = 0;
            let ns = time_op(budget, || {
                let d = search_samples(
                    SearchConfig::new(fs, 0.0, 30),
                    black_box(&wave),
                    &mut engine,
                )
                .expect("valid");
                found = d.len();
            });
            out.push(result(
                "search",
                json!({"duration_ms": 20, "sample_rate": fs, "scs_ssb_khz": 30, "ssb_freq": "known",
                       "snr_db": 0.0, "ssbs_decoded": found,
                       "fraction_of_real_time": ns / 20e6}),
                isa,
                ns,
                wave.len() as f64,
                "Msps",
            ));
        }
    }
    // search_blind_separate (only when named: ~2 s per run) is the same scan with one mixer
    // and resampler per candidate, the reference for the shared front end.
    let separate = opts.kernels.iter().any(|k| k == "search_blind_separate");
    for name in ["search_blind", "search_blind_separate"] {
        if !(want(name) && (name == "search_blind" || separate)) {
            continue;
        }
        use nrkit_phy::search::{scan_candidates, SearchBank};
        use nrkit_phy::ssb::{raster, SsbCase, SsbGenerator, SsbTxConfig};
        // A 100 MHz capture: 20 ms at 122.88 Msps around 3.5 GHz, one cell on GSCN 7850
        // (+5.44 MHz), blind scan of every GSCN in the band for 15 and 30 kHz plus the
        // centre (as `nrkit search` without --ssb-freq), searchers in parallel.
        let fs = 122.88e6;
        let fc = 3.5e9;
        let mut cfg = SsbTxConfig::new(nrkit_core::Pci::new(77)?, SsbCase::C, 8, fs);
        cfg.center_freq = Some(fc);
        cfg.ssb_offset_hz = raster::gscn_to_freq(7850)? - fc;
        let (wave, _) = SsbGenerator::generate(cfg, 2, &mut FftEngine::detect())?;
        for &isa in &opts.isas {
            progress(&format!("{name}/{isa}"));
            let mut engine = FftEngine::new(isa)?;
            let cands = scan_candidates(fs, Some(fc), None, &[30, 15], None);
            let mut found = 0;
            let t0 = Instant::now();
            let mut runs = 0u32;
            let mut shared = false;
            while runs < 2 || t0.elapsed() < budget {
                let mut bank = if name == "search_blind" {
                    SearchBank::new(fs, &cands, None, &mut engine)?
                } else {
                    SearchBank::separate(fs, &cands, None, &mut engine)?
                };
                shared = bank.shared();
                found = 0;
                for chunk in wave.chunks(1 << 16) {
                    found += bank.push(black_box(chunk))?.len();
                }
                found += bank.finish()?.len();
                runs += 1;
            }
            let ns = t0.elapsed().as_nanos() as f64 / f64::from(runs);
            out.push(result(
                name,
                json!({"duration_ms": 20, "sample_rate": fs, "bandwidth_mhz": 100,
                       "candidates": cands.len(), "scs_ssb_khz": [30, 15],
                       "threads": rayon::current_num_threads(), "ssbs_decoded": found,
                       "shared_front_end": shared,
                       "fraction_of_real_time": ns / 20e6}),
                isa,
                ns,
                wave.len() as f64,
                "Msps",
            ));
        }
    }
    if want("capture") {
        capture_bench(&opts.kernels, budget, &mut out, &mut progress)?;
    }
    Ok(out)
}

/// The capture pipeline (device read → ring → SigMF writer) from the SoapySDR loopback
/// module (found through `SOAPY_SDR_PLUGIN_PATH`) into a cf32 file on tmpfs (`/dev/shm`
/// when present), 2^24 samples per operation. Skipped with a note when no loopback device
/// is found, unless asked for by name.
fn capture_bench(
    kernels: &[String],
    budget: Duration,
    out: &mut Vec<BenchResult>,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    use nrkit_iq::{Datatype, Meta, Writer};
    use nrkit_sdr::{CaptureOptions, ChannelConfig, Device, Direction, Gain, SigmfSink};
    use std::sync::atomic::AtomicBool;
    let named = kernels.iter().any(|k| k == "capture");
    let found = nrkit_sdr::enumerate("driver=loopback").unwrap_or_default();
    if found.is_empty() {
        let msg = "capture: no driver=loopback device (set SOAPY_SDR_PLUGIN_PATH to the folder \
                   of libnrkitLoopback.so, built by crates/sdr/loopback)";
        if named {
            anyhow::bail!("{msg}");
        }
        eprintln!("nrkit bench: skipping {msg}");
        return Ok(());
    }
    progress("capture/loopback");
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
    let mut failure: Option<String> = None;
    let ns = time_op(budget, || {
        let mut run = || -> anyhow::Result<()> {
            let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, fs, Some(3.5e9)))?;
            let mut sink = SigmfSink::new(w);
            let (st, err) = nrkit_sdr::capture(&mut rx, &mut sink, &opts, &stop)?;
            sink.finish()?;
            if let Some(e) = err {
                return Err(e.into());
            }
            if st.samples_written != n || st.samples_lost != 0 {
                anyhow::bail!("capture wrote {} of {n}", st.samples_written);
            }
            Ok(())
        };
        if let Err(e) = run() {
            failure = Some(e.to_string());
        }
    });
    let (meta, data) = nrkit_iq::sigmf_paths(&base);
    let _ = std::fs::remove_file(meta);
    let _ = std::fs::remove_file(data);
    if let Some(f) = failure {
        anyhow::bail!("capture bench: {f}");
    }
    out.push(result(
        "capture",
        json!({"device": "loopback", "datatype": "cf32_le", "samples": n,
               "target": dir.display().to_string()}),
        Isa::Scalar,
        ns,
        n as f64,
        "Msps",
    ));
    Ok(())
}
