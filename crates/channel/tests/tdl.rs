//! The TDL models against TR 38.901 §7.7.2–7.7.3: the tables' powers and delay spread,
//! the Doppler autocorrelation J0(2π f_D τ), and the filter against the taps' response.

use nrkit_channel::tdl::{TdlChannel, TdlConfig, TdlModel};
use nrkit_core::{rng, C32, C64};

/// J0(x) = (1/π)∫₀^π cos(x sin θ) dθ (midpoint rule, 2000 points; error far below 1e-6
/// for |x| ≤ 20).
fn j0(x: f64) -> f64 {
    let n = 2000;
    (0..n)
        .map(|i| {
            let th = std::f64::consts::PI * (i as f64 + 0.5) / n as f64;
            (x * th.sin()).cos()
        })
        .sum::<f64>()
        / n as f64
}

/// The tables are transcribed right: each normalized profile has an RMS delay spread of 1
/// (within 1 %; TDL-D's is 0.994), and the delays scale with DS exactly (§7.7.3).
#[test]
fn delay_spread_scaling_is_exact() {
    for m in TdlModel::ALL {
        let cfg = TdlConfig::new(m, 300e-9, 0.0, 30.72e6);
        let d = cfg.delays_s();
        for (got, &(norm, _)) in d.iter().zip(m.taps()) {
            assert_eq!(*got, norm * 300e-9, "{m}");
        }
        let p = cfg.powers();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let mean: f64 = p.iter().zip(&d).map(|(p, d)| p * d).sum();
        let rms = p
            .iter()
            .zip(&d)
            .map(|(p, d)| p * (d - mean).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((rms / 300e-9 - 1.0).abs() < 0.01, "{m}: DS {rms}");
    }
    assert_eq!(TdlModel::from_name("tdl-c").unwrap(), TdlModel::C);
    assert_eq!("E".parse::<TdlModel>().unwrap(), TdlModel::E);
    assert_eq!(TdlModel::from_name("TDLA").unwrap(), TdlModel::A);
    assert!(TdlModel::from_name("F").is_err());
}

/// Over 4000 realizations at two well-separated times each, every tap's mean power is
/// within 0.2 dB of its (normalized) table value; the LOS components of TDL-D/E have
/// exactly their power at every time.
#[test]
fn mean_tap_powers_match_the_tables() {
    let realizations = 4000;
    for (mi, m) in TdlModel::ALL.into_iter().enumerate() {
        let cfg = TdlConfig::new(m, 100e-9, 10.0, 30.72e6);
        let want = cfg.powers();
        let mut sum = vec![0f64; want.len()];
        for i in 0..realizations {
            let ch = TdlChannel::new(cfg, &mut rng::stream(11 + mi as u64, i)).unwrap();
            for t in [0.0, 1.0] {
                for (s, g) in sum.iter_mut().zip(ch.gains(t)) {
                    *s += g.norm_sqr();
                }
            }
            if m.has_los() {
                for t in [0.0, 0.37] {
                    assert!((ch.gains(t)[0].norm_sqr() - want[0]).abs() < 1e-12);
                }
            }
        }
        for (n, (s, w)) in sum.iter().zip(&want).enumerate() {
            let got = s / (2 * realizations) as f64;
            let err_db = 10.0 * (got / w).log10();
            assert!(err_db.abs() < 0.2, "{m} tap {n}: {err_db:+.3} dB");
        }
    }
}

/// The normalized autocorrelation E[g(t)·g*(t+τ)]/P of the Rayleigh taps follows
/// J0(2π f_D τ) within 0.03 (24 taps × 1000 realizations of TDL-C); the LOS component of
/// TDL-D turns at f_D·cos(π/4).
#[test]
fn tap_autocorrelation_follows_j0() {
    let fd = 100.0;
    let cfg = TdlConfig::new(TdlModel::C, 300e-9, fd, 30.72e6);
    let p = cfg.powers();
    let lags = [0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0];
    let mut acc = vec![C64::default(); lags.len()];
    let mut count = 0usize;
    for i in 0..1000 {
        let ch = TdlChannel::new(cfg, &mut rng::stream(5, i)).unwrap();
        let t = 0.013 * i as f64;
        let g0 = ch.gains(t);
        for (a, &u) in acc.iter_mut().zip(&lags) {
            let g1 = ch.gains(t + u / fd);
            for ((x, y), pw) in g0.iter().zip(&g1).zip(&p) {
                *a += x * y.conj() / pw;
            }
        }
        count += g0.len();
    }
    for (a, &u) in acc.iter().zip(&lags) {
        let r = a / count as f64;
        let want = j0(std::f64::consts::TAU * u);
        assert!(
            (r.re - want).abs() < 0.03 && r.im.abs() < 0.03,
            "f_D·τ = {u}: {r} vs J0 = {want:.4}"
        );
    }
    let d = TdlChannel::new(
        TdlConfig::new(TdlModel::D, 30e-9, fd, 1e6),
        &mut rng::stream(1, 0),
    )
    .unwrap();
    let turn = (d.gains(1e-3)[0] * d.gains(0.0)[0].conj()).arg();
    let want = std::f64::consts::TAU * fd * std::f64::consts::FRAC_1_SQRT_2 * 1e-3;
    assert!((turn - want).abs() < 1e-9, "{turn} vs {want}");
}

/// The streamed filter: a constant input comes out as Σ_n g_n(t) (the channel at DC), so
/// its autocorrelation over time, through the block-wise filter updates and their
/// interpolation, also follows J0 (within 0.05 over 300 realizations).
#[test]
fn filtered_output_fades_with_the_doppler_spectrum() {
    let fs = 100e3;
    let fd = 100.0;
    let cfg = TdlConfig::new(TdlModel::A, 1e-6, fd, fs);
    let lags = [0usize, 100, 200, 400, 600, 1000, 1500];
    let mut acc = vec![C64::default(); lags.len()];
    let x = vec![C32::new(1.0, 0.0); 2500];
    for i in 0..300 {
        let mut ch = TdlChannel::new(cfg, &mut rng::stream(9, i)).unwrap();
        let y = ch.apply(&x, 0.0);
        let y0 = y[400];
        for (a, &l) in acc.iter_mut().zip(&lags) {
            let v = y[400 + l];
            *a += C64::new(y0.re.into(), y0.im.into()) * C64::new(v.re.into(), v.im.into()).conj();
        }
        // At DC every output sample is the sum of the gains at its time.
        let t = 777.0 / fs;
        let want: C64 = ch.gains(t).iter().sum();
        let got = y[777];
        assert!(
            (C64::new(got.re.into(), got.im.into()) - want).norm() < 5e-3 * want.norm().max(0.1),
            "{got} vs {want}"
        );
    }
    let r0 = acc[0].re;
    for (a, &l) in acc.iter().zip(&lags) {
        let r = a / r0;
        let want = j0(std::f64::consts::TAU * fd * l as f64 / fs);
        assert!(
            (r.re - want).abs() < 0.05 && r.im.abs() < 0.05,
            "lag {l}: {r} vs {want:.4}"
        );
    }
}

/// Without Doppler, a tone at f comes out as H(f)·tone with H(f) = Σ g_n e^(−j2πfτ_n)
/// (fractional delays through the interpolator, within 1 %); streamed in uneven chunks the
/// output is the same, and its length is the input's plus ⌈largest delay⌉.
#[test]
fn filter_matches_the_taps_frequency_response() {
    let fs = 30.72e6;
    let cfg = TdlConfig::new(TdlModel::C, 300e-9, 0.0, fs);
    let mut ch = TdlChannel::new(cfg, &mut rng::stream(3, 0)).unwrap();
    for f in [-9e6, -1.5e6, 0.0, 2.5e6, 10e6] {
        let x: Vec<C32> = (0..4000)
            .map(|n| {
                let p = std::f64::consts::TAU * f * n as f64 / fs;
                C32::new(p.cos() as f32, p.sin() as f32)
            })
            .collect();
        let y = ch.apply(&x, 0.0);
        assert_eq!(y.len(), 4000 + ch.tail_samples());
        assert_eq!(ch.tail_samples(), (8.6523f64 * 300e-9 * fs).ceil() as usize);
        let h = ch.frequency_response(0.0, f);
        for n in (200..3800).step_by(97) {
            let want = C64::new(x[n].re.into(), x[n].im.into()) * h;
            let got = C64::new(y[n].re.into(), y[n].im.into());
            assert!(
                (got - want).norm() < 0.01 * h.norm().max(0.3),
                "f {f}: {n}: {got} vs {want}"
            );
        }
        // Streaming in chunks gives the same samples.
        let mut streamed = Vec::new();
        ch.reset(0.0);
        for c in x.chunks(333) {
            ch.process(c, &mut streamed);
        }
        ch.finish(&mut streamed);
        assert_eq!(streamed, y);
    }
    // The same seed gives the same channel; another seed another.
    let a = TdlChannel::new(cfg, &mut rng::stream(3, 0))
        .unwrap()
        .gains(0.0);
    assert_eq!(a, ch.gains(0.0));
    assert_ne!(
        a,
        TdlChannel::new(cfg, &mut rng::stream(3, 1))
            .unwrap()
            .gains(0.0)
    );
}

#[test]
fn bad_parameters_are_errors() {
    let ok = TdlConfig::new(TdlModel::A, 100e-9, 10.0, 30.72e6);
    let mut r = rng::stream(1, 0);
    for bad in [
        TdlConfig {
            delay_spread_s: -1e-9,
            ..ok
        },
        TdlConfig {
            delay_spread_s: f64::NAN,
            ..ok
        },
        TdlConfig {
            doppler_hz: -1.0,
            ..ok
        },
        TdlConfig {
            doppler_hz: 10e6,
            ..ok
        },
        TdlConfig {
            sample_rate: 0.0,
            ..ok
        },
        TdlConfig { sinusoids: 0, ..ok },
        // TDL-E at 10 µs: a 206 µs tap, 6.3k samples at 30.72 Msps is fine, 25k at
        // 122.88 Msps is not.
        TdlConfig {
            model: TdlModel::E,
            delay_spread_s: 10e-6,
            sample_rate: 122.88e6,
            ..ok
        },
    ] {
        assert!(TdlChannel::new(bad, &mut r).is_err(), "{bad:?}");
    }
    assert!(TdlChannel::new(ok, &mut r).is_ok());
}

/// Receive correlation (TS 38.101-4 §B.2.3.1): over 1500 realizations of 4 antennas at
/// β = 0.9 the normalized tap cross-correlations E[g_a·g_b*]/P are within 0.03 of
/// β^(((a−b)/3)²) (0.988, 0.954, 0.9), every antenna keeps the table powers, and one
/// antenna is the uncorrelated channel itself.
#[test]
fn receive_antennas_are_correlated_as_specified() {
    use nrkit_channel::tdl::rx_correlation;
    let cfg = TdlConfig::new(TdlModel::C, 300e-9, 10.0, 30.72e6);
    let p = cfg.powers();
    let (r, _) = rx_correlation(4, 0.9).unwrap();
    assert!((r[0][1] - 0.9f64.powf(1.0 / 9.0)).abs() < 1e-12 && (r[0][3] - 0.9).abs() < 1e-12);
    let mut acc = [[C64::default(); 4]; 4];
    let n = 1500;
    for i in 0..n {
        let chs = TdlChannel::correlated(cfg, 4, 0.9, &mut rng::stream(17, i)).unwrap();
        let g: Vec<Vec<C64>> = chs.iter().map(|c| c.gains(0.3)).collect();
        for a in 0..4 {
            for b in 0..4 {
                for (k, pk) in p.iter().enumerate() {
                    acc[a][b] += g[a][k] * g[b][k].conj() / *pk;
                }
            }
        }
    }
    let count = (n as usize * p.len()) as f64;
    for a in 0..4 {
        for b in 0..4 {
            let got = acc[a][b] / count;
            assert!(
                (got.re - r[a][b]).abs() < 0.03 && got.im.abs() < 0.03,
                "R[{a}][{b}] = {got} vs {}",
                r[a][b]
            );
        }
    }
    let one = TdlChannel::correlated(cfg, 1, 0.9, &mut rng::stream(2, 0)).unwrap();
    let plain = TdlChannel::new(cfg, &mut rng::stream(2, 0)).unwrap();
    assert_eq!(one[0].gains(0.1), plain.gains(0.1));
    assert!(rx_correlation(9, 0.5).is_err() && rx_correlation(2, 1.0).is_err());
    assert!(rx_correlation(2, f64::NAN).is_err());
}
