//! The device API without a backend (nrkit built without the `soapy` feature): the same
//! items as the SoapySDR backend, every entry point failing with
//! [`SdrError::NoBackend`], which says how to build with SDR support. Nothing of it can
//! be constructed, so the methods of [`Device`], [`SoapyRx`] and [`SoapyTx`] never run.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::marker::PhantomData;
use std::path::Path;

use nrkit_core::C32;
use num_complex::Complex;

use crate::device::{Applied, ChannelConfig, DeviceInfo, Direction, ModuleInfo};
use crate::{RxRead, RxSource, SdrError, TxEvent, TxSink, WireSample};

/// Fails: no backend to enumerate with.
pub fn enumerate(_args: &str) -> Result<Vec<DeviceInfo>, SdrError> {
    Err(SdrError::NoBackend)
}

/// Fails: no backend to load modules into.
pub fn load_module(_path: &Path) -> Result<ModuleInfo, SdrError> {
    Err(SdrError::NoBackend)
}

/// A device (none can be opened without a backend).
#[derive(Debug, Clone)]
pub struct Device {
    never: Infallible,
}

impl Device {
    /// Fails with [`SdrError::NoBackend`].
    pub fn open(_args: &str) -> Result<Self, SdrError> {
        Err(SdrError::NoBackend)
    }
    /// The args it was opened with.
    pub fn args(&self) -> &str {
        match self.never {}
    }
    /// The driver key.
    pub fn driver(&self) -> String {
        match self.never {}
    }
    /// The hardware info.
    pub fn hardware(&self) -> BTreeMap<String, String> {
        match self.never {}
    }
    /// Channels in `dir`.
    pub fn channels(&self, _dir: Direction) -> usize {
        match self.never {}
    }
    /// Whether it keeps time.
    pub fn has_time(&self) -> bool {
        match self.never {}
    }
    /// Its time, ns.
    pub fn time_ns(&self) -> Result<i64, SdrError> {
        match self.never {}
    }
    /// Selects the clock source.
    pub fn set_clock_source(&self, _src: &str) -> Result<(), SdrError> {
        match self.never {}
    }
    /// Selects the time source.
    pub fn set_time_source(&self, _src: &str) -> Result<(), SdrError> {
        match self.never {}
    }
    /// Configures a channel.
    pub fn configure(&self, _dir: Direction, _cfg: &ChannelConfig) -> Result<Applied, SdrError> {
        match self.never {}
    }
    /// A CF32 receive stream.
    pub fn rx_cf32(&self, _channel: usize) -> Result<SoapyRx<C32>, SdrError> {
        match self.never {}
    }
    /// A CS16 receive stream.
    pub fn rx_cs16(&self, _channel: usize) -> Result<SoapyRx<Complex<i16>>, SdrError> {
        match self.never {}
    }
    /// A CF32 transmit stream.
    pub fn tx_cf32(&self, _channel: usize) -> Result<SoapyTx, SdrError> {
        match self.never {}
    }
}

/// A receive stream (none exists without a backend).
pub struct SoapyRx<E> {
    never: Infallible,
    _e: PhantomData<E>,
}

impl<E: WireSample> RxSource for SoapyRx<E> {
    type Sample = E;
    fn sample_rate(&self) -> f64 {
        match self.never {}
    }
    fn mtu(&self) -> usize {
        match self.never {}
    }
    fn read(&mut self, _buf: &mut [E], _timeout_us: i64) -> Result<RxRead, SdrError> {
        match self.never {}
    }
}

/// A transmit stream (none exists without a backend).
pub struct SoapyTx {
    never: Infallible,
}

impl TxSink for SoapyTx {
    fn sample_rate(&self) -> f64 {
        match self.never {}
    }
    fn mtu(&self) -> usize {
        match self.never {}
    }
    fn time_ns(&self) -> Option<i64> {
        match self.never {}
    }
    fn write(
        &mut self,
        _buf: &[C32],
        _at_ns: Option<i64>,
        _end_burst: bool,
        _timeout_us: i64,
    ) -> Result<usize, SdrError> {
        match self.never {}
    }
    fn poll_status(&mut self, _timeout_us: i64) -> Option<TxEvent> {
        match self.never {}
    }
}
