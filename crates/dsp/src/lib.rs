//! # nrkit-dsp — the performance core
//!
//! * [`Isa`]: detection of and dispatch to the scalar, AVX2+FMA and AVX-512 kernels. A
//!   kernel set is built for one ISA and keeps that choice; building it proves the CPU
//!   supports it, so calls need no further checks.
//! * [`vector`]: complex vector kernels (multiply, conjugate multiply, multiply-accumulate,
//!   scale, add, energy, dot product, |x|², argmax |x|², integer ↔ float conversions), each
//!   with a scalar twin that is its test oracle.
//! * [`fft`]: the FFT engine (plans cached per size, caller-owned scratch, batched).
//! * [`channelizer`]: fast-convolution channelizer (one wide FFT shared by many narrow
//!   channels, each decimated by a small inverse FFT).
//! * [`resample`]: polyphase rational L/M resampler; [`nco`]: numerically controlled
//!   oscillator for frequency shifts.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod channelizer;
pub mod demap;
pub mod fft;
pub mod isa;
pub mod nco;
pub mod resample;
pub mod vector;

pub use channelizer::{Block, FcChannel, FcFrontEnd};
pub use demap::PamTable;
pub use fft::{Direction, Fft, FftEngine};
pub use isa::Isa;
pub use nco::Nco;
pub use resample::Resampler;
pub use vector::VectorKernels;
