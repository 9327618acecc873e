//! # nrkit-core
//!
//! The vocabulary every nrkit crate shares: the sample type [`C32`], validated newtypes for
//! spec parameters ([`Pci`], [`Numerology`]), the length-31 Gold sequence of TS 38.211 §5.2.1
//! ([`gold`]), the shared numeric [`Error`] and seeded random streams ([`rng`]).
//!
//! Conventions used across the workspace: samples are `Complex<f32>`; bits are `u8` 0/1;
//! LLRs are `f32` with positive ⇒ bit 0.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod error;
pub mod gold;
pub mod numerology;
pub mod pci;
pub mod rng;

pub use error::{Error, Result};
pub use numerology::{CyclicPrefix, Numerology};
pub use pci::Pci;

/// A complex baseband sample, single precision (the type of every sample at crate edges).
pub type C32 = num_complex::Complex<f32>;
/// A complex value in double precision (used for phase accumulation and references).
pub type C64 = num_complex::Complex<f64>;

/// Basic time unit of NR, T_c = 1 / (480 kHz · 4096) seconds (TS 38.211 §4.1).
pub const T_C: f64 = 1.0 / (480e3 * 4096.0);
/// κ = T_s / T_c = 64 (TS 38.211 §4.1).
pub const KAPPA: u32 = 64;
/// Subcarriers per resource block, N_sc^RB (TS 38.211 §4.4.4.1).
pub const N_SC_RB: usize = 12;
