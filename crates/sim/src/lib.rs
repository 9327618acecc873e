//! # nrkit-sim — link-level Monte Carlo
//!
//! * [`runner`]: SNR points × trials on a rayon pool with one RNG stream per (point,
//!   trial) — results identical for any thread count —, a minimum-errors / maximum-trials
//!   stop rule on whole batches, shards by trial index and their exact [`runner::merge`].
//! * [`stats`]: the Wilson score interval given with every BLER.
//! * [`links`]: LDPC over AWGN (any base graph, lifting size, rate, modulation) and the
//!   PDSCH slot over AWGN per RE with optional HARQ.
//! * [`output`]: the JSON and CSV forms of a result.
//! * [`plot`]: BLER curves as PNG or SVG (plotters, the font embedded).
//! * [`sensitivity`]: the cell search's MIB success rate against SNR (`nrkit sensitivity`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod links;
pub mod output;
pub mod plot;
pub mod runner;
pub mod sensitivity;
pub mod stats;

pub use runner::{merge, run, Link, Plan, Point, Shard, SimResult, Trial};
