//! `nrkit info`: describe a recording (rate, length, power, peak, DC offset).

use anyhow::Result;
use clap::Args as ClapArgs;
use nrkit::core::C32;
use serde_json::json;

use super::common::input::{open, InputArgs};
use super::common::output::print_json;
use super::common::progress::Progress;
use super::common::Ctx;

/// Options of `nrkit info`.
#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn db(x: f64) -> Option<f64> {
    (x > 0.0).then(|| 10.0 * x.log10())
}

/// Runs `nrkit info`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let isa = ctx.isa;
    let rec = open(&a.input)?;
    let k = nrkit::dsp::VectorKernels::new(isa)?;
    let mut reader = rec.reader()?;
    reader.set_kernels(k);
    let mut buf = vec![C32::default(); 1 << 16];
    let (mut energy, mut peak) = (0f64, 0f64);
    let mut sum = nrkit::core::C64::new(0.0, 0.0);
    let mut progress = Progress::new(rec.samples, "reading");
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        energy += f64::from(k.energy(chunk));
        if let Some((_, p)) = k.argmax_mag_sq(chunk) {
            peak = peak.max(f64::from(p));
        }
        for z in chunk {
            sum += nrkit::core::C64::new(f64::from(z.re), f64::from(z.im));
        }
        progress.set(reader.position());
    }
    progress.finish();
    let n = rec.samples as f64;
    let power = if n > 0.0 { energy / n } else { 0.0 };
    let dc = if n > 0.0 { (sum / n).norm_sqr() } else { 0.0 };
    let fs = rec.meta.sample_rate;
    let center = rec.meta.frequency_at(0);
    let v = json!({
        "path": rec.data_path.display().to_string(),
        "sample_rate": fs,
        "samples": rec.samples,
        "duration_s": n / fs,
        "center_freq": center,
        "datatype": rec.meta.datatype.sigmf_name(),
        "power_dbfs": db(power),
        "peak_dbfs": db(peak),
        "dc_offset_dbfs": db(dc),
        "captures": rec.meta.captures.len(),
        "annotations": rec.meta.annotations.len(),
        "incomplete": rec.meta.incomplete(),
    });
    if a.json {
        print_json(&v)?;
    } else {
        let f = |x: Option<f64>| x.map_or("-inf".to_string(), |v| format!("{v:.2}"));
        outln!("recording    {}", rec.data_path.display());
        outln!("datatype     {}", rec.meta.datatype);
        outln!("sample rate  {:.6} Msps", fs / 1e6);
        outln!("samples      {} ({:.6} s)", rec.samples, n / fs);
        outln!(
            "centre freq  {}",
            center.map_or("unknown".into(), |c| format!("{:.6} MHz", c / 1e6))
        );
        outln!("power        {} dBFS", f(db(power)));
        outln!("peak         {} dBFS", f(db(peak)));
        outln!("DC offset    {} dBFS", f(db(dc)));
        if let Some(inc) = rec.meta.incomplete() {
            outln!(
                "INCOMPLETE   {} (holds the {} samples written before)",
                inc["reason"].as_str().unwrap_or("writing failed"),
                inc["samples"]
            );
        }
        outln!(
            "segments     {} capture(s), {} annotation(s)",
            rec.meta.captures.len(),
            rec.meta.annotations.len()
        );
    }
    Ok(())
}
