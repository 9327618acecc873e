//! # nrkit-channel — impairments and channel models
//!
//! Independent of `nrkit-phy`, so it can test the receivers without sharing their
//! mistakes. Every random block draws from a seeded stream ([`nrkit_core::rng::stream`]),
//! so results are reproducible and independent of threads.
//!
//! * [`snr`]: the SNR definitions (per sample, per resource element, Es/N0, Eb/N0) and the
//!   noise variance each implies; [`awgn`] adds the noise.
//! * [`impair`]: carrier frequency offset, integer and fractional delay, DC offset and IQ
//!   imbalance.
//! * [`tdl`]: the TDL-A…E fading channels of TR 38.901 §7.7.2 with delay scaling and
//!   Doppler.
//!
//! Planned (the channel/simulation issue): sample-rate offset, phase noise, antenna
//! correlation.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod awgn;
pub mod impair;
pub mod snr;
pub mod tdl;

pub use awgn::add_awgn;
pub use snr::Snr;
