//! # nrkit-phy — TS 38.211 physical layer
//!
//! * [`grid`]: resource grids, `[subcarrier, symbol]` per antenna port, subcarrier 0 the
//!   lowest frequency, stored column-major so each OFDM symbol is contiguous.
//! * [`ofdm`]: OFDM modulation/demodulation of whole slots for every numerology
//!   (TS 38.211 §5.3.1) with optional §5.4 phase compensation.
//! * [`modulation`]: modulation mapping (TS 38.211 §5.1) and max-log soft demapping.
//! * [`ssb`]: SS/PBCH blocks: PSS, SSS, PBCH DMRS, PBCH (the BCH is in `nrkit-coding`),
//!   burst sets, generation, rasters.
//! * [`sync`]: cell search: candidates, PSS correlator, SSS/DMRS detector, PBCH soft
//!   combining, streaming searchers and banks of them, cells.
//! * [`estimation`], [`equalization`]: channel estimation on reference signals and
//!   per-RE equalization, shared by the PBCH receiver and the downlink channels.
//!
//! * [`pdcch`]: the PDCCH: CORESETs, CCE-to-REG mapping, search spaces, CORESET#0 and
//!   the Type0-PDCCH occasions, DMRS, mapping and the blind-decoding receiver.
//! * [`pdsch`]: the PDSCH: MCS tables and TBS determination (TS 38.214 §5.1.3) so far.
//! * [`testwave`]: reproducible random-QAM test carriers and EVM.
//!
//! `phy` never touches files or devices.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod equalization;
pub mod estimation;
pub mod grid;
pub mod modulation;
pub mod ofdm;
pub mod pdcch;
pub mod pdsch;
pub mod ssb;
pub mod sync;
pub mod testwave;

pub use grid::ResourceGrid;
pub use modulation::Modulation;
pub use ofdm::{Ofdm, OfdmConfig};
