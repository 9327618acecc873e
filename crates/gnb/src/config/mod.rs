//! The PDSCH configuration file: TOML with MATLAB 5G Toolbox property names in snake_case
//! (nrCarrierConfig, nrPDSCHConfig, nrPDSCHDMRSConfig, nrPDSCHReservedConfig), validated
//! into [`nrkit_phy::pdsch`] types.
//!
//! ```toml
//! [carrier]                       # nrCarrierConfig
//! subcarrier_spacing = 30         # kHz: 15, 30, 60, 120, 240
//! cyclic_prefix = "normal"        # "normal" | "extended" (60 kHz only)
//! n_size_grid = 52                # 1…275
//! n_start_grid = 0                # 0…2199
//! n_cell_id = 1                   # 0…1007
//! n_slot = 0                      # the first slot
//! n_frame = 0                     # 0…1023
//! sample_rate = 30.72e6           # optional, Hz: N_FFT · SCS
//! center_frequency = 3.5e9        # optional, Hz: f0 of the §5.4 phase compensation
//!
//! [pdsch]                         # nrPDSCHConfig
//! n_size_bwp = 52                 # default: the carrier
//! n_start_bwp = 0                 # CRB; default: the carrier's first
//! modulation = "64QAM"            # "QPSK" | "16QAM" | "64QAM" | "256QAM" | "1024QAM"
//! num_layers = 1                  # 1…4
//! mapping_type = "A"              # "A" | "B"
//! symbol_allocation = [0, 14]     # [start, length]
//! prb_set = "0:51"                # a list [0, 1, …] or MATLAB's "a:b"; default: the BWP
//! vrb_to_prb_interleaving = false
//! vrb_bundle_size = 2             # 2 | 4
//! nid = 1                         # 0…1023; default: n_cell_id
//! rnti = 1                        # 0…65535
//! reserved_re = []                # 0-based RE indices of the BWP grid, subcarrier first
//! [[pdsch.reserved_prb]]          # nrPDSCHReservedConfig, any number
//! prb_set = [0, 1]
//! symbol_set = [0, 1]
//! period = 2                      # slots; optional
//! [pdsch.dmrs]                    # nrPDSCHDMRSConfig
//! dmrs_configuration_type = 1
//! dmrs_type_a_position = 2
//! dmrs_additional_position = 0
//! dmrs_length = 1
//! num_cdm_groups_without_data = 2
//! nidnscid = 1                    # 0…65535; default: n_cell_id
//! nscid = 0
//! dmrs_port_set = [0]             # default: 0…num_layers−1
//!
//! [dlsch]
//! mcs_table = "qam256"            # "qam64" | "qam256" | "qam64LowSE" | "qam1024"
//! mcs = 27                        # or target_code_rate = 0.5 (then modulation is needed)
//! rv = 0                          # 0…3
//! x_overhead = 0                  # 0 | 6 | 12 | 18
//! tbs = 1000                      # optional: force the transport block size
//! ```
//!
//! An unknown key is an error that names it and the nearest valid key.

pub mod pdcch;

use nrkit_core::{CyclicPrefix, Numerology};
use nrkit_phy::modulation::Modulation;
use nrkit_phy::ofdm::{OfdmConfig, MAX_FFT_SIZE};
use nrkit_phy::pdsch::{
    Carrier, DmrsConfig, MappingType, McsTable, Pdsch, PdschConfig, ReservedPrb, Transport,
};
use toml::{Table, Value};

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not TOML.
    #[error("not valid TOML: {0}")]
    Syntax(String),
    /// A key the schema does not have.
    #[error("unknown key `{path}`{}", .nearest.as_ref().map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
    UnknownKey {
        /// The full key, e.g. `pdsch.dmrs.dmrs_lenght`.
        path: String,
        /// The closest valid key of the same table, if one is close.
        nearest: Option<String>,
    },
    /// A key with a value of the wrong type or out of range.
    #[error("`{key}`: {message}")]
    Invalid {
        /// The full key.
        key: String,
        /// What was expected and what was given.
        message: String,
    },
    /// A missing key that has no default.
    #[error("missing key `{0}`")]
    Missing(String),
    /// The values are each valid but do not fit together (checked by the phy types).
    #[error("{0}")]
    Phy(#[from] nrkit_core::Error),
}

/// The DL-SCH settings of `[dlsch]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DlschSetup {
    /// MCS table and index, when given.
    pub mcs: Option<(McsTable, u8)>,
    /// Target code rate R (from the MCS or `target_code_rate`).
    pub rate: f64,
    /// Redundancy version.
    pub rv: u8,
    /// xOverhead.
    pub x_overhead: u32,
    /// Forced TBS.
    pub tbs: Option<usize>,
}

/// A validated PDSCH configuration file.
#[derive(Debug, Clone)]
pub struct PdschSetup {
    /// The carrier.
    pub carrier: Carrier,
    /// The PDSCH.
    pub pdsch: PdschConfig,
    /// The DL-SCH.
    pub dlsch: DlschSetup,
    /// `carrier.sample_rate`, Hz.
    pub sample_rate: Option<f64>,
    /// `carrier.center_frequency`, Hz.
    pub center_frequency: Option<f64>,
}

const TOP: &[&str] = &["carrier", "pdsch", "dlsch"];
pub(crate) const CARRIER: &[&str] = &[
    "subcarrier_spacing",
    "cyclic_prefix",
    "n_size_grid",
    "n_start_grid",
    "n_cell_id",
    "n_slot",
    "n_frame",
    "sample_rate",
    "center_frequency",
];
const PDSCH: &[&str] = &[
    "n_size_bwp",
    "n_start_bwp",
    "modulation",
    "num_layers",
    "mapping_type",
    "symbol_allocation",
    "prb_set",
    "vrb_to_prb_interleaving",
    "vrb_bundle_size",
    "nid",
    "rnti",
    "reserved_prb",
    "reserved_re",
    "dmrs",
];
const RESERVED: &[&str] = &["prb_set", "symbol_set", "period"];
const DMRS: &[&str] = &[
    "dmrs_configuration_type",
    "dmrs_type_a_position",
    "dmrs_additional_position",
    "dmrs_length",
    "num_cdm_groups_without_data",
    "nidnscid",
    "nscid",
    "dmrs_port_set",
];
const DLSCH: &[&str] = &[
    "mcs_table",
    "mcs",
    "target_code_rate",
    "rv",
    "x_overhead",
    "tbs",
];

/// Longest list any key takes (RE indices of a BWP slot: 275·12·14).
const MAX_LIST: usize = 275 * 12 * 14;

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn nearest(key: &str, valid: &[&str]) -> Option<String> {
    valid
        .iter()
        .map(|v| (edit_distance(key, v), *v))
        .min()
        .filter(|(d, v)| *d <= (v.len() / 3).max(2) || v.contains(key) || key.contains(v))
        .map(|(_, v)| v.to_string())
}

pub(crate) fn check_keys(t: &Table, prefix: &str, valid: &[&str]) -> Result<(), ConfigError> {
    for k in t.keys() {
        if !valid.contains(&k.as_str()) {
            return Err(ConfigError::UnknownKey {
                path: join(prefix, k),
                nearest: nearest(k, valid).map(|n| join(prefix, &n)),
            });
        }
    }
    Ok(())
}

fn join(prefix: &str, k: &str) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

/// A number as a person writes it: 1e300 rather than three hundred digits.
fn num(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-4..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

pub(crate) fn invalid(key: String, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

/// A table's typed getters with the key path in every error.
pub(crate) struct View<'a> {
    pub(crate) t: &'a Table,
    pub(crate) prefix: String,
}

impl<'a> View<'a> {
    fn key(&self, k: &str) -> String {
        join(&self.prefix, k)
    }

    pub(crate) fn int(&self, k: &str, lo: i64, hi: i64) -> Result<Option<i64>, ConfigError> {
        match self.t.get(k) {
            None => Ok(None),
            Some(Value::Integer(v)) if (lo..=hi).contains(v) => Ok(Some(*v)),
            Some(Value::Integer(v)) => Err(invalid(
                self.key(k),
                format!("expected an integer in {lo}..={hi}, got {v}"),
            )),
            Some(v) => Err(invalid(
                self.key(k),
                format!("expected an integer in {lo}..={hi}, got {}", v.type_str()),
            )),
        }
    }

    pub(crate) fn float(&self, k: &str, lo: f64, hi: f64) -> Result<Option<f64>, ConfigError> {
        let v = match self.t.get(k) {
            None => return Ok(None),
            Some(Value::Float(f)) => *f,
            Some(Value::Integer(i)) => *i as f64,
            Some(v) => {
                return Err(invalid(
                    self.key(k),
                    format!("expected a number, got {}", v.type_str()),
                ))
            }
        };
        if !(v.is_finite() && (lo..=hi).contains(&v)) {
            return Err(invalid(
                self.key(k),
                format!("expected a number in {lo}..={hi}, got {}", num(v)),
            ));
        }
        Ok(Some(v))
    }

    pub(crate) fn bool(&self, k: &str) -> Result<Option<bool>, ConfigError> {
        match self.t.get(k) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(v) => Err(invalid(
                self.key(k),
                format!("expected true or false, got {}", v.type_str()),
            )),
        }
    }

    pub(crate) fn string(&self, k: &str, allowed: &[&str]) -> Result<Option<&'a str>, ConfigError> {
        match self.t.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.as_str())),
            Some(v) => Err(invalid(
                self.key(k),
                format!(
                    "expected one of {}, got {}",
                    allowed
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    show(v)
                ),
            )),
        }
    }

    /// A list of integers in `lo..=hi`, or (when `ranges`) MATLAB's "a:b" string.
    pub(crate) fn ints(
        &self,
        k: &str,
        lo: i64,
        hi: i64,
        ranges: bool,
    ) -> Result<Option<Vec<usize>>, ConfigError> {
        let bad = |m: String| invalid(self.key(k), m);
        match self.t.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => {
                if a.len() > MAX_LIST {
                    return Err(bad(format!("at most {MAX_LIST} entries, got {}", a.len())));
                }
                a.iter()
                    .map(|v| match v {
                        Value::Integer(i) if (lo..=hi).contains(i) => Ok(*i as usize),
                        other => Err(bad(format!(
                            "expected integers in {lo}..={hi}, got {}",
                            show(other)
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            Some(Value::String(s)) if ranges => {
                let parse = |x: &str| x.trim().parse::<i64>().ok();
                let (a, b) = s
                    .split_once(':')
                    .and_then(|(a, b)| Some((parse(a)?, parse(b)?)))
                    .ok_or_else(|| bad(format!("expected a list or \"a:b\", got \"{s}\"")))?;
                if !(lo..=hi).contains(&a) || !(lo..=hi).contains(&b) || b < a {
                    return Err(bad(format!(
                        "expected \"a:b\" with {lo} <= a <= b <= {hi}, got \"{s}\""
                    )));
                }
                Ok(Some((a as usize..=b as usize).collect()))
            }
            Some(v) => Err(bad(format!(
                "expected a list of integers, got {}",
                v.type_str()
            ))),
        }
    }

    pub(crate) fn table(&self, k: &str, valid: &[&str]) -> Result<Option<View<'a>>, ConfigError> {
        match self.t.get(k) {
            None => Ok(None),
            Some(Value::Table(t)) => {
                let prefix = self.key(k);
                check_keys(t, &prefix, valid)?;
                Ok(Some(View { t, prefix }))
            }
            Some(v) => Err(invalid(
                self.key(k),
                format!("expected a table, got {}", v.type_str()),
            )),
        }
    }
}

/// A value as the user wrote it (scalars), or its type.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        other => other.type_str().to_string(),
    }
}

fn modulation_of(name: &str) -> Modulation {
    match name {
        "QPSK" => Modulation::Qpsk,
        "16QAM" => Modulation::Qam16,
        "64QAM" => Modulation::Qam64,
        "256QAM" => Modulation::Qam256,
        _ => Modulation::Qam1024,
    }
}

/// `[carrier]` (nrCarrierConfig) with `sample_rate` and `center_frequency`.
pub(crate) fn parse_carrier(
    top: &View<'_>,
) -> Result<(Carrier, Option<f64>, Option<f64>), ConfigError> {
    let empty = Table::new();
    let c = top.table("carrier", CARRIER)?.unwrap_or(View {
        t: &empty,
        prefix: "carrier".into(),
    });
    let scs = c.int("subcarrier_spacing", 15, 240)?.unwrap_or(15);
    let cp = match c.string("cyclic_prefix", &["normal", "extended"])? {
        Some("extended") => CyclicPrefix::Extended,
        _ => CyclicPrefix::Normal,
    };
    let mu = match scs {
        15 => 0,
        30 => 1,
        60 => 2,
        120 => 3,
        240 => 4,
        other => {
            return Err(invalid(
                "carrier.subcarrier_spacing".into(),
                format!("expected 15, 30, 60, 120 or 240 (kHz), got {other}"),
            ))
        }
    };
    let numerology = Numerology::new(mu, cp).map_err(|_| {
        invalid(
            "carrier.cyclic_prefix".into(),
            format!("\"extended\" needs subcarrier_spacing = 60, got {scs}"),
        )
    })?;
    let n_size_grid = c.int("n_size_grid", 1, 275)?.unwrap_or(52) as usize;
    let n_start_grid = c.int("n_start_grid", 0, 2199)?.unwrap_or(0) as usize;
    let n_cell_id = c.int("n_cell_id", 0, 1007)?.unwrap_or(1) as u16;
    let slots_per_frame = numerology.slots_per_frame() as i64;
    let n_slot = c.int("n_slot", 0, 1024 * slots_per_frame - 1)?.unwrap_or(0) as usize;
    let n_frame = c.int("n_frame", 0, 1023)?.unwrap_or(0) as usize;
    let sample_rate = c.float("sample_rate", 1e3, 4e9)?;
    let center_frequency = c.float("center_frequency", 0.0, 100e9)?;
    let carrier = Carrier {
        numerology,
        n_size_grid,
        n_start_grid,
        n_cell_id,
        n_slot,
        n_frame,
    };

    Ok((carrier, sample_rate, center_frequency))
}

/// The TOML root table of `text`, its keys checked against `top`.
pub(crate) fn parse_root(text: &str, top: &[&str]) -> Result<Table, ConfigError> {
    let root: Table = text
        .parse::<Table>()
        .map_err(|e| ConfigError::Syntax(e.to_string().trim().replace('\n', " ")))?;
    check_keys(&root, "", top)?;
    Ok(root)
}

/// Parses and validates a PDSCH configuration file's text.
pub fn parse_pdsch(text: &str) -> Result<PdschSetup, ConfigError> {
    let root = parse_root(text, TOP)?;
    let top = View {
        t: &root,
        prefix: String::new(),
    };
    let empty = Table::new();
    let (carrier, sample_rate, center_frequency) = parse_carrier(&top)?;
    let (n_size_grid, n_start_grid, numerology) = (
        carrier.n_size_grid,
        carrier.n_start_grid,
        carrier.numerology,
    );
    let p = top.table("pdsch", PDSCH)?.unwrap_or(View {
        t: &empty,
        prefix: "pdsch".into(),
    });
    let d = top.table("dlsch", DLSCH)?.unwrap_or(View {
        t: &empty,
        prefix: "dlsch".into(),
    });
    let mcs_table = d
        .string("mcs_table", &["qam64", "qam256", "qam64LowSE", "qam1024"])?
        .map(|s| McsTable::from_name(s).expect("listed names"));
    let mcs = d.int("mcs", 0, 31)?;
    let target = d.float("target_code_rate", 1e-6, 1.0)?;
    let entry = match (mcs_table, mcs, target) {
        (_, Some(_), Some(_)) => {
            return Err(invalid(
                "dlsch.target_code_rate".into(),
                "give either dlsch.mcs or dlsch.target_code_rate, not both",
            ))
        }
        (t, Some(m), None) => {
            let t = t.unwrap_or(McsTable::Qam64);
            let e = t.entry(m as u8).map_err(|_| {
                invalid(
                    "dlsch.mcs".into(),
                    format!("expected 0..={} for {}, got {m}", t.max_mcs(), t.name()),
                )
            })?;
            if e.rate().is_none() {
                return Err(invalid(
                    "dlsch.mcs".into(),
                    format!(
                        "MCS {m} of {} is reserved (retransmissions only): give a code rate",
                        t.name()
                    ),
                ));
            }
            Some((t, m as u8, e))
        }
        (_, None, None) => {
            return Err(ConfigError::Missing(
                "dlsch.mcs (or dlsch.target_code_rate)".into(),
            ))
        }
        (_, None, Some(_)) => None,
    };
    let mod_names = ["QPSK", "16QAM", "64QAM", "256QAM", "1024QAM"];
    let modulation = match (p.string("modulation", &mod_names)?, entry) {
        (Some(m), Some((t, i, e))) => {
            let m = modulation_of(m);
            if m != e.modulation() {
                return Err(invalid(
                    "pdsch.modulation".into(),
                    format!(
                        "MCS {i} of {} is {}, the configuration says {}",
                        t.name(),
                        e.modulation().name(),
                        m.name()
                    ),
                ));
            }
            m
        }
        (Some(m), None) => modulation_of(m),
        (None, Some((_, _, e))) => e.modulation(),
        (None, None) => return Err(ConfigError::Missing("pdsch.modulation".into())),
    };
    let n_size_bwp = p
        .int("n_size_bwp", 1, 275)?
        .map_or(n_size_grid, |v| v as usize);
    let n_start_bwp = p
        .int("n_start_bwp", 0, 2473)?
        .map_or(n_start_grid, |v| v as usize);
    let symbol_allocation = match p.ints("symbol_allocation", 0, 14, false)? {
        None => [0, numerology.symbols_per_slot()],
        Some(v) if v.len() == 2 => [v[0], v[1]],
        Some(v) => {
            return Err(invalid(
                "pdsch.symbol_allocation".into(),
                format!("expected [start, length], got {} values", v.len()),
            ))
        }
    };
    let prb_set = p
        .ints("prb_set", 0, 274, true)?
        .unwrap_or_else(|| (0..n_size_bwp).collect());
    let mut reserved_prb = Vec::new();
    match p.t.get("reserved_prb") {
        None => {}
        Some(Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                let Value::Table(t) = v else {
                    return Err(invalid(
                        format!("pdsch.reserved_prb[{i}]"),
                        "expected a table ([[pdsch.reserved_prb]])",
                    ));
                };
                let prefix = format!("pdsch.reserved_prb[{i}]");
                check_keys(t, &prefix, RESERVED)?;
                let r = View { t, prefix };
                reserved_prb.push(ReservedPrb {
                    prb_set: r.ints("prb_set", 0, 274, true)?.unwrap_or_default(),
                    symbol_set: r
                        .ints("symbol_set", 0, 640 * 14 - 1, true)?
                        .unwrap_or_default(),
                    period: r.int("period", 1, 640)?.map(|v| v as usize),
                });
            }
        }
        Some(v) => {
            return Err(invalid(
                "pdsch.reserved_prb".into(),
                format!("expected an array of tables, got {}", v.type_str()),
            ))
        }
    }
    let dm = p.table("dmrs", DMRS)?.unwrap_or(View {
        t: &empty,
        prefix: "pdsch.dmrs".into(),
    });
    let dmrs = DmrsConfig {
        config_type: dm.int("dmrs_configuration_type", 1, 2)?.unwrap_or(1) as u8,
        type_a_position: dm.int("dmrs_type_a_position", 2, 3)?.unwrap_or(2) as u8,
        additional_position: dm.int("dmrs_additional_position", 0, 3)?.unwrap_or(0) as u8,
        length: dm.int("dmrs_length", 1, 2)?.unwrap_or(1) as u8,
        num_cdm_groups_without_data: dm.int("num_cdm_groups_without_data", 1, 3)?.unwrap_or(2)
            as u8,
        n_id: dm.int("nidnscid", 0, 65535)?.map(|v| v as u16),
        nscid: dm.int("nscid", 0, 1)?.unwrap_or(0) as u8,
        ports: dm
            .ints("dmrs_port_set", 0, 11, false)?
            .unwrap_or_default()
            .into_iter()
            .map(|v| v as u8)
            .collect(),
    };
    let pdsch = PdschConfig {
        n_size_bwp,
        n_start_bwp,
        modulation,
        num_layers: p.int("num_layers", 1, 4)?.unwrap_or(1) as usize,
        mapping_type: match p.string("mapping_type", &["A", "B"])? {
            Some("B") => MappingType::B,
            _ => MappingType::A,
        },
        symbol_allocation,
        prb_set,
        vrb_to_prb_interleaving: p.bool("vrb_to_prb_interleaving")?.unwrap_or(false),
        vrb_bundle_size: match p.int("vrb_bundle_size", 2, 4)?.unwrap_or(2) {
            v @ (2 | 4) => v as usize,
            v => {
                return Err(invalid(
                    "pdsch.vrb_bundle_size".into(),
                    format!("expected 2 or 4, got {v}"),
                ))
            }
        },
        nid: p.int("nid", 0, 1023)?.map(|v| v as u16),
        rnti: p.int("rnti", 0, 65535)?.unwrap_or(1) as u16,
        reserved_prb,
        reserved_re: p
            .ints("reserved_re", 0, MAX_LIST as i64 - 1, false)?
            .unwrap_or_default(),
        dmrs,
    };
    let dlsch = DlschSetup {
        mcs: entry.map(|(t, m, _)| (t, m)),
        rate: entry
            .and_then(|(_, _, e)| e.rate())
            .or(target)
            .expect("one of them is set"),
        rv: d.int("rv", 0, 3)?.unwrap_or(0) as u8,
        x_overhead: match d.int("x_overhead", 0, 18)?.unwrap_or(0) {
            v @ (0 | 6 | 12 | 18) => v as u32,
            v => {
                return Err(invalid(
                    "dlsch.x_overhead".into(),
                    format!("expected 0, 6, 12 or 18, got {v}"),
                ))
            }
        },
        tbs: d.int("tbs", 1, 1_277_992)?.map(|v| v as usize),
    };
    // The phy types check the combination (BWP in the carrier, DMRS positions, ports…);
    // a parameter they name that is a key of this file gets the key's full path.
    pdsch.validate(&carrier).map_err(|e| match e {
        nrkit_core::Error::InvalidParameter {
            what,
            expected,
            got,
        } if PDSCH.contains(&what) || DMRS.contains(&what) => invalid(
            if PDSCH.contains(&what) {
                format!("pdsch.{what}")
            } else {
                format!("pdsch.dmrs.{what}")
            },
            format!("expected {expected}, got {got}"),
        ),
        e => e.into(),
    })?;
    Ok(PdschSetup {
        carrier,
        pdsch,
        dlsch,
        sample_rate,
        center_frequency,
    })
}

impl PdschSetup {
    /// The OFDM parameters at sample rate `rate` (Hz; `None`: `carrier.sample_rate`, or
    /// the smallest power-of-two FFT holding the grid at ≤ 85 % occupancy). The rate must
    /// be a whole multiple N_FFT·Δf with N_FFT ≥ 12·N_size_grid; `center_frequency`, when
    /// set, is f0 of the §5.4 phase compensation.
    pub fn ofdm_config(&self, rate: Option<f64>) -> Result<OfdmConfig, ConfigError> {
        ofdm_config_for(&self.carrier, self.sample_rate, self.center_frequency, rate)
    }

    /// The PDSCH of the first slot.
    pub fn build(&self) -> Result<Pdsch, ConfigError> {
        Ok(Pdsch::new(self.carrier, self.pdsch.clone())?)
    }

    /// The transport: the forced TBS, or the TBS of TS 38.214 §5.1.3.2 for the MCS (or
    /// the target code rate).
    pub fn transport(&self, pdsch: &Pdsch) -> Result<Transport, ConfigError> {
        let tbs = match self.dlsch.tbs {
            Some(t) => t,
            None => {
                let qm = self.pdsch.modulation.bits_per_symbol() as u8;
                let entry = nrkit_phy::pdsch::McsEntry {
                    qm,
                    r_x1024: Some(self.dlsch.rate * 1024.0),
                };
                pdsch
                    .transport(entry, self.dlsch.x_overhead, self.dlsch.rv)?
                    .tbs
            }
        };
        Ok(Transport {
            tbs,
            rate: self.dlsch.rate,
            rv: self.dlsch.rv,
            tbs_lbrm: None,
        })
    }
}

/// The OFDM parameters of `carrier` (see [`PdschSetup::ofdm_config`]).
pub(crate) fn ofdm_config_for(
    carrier: &Carrier,
    sample_rate: Option<f64>,
    center_frequency: Option<f64>,
    rate: Option<f64>,
) -> Result<OfdmConfig, ConfigError> {
    let numerology = carrier.numerology;
    let mut c = OfdmConfig::new(numerology, carrier.n_size_grid);
    if let Some(r) = rate.or(sample_rate) {
        let n = r / numerology.scs_hz();
        let k = 12 * carrier.n_size_grid;
        if !(r.is_finite() && (n - n.round()).abs() < 1e-6 && n.round() as usize >= k)
            || n.round() as usize > MAX_FFT_SIZE
        {
            return Err(invalid(
                if rate.is_some() {
                    "sample rate (of the recording)".into()
                } else {
                    "carrier.sample_rate".into()
                },
                format!(
                    "expected a multiple N·{} kHz with {k} <= N <= {MAX_FFT_SIZE} (N_FFT = rate / SCS), got {} Hz",
                    numerology.scs_khz(),
                    num(r)
                ),
            ));
        }
        c.fft_size = n.round() as usize;
    }
    c.phase_comp_f0 = center_frequency;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[carrier]
subcarrier_spacing = 30
n_size_grid = 51
n_cell_id = 7
n_slot = 3
sample_rate = 30.72e6
[pdsch]
modulation = "256QAM"
prb_set = "0:50"
symbol_allocation = [1, 13]
rnti = 0x4601
[[pdsch.reserved_prb]]
prb_set = [0, 1]
symbol_set = [1]
[pdsch.dmrs]
dmrs_additional_position = 1
[dlsch]
mcs_table = "qam256"
mcs = 27
"#;

    #[test]
    fn full_file_builds() {
        let s = parse_pdsch(FULL).unwrap();
        assert_eq!(s.carrier.n_size_grid, 51);
        assert_eq!(s.pdsch.prb_set.len(), 51);
        assert_eq!(s.pdsch.rnti, 0x4601);
        assert_eq!(s.pdsch.reserved_prb.len(), 1);
        assert_eq!(s.dlsch.mcs, Some((McsTable::Qam256, 27)));
        let p = s.build().unwrap();
        let t = s.transport(&p).unwrap();
        assert!(t.tbs > 20000, "{t:?}");
        assert_eq!(s.sample_rate, Some(30.72e6));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                "[pdsch]\nmodulaton = \"QPSK\"\n[dlsch]\nmcs=1",
                "did you mean `pdsch.modulation`",
            ),
            (
                "[pdsch.dmrs]\ndmrs_lenght = 2\n[dlsch]\nmcs=1",
                "pdsch.dmrs.dmrs_length",
            ),
            ("[carier]\n", "did you mean `carrier`"),
            (
                "[carrier]\nn_cell_id = 2000\n[dlsch]\nmcs=1",
                "carrier.n_cell_id",
            ),
            (
                "[carrier]\nsubcarrier_spacing = 45\n[dlsch]\nmcs=1",
                "15, 30, 60",
            ),
            (
                "[pdsch]\nmodulation = \"8PSK\"\n[dlsch]\nmcs=1",
                "\"QPSK\" | \"16QAM\"",
            ),
            (
                "[pdsch]\nmodulation = \"64QAM\"\n[dlsch]\nmcs=1",
                "MCS 1 of qam64 is qpsk",
            ),
            ("[dlsch]\nmcs = 29", "reserved"),
            (
                "[dlsch]\nmcs_table = \"qam256\"\nmcs = 28",
                "MCS 28 of qam256 is reserved",
            ),
            ("[dlsch]\nmcs = 40", "dlsch.mcs"),
            (
                "[pdsch]\nprb_set = \"5:2\"\n[dlsch]\nmcs=1",
                "pdsch.prb_set",
            ),
            ("[pdsch]\nprb_set = [60]\n[dlsch]\nmcs=1", "prb_set"),
            (
                "[pdsch]\nnum_layers = 9\n[dlsch]\nmcs=1",
                "pdsch.num_layers",
            ),
            (
                "[carrier]\nsample_rate = -1\n[dlsch]\nmcs=1",
                "carrier.sample_rate",
            ),
            (
                "[carrier]\nsample_rate = nan\n[dlsch]\nmcs=1",
                "carrier.sample_rate",
            ),
            ("[dlsch]\nx_overhead = 5\nmcs=1", "0, 6, 12 or 18"),
            ("[pdsch]\n", "missing key `dlsch.mcs"),
            ("[dlsch]\nmcs = 1\ntarget_code_rate = 0.5", "not both"),
            (
                "[dlsch]\nmcs = 1\n[[pdsch.reserved_prb]]\nprbset = [1]",
                "pdsch.reserved_prb[0].prb_set",
            ),
            (
                "[pdsch.dmrs]\ndmrs_length = 2\ndmrs_additional_position = 2\n[dlsch]\nmcs=1",
                "dmrs_additional_position",
            ),
            ("this is = = not toml", "not valid TOML"),
        ];
        for (text, want) in cases {
            let e = parse_pdsch(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn nearest_keys() {
        assert_eq!(nearest("mcs_tabel", DLSCH).as_deref(), Some("mcs_table"));
        assert_eq!(nearest("zzzzzzzz", DLSCH), None);
    }
}
