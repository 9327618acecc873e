//! # nrkit-sdr — SDR devices
//!
//! * [`RxSource`] / [`TxSink`]: the stream interface the pipelines run on (sample time in
//!   nanoseconds where the device keeps time).
//! * [`capture()`]: a reader thread and a writer joined by a bounded ring of blocks, so a
//!   slow disk does not stall the device; every overflow or timestamp gap becomes a
//!   [`Gap`] — in a SigMF capture ([`SigmfSink`]) a new capture segment and an annotation
//!   with the number of samples lost. Nothing is dropped silently.
//! * [`play()`]: gapless transmission of a prepared waveform (repeat N times or loop),
//!   double-buffered, optionally timed, with underflows and late bursts counted.
//! * `soapy` (feature, on by default): [`Device`] over SoapySDR — enumerate, open by args,
//!   configure and read back rate/frequency/gain/AGC/bandwidth/antenna, CF32/CS16 streams,
//!   driver errors mapped onto [`SdrError`] keeping the driver's text. Without it the same
//!   items exist and every entry point fails with [`SdrError::NoBackend`], which says how
//!   to build with SDR support (so the tools build and run on machines without SoapySDR).
//!
//! Tests run against the real libSoapySDR with the `driver=loopback` module of
//! `nrkit-sdr-loopback`.
#![deny(missing_docs)]
// FFI to SoapySDR's module loader lives in `soapy.rs`; everything else is safe code.
#![deny(unsafe_code)]

mod capture;
mod device;
mod error;
mod playback;
#[cfg(feature = "soapy")]
mod soapy;
mod stream;
#[cfg(not(feature = "soapy"))]
mod unavailable;

pub use capture::{capture, CaptureOptions, CaptureSink, CaptureStats, Gap, GapCause, SigmfSink};
pub use device::{Applied, ChannelConfig, DeviceInfo, Direction, Gain, ModuleInfo};
pub use error::SdrError;
pub use playback::{play, PlayOptions, PlayStats, Repeat};
#[cfg(feature = "soapy")]
pub use soapy::{enumerate, load_module, Device, SoapyRx, SoapyTx};
pub use stream::{RxRead, RxSource, TxEvent, TxSink, WireSample};
#[cfg(not(feature = "soapy"))]
pub use unavailable::{enumerate, load_module, Device, SoapyRx, SoapyTx};

/// Nanoseconds → sample ticks at `rate` (rounded).
pub fn ns_to_ticks(ns: i64, rate: f64) -> i64 {
    (ns as f64 * rate / 1e9).round() as i64
}

/// Sample ticks → nanoseconds at `rate` (rounded).
pub fn ticks_to_ns(ticks: i64, rate: f64) -> i64 {
    (ticks as f64 * 1e9 / rate).round() as i64
}
