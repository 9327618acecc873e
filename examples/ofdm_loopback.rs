//! TX → channel → RX for one NR slot: map random 64QAM onto a 20 MHz / 30 kHz grid, OFDM
//! modulate with §5.4 phase compensation, add white Gaussian noise at a given SNR per
//! resource element, demodulate, soft-demap and count bit errors.
//!
//! Run: `cargo run --release --example ofdm_loopback -- 18`  (SNR in dB, default 20)

use ndarray::{Array2, ShapeBuilder};
use nrkit::channel::{add_awgn, Snr};
use nrkit::core::{rng, Numerology, C32};
use nrkit::dsp::FftEngine;
use nrkit::phy::modulation::{map, Demapper, Modulation};
use nrkit::phy::{Ofdm, OfdmConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let snr_db: f64 = std::env::args().nth(1).map_or(Ok(20.0), |s| s.parse())?;
    let num = Numerology::from_scs_khz(30)?;
    let mut cfg = OfdmConfig::new(num, 51); // 20 MHz at 30 kHz: 51 RB, 1024-point FFT
    cfg.phase_comp_f0 = Some(3.5e9);
    let mut engine = FftEngine::detect();
    let mut ofdm = Ofdm::new(cfg, &mut engine)?;
    let (k, l) = (ofdm.n_subcarriers(), num.symbols_per_slot());
    let m = Modulation::Qam64;
    let q = m.bits_per_symbol();

    let mut r = rng::stream(7, 0);
    let mut bits = vec![0u8; k * l * q];
    rng::fill_bits(&mut r, &mut bits);
    let mut syms = vec![C32::default(); k * l];
    map(m, &bits, &mut syms)?;
    let grid = Array2::from_shape_vec((k, l).f(), syms)?;
    let mut wave = Vec::new();
    ofdm.modulate(grid.view(), 0, &mut wave)?;

    // Unit-power REs become 1/N_FFT² per sample after the 1/N IFFT scaling; the noise
    // variance per RE after the (unscaled) FFT is N_FFT · σ²_time.
    let noise_var_re = 10f64.powf(-snr_db / 10.0);
    let sigma2_time = Snr::PerResourceElement {
        sample_rate: ofdm.sample_rate(),
        scs_hz: cfg.numerology.scs_hz(),
    }
    .noise_variance(snr_db)?;
    add_awgn(&mut wave, sigma2_time, &mut rng::stream(7, 1));
    let rx = ofdm.demodulate(&wave, 0, l)?;
    let demapper = Demapper::new(m);
    let mut llr = vec![0f32; bits.len()];
    demapper.demap(
        rx.as_slice_memory_order().unwrap(),
        noise_var_re as f32,
        &mut llr,
    )?;
    let errors = llr
        .iter()
        .zip(&bits)
        .filter(|(&v, &b)| u8::from(v < 0.0) != b)
        .count();
    println!(
        "{} RB, {} kHz, {}: SNR {snr_db} dB per RE → {errors} bit errors in {} bits (BER {:.2e}), demapper on {}",
        cfg.n_rb,
        num.scs_khz(),
        m.name(),
        bits.len(),
        errors as f64 / bits.len() as f64,
        demapper.isa()
    );
    Ok(())
}
