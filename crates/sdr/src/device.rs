//! The device-level types every backend shares: direction, gain, channel settings, what
//! a device reports, what enumeration and module loading return.

use std::collections::BTreeMap;

/// Stream direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Receive.
    Rx,
    /// Transmit.
    Tx,
}

impl Direction {
    /// "rx" or "tx".
    pub fn name(self) -> &'static str {
        match self {
            Direction::Rx => "rx",
            Direction::Tx => "tx",
        }
    }
}

/// A device found by [`crate::enumerate`]: its args (driver, label, serial, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Every key the driver returned.
    pub args: BTreeMap<String, String>,
}

impl DeviceInfo {
    /// The args as one `key=value,…` string that opens this device.
    pub fn args_string(&self) -> String {
        self.args
            .iter()
            .filter(|(k, _)| k.as_str() != "label")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A module loaded by [`crate::load_module`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// The drivers it registered.
    pub registered: Vec<String>,
    /// Its version string (may be empty).
    pub version: String,
}

/// Gain setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gain {
    /// Overall gain in dB (AGC off).
    Db(f64),
    /// The device's automatic gain control.
    Agc,
}

/// The settings of one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelConfig {
    /// Channel index.
    pub channel: usize,
    /// Sample rate (Hz).
    pub sample_rate: f64,
    /// Centre frequency (Hz).
    pub frequency: f64,
    /// Gain.
    pub gain: Gain,
    /// Analog filter bandwidth (Hz); `None` leaves the driver's choice.
    pub bandwidth: Option<f64>,
    /// Antenna port; `None` leaves the default.
    pub antenna: Option<String>,
}

impl ChannelConfig {
    /// Channel 0 at `sample_rate`, `frequency` and `gain`.
    pub fn new(sample_rate: f64, frequency: f64, gain: Gain) -> Self {
        ChannelConfig {
            channel: 0,
            sample_rate,
            frequency,
            gain,
            bandwidth: None,
            antenna: None,
        }
    }
}

/// The values the device reports after [`crate::Device::configure`].
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// Sample rate (Hz).
    pub sample_rate: f64,
    /// Centre frequency (Hz).
    pub frequency: f64,
    /// Gain (dB), when readable.
    pub gain_db: Option<f64>,
    /// Whether AGC is on.
    pub agc: bool,
    /// Filter bandwidth (Hz), when readable.
    pub bandwidth: Option<f64>,
    /// Antenna, when readable.
    pub antenna: Option<String>,
}
