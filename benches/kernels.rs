//! Criterion benches: FFT per NR size per ISA beside plain rustfft; OFDM slot modulation
//! and demodulation (20 MHz/15 kHz, 100 MHz/30 kHz); modulation map/demap; PRBS; vector
//! kernels; CRC and LDPC encoding; LDPC and polar decoding; cell search. Ids:
//! `<kernel>/<isa>/<params>`. Plans and buffers are made outside the loop.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nrkit::bench::{FFT_SIZES, OFDM_CARRIERS};
use nrkit::core::{gold::GoldSequence, rng, Numerology, C32};
use nrkit::dsp::{Direction, FftEngine, Isa, VectorKernels};
use nrkit::phy::modulation::{map, Demapper, Modulation};
use nrkit::phy::{Ofdm, OfdmConfig};

fn random_c32(n: usize, seed: u64) -> Vec<C32> {
    let mut r = rng::stream(seed, 0);
    (0..n).map(|_| rng::complex_normal(&mut r, 1.0)).collect()
}

fn fft(c: &mut Criterion) {
    let mut g = c.benchmark_group("fft");
    for isa in Isa::available() {
        let mut engine = FftEngine::new(isa).unwrap();
        for &n in FFT_SIZES {
            let f = engine.plan(n, Direction::Forward).unwrap();
            let mut buf = random_c32(n, 1);
            let mut scratch = f.make_scratch();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_function(BenchmarkId::new(isa.name(), n), |b| {
                b.iter(|| f.process(black_box(&mut buf), &mut scratch).unwrap())
            });
        }
    }
    let mut planner = rustfft::FftPlanner::<f32>::new();
    for &n in FFT_SIZES {
        let f = planner.plan_fft_forward(n);
        let mut buf = random_c32(n, 1);
        let mut scratch = vec![C32::default(); f.get_inplace_scratch_len()];
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("rustfft", n), |b| {
            b.iter(|| f.process_with_scratch(black_box(&mut buf), &mut scratch))
        });
    }
    g.finish();
}

fn ofdm(c: &mut Criterion) {
    let mut g = c.benchmark_group("ofdm");
    for isa in Isa::available() {
        let mut engine = FftEngine::new(isa).unwrap();
        for &(bw, scs, n_rb, n_fft) in OFDM_CARRIERS {
            let num = Numerology::from_scs_khz(scs).unwrap();
            let mut cfg = OfdmConfig::new(num, n_rb);
            cfg.fft_size = n_fft;
            let mut o = Ofdm::new(cfg, &mut engine).unwrap();
            let l = num.symbols_per_slot();
            let grid = ndarray::Array2::from_shape_vec(
                ndarray::ShapeBuilder::f((n_rb * 12, l)),
                random_c32(n_rb * 12 * l, 2),
            )
            .unwrap();
            let mut wave = Vec::new();
            o.modulate(grid.view(), 0, &mut wave).unwrap();
            g.throughput(Throughput::Elements(wave.len() as u64));
            let id = format!("{bw}mhz_{scs}khz");
            let mut buf = Vec::with_capacity(wave.len());
            g.bench_function(BenchmarkId::new(format!("mod/{}", isa.name()), &id), |b| {
                b.iter(|| {
                    buf.clear();
                    o.modulate(black_box(grid.view()), 0, &mut buf).unwrap()
                })
            });
            g.bench_function(
                BenchmarkId::new(format!("demod/{}", isa.name()), &id),
                |b| b.iter(|| black_box(o.demodulate(black_box(&wave), 0, l).unwrap())),
            );
        }
    }
    g.finish();
}

fn modulation(c: &mut Criterion) {
    const N: usize = 8192;
    let mut g = c.benchmark_group("modulation");
    for m in Modulation::ALL {
        let q = m.bits_per_symbol();
        let mut bits = vec![0u8; N * q];
        rng::fill_bits(&mut rng::stream(3, 0), &mut bits);
        let mut syms = vec![C32::default(); N];
        g.throughput(Throughput::Elements((N * q) as u64));
        g.bench_function(BenchmarkId::new("map/scalar", m.name()), |b| {
            b.iter(|| map(m, black_box(&bits), &mut syms).unwrap())
        });
        let y = random_c32(N, 4);
        let mut llr = vec![0f32; N * q];
        let mut llr8 = vec![0i8; N * q];
        for isa in Isa::available() {
            let d = Demapper::with_isa(m, isa).unwrap();
            g.bench_function(
                BenchmarkId::new(format!("demap/{}", isa.name()), m.name()),
                |b| b.iter(|| d.demap(black_box(&y), 0.1, &mut llr).unwrap()),
            );
            g.bench_function(
                BenchmarkId::new(format!("demap_i8/{}", isa.name()), m.name()),
                |b| b.iter(|| d.demap_i8(black_box(&y), 0.1, 8.0, &mut llr8).unwrap()),
            );
        }
    }
    g.finish();
}

fn prbs(c: &mut Criterion) {
    let mut g = c.benchmark_group("prbs");
    const BITS: u64 = 1 << 16;
    g.throughput(Throughput::Elements(BITS));
    g.bench_function("gold/scalar/65536", |b| {
        b.iter(|| {
            let mut s = GoldSequence::new(black_box(12345));
            let mut acc = 0u64;
            for _ in 0..BITS / 64 {
                acc ^= s.next_word();
            }
            acc
        })
    });
    g.bench_function("gold_jump/scalar/1e6", |b| {
        b.iter(|| GoldSequence::with_offset(black_box(12345), 1_000_000).next_word())
    });
    g.finish();
}

fn vector(c: &mut Criterion) {
    const N: usize = 4096;
    let mut g = c.benchmark_group("vector");
    g.throughput(Throughput::Elements(N as u64));
    let a = random_c32(N, 5);
    let bb = random_c32(N, 6);
    let raw: Vec<i16> = (0..2 * N as i32).map(|i| (i * 31) as i16).collect();
    let mut o = vec![C32::default(); N];
    for isa in Isa::available() {
        let k = VectorKernels::new(isa).unwrap();
        g.bench_function(BenchmarkId::new(format!("cmul/{}", isa.name()), N), |b| {
            b.iter(|| k.mul(black_box(&a), &bb, &mut o).unwrap())
        });
        g.bench_function(BenchmarkId::new(format!("energy/{}", isa.name()), N), |b| {
            b.iter(|| k.energy(black_box(&a)))
        });
        g.bench_function(
            BenchmarkId::new(format!("ci16_to_cf32/{}", isa.name()), N),
            |b| b.iter(|| k.ci16_to_cf32(black_box(&raw), &mut o).unwrap()),
        );
    }
    g.finish();
}

fn coding(c: &mut Criterion) {
    use nrkit::coding::crc::{Crc, CrcPoly};
    use nrkit::coding::ldpc::{BaseGraph, LdpcEncoder, LiftingSize};
    let mut g = c.benchmark_group("coding");
    let data: Vec<u8> = (0..65536u32).map(|i| (i as u8).wrapping_mul(73)).collect();
    let crc = Crc::new(CrcPoly::Crc24A);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("crc/scalar/24a_bytes_65536", |b| {
        b.iter(|| crc.compute_bytes(black_box(&data)))
    });
    for (bg, z) in [(BaseGraph::Bg1, 384usize), (BaseGraph::Bg2, 384)] {
        for isa in Isa::available() {
            let enc = LdpcEncoder::with_isa(bg, LiftingSize::new(z).unwrap(), isa).unwrap();
            let mut info = vec![0u8; enc.k()];
            rng::fill_bits(&mut rng::stream(7, 0), &mut info);
            let mut d = vec![0u8; enc.n()];
            g.throughput(Throughput::Elements(enc.k() as u64));
            g.bench_function(
                format!("ldpc_encode/{}/bg{}_z{z}", isa.name(), bg.number()),
                |b| b.iter(|| enc.encode(black_box(&info), &mut d).unwrap()),
            );
        }
    }
    g.finish();
}

fn decoding(c: &mut Criterion) {
    use nrkit::coding::crc::{Crc, CrcPoly};
    use nrkit::coding::ldpc::{
        BaseGraph, DecoderConfig, DecoderWorkspace, LdpcDecoder, LiftingSize,
    };
    use nrkit::coding::polar::{scl::SclDecoder, PolarCode};
    let mut g = c.benchmark_group("decoding");
    g.sample_size(20);
    // LDPC as in `nrkit bench ldpc_decode`: Z = 384, the first E = 24·Z (R ≈ 0.92) or
    // 66·Z (R = 1/3) coded bits received, random LLRs, 6 iterations without early stop.
    let cfg = DecoderConfig {
        max_iterations: 6,
        early_stop: false,
        llr_scale: None,
    };
    for e_over_z in [24usize, 66] {
        for isa in Isa::available() {
            let dec =
                LdpcDecoder::with_isa(BaseGraph::Bg1, LiftingSize::new(384).unwrap(), isa).unwrap();
            let mut r = rng::stream(8, e_over_z as u64);
            let mut soft = vec![0f32; dec.n()];
            for v in soft.iter_mut().take(e_over_z * 384) {
                *v = (rng::normal(&mut r) * 4.0) as f32;
            }
            let mut out = vec![0u8; dec.k()];
            let mut ws = DecoderWorkspace::default();
            g.throughput(Throughput::Elements(dec.k() as u64));
            g.bench_function(
                BenchmarkId::new(
                    format!("ldpc_decode/{}", isa.name()),
                    format!("bg1_e{e_over_z}z"),
                ),
                |b| {
                    b.iter(|| {
                        dec.decode_in(&mut ws, black_box(&soft), &cfg, &mut out)
                            .unwrap()
                    })
                },
            );
        }
    }
    // Polar: the BCH (K = 56, E = 864), CA-SCL with lists 1 and 8.
    let crc = Crc::new(CrcPoly::Crc24C);
    let code = PolarCode::new(56, 864, 9, true, false).unwrap();
    let mut bits = vec![0u8; 32];
    rng::fill_bits(&mut rng::stream(9, 0), &mut bits);
    crc.attach_bits(&mut bits);
    let mut r = rng::stream(9, 1);
    let llr: Vec<f32> = code
        .encode_rm(&bits)
        .unwrap()
        .iter()
        .map(|&b| (if b == 0 { 1.0 } else { -1.0 }) + (rng::normal(&mut r) * 0.7) as f32)
        .collect();
    let mut d = vec![0f32; code.n()];
    code.rate_recover(&llr, &mut d).unwrap();
    g.throughput(Throughput::Elements(56));
    for isa in SclDecoder::isas() {
        for list in [1usize, 8] {
            let dec = SclDecoder::with_isa(code.clone(), list, isa).unwrap();
            g.bench_function(
                BenchmarkId::new(format!("polar_decode/{}/bch", isa.name()), list),
                |b| b.iter(|| dec.decode(black_box(&d), |x| crc.check_bits(x)).unwrap()),
            );
        }
    }
    g.finish();
}

fn search(c: &mut Criterion) {
    use nrkit::phy::search::{search_samples, SearchConfig};
    use nrkit::phy::ssb::{SsbCase, SsbGenerator, SsbTxConfig};
    // As `nrkit bench search`: 20 ms at 30.72 Msps, Case C, 8 SSBs, known SSB frequency,
    // 0 dB SNR per RE.
    let fs = 30.72e6;
    let cfg = SsbTxConfig::new(nrkit::core::Pci::new(321).unwrap(), SsbCase::C, 8, fs);
    let (mut wave, _) = SsbGenerator::generate(cfg, 2, &mut FftEngine::detect()).unwrap();
    let mut r = rng::stream(11, 0);
    for v in &mut wave {
        *v += rng::complex_normal(&mut r, 1.0 / (fs / 30e3));
    }
    let mut g = c.benchmark_group("search");
    g.sample_size(10);
    g.throughput(Throughput::Elements(wave.len() as u64));
    for isa in Isa::available() {
        let mut engine = FftEngine::new(isa).unwrap();
        g.bench_function(
            BenchmarkId::new(isa.name(), "20ms_30.72Msps_known_freq"),
            |b| {
                b.iter(|| {
                    search_samples(
                        SearchConfig::new(fs, 0.0, 30),
                        black_box(&wave),
                        &mut engine,
                    )
                    .unwrap()
                })
            },
        );
    }
    g.finish();
}

/// The capture pipeline: loopback device read → ring → SigMF cf32 writer on tmpfs.
fn capture(c: &mut Criterion) {
    use nrkit::iq::{Datatype, Meta, Writer};
    use nrkit::sdr::{self, CaptureOptions, ChannelConfig, Device, Direction, Gain, SigmfSink};
    use std::sync::atomic::AtomicBool;
    sdr::load_module(nrkit_sdr_loopback::module_path()).expect("loopback module");
    let fs = 122.88e6;
    let dev = Device::open(&format!(
        "driver=loopback,serial=crit{}",
        std::process::id()
    ))
    .expect("open loopback");
    dev.configure(Direction::Rx, &ChannelConfig::new(fs, 3.5e9, Gain::Db(0.0)))
        .expect("configure");
    let mut rx = dev.rx_cf32(0).expect("rx stream");
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let base = dir.join(format!("nrkit-crit-capture-{}", std::process::id()));
    let n: u64 = 1 << 22;
    let opts = CaptureOptions {
        samples: Some(n),
        ..CaptureOptions::default()
    };
    let stop = AtomicBool::new(false);
    let mut g = c.benchmark_group("sdr");
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function("capture/loopback_cf32_tmpfs", |b| {
        b.iter(|| {
            let w = Writer::create(&base, Meta::new(Datatype::Cf32Le, fs, None)).unwrap();
            let mut sink = SigmfSink::new(w);
            let (st, err) = sdr::capture(&mut rx, &mut sink, &opts, &stop).unwrap();
            assert!(err.is_none() && st.samples_written == n);
            sink.finish().unwrap();
        })
    });
    g.finish();
    let (m, d) = nrkit::iq::sigmf_paths(&base);
    let _ = std::fs::remove_file(m);
    let _ = std::fs::remove_file(d);
}

criterion_group!(benches, fft, ofdm, modulation, prbs, vector, coding, decoding, search, capture);
criterion_main!(benches);
