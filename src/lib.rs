//! # nrkit — 5G NR baseband toolkit
//!
//! Facade over the workspace crates, plus the pieces the `nrkit` command line shares with
//! tests and examples ([`mod@bench`], [`testwave`]).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use nrkit_coding as coding;
pub use nrkit_core as core;
pub use nrkit_dsp as dsp;
pub use nrkit_iq as iq;
pub use nrkit_phy as phy;
pub use nrkit_sdr as sdr;

pub mod bench;
pub mod sensitivity;
pub mod testwave;
