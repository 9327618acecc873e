//! `nrkit evm`: demodulate an nrkit OFDM test waveform and report its EVM against the
//! regenerated reference grid.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use clap::Args as ClapArgs;
use nrkit::core::C32;
use nrkit::dsp::FftEngine;
use nrkit::phy::testwave::evm;
use nrkit::phy::Ofdm;
use serde_json::json;

use super::common::input::{open, InputArgs};
use super::common::meta::testwave_from_meta;
use super::common::output::{print_json, processors_json};
use super::common::Ctx;

/// Options of `nrkit evm`.
#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `nrkit evm`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let isa = ctx.isa;
    let rec = open(&a.input)?;
    let path: &Path = rec.meta_path.as_deref().unwrap_or(&rec.data_path);
    let tw = testwave_from_meta(&rec.meta.global_extra)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?
        .ok_or_else(|| {
            anyhow!(
                "{}: not an nrkit OFDM test waveform (no nrkit:waveform = \"ofdm_test\")",
                path.display()
            )
        })?;
    let gain_db = rec
        .meta
        .global_extra
        .get("nrkit:gain_db")
        .map(|v| {
            v.as_f64()
                .filter(|g| g.is_finite() && g.abs() <= 200.0)
                .ok_or_else(|| anyhow!("{}: field global.nrkit:gain_db must be a number of dB within ±200, got {v}", path.display()))
        })
        .transpose()?
        .unwrap_or(0.0);
    let mut engine = FftEngine::new(isa)?;
    let mut ofdm =
        Ofdm::new(tw.ofdm_config(), &mut engine).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let n_sym = tw.slots * tw.numerology.symbols_per_slot();
    let need = ofdm.samples_for(0, n_sym) as u64;
    if rec.samples < need {
        bail!(
            "{}: {} samples, but the waveform described needs {need}",
            rec.data_path.display(),
            rec.samples
        );
    }
    let mut x = vec![C32::default(); need as usize];
    let mut reader = rec.reader()?;
    reader.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let mut processors = ofdm.isas().to_vec();
    processors.push(("reader", reader.isa()));
    let got = reader.read(&mut x)?;
    x.truncate(got);
    let g = 10f64.powf(-gain_db / 20.0) as f32;
    x.iter_mut().for_each(|z| *z *= g);
    let grid = ofdm.demodulate(&x, 0, n_sym)?;
    let reference = tw.grid()?;
    let e = evm(
        grid.as_slice_memory_order().expect("contiguous"),
        reference.as_slice_memory_order().expect("contiguous"),
    );
    let v = json!({
        "evm_rms_percent": e * 100.0,
        "evm_db": 20.0 * e.max(1e-12).log10(),
        "symbols": n_sym,
        "resource_elements": grid.len(),
        "modulation": tw.modulation.name(),
        "processors": processors_json(&processors),
    });
    if a.json {
        print_json(&v)?;
    } else {
        outln!(
            "EVM {:.4} % ({:.1} dB) over {} REs in {} symbols ({})",
            e * 100.0,
            20.0 * e.max(1e-12).log10(),
            grid.len(),
            n_sym,
            tw.modulation.name()
        );
    }
    Ok(())
}
