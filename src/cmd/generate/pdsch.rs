//! `nrkit generate pdsch`: one PDSCH per slot from a TOML configuration, with one
//! annotation per slot (RNTI, MCS, TBS, the transport block as hex).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::coding::bits::{bits_to_hex, hex_to_bits};
use nrkit::dsp::FftEngine;
use nrkit::iq::{Annotation, Meta, Writer};
use nrkit::phy::grid::ResourceGrid;
use nrkit::phy::pdsch::modulate_slot;
use nrkit::phy::Ofdm;
use serde_json::json;

use crate::cmd::common::config::load_pdsch;
use crate::cmd::common::meta::{carrier_extra, OutDatatype};
use crate::cmd::common::output::{create_parent, OutputArgs};
use crate::cmd::common::Ctx;

/// Most slots one `generate pdsch` writes (10 s at 30 kHz).
pub const MAX_SLOTS: usize = 20_000;

/// Options of `nrkit generate pdsch`.
#[derive(ClapArgs)]
pub struct Args {
    /// The PDSCH configuration (TOML: [carrier], [pdsch], [pdsch.dmrs], [dlsch]).
    #[arg(long)]
    pub config: PathBuf,
    /// The transport block as hex, first bit the MSB of the first byte (⌈TBS/8⌉ bytes);
    /// the same block is sent in every slot.
    #[arg(long, conflicts_with = "random_tb")]
    pub tb_hex: Option<String>,
    /// A new random transport block in every slot (reproducible with --seed).
    #[arg(long)]
    pub random_tb: bool,
    /// Seed of --random-tb.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Slots to generate (1..=20000), from carrier.n_slot on.
    #[arg(long, default_value_t = 1)]
    pub slots: usize,
    /// Output datatype.
    #[arg(long, value_enum, default_value = "cf32_le")]
    pub datatype: OutDatatype,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Runs `nrkit generate pdsch`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    a.out.check()?;
    if a.slots == 0 || a.slots > MAX_SLOTS {
        bail!("--slots must be 1..={MAX_SLOTS}, got {}", a.slots);
    }
    if a.tb_hex.is_none() && !a.random_tb {
        bail!("give the transport block: --tb-hex HEX or --random-tb [--seed S]");
    }
    let setup = load_pdsch(&a.config, "generate pdsch")?;
    let mut pdsch = setup.build()?;
    let t = setup.transport(&pdsch).context("transport block size")?;
    let fixed_tb = match &a.tb_hex {
        Some(h) => Some(
            hex_to_bits(h, t.tbs)
                .with_context(|| format!("--tb-hex (the configuration's TBS is {} bits)", t.tbs))?,
        ),
        None => None,
    };
    let ofdm_cfg = setup.ofdm_config(None)?;
    let mut engine = FftEngine::new(ctx.isa)?;
    let mut ofdm = Ofdm::new(ofdm_cfg, &mut engine).context("OFDM parameters")?;
    let c = setup.carrier;
    let fc = setup.center_frequency;
    let mut meta = Meta::new(a.datatype.into(), ofdm.sample_rate(), fc);
    meta.description = Some(format!(
        "nrkit PDSCH: {} kHz, {} RB, {} {} layer(s), TBS {}, RNTI {}, {} slots from slot {}",
        c.numerology.scs_khz(),
        c.n_size_grid,
        setup.pdsch.modulation.name(),
        setup.pdsch.num_layers,
        t.tbs,
        setup.pdsch.rnti,
        a.slots,
        c.n_slot
    ));
    carrier_extra(&mut meta, &c, "nrkit:pdsch_config", &a.config);
    create_parent(&a.out.output)?;
    let mut w = Writer::create(&a.out.output, meta)?;
    w.set_kernels(nrkit::dsp::VectorKernels::new(ctx.isa)?);
    let mut rng = nrkit::core::rng::stream(a.seed, 17);
    let mut grid = ResourceGrid::slot(c.numerology, c.n_start_grid, c.n_size_grid, 1)?;
    let mut pos = 0u64;
    let bw = c.n_size_grid as f64 * 12.0 * c.numerology.scs_hz();
    let mcs = setup
        .dlsch
        .mcs
        .map(|(tab, m)| json!({"table": tab.name(), "index": m}));
    for s in 0..a.slots {
        let n_slot = c.n_slot + s;
        pdsch.set_slot(n_slot)?;
        let tb = match &fixed_tb {
            Some(b) => b.clone(),
            None => {
                let mut b = vec![0u8; t.tbs];
                nrkit::core::rng::fill_bits(&mut rng, &mut b);
                b
            }
        };
        grid.clear();
        pdsch.transmit(&tb, &t, &mut grid)?;
        let mut wave = vec![Vec::new()];
        modulate_slot(&mut ofdm, &grid, n_slot, &mut wave)?;
        let n = wave[0].len() as u64;
        let mut an = Annotation::new(pos, n, format!("PDSCH slot {n_slot}"));
        let f = fc.unwrap_or(0.0);
        an.freq_lower_edge = Some(f - bw / 2.0);
        an.freq_upper_edge = Some(f + bw / 2.0);
        an.extra.insert("nrkit:slot".into(), json!(n_slot));
        an.extra
            .insert("nrkit:rnti".into(), json!(setup.pdsch.rnti));
        an.extra.insert("nrkit:mcs".into(), json!(mcs));
        an.extra.insert("nrkit:tbs".into(), json!(t.tbs));
        an.extra.insert("nrkit:rv".into(), json!(t.rv));
        an.extra
            .insert("nrkit:tb_hex".into(), json!(bits_to_hex(&tb)));
        w.annotate(an);
        w.write(&wave[0])?;
        pos += n;
    }
    let n = w.finish()?;
    let (m, d) = nrkit::iq::sigmf_paths(&a.out.output);
    outln!(
        "wrote {} PDSCH slots, TBS {} bits ({} samples, {:.3} ms at {:.3} Msps) to {} and {}",
        a.slots,
        t.tbs,
        n,
        n as f64 / ofdm.sample_rate() * 1e3,
        ofdm.sample_rate() / 1e6,
        m.display(),
        d.display()
    );
    Ok(())
}
