//! `nrkit generate pdcch`: one PDCCH (a DCI) in every monitored slot of the configured
//! search space, from a TOML configuration, with one annotation per PDCCH (RNTI,
//! aggregation level, first CCE, the DCI bits).

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::dsp::FftEngine;
use nrkit::iq::{Annotation, Meta, Writer};
use nrkit::phy::grid::ResourceGrid;
use nrkit::phy::pdcch::transmit_dci;
use nrkit::phy::pdsch::modulate_slot;
use nrkit::phy::Ofdm;
use serde_json::json;

use crate::cmd::common::config::read_pdcch;
use crate::cmd::common::meta::{carrier_extra, OutDatatype};
use crate::cmd::common::output::{create_parent, OutputArgs};
use crate::cmd::common::Ctx;

/// Most slots one `generate pdcch` writes.
pub const MAX_SLOTS: usize = 20_000;

/// Options of `nrkit generate pdcch`.
#[derive(ClapArgs)]
pub struct Args {
    /// The PDCCH configuration (TOML: [carrier], [pdcch], [pdcch.coreset],
    /// [pdcch.search_space]).
    #[arg(long)]
    pub config: PathBuf,
    /// The DCI payload a_0…a_{A−1} as 0/1 characters (A = pdcch.dci_size).
    #[arg(long, conflicts_with_all = ["fields", "random_dci"])]
    pub payload: Option<String>,
    /// DCI format 1_0 (or 0_0 with identifier=0) fields as name=value,… (the others 0),
    /// e.g. "frequency_domain_assignment=1127,mcs=5"; needs dci_size to be the size of 1_0.
    #[arg(long, conflicts_with = "random_dci")]
    pub fields: Option<String>,
    /// A new random payload in every PDCCH (reproducible with --seed).
    #[arg(long)]
    pub random_dci: bool,
    /// Seed of --random-dci.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Slots to generate (1..=20000), from carrier.n_slot on; the PDCCH is sent in those
    /// the search space monitors.
    #[arg(long, default_value_t = 1)]
    pub slots: usize,
    /// Output datatype.
    #[arg(long, value_enum, default_value = "cf32_le")]
    pub datatype: OutDatatype,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// The payload bits of `--payload`.
pub fn parse_bits(s: &str, a: usize) -> Result<Vec<u8>> {
    let bits: Vec<u8> = s
        .chars()
        .map(|c| match c {
            '0' => Ok(0),
            '1' => Ok(1),
            other => Err(anyhow!("--payload: expected 0/1 characters, got {other:?}")),
        })
        .collect::<Result<_>>()?;
    if bits.len() != a {
        bail!(
            "--payload: {} bits, the configuration's DCI size (pdcch.dci_size) is {a}",
            bits.len()
        );
    }
    Ok(bits)
}

/// Runs `nrkit generate pdcch`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    a.out.check()?;
    if a.slots == 0 || a.slots > MAX_SLOTS {
        bail!("--slots must be 1..={MAX_SLOTS}, got {}", a.slots);
    }
    let setup = read_pdcch(&a.config)?;
    let size = setup.dci_size;
    let fixed = match (&a.payload, &a.fields, a.random_dci) {
        (Some(p), _, _) => Some(parse_bits(p, size)?),
        (None, Some(f), _) => {
            let mut values = Vec::new();
            for kv in f.split(',').filter(|s| !s.trim().is_empty()) {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| anyhow!("--fields: expected name=value, got {kv:?}"))?;
                let v: u64 = v.trim().parse().map_err(|_| {
                    anyhow!("--fields: {k}: expected an unsigned integer, got {v:?}")
                })?;
                values.push((k.trim().to_string(), v));
            }
            let f10 = setup.format_1_0(setup.rnti).ok_or_else(|| {
                anyhow!(
                    "--fields: pdcch.dci_size = {size} is not the size of DCI format 1_0 for {} RBs",
                    setup.dci_bandwidth()
                )
            })?;
            let is_ul = values.iter().any(|(k, v)| k == "identifier" && *v == 0);
            let fmt = if is_ul {
                nrkit::coding::dci::format::DciFormat::f0_0(setup.n_size_bwp, f10.size())?
            } else {
                f10
            };
            let refs: Vec<(&str, u64)> = values.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let mut bits = fmt.pack(&refs).with_context(|| {
                format!(
                    "--fields (format {}: {})",
                    fmt.name,
                    fmt.fields
                        .iter()
                        .map(|f| f.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            if fmt.name == "1_0" && !values.iter().any(|(k, _)| k == "identifier") {
                if let Some(i) = fmt.fields.iter().position(|f| f.0 == "identifier") {
                    bits[i] = 1;
                }
            }
            Some(bits)
        }
        (None, None, true) => None,
        (None, None, false) => {
            bail!("give the DCI: --payload BITS, --fields k=v,… or --random-dci [--seed S]")
        }
    };
    let ofdm_cfg = setup.ofdm_config(None)?;
    let mut engine = FftEngine::new(ctx.isa)?;
    let mut ofdm = Ofdm::new(ofdm_cfg, &mut engine).context("OFDM parameters")?;
    let c = setup.carrier;
    let fc = setup.center_frequency;
    let mut meta = Meta::new(a.datatype.into(), ofdm.sample_rate(), fc);
    meta.description = Some(format!(
        "nrkit PDCCH: {} kHz, {} RB, CORESET {} ({} CCEs), aggregation level {}, RNTI {}, {size}-bit DCI, {} slots from slot {}",
        c.numerology.scs_khz(),
        c.n_size_grid,
        setup.coreset.id(),
        setup.coreset.n_cce(),
        setup.aggregation_level,
        setup.rnti,
        a.slots,
        c.n_slot
    ));
    carrier_extra(&mut meta, &c, "nrkit:pdcch_config", &a.config);
    create_parent(&a.out.output)?;
    let mut w = Writer::create(&a.out.output, meta)?;
    w.set_kernels(nrkit::dsp::VectorKernels::new(ctx.isa)?);
    let mut rng = nrkit::core::rng::stream(a.seed, 23);
    let mut grid = ResourceGrid::slot(c.numerology, c.n_start_grid, c.n_size_grid, 1)?;
    let spf = c.numerology.slots_per_frame();
    let mut pos = 0u64;
    let mut sent = 0;
    for s in 0..a.slots {
        let n_slot = c.n_slot + s;
        let (frame, in_frame) = (c.n_frame + n_slot / spf, n_slot % spf);
        grid.clear();
        let monitored = setup.search_space.is_monitored(frame, in_frame, spf);
        let mut dci = None;
        if monitored {
            let cand = setup.candidate(in_frame)?;
            let bits = match &fixed {
                Some(b) => b.clone(),
                None => {
                    let mut b = vec![0u8; size];
                    nrkit::core::rng::fill_bits(&mut rng, &mut b);
                    b
                }
            };
            transmit_dci(
                &mut grid,
                0,
                &setup.coreset,
                &cand,
                &setup.ids,
                in_frame,
                &bits,
                setup.rnti,
            )?;
            dci = Some((cand, bits));
        }
        let mut wave = vec![Vec::new()];
        modulate_slot(&mut ofdm, &grid, n_slot, &mut wave)?;
        let n = wave[0].len() as u64;
        if let Some((cand, bits)) = dci {
            let mut an = Annotation::new(pos, n, format!("PDCCH slot {n_slot}"));
            let first = setup.coreset.crbs()[0] as f64;
            let last = *setup.coreset.crbs().last().expect("a CORESET has RBs") as f64 + 1.0;
            let scs = c.numerology.scs_hz();
            let f = fc.unwrap_or(0.0);
            let grid_lo = f - c.n_size_grid as f64 * 6.0 * scs;
            let g0 = c.n_start_grid as f64;
            an.freq_lower_edge = Some(grid_lo + (first - g0) * 12.0 * scs);
            an.freq_upper_edge = Some(grid_lo + (last - g0) * 12.0 * scs);
            an.extra.insert("nrkit:slot".into(), json!(n_slot));
            an.extra.insert("nrkit:rnti".into(), json!(setup.rnti));
            an.extra
                .insert("nrkit:aggregation_level".into(), json!(cand.level));
            an.extra
                .insert("nrkit:cce_index".into(), json!(cand.first_cce));
            an.extra.insert(
                "nrkit:dci_payload".into(),
                json!(bits
                    .iter()
                    .map(|b| if *b == 1 { '1' } else { '0' })
                    .collect::<String>()),
            );
            w.annotate(an);
            sent += 1;
        }
        w.write(&wave[0])?;
        pos += n;
    }
    let n = w.finish()?;
    let (m, d) = nrkit::iq::sigmf_paths(&a.out.output);
    outln!(
        "wrote {sent} PDCCHs in {} slots, {size}-bit DCI ({} samples, {:.3} ms at {:.3} Msps) to {} and {}",
        a.slots,
        n,
        n as f64 / ofdm.sample_rate() * 1e3,
        ofdm.sample_rate() / 1e6,
        m.display(),
        d.display()
    );
    Ok(())
}
