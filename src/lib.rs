//! # nrkit — 5G NR baseband toolkit
//!
//! The facade over the workspace crates; it holds no code of its own. The `nrkit` command
//! line (`src/main.rs`, `src/cmd/`) is built on it.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use nrkit_bench as bench;
pub use nrkit_channel as channel;
pub use nrkit_coding as coding;
pub use nrkit_core as core;
pub use nrkit_dsp as dsp;
pub use nrkit_gnb as gnb;
pub use nrkit_iq as iq;
pub use nrkit_phy as phy;
pub use nrkit_sdr as sdr;
pub use nrkit_sim as sim;
