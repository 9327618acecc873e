//! `nrkit generate ofdm`: an OFDM test carrier with random QAM on every RE.

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::core::Numerology;
use nrkit::dsp::FftEngine;
use nrkit::iq::{Annotation, Meta, Writer};
use nrkit::phy::modulation::Modulation;
use nrkit::phy::testwave::TestWave;
use nrkit::phy::Ofdm;
use serde_json::json;

use crate::cmd::common::meta::{generator, testwave_to_meta, OutDatatype};
use crate::cmd::common::output::{create_parent, OutputArgs};
use crate::cmd::common::Ctx;

/// Options of `nrkit generate ofdm`.
#[derive(ClapArgs)]
pub struct Args {
    /// Subcarrier spacing in kHz (15, 30, 60, 120, 240).
    #[arg(long, default_value_t = 30)]
    pub scs: u32,
    /// Grid size in resource blocks (1..=275).
    #[arg(long, default_value_t = 273)]
    pub nrb: usize,
    /// FFT size (default: smallest power of two with ≤ 85 % occupancy).
    #[arg(long)]
    pub fft_size: Option<usize>,
    /// Slots to generate.
    #[arg(long, default_value_t = 2)]
    pub slots: usize,
    /// Modulation: pi/2-bpsk, bpsk, qpsk, 16qam, 64qam, 256qam, 1024qam.
    #[arg(long, default_value = "256qam")]
    pub modulation: String,
    /// RNG seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Carrier frequency: enables §5.4 phase compensation and sets core:frequency.
    #[arg(long)]
    pub center_freq: Option<f64>,
    /// Output datatype.
    #[arg(long, value_enum, default_value = "cf32_le")]
    pub datatype: OutDatatype,
    /// Digital gain in dB applied before writing (integer formats need some: IFFT output
    /// is scaled by 1/N_FFT).
    #[arg(long, default_value_t = 0.0)]
    pub gain_db: f64,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Runs `nrkit generate ofdm`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let isa = ctx.isa;
    a.out.check()?;
    let numerology = Numerology::from_scs_khz(a.scs).context("--scs")?;
    let modulation = Modulation::from_name(&a.modulation).context("--modulation")?;
    if !(a.gain_db.is_finite() && a.gain_db.abs() <= 200.0) {
        bail!("--gain-db {}: must be within -200..=200 dB", a.gain_db);
    }
    let mut tw = TestWave {
        numerology,
        n_rb: a.nrb,
        fft_size: 0,
        slots: a.slots,
        modulation,
        seed: a.seed,
        center_freq: a.center_freq,
    };
    tw.fft_size = a
        .fft_size
        .unwrap_or_else(|| nrkit::phy::OfdmConfig::new(numerology, a.nrb).fft_size);
    tw.validate().context("--nrb/--fft-size/--slots")?;
    if a.slots > 10_000 {
        bail!("--slots must be 1..=10000, got {}", a.slots);
    }
    let mut engine = FftEngine::new(isa)?;
    let mut ofdm = Ofdm::new(tw.ofdm_config(), &mut engine).context("OFDM parameters")?;
    let mut wave = tw.waveform(&mut ofdm)?;
    let g = 10f64.powf(a.gain_db / 20.0) as f32;
    if g != 1.0 {
        // The gain is recorded in nrkit:gain_db so `nrkit evm` can undo it.
        wave.iter_mut().for_each(|z| *z *= g);
    }
    let mut meta = Meta::new(a.datatype.into(), ofdm.sample_rate(), a.center_freq);
    meta.description = Some(format!(
        "nrkit OFDM test waveform: {} kHz, {} RB, {} slots, {}",
        a.scs,
        a.nrb,
        a.slots,
        modulation.name()
    ));
    meta.global_extra = testwave_to_meta(&tw);
    meta.global_extra
        .insert("nrkit:gain_db".into(), json!(a.gain_db));
    meta.global_extra
        .insert("core:generator".into(), generator());
    create_parent(&a.out.output)?;
    let mut w = Writer::create(&a.out.output, meta)?;
    w.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let per_slot = ofdm.samples_for(0, numerology.symbols_per_slot());
    let mut pos = 0u64;
    for (i, slot) in wave.chunks(per_slot).enumerate() {
        let mut an = Annotation::new(pos, slot.len() as u64, format!("slot {i}"));
        let bw = a.nrb as f64 * 12.0 * numerology.scs_hz();
        let fc = a.center_freq.unwrap_or(0.0);
        an.freq_lower_edge = Some(fc - bw / 2.0);
        an.freq_upper_edge = Some(fc + bw / 2.0);
        w.annotate(an);
        pos += slot.len() as u64;
    }
    w.write(&wave)?;
    let n = w.finish()?;
    let (m, d) = nrkit::iq::sigmf_paths(&a.out.output);
    outln!(
        "wrote {} samples ({:.3} ms at {:.3} Msps) to {} and {}",
        n,
        n as f64 / ofdm.sample_rate() * 1e3,
        ofdm.sample_rate() / 1e6,
        m.display(),
        d.display()
    );
    Ok(())
}
