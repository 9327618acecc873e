//! Cell-search sensitivity report: MIB success rate against SNR per resource element.
//!
//! Each trial builds a recording the way the channel-coding and sync issue specifies it:
//! one SS/PBCH burst of Case C (30 kHz), L_max = 8 with all 8 SSBs, a random PCI, SFN and
//! MIB, inside a 20 ms window cut at a random point of a 30 ms signal (so the burst can sit
//! anywhere in the first ~8 ms of the recording), a random carrier frequency offset uniform
//! within ±1 subcarrier (±30 kHz) and white Gaussian noise at the given SNR per RE (noise
//! variance per sample `10^(−SNR/10) / N_FFT`, `N_FFT = fs / Δf`, since the generator maps a
//! unit-power RE through a 1/N_FFT-scaled IFFT). The recording is searched with the SSB
//! frequency known (the recording's centre) and the default ±1 subcarrier CFO range, once
//! with PBCH soft combining and once without. A trial succeeds when a detection carries the
//! transmitted PCI and exactly the transmitted MIB (all fields, full SFN).
//!
//! Noise-only recordings (20 ms of white noise) are searched with the same configuration;
//! any reported cell is a false alarm.
//!
//! The results go to a CSV table and a PNG chart ([`to_csv`], [`plot_png`]); `nrkit
//! sensitivity` writes them.

use std::fmt::Write as _;
use std::path::Path;

use nrkit_channel::awgn::noise;
use nrkit_channel::{add_awgn, Snr};
use nrkit_core::{rng, Error, Pci, C32};
use nrkit_dsp::{FftEngine, Isa, Nco};
use nrkit_phy::ssb::{Mib, SsbCase, SsbGenerator, SsbTxConfig};
use nrkit_phy::sync::{search_samples, SearchConfig, SsbDetection};
use rand::Rng;
use rayon::prelude::*;

use crate::plot::PlotError;

type Result<T, E = Error> = std::result::Result<T, E>;

/// SSB subcarrier spacing of Case C, Hz.
const SCS_HZ: f64 = 30e3;

/// What to measure.
#[derive(Debug, Clone)]
pub struct SensitivityOptions {
    /// SNR points per RE, dB.
    pub snrs_db: Vec<f64>,
    /// Recordings per SNR point.
    pub trials: usize,
    /// Noise-only recordings.
    pub noise_trials: usize,
    /// Sample rate of the recordings, Hz.
    pub sample_rate: f64,
    /// Seed of every random choice (the report is reproducible).
    pub seed: u64,
    /// Instruction set of the searcher's kernels.
    pub isa: Isa,
}

/// One SNR point.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SensitivityPoint {
    /// SNR per RE, dB.
    pub snr_db: f64,
    /// Recordings searched.
    pub trials: usize,
    /// Fraction whose MIB was decoded, with soft combining.
    pub mib_success: f64,
    /// The same without soft combining (every SSB decoded alone).
    pub mib_success_single: f64,
    /// Mean number of the 8 SSBs reported (with combining).
    pub ssbs_per_recording: f64,
    /// Recordings in which a cell other than the transmitted one was reported.
    pub false_cells: usize,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SensitivityReport {
    /// Sample rate of the recordings, Hz.
    pub sample_rate: f64,
    /// Seed.
    pub seed: u64,
    /// The SNR points in order.
    pub points: Vec<SensitivityPoint>,
    /// Noise-only recordings searched.
    pub noise_recordings: usize,
    /// Noise-only recordings in which a cell was reported.
    pub noise_false_cells: usize,
}

/// Validates `o`.
fn check(o: &SensitivityOptions) -> Result<()> {
    if o.snrs_db.is_empty() || o.snrs_db.iter().any(|s| !s.is_finite()) {
        return Err(Error::invalid(
            "SNR points",
            "at least one finite value in dB",
            format!("{:?}", o.snrs_db),
        ));
    }
    o.isa.require()?;
    if o.trials == 0 {
        return Err(Error::invalid("trials per SNR point", ">= 1", 0));
    }
    if !(o.sample_rate.is_finite() && (7.68e6..=245.76e6).contains(&o.sample_rate)) {
        return Err(Error::invalid(
            "sample rate",
            "7.68e6 (the 240 subcarriers of a 30 kHz SSB) ..= 245.76e6 Hz",
            o.sample_rate,
        ));
    }
    Ok(())
}

/// The outcome of one trial.
struct Trial {
    ok: bool,
    ok_single: bool,
    ssbs: usize,
    false_cell: bool,
}

fn search(fs: f64, x: &[C32], combine: bool, engine: &mut FftEngine) -> Result<Vec<SsbDetection>> {
    let mut cfg = SearchConfig::new(fs, 0.0, 30);
    cfg.soft_combining = combine;
    search_samples(cfg, x, engine)
}

fn trial(
    o: &SensitivityOptions,
    snr_db: f64,
    point: usize,
    t: usize,
    engine: &mut FftEngine,
) -> Result<Trial> {
    let fs = o.sample_rate;
    let mut r = rng::stream(o.seed, ((point as u64) << 32) | t as u64);
    let pci = Pci::new(r.random_range(0..1008))?;
    // An even SFN: the bursts (20 ms period) open frames s and s + 2.
    let sfn = 2 * r.random_range(0..512u16);
    let mib = Mib {
        sfn,
        scs_common_khz: if r.random() { 15 } else { 30 },
        k_ssb: r.random_range(0..24),
        dmrs_type_a_position: if r.random() { 2 } else { 3 },
        pdcch_config_sib1: r.random(),
        cell_barred: r.random(),
        intra_freq_reselection_allowed: r.random(),
        spare: false,
    };
    let mut cfg = SsbTxConfig::new(pci, SsbCase::C, 8, fs);
    cfg.mib = mib;
    let (x, _) = SsbGenerator::generate(cfg, 3, engine)?;
    // 20 ms from a random start in 2.5…10 ms: the burst of frame s + 2 (20…22 ms) is whole
    // inside, the one of frame s is not.
    let len = (0.02 * fs) as usize;
    let start = r.random_range((0.0025 * fs) as usize..(0.01 * fs) as usize);
    let mut y = x[start..start + len].to_vec();
    let cfo = (r.random::<f64>() * 2.0 - 1.0) * SCS_HZ;
    Nco::new(cfo, fs)?.mix(&mut y);
    let var = Snr::PerResourceElement {
        sample_rate: fs,
        scs_hz: SCS_HZ,
    }
    .noise_variance(snr_db)?;
    add_awgn(&mut y, var, &mut r);
    let want = Mib {
        sfn: (sfn + 2) % 1024,
        ..mib
    };
    let hit = |d: &SsbDetection| d.pci == pci && d.mib == want;
    let both = search(fs, &y, true, engine)?;
    let single = search(fs, &y, false, engine)?;
    Ok(Trial {
        ok: both.iter().any(hit),
        ok_single: single.iter().any(hit),
        ssbs: both.iter().filter(|d| hit(d)).count(),
        false_cell: both.iter().chain(&single).any(|d| d.pci != pci),
    })
}

fn noise_trial(o: &SensitivityOptions, t: usize, engine: &mut FftEngine) -> Result<bool> {
    let fs = o.sample_rate;
    let mut r = rng::stream(o.seed ^ 0x006e_6f69_7365, t as u64);
    let y: Vec<C32> = noise((0.02 * fs) as usize, 1.0, &mut r);
    Ok(!search(fs, &y, true, engine)?.is_empty())
}

/// An FFT engine per worker thread (the ISA was checked by [`check`]).
fn engine(isa: Isa) -> FftEngine {
    FftEngine::new(isa).expect("ISA supported: checked before the trials")
}

/// Runs the report (trials in parallel on rayon's pool); `progress` gets a line per step.
pub fn run(o: &SensitivityOptions, progress: &(dyn Fn(&str) + Sync)) -> Result<SensitivityReport> {
    check(o)?;
    let mut points = Vec::with_capacity(o.snrs_db.len());
    for (i, &snr) in o.snrs_db.iter().enumerate() {
        let trials = (0..o.trials)
            .into_par_iter()
            .map_init(|| engine(o.isa), |e, t| trial(o, snr, i, t, e))
            .collect::<Result<Vec<_>>>()?;
        let n = trials.len() as f64;
        let p = SensitivityPoint {
            snr_db: snr,
            trials: trials.len(),
            mib_success: trials.iter().filter(|t| t.ok).count() as f64 / n,
            mib_success_single: trials.iter().filter(|t| t.ok_single).count() as f64 / n,
            ssbs_per_recording: trials.iter().map(|t| t.ssbs).sum::<usize>() as f64 / n,
            false_cells: trials.iter().filter(|t| t.false_cell).count(),
        };
        progress(&format!(
            "{:+6.1} dB: MIB {:6.2} % (single SSBs {:6.2} %), {:.2} SSBs per recording",
            snr,
            100.0 * p.mib_success,
            100.0 * p.mib_success_single,
            p.ssbs_per_recording
        ));
        points.push(p);
    }
    let noise_false_cells = (0..o.noise_trials)
        .into_par_iter()
        .map_init(|| engine(o.isa), |e, t| noise_trial(o, t, e))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|&f| f)
        .count();
    progress(&format!(
        "noise only: {noise_false_cells} of {} recordings reported a cell",
        o.noise_trials
    ));
    Ok(SensitivityReport {
        sample_rate: o.sample_rate,
        seed: o.seed,
        points,
        noise_recordings: o.noise_trials,
        noise_false_cells,
    })
}

/// The CSV form: a header, one row per SNR point, and the noise-only result as a `#`
/// comment line at the end.
pub fn to_csv(rep: &SensitivityReport) -> String {
    let mut f = String::new();
    let _ = writeln!(
        f,
        "snr_db,trials,mib_success,mib_success_single,ssbs_per_recording,false_cells"
    );
    for p in &rep.points {
        let _ = writeln!(
            f,
            "{},{},{:.4},{:.4},{:.3},{}",
            p.snr_db,
            p.trials,
            p.mib_success,
            p.mib_success_single,
            p.ssbs_per_recording,
            p.false_cells
        );
    }
    let _ = writeln!(
        f,
        "# noise only: {} of {} recordings reported a cell; sample rate {} Hz; seed {}",
        rep.noise_false_cells, rep.noise_recordings, rep.sample_rate, rep.seed
    );
    f
}

/// Draws the two success curves (with and without soft combining) and the targets
/// into a PNG (1000 × 600); the text in `font` (TrueType bytes) or, without one, the
/// embedded DejaVu Sans of [`crate::plot`].
pub fn plot_png(
    rep: &SensitivityReport,
    path: &Path,
    font: Option<&'static [u8]>,
) -> Result<(), PlotError> {
    use plotters::prelude::*;
    match font {
        Some(f) => plotters::style::register_font("sans-serif", FontStyle::Normal, f)
            .map_err(|_| Error::invalid("font", "a TrueType font", "unreadable bytes"))?,
        None => crate::plot::register_font()?,
    }
    let lo = rep
        .points
        .iter()
        .map(|p| p.snr_db)
        .fold(f64::INFINITY, f64::min);
    let hi = rep
        .points
        .iter()
        .map(|p| p.snr_db)
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    };
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let caption = format!(
            "MIB success vs SNR per RE — Case C, L_max 8 (8 SSBs), 20 ms, CFO ±30 kHz, {} Msps",
            rep.sample_rate / 1e6
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, 0.0..100.0)?;
        chart
            .configure_mesh()
            .x_desc("SNR per resource element (dB)")
            .y_desc("MIB decoded (%)")
            .label_style(("sans-serif", 15))
            .draw()?;
        let series = |f: fn(&SensitivityPoint) -> f64| {
            rep.points
                .iter()
                .map(move |p| (p.snr_db, 100.0 * f(p)))
                .collect::<Vec<_>>()
        };
        let comb = series(|p| p.mib_success);
        let single = series(|p| p.mib_success_single);
        let blue = RGBColor(31, 119, 180);
        let orange = RGBColor(255, 127, 14);
        chart
            .draw_series(LineSeries::new(comb.clone(), blue.stroke_width(2)))?
            .label(format!(
                "with soft combining ({} recordings per point)",
                rep.points[0].trials
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue));
        chart.draw_series(comb.iter().map(|&p| Circle::new(p, 3, blue.filled())))?;
        chart
            .draw_series(LineSeries::new(single.clone(), orange.stroke_width(2)))?
            .label("without soft combining")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], orange));
        chart.draw_series(single.iter().map(|&p| Circle::new(p, 3, orange.filled())))?;
        chart
            .draw_series(
                [(-6.0, 90.0), (0.0, 99.0)].map(|p| Cross::new(p, 7, RED.stroke_width(2))),
            )?
            .label("targets: 90 % at −6 dB, 99 % at 0 dB")
            .legend(|(x, y)| Cross::new((x + 10, y), 5, RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.draw(&Text::new(
            format!(
                "noise only: {} of {} recordings reported a cell",
                rep.noise_false_cells, rep.noise_recordings
            ),
            (20, 580),
            ("sans-serif", 14).into_font(),
        ))?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| PlotError::Draw(format!("drawing {}: {e}", path.display())))
}
