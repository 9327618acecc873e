//! `nrkit search`: cells (PSS/SSS, PBCH DMRS, MIB) in a recording or a live stream, at a
//! known SSB frequency or blind over the sync raster.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::core::C32;
use nrkit::dsp::FftEngine;
use nrkit::phy::sync::{group_cells, Cell, SearchBank, SearchCandidate as Candidate};
use serde_json::json;

use super::common::input::{open, InputArgs, RawArgs};
use super::common::meta::{mib_json, ssb_annotation};
use super::common::output::{check_overwrite, create_parent, fmt_hz, print_json, processors_json};
use super::common::progress::Progress;
use super::common::Ctx;

mod live;

/// Options of `nrkit search`.
#[derive(ClapArgs)]
pub struct Args {
    /// A SigMF recording (.sigmf-meta, .sigmf-data or base name) or a raw file with
    /// --format; or none with --device for a live search.
    #[arg(required_unless_present = "device")]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub raw: RawArgs,
    /// SS_REF frequency in Hz (absolute when the recording has core:frequency, else
    /// relative to its centre). Default: the recording's centre.
    #[arg(long)]
    pub ssb_freq: Option<f64>,
    /// SSB subcarrier spacing in kHz (default: try 15 and 30).
    #[arg(long, value_parser = ["15", "30", "120", "240"])]
    pub scs_ssb: Option<String>,
    /// CFO search range in ± Hz (default: one SSB subcarrier spacing).
    #[arg(long)]
    pub cfo_range: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the recording's metadata plus one annotation per detected SSB to this
    /// .sigmf-meta (the data file is hard-linked or copied beside it).
    #[arg(long, conflicts_with = "device")]
    pub annotate: Option<PathBuf>,
    /// Overwrite an existing --annotate output.
    #[arg(long, requires = "annotate")]
    pub force: bool,
    #[command(flatten)]
    pub live: live::LiveArgs,
}

/// The spacings asked for (`--scs-ssb`), or the defaults of the frequency range.
fn spacings(scs_ssb: &Option<String>, fs: f64, freq: Option<f64>) -> Vec<u32> {
    match scs_ssb {
        Some(s) => vec![s.parse().unwrap_or(0)],
        None => nrkit::phy::sync::spacings_for_rate(fs, freq),
    }
}

/// The candidates of `search` (see [`nrkit::phy::sync::scan_candidates`]).
pub(crate) fn candidates(
    fs: f64,
    center: Option<f64>,
    ssb_freq: Option<f64>,
    scs_ssb: &Option<String>,
    cfo_range: Option<f64>,
) -> Result<Vec<Candidate>, nrkit::core::Error> {
    let spacings = spacings(scs_ssb, fs, center.or(ssb_freq));
    nrkit::phy::sync::scan_candidates(fs, center, ssb_freq, &spacings, cfo_range)
}

/// Pushes a chunk (or, with `None`, the end of the stream) to every searcher (in
/// parallel); detections are tagged with their candidate.
pub(crate) fn push_all(
    bank: &mut SearchBank,
    x: Option<&[C32]>,
    found: &mut Vec<(Candidate, nrkit::phy::sync::SsbDetection)>,
) -> Result<()> {
    found.extend(match x {
        Some(x) => bank.push(x)?,
        None => bank.finish()?,
    });
    Ok(())
}

/// The `search --json` document (the contract).
pub(crate) fn cells_json(cells: &[Cell]) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = cells
        .iter()
        .map(|c| {
            let (pci, scs, ssbs) = (c.pci, c.scs_khz, &c.ssbs);
            let m = ssbs[0].mib;
            json!({
                "pci": pci,
                "ssb_freq_hz": c.ssb_freq,
                "scs_ssb_khz": scs,
                "mib": mib_json(&m, true),
                "ssbs": ssbs.iter().map(|d| json!({
                    "ssb_index": d.ssb_index,
                    "half_frame": d.half_frame,
                    "sfn": d.mib.sfn,
                    "sample_offset": d.sample_offset,
                    "cfo_hz": d.cfo_hz,
                    "snr_db": d.snr_db,
                    "rsrp_dbfs": d.rsrp_dbfs,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "cells": cells })
}

/// The readable table of `search`.
pub(crate) fn print_cells(cells: &[Cell], source: &str) {
    if cells.is_empty() {
        outln!("no cell found in {source}");
        return;
    }
    for c in cells {
        let (pci, scs, ssbs) = (c.pci, c.scs_khz, &c.ssbs);
        let m = ssbs[0].mib;
        let gscn = nrkit::phy::ssb::raster::freq_to_gscn(c.ssb_freq)
            .map(|g| format!(" (GSCN {g})"))
            .unwrap_or_default();
        outln!(
            "PCI {pci}  SSB {}{gscn} at {} kHz  MIB: SFN {} scs-common {} kHz k_SSB {} DMRS-A {} pdcch-ConfigSIB1 {} barred {} intra-freq-resel {}",
            fmt_hz(c.ssb_freq),
            scs,
            m.sfn,
            m.scs_common_khz,
            m.k_ssb,
            m.dmrs_type_a_position,
            m.pdcch_config_sib1,
            if m.cell_barred { "yes" } else { "no" },
            if m.intra_freq_reselection_allowed { "allowed" } else { "not allowed" },
        );
        outln!(
            "  {:>5} {:>3} {:>5} {:>12} {:>10} {:>8} {:>10}",
            "index",
            "hf",
            "sfn",
            "sample",
            "cfo_hz",
            "snr_db",
            "rsrp_dBFS"
        );
        for d in ssbs {
            outln!(
                "  {:>5} {:>3} {:>5} {:>12} {:>10.1} {:>8.1} {:>10.1}",
                d.ssb_index,
                d.half_frame,
                d.mib.sfn,
                d.sample_offset,
                d.cfo_hz,
                d.snr_db,
                d.rsrp_dbfs
            );
        }
    }
}

/// Runs `nrkit search` on a recording, or live with `--device`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let isa = ctx.isa;
    if a.live.device.is_some() {
        return live::run(&a, isa);
    }
    let input = InputArgs {
        input: a
            .input
            .clone()
            .ok_or_else(|| anyhow!("search needs a recording (or --device for a live search)"))?,
        raw: a.raw.clone(),
    };
    let rec = open(&input)?;
    let fs = rec.meta.sample_rate;
    let center = rec.meta.frequency_at(0);
    let fc = center.unwrap_or(0.0);
    let cands = candidates(fs, center, a.ssb_freq, &a.scs_ssb, a.cfo_range)
        .with_context(|| format!("{}: search parameters", rec.data_path.display()))?;
    if a.ssb_freq.is_none() && !a.json {
        let how = if center.is_some() {
            format!(
                "the sync raster (GSCN) within the band around {} and the centre",
                fmt_hz(fc)
            )
        } else {
            "a grid of offsets across the band (no centre frequency known)".to_string()
        };
        eprintln!(
            "nrkit: note: no --ssb-freq: scanning {} candidates over {how}",
            cands.len()
        );
    }
    let mut engine = FftEngine::new(isa)?;
    let mut searchers = SearchBank::new(fs, &cands, a.cfo_range, &mut engine)
        .with_context(|| format!("{}: search parameters", rec.data_path.display()))?;
    let mut reader = rec.reader()?;
    reader.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let mut processors = searchers.isas();
    processors.push(("reader", reader.isa()));
    let mut buf = vec![C32::default(); 1 << 16];
    let mut found = Vec::new();
    let mut progress = Progress::new(rec.samples, "searching");
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        push_all(&mut searchers, Some(&buf[..n]), &mut found)?;
        progress.set(reader.position());
    }
    push_all(&mut searchers, None, &mut found)?;
    progress.finish();
    let cells = group_cells(found);
    if let Some(out) = &a.annotate {
        let mut meta = rec.meta.clone();
        for c in &cells {
            let count = c.ssb_span_samples(fs);
            for d in &c.ssbs {
                let mut an = ssb_annotation(
                    d.sample_offset,
                    count,
                    c.pci,
                    (d.ssb_index, d.mib.sfn, d.half_frame),
                    c.ssb_freq,
                    c.scs_khz,
                );
                an.extra.insert("nrkit:cfo_hz".into(), json!(d.cfo_hz));
                an.extra.insert("nrkit:snr_db".into(), json!(d.snr_db));
                an.extra.insert("nrkit:mib".into(), mib_json(&d.mib, false));
                meta.annotations.push(an);
            }
        }
        meta.annotations.sort_by_key(|x| x.sample_start);
        create_parent(out)?;
        let (meta_path, data_path) = nrkit::iq::sigmf_paths(out);
        check_overwrite(&meta_path, false, a.force)?;
        let same = std::fs::canonicalize(&data_path).ok()
            == std::fs::canonicalize(&rec.data_path).ok()
            || same_file(&data_path, &rec.data_path);
        if !same {
            if data_path.exists() {
                bail!(
                    "{}: exists; not overwriting it with the recording's data",
                    data_path.display()
                );
            }
            if std::fs::hard_link(&rec.data_path, &data_path).is_err() {
                std::fs::copy(&rec.data_path, &data_path).with_context(|| {
                    format!(
                        "copying {} to {}",
                        rec.data_path.display(),
                        data_path.display()
                    )
                })?;
            }
        }
        nrkit::iq::write_meta(&meta_path, &meta)?;
    }
    if a.json {
        let mut v = cells_json(&cells);
        v["processors"] = processors_json(&processors);
        print_json(&v)?;
    } else {
        print_cells(&cells, &rec.data_path.display().to_string());
    }
    Ok(())
}

/// Whether two paths name the same file (e.g. a hard link left by an earlier --annotate).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    let _ = (a, b);
    false
}
