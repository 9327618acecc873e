//! The PDSCH of one slot over AWGN on the resource grid: a random transport block →
//! DL-SCH coding, scrambling, modulation, layer mapping, DMRS and mapping
//! (`nrkit_phy::pdsch`, TS 38.211 §7.3.1, §7.4.1.1) → each layer to its own receive port
//! with complex noise of variance 10^(−SNR/10) on every RE → the grid receiver (DMRS
//! estimation, equalization, soft demapping, descrambling, rate recovery, LDPC, TB CRC).
//! With HARQ, the same TB is sent again at rv 2, 3, 1 (fresh noise each time) until its
//! CRC holds; a block error is a TB not recovered after the last transmission.

use std::collections::BTreeMap;

use nrkit_channel::add_awgn;
use nrkit_core::{rng, Error};
use nrkit_gnb::PdschSetup;
use nrkit_phy::grid::ResourceGrid;
use nrkit_phy::pdsch::{McsTable, Pdsch, PdschReceiver, Transport};
use rand_chacha::ChaCha8Rng;

use crate::runner::{Link, Trial};

/// The redundancy versions of successive transmissions (TS 38.214 §5.1.2.1: 0, 2, 3, 1).
pub const RV_SEQUENCE: [u8; 4] = [0, 2, 3, 1];

/// The PDSCH link.
#[derive(Debug, Clone)]
pub struct PdschLink {
    pdsch: Pdsch,
    t: Transport,
    transmissions: usize,
    params: BTreeMap<String, String>,
}

impl PdschLink {
    /// The PDSCH of `setup` (its first slot), with `mcs` replacing `[dlsch]`'s MCS (and the
    /// modulation set to that row's), sent up to `transmissions` times (1–4).
    pub fn new(
        mut setup: PdschSetup,
        mcs: Option<(McsTable, u8)>,
        transmissions: usize,
    ) -> Result<Self, Error> {
        if !(1..=4).contains(&transmissions) {
            return Err(Error::invalid("HARQ transmissions", "1..=4", transmissions));
        }
        if let Some((table, i)) = mcs {
            let e = table.entry(i)?;
            let rate = e.rate().ok_or_else(|| {
                Error::invalid("mcs", "an MCS row with a code rate (not reserved)", i)
            })?;
            setup.pdsch.modulation = e.modulation();
            setup.dlsch.mcs = Some((table, i));
            setup.dlsch.rate = rate;
            setup.dlsch.tbs = None;
        }
        let pdsch = setup.build().map_err(gnb_error)?;
        let t0 = setup.transport(&pdsch).map_err(gnb_error)?;
        let t = Transport { rv: 0, ..t0 };
        let c = pdsch.config();
        let mut p = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            p.insert(k.to_string(), v);
        };
        put("scs_khz", pdsch.carrier().numerology.scs_khz().to_string());
        put("n_size_grid", pdsch.carrier().n_size_grid.to_string());
        put("n_prb", c.prb_set.len().to_string());
        put(
            "symbols",
            format!("{}+{}", c.symbol_allocation[0], c.symbol_allocation[1]),
        );
        put("mapping_type", format!("{:?}", c.mapping_type));
        put("modulation", c.modulation.name().into());
        put("num_layers", c.num_layers.to_string());
        if let Some((table, i)) = setup.dlsch.mcs {
            put("mcs_table", table.name().into());
            put("mcs", i.to_string());
        }
        put("target_code_rate", format!("{:.6}", t.rate));
        put("tbs", t.tbs.to_string());
        put("g", pdsch.g().to_string());
        put(
            "dmrs_additional_position",
            c.dmrs.additional_position.to_string(),
        );
        put("dmrs_configuration_type", c.dmrs.config_type.to_string());
        put("reserved_prb_patterns", c.reserved_prb.len().to_string());
        put("harq_transmissions", transmissions.to_string());
        put(
            "receiver",
            "DMRS LS + linear interpolation, MRC/MMSE, max-log, min-sum 10 iterations".into(),
        );
        Ok(PdschLink {
            pdsch,
            t,
            transmissions,
            params: p,
        })
    }

    /// The transport of the first transmission.
    pub fn transport(&self) -> &Transport {
        &self.t
    }

    /// The PDSCH.
    pub fn pdsch(&self) -> &Pdsch {
        &self.pdsch
    }
}

fn gnb_error(e: nrkit_gnb::ConfigError) -> Error {
    match e {
        nrkit_gnb::ConfigError::Phy(p) => p,
        other => Error::invalid("PDSCH configuration", "a valid configuration", other),
    }
}

impl Link for PdschLink {
    fn name(&self) -> &str {
        "pdsch"
    }

    fn params(&self) -> BTreeMap<String, String> {
        self.params.clone()
    }

    fn snr_definition(&self) -> String {
        "SNR per resource element: unit-power REs, complex noise variance 10^(-SNR/10) per RE of the grid"
            .into()
    }

    fn trial(&self, snr_db: f64, r: &mut ChaCha8Rng) -> Result<Trial, Error> {
        let c = *self.pdsch.carrier();
        let nl = self.pdsch.config().num_layers;
        let mut tb = vec![0u8; self.t.tbs];
        rng::fill_bits(r, &mut tb);
        let nv = 10f64.powf(-snr_db / 10.0);
        let mut rx = PdschReceiver::new();
        let mut n_tx = 0;
        let mut got = Vec::new();
        let mut ok = false;
        for &rv in &RV_SEQUENCE[..self.transmissions] {
            let t = Transport { rv, ..self.t };
            let mut g = ResourceGrid::slot(c.numerology, c.n_start_grid, c.n_size_grid, nl)?;
            self.pdsch.transmit(&tb, &t, &mut g)?;
            for p in 0..nl {
                for l in 0..g.n_symbols() {
                    add_awgn(g.symbol_mut(p, l), nv, r);
                }
            }
            let o = rx.receive(&self.pdsch, &g, &t, 1024)?;
            n_tx += 1;
            ok = o.crc_ok && o.tb == tb;
            got = o.tb;
            if o.crc_ok {
                break;
            }
        }
        let bit_errors = if got.len() == tb.len() {
            got.iter().zip(&tb).filter(|(a, b)| a != b).count() as u64
        } else {
            tb.len() as u64
        };
        Ok(Trial {
            block_error: !ok,
            bit_errors,
            bits: tb.len() as u64,
            iterations: n_tx,
        })
    }
}
