//! BLER curves as pictures: PNG or SVG (by the file name's extension) drawn with plotters,
//! the text in DejaVu Sans embedded in the binary (a subset made by
//! `scripts/make_plot_font.py`; license in `crates/sim/assets/LICENSE-DejaVu`), so no
//! system font package is needed.
//!
//! BLER against SNR on a logarithmic axis, one line per result with its Wilson 95 %
//! interval as error bars; a point without errors is drawn as a hollow circle at its
//! upper bound (no line through it).

use std::path::Path;
use std::sync::OnceLock;

use nrkit_core::Error;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::runner::SimResult;

/// The embedded font.
pub static FONT: &[u8] = include_bytes!("../assets/DejaVuSans-nrkit.ttf");

/// The font family the plots name.
const FAMILY: &str = "sans-serif";

/// Picture size, pixels (PNG) or user units (SVG).
pub const SIZE: (u32, u32) = (1000, 650);

/// Why a plot was not made.
#[derive(Debug, Clone, PartialEq)]
pub enum PlotError {
    /// Nothing to plot, or a file name that is neither .png nor .svg.
    Input(Error),
    /// Drawing or writing the picture failed (for example an unwritable directory).
    Draw(String),
}

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlotError::Input(e) => e.fmt(f),
            PlotError::Draw(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PlotError {}

impl From<Error> for PlotError {
    fn from(e: Error) -> Self {
        PlotError::Input(e)
    }
}

/// Registers the embedded font once per process.
pub fn register_font() -> Result<(), Error> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "embedded plot font",
            "a TrueType font",
            "unreadable",
        ))
    }
}

/// The parameters a legend line shows, from a list of those that identify a configuration
/// (code, rate, modulation, decoder, MCS, channel, HARQ, PRBs): those that differ between
/// the results, or for one result all of them it has. A result without a `channel` among
/// others with one is "channel=AWGN".
pub fn labels(results: &[SimResult]) -> Vec<String> {
    const KEY: [&str; 12] = [
        "base_graph",
        "z",
        "rate",
        "modulation",
        "decoder",
        "mcs_table",
        "mcs",
        "channel",
        "delay_spread_ns",
        "doppler_hz",
        "harq_transmissions",
        "n_prb",
    ];
    let differs = |k: &str| {
        results
            .iter()
            .any(|r| r.params.get(k) != results[0].params.get(k))
    };
    let keys: Vec<&str> = if results.len() > 1 {
        KEY.iter().copied().filter(|k| differs(k)).collect()
    } else {
        KEY.to_vec()
    };
    results
        .iter()
        .map(|r| {
            let parts: Vec<String> = keys
                .iter()
                .filter_map(|&k| match r.params.get(k) {
                    Some(v) => Some(format!("{k}={v}")),
                    None if k == "channel" => Some("channel=AWGN".into()),
                    None => None,
                })
                .collect();
            let mut l = r.link.clone();
            if !parts.is_empty() {
                l.push_str(": ");
                l.push_str(&parts.join(", "));
            }
            l
        })
        .collect()
}

/// The default title: the links, and what all results share of PRBs, subcarrier spacing
/// and channel.
pub fn default_title(results: &[SimResult]) -> String {
    let mut links: Vec<&str> = results.iter().map(|r| r.link.as_str()).collect();
    links.dedup();
    let shared = |k: &str| -> Option<&String> {
        let v = results.first()?.params.get(k)?;
        results
            .iter()
            .all(|r| r.params.get(k) == Some(v))
            .then_some(v)
    };
    let mut t = format!("{} BLER vs SNR", links.join(", ").to_uppercase());
    let mut extra = Vec::new();
    if let Some(n) = shared("n_prb") {
        extra.push(format!("{n} PRB"));
    }
    if let Some(s) = shared("scs_khz") {
        extra.push(format!("{s} kHz"));
    }
    if let Some(c) = shared("channel") {
        let ds = shared("delay_spread_ns")
            .map(|d| format!(" {d} ns"))
            .unwrap_or_default();
        let fd = shared("doppler_hz")
            .map(|d| format!(" {d} Hz"))
            .unwrap_or_default();
        extra.push(format!("{c}{ds}{fd}"));
    }
    if !extra.is_empty() {
        t.push_str(" — ");
        t.push_str(&extra.join(", "));
    }
    t
}

/// Draws `results` into `path` (.png or .svg) with `title` (default: [`default_title`]).
pub fn plot(results: &[SimResult], path: &Path, title: Option<&str>) -> Result<(), PlotError> {
    if results.is_empty() || results.iter().all(|r| r.points.is_empty()) {
        return Err(
            Error::invalid("curves to plot", "at least one result with points", "none").into(),
        );
    }
    register_font()?;
    let title = title
        .map(str::to_string)
        .unwrap_or_else(|| default_title(results));
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let drawn = match ext.as_deref() {
        Some("png") => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw(&root, results, &title)
        }
        Some("svg") => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw(&root, results, &title)
        }
        _ => {
            return Err(Error::invalid(
                "plot file",
                "a name ending in .png or .svg",
                path.display(),
            )
            .into())
        }
    };
    drawn.map_err(|e| PlotError::Draw(format!("drawing {}: {e}", path.display())))
}

/// Ten distinct line colours (the "tab10" palette).
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    results: &[SimResult],
    title: &str,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let points = results.iter().flat_map(|r| &r.points);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut floor = 1.0f64;
    for p in points {
        lo = lo.min(p.snr_db);
        hi = hi.max(p.snr_db);
        if p.bler > 0.0 {
            floor = floor.min(p.bler_ci95[0].max(p.bler * 0.1));
        } else {
            floor = floor.min(p.bler_ci95[1] * 0.5);
        }
    }
    if hi <= lo {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = 0.03 * (hi - lo);
    // The axis floor: a decade at or below the smallest interval end, 1e-6 at the least.
    let floor = 10f64.powf(floor.max(1e-6).log10().floor());
    let snr_text = results[0]
        .snr_definition
        .split(':')
        .next()
        .and_then(|t| t.split(" (").next())
        .unwrap_or("SNR")
        .trim()
        .to_string();
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 21))
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d((lo - pad)..(hi + pad), (floor..1.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(format!("{snr_text} (dB)"))
        .y_desc("block error rate")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 16))
        .draw()?;
    for (i, (r, label)) in results.iter().zip(labels(results)).enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        let line: Vec<(f64, f64)> = r
            .points
            .iter()
            .filter(|p| p.bler > 0.0)
            .map(|p| (p.snr_db, p.bler))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(2)));
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
        chart.draw_series(r.points.iter().filter(|p| p.bler > 0.0).map(|p| {
            let top = p.bler_ci95[1].clamp(floor, 1.0);
            let bottom = p.bler_ci95[0].clamp(floor, 1.0);
            ErrorBar::new_vertical(p.snr_db, bottom, p.bler, top, c.stroke_width(1), 6)
        }))?;
        chart.draw_series(
            r.points
                .iter()
                .filter(|p| p.bler == 0.0)
                .map(|p| Circle::new((p.snr_db, p.bler_ci95[1].clamp(floor, 1.0)), 3, c)),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font((FAMILY, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
