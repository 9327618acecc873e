//! # nrkit-sdr-loopback — a SoapySDR device module for tests
//!
//! `driver=loopback`: TX channel i loops to RX channel i, with a sample clock that is virtual
//! (advancing with the samples) or paced at the sample rate (`pace=1`), CF32 and CS16
//! streams, timed TX bursts and fault injection through device args (`overflow_every`,
//! `overflow_drop`, `underflow_every`, `timeout_every`, `disconnect_after`, `fail_open`,
//! `pattern=counter` for sample-exact loss accounting). The full list is at the top of
//! `cpp/loopback.cpp`.
//!
//! The module is C++ against libSoapySDR, compiled by this crate's build script; this crate
//! only tells where it is. Load it with `nrkit_sdr::load_module(module_path())` or point
//! `SOAPY_SDR_PLUGIN_PATH` at [`module_dir`] (then `SoapySDRUtil --find` lists it).
//!
//! SoapySDR caches open devices by the args find() returns, and this module returns the
//! args it was given: open each test's device with its own `serial=` so parallel tests do
//! not share one instance.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::path::Path;

/// The compiled module (`libnrkitLoopback.so`).
pub fn module_path() -> &'static Path {
    Path::new(env!("NRKIT_LOOPBACK_MODULE"))
}

/// The folder holding only the module, for `SOAPY_SDR_PLUGIN_PATH`.
pub fn module_dir() -> &'static Path {
    Path::new(env!("NRKIT_LOOPBACK_DIR"))
}
