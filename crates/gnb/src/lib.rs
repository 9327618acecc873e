//! # nrkit-gnb — the cell
//!
//! * [`config`]: configuration files (TOML, MATLAB 5G Toolbox property names in snake_case)
//!   validated into the physical-layer types of `nrkit-phy`: the PDSCH and the PDCCH
//!   (CORESET, search space) today; the cell
//!   (SSB, CORESET#0, SIB1 schedule) and the downlink frame builder follow.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod config;

pub use config::pdcch::{parse_pdcch, PdcchSetup};
pub use config::{parse_pdsch, ConfigError, DlschSetup, PdschSetup};
