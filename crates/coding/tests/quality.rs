//! Decoder quality with statistical bounds and fixed seeds (TS 38.212 codes over BPSK/AWGN).
//!
//! * LDPC: the layered min-sum decoder may lose at most 0.3 dB against the layered
//!   sum-product reference: at each SNR point s, BLER_minsum(s + 0.3 dB) must not exceed
//!   BLER_sumproduct(s) beyond a binomial margin.
//! * Polar: CA-SCL with list 8 must beat list 1 (SC) by at least 0.5 dB on the BCH.

use nrkit_coding::crc::{Crc, CrcPoly};
use nrkit_coding::ldpc::{
    sum_product_reference, BaseGraph, DecoderConfig, LdpcDecoder, LdpcEncoder, LiftingSize,
    RateMatch,
};
use nrkit_coding::polar::{scl::SclDecoder, PolarCode};
use nrkit_core::rng;

/// Per-bit LLRs of BPSK over real AWGN at Es/N0 = `snr_db`.
fn bpsk_llrs(bits: &[u8], snr_db: f64, r: &mut impl rand::Rng) -> Vec<f32> {
    let sigma2 = 1.0 / (2.0 * 10f64.powf(snr_db / 10.0));
    let s = sigma2.sqrt();
    bits.iter()
        .map(|&b| {
            let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(r) * s;
            (2.0 * y / sigma2) as f32
        })
        .collect()
}

/// (min-sum block errors, sum-product block errors) over `frames` at `snr_db`
/// (min-sum evaluated at `snr_db + ms_offset_db` on its own noise).
fn ldpc_bler(
    (bg, z, e): (BaseGraph, usize, usize),
    snr_db: f64,
    ms_offset_db: f64,
    frames: usize,
    seed: u64,
    sp: bool,
    llr_scale: Option<f32>,
) -> (usize, usize) {
    let zc = LiftingSize::new(z).unwrap();
    let enc = LdpcEncoder::new(bg, zc).unwrap();
    let dec = LdpcDecoder::new(bg, zc).unwrap();
    let k = enc.k();
    let rm = RateMatch::with_fillers(bg, zc, k, None, 1).unwrap();
    let mut r = rng::stream(seed, 0);
    let cfg = DecoderConfig {
        max_iterations: 20,
        early_stop: true,
        llr_scale,
    };
    let (mut ms_err, mut sp_err) = (0, 0);
    let mut d = vec![0u8; enc.n()];
    let mut f = vec![0u8; e];
    for _ in 0..frames {
        let mut c = vec![0u8; k];
        rng::fill_bits(&mut r, &mut c);
        enc.encode(&c, &mut d).unwrap();
        rm.rate_match(&d, 0, 2, &mut f).unwrap();
        let mut soft = vec![0f32; enc.n()];
        rm.rate_recover(
            &bpsk_llrs(&f, snr_db + ms_offset_db, &mut r),
            0,
            2,
            &mut soft,
        )
        .unwrap();
        let mut out = vec![0u8; k];
        dec.decode(&soft, &cfg, &mut out).unwrap();
        ms_err += usize::from(out != c);
        if sp {
            let mut soft = vec![0f32; enc.n()];
            rm.rate_recover(&bpsk_llrs(&f, snr_db, &mut r), 0, 2, &mut soft)
                .unwrap();
            let (bits, _) = sum_product_reference(bg, zc, &soft, 20).unwrap();
            sp_err += usize::from(bits != c);
        }
    }
    (ms_err, sp_err)
}

/// Binomial 3σ margin for `frames` trials (worst case p = 1/2).
fn margin(frames: usize) -> usize {
    (3.0 * (frames as f64 * 0.25).sqrt()).ceil() as usize
}

/// Asserts BLER_minsum(s + offset) ≤ BLER_sumproduct(s) (+ margin) at each point.
fn assert_loss_at_most(
    bg: BaseGraph,
    z: usize,
    e: usize,
    points: &[f64],
    offset_db: f64,
    frames: usize,
) {
    for (i, &s) in points.iter().enumerate() {
        let (ms, sp) = ldpc_bler((bg, z, e), s, offset_db, frames, 100 + i as u64, true, None);
        assert!(
            sp > 0,
            "{bg:?} Z={z} E={e}: sum-product made no errors at {s} dB; the point is off the waterfall"
        );
        assert!(
            ms <= sp + margin(frames),
            "{bg:?} Z={z} E={e}: min-sum {ms}/{frames} at {} dB vs sum-product {sp}/{frames} at {s} dB",
            s + offset_db
        );
    }
}

/// BG1 Z=384 R≈0.9: within the 0.3 dB of sum-product.
#[test]
fn min_sum_within_0_3_db_of_sum_product_bg1_high_rate() {
    assert_loss_at_most(BaseGraph::Bg1, 384, 9386, &[3.0, 3.1], 0.3, 100);
}

/// BG1 Z=384 R≈0.64 (E = 13146): measured loss ≈ 0.23 dB at 10 % BLER. Before the
/// decoder halved its saturated state, min-sum sat at 60–80 % BLER here.
#[test]
fn min_sum_within_0_3_db_of_sum_product_bg1_mid_rate() {
    assert_loss_at_most(BaseGraph::Bg1, 384, 13146, &[-0.5, -0.4], 0.3, 100);
}

/// BG1 Z=384 R≈0.64 well above the waterfall (1.5 dB BPSK Es/N0, where sum-product decodes
/// every block), at a fixed scale that saturates (mean |quantized LLR| ≈ 48): no error
/// floor. Without the decoder's rescaling of a saturated state, min-sum diverged from
/// nearly decoded blocks here in about 30 % of the blocks.
#[test]
fn min_sum_has_no_saturation_floor_bg1_mid_rate() {
    let frames = 300;
    let scale = Some(48.0 / (4.0 * 10f32.powf(0.15)));
    let (ms, _) = ldpc_bler(
        (BaseGraph::Bg1, 384, 13146),
        1.5,
        0.0,
        frames,
        9,
        false,
        scale,
    );
    assert!(ms <= 1, "min-sum {ms}/{frames} block errors at 1.5 dB");
}

/// BG1 Z=384 R=1/3 (self-corrected min-sum): measured loss ≈ 0.25 dB.
#[test]
fn min_sum_within_0_3_db_of_sum_product_bg1_rate_one_third() {
    assert_loss_at_most(BaseGraph::Bg1, 384, 25344, &[-4.9, -4.7], 0.3, 60);
}

/// BG2 Z=52 R=1/5 (self-corrected min-sum): measured loss ≈ 0.2 dB.
#[test]
fn min_sum_within_0_3_db_of_sum_product_bg2_rate_one_fifth() {
    assert_loss_at_most(BaseGraph::Bg2, 52, 2600, &[-7.4, -7.2], 0.3, 200);
}

/// CA-SCL with list 8 beats SC by ≥ 0.5 dB at 1 % BLER on the BCH: at −10.5 dB list 8 is
/// at about 1 % while SC, 0.5 dB better off, is still clearly above it.
#[test]
fn ca_scl_8_beats_sc_by_half_a_db_on_the_bch() {
    let frames = 1000;
    let scl = bch_bler(8, -10.5, frames, 7);
    let sc = bch_bler(1, -10.0, frames, 7);
    assert!(scl <= 15, "CA-SCL-8 at -10.5 dB: {scl}/{frames}");
    assert!(sc >= 30, "SC at -10.0 dB: {sc}/{frames}");
}

#[test]
#[ignore = "calibration: prints BLER curves"]
fn calibrate() {
    for (bg, z, e, pts) in [
        (
            BaseGraph::Bg2,
            52usize,
            2600usize,
            vec![-7.6, -7.4, -7.2, -7.0, -6.8, -6.6],
        ),
        (
            BaseGraph::Bg1,
            384,
            25344,
            vec![-5.1, -4.9, -4.7, -4.5, -4.3],
        ),
    ] {
        for s in pts {
            let t = std::time::Instant::now();
            let (ms, sp) = ldpc_bler((bg, z, e), s, 0.0, 40, 1, true, None);
            eprintln!(
                "{bg:?} Z={z} E={e} {s} dB: min-sum {ms}/40 sum-product {sp}/40 ({:?})",
                t.elapsed()
            );
        }
    }
}

/// BCH (32 payload bits + CRC24C, K = 56, E = 864) block errors over `frames` at `snr_db`.
fn bch_bler(list: usize, snr_db: f64, frames: usize, seed: u64) -> usize {
    let crc = Crc::new(CrcPoly::Crc24C);
    let code = PolarCode::new(56, 864, 9, true, false).unwrap();
    let dec = SclDecoder::new(code.clone(), list).unwrap();
    let mut r = rng::stream(seed, list as u64);
    let mut errors = 0;
    for _ in 0..frames {
        let mut c = vec![0u8; 32];
        rng::fill_bits(&mut r, &mut c);
        crc.attach_bits(&mut c);
        let f = code.encode_rm(&c).unwrap();
        let mut d = vec![0f32; code.n()];
        code.rate_recover(&bpsk_llrs(&f, snr_db, &mut r), &mut d)
            .unwrap();
        let (got, ok) = dec.decode(&d, |b| crc.check_bits(b)).unwrap();
        errors += usize::from(!ok || got != c);
    }
    errors
}

#[test]
#[ignore = "calibration: prints BCH BLER curves"]
fn calibrate_bch() {
    for s in [-12.0, -11.5, -11.0, -10.5, -10.0, -9.5] {
        eprintln!(
            "BCH {s} dB: SC {}/1000 SCL8 {}/1000",
            bch_bler(1, s, 1000, 5),
            bch_bler(8, s, 1000, 5)
        );
    }
}
