//! # nrkit-phy — TS 38.211 physical layer
//!
//! * [`grid`]: resource grids, `[subcarrier, symbol]` per antenna port, subcarrier 0 the
//!   lowest frequency, stored column-major so each OFDM symbol is contiguous.
//! * [`ofdm`]: OFDM modulation/demodulation of whole slots for every numerology
//!   (TS 38.211 §5.3.1) with optional §5.4 phase compensation.
//! * [`modulation`]: modulation mapping (TS 38.211 §5.1) and max-log soft demapping.
//! * [`ssb`]: SS/PBCH blocks: PSS, SSS, PBCH DMRS, MIB/BCH/PBCH, burst sets, generation.
//!
//! `phy` never touches files or devices.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod grid;
pub mod modulation;
pub mod ofdm;
pub mod search;
pub mod ssb;

pub use grid::ResourceGrid;
pub use modulation::Modulation;
pub use ofdm::{Ofdm, OfdmConfig};
