//! The SoapySDR backend.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::path::Path;

use nrkit_core::C32;
use num_complex::Complex;
use soapysdr::{ErrorCode, StreamSample};

use crate::device::{Applied, ChannelConfig, DeviceInfo, Direction, Gain, ModuleInfo};
use crate::{RxRead, RxSource, SdrError, TxEvent, TxSink};

fn soapy_dir(d: Direction) -> soapysdr::Direction {
    match d {
        Direction::Rx => soapysdr::Direction::Rx,
        Direction::Tx => soapysdr::Direction::Tx,
    }
}

/// Maps a SoapySDR error onto ours, keeping the driver's text.
fn map_err(e: soapysdr::Error, time_ns: Option<i64>) -> SdrError {
    let text = if e.message.is_empty() {
        format!("{:?}", e.code)
    } else {
        e.message.clone()
    };
    match e.code {
        ErrorCode::Timeout => SdrError::Timeout { text },
        ErrorCode::Overflow => SdrError::Overflow { time_ns, text },
        ErrorCode::Underflow => SdrError::Underflow { time_ns, text },
        ErrorCode::TimeError => SdrError::Late { time_ns, text },
        ErrorCode::StreamError => SdrError::Disconnected { text },
        ErrorCode::NotSupported => SdrError::Unsupported { text },
        ErrorCode::Corruption => SdrError::Corruption { text },
        _ => SdrError::Driver { text },
    }
}

fn config_err(what: impl Into<String>) -> impl FnOnce(soapysdr::Error) -> SdrError {
    let what = what.into();
    move |e| match e.code {
        ErrorCode::NotSupported => SdrError::Unsupported {
            text: format!("{what}: {}", e.message),
        },
        _ => SdrError::Config {
            what,
            text: e.message,
        },
    }
}

/// Lists the devices matching `args` (`""` = all) over every loaded SoapySDR module.
pub fn enumerate(args: &str) -> Result<Vec<DeviceInfo>, SdrError> {
    let list = soapysdr::enumerate(args).map_err(|e| map_err(e, None))?;
    Ok(list
        .into_iter()
        .map(|a| DeviceInfo {
            args: a
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
        .collect())
}

/// Loads a SoapySDR module file and checks SoapySDR's loader result for it (every factory
/// it registers must have passed the ABI check). Loading an already loaded module again
/// only re-checks it.
pub fn load_module(path: &Path) -> Result<ModuleInfo, SdrError> {
    let err = |text: String| SdrError::Module {
        path: path.display().to_string(),
        text,
    };
    if !path.is_file() {
        return Err(err("no such file".into()));
    }
    let c = CString::new(path.to_string_lossy().as_bytes())
        .map_err(|_| err("path contains a NUL byte".into()))?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the calls; strings
    // returned by SoapySDR are copied and then released with SoapySDR_free, and the kwargs
    // with SoapySDRKwargs_clear, as its C API requires.
    #[allow(unsafe_code)]
    let (load_msg, results, version) = unsafe {
        let take = |p: *mut std::os::raw::c_char| -> String {
            if p.is_null() {
                return String::new();
            }
            let s = CStr::from_ptr(p).to_string_lossy().into_owned();
            soapysdr_sys::SoapySDR_free(p.cast());
            s
        };
        let load_msg = take(soapysdr_sys::SoapySDR_loadModule(c.as_ptr()));
        let mut kw = soapysdr_sys::SoapySDR_getLoaderResult(c.as_ptr());
        let mut results = Vec::new();
        for i in 0..kw.size {
            let k = CStr::from_ptr(*kw.keys.add(i))
                .to_string_lossy()
                .into_owned();
            let v = CStr::from_ptr(*kw.vals.add(i))
                .to_string_lossy()
                .into_owned();
            results.push((k, v));
        }
        soapysdr_sys::SoapySDRKwargs_clear(&mut kw);
        let version = take(soapysdr_sys::SoapySDR_getModuleVersion(c.as_ptr()));
        (load_msg, results, version)
    };
    if !load_msg.is_empty() && !load_msg.contains("already loaded") {
        return Err(err(load_msg));
    }
    if results.is_empty() {
        return Err(err("the module registered no driver".into()));
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !failed.is_empty() {
        return Err(err(format!("registration failed: {}", failed.join("; "))));
    }
    Ok(ModuleInfo {
        registered: results.into_iter().map(|(k, _)| k).collect(),
        version,
    })
}

/// `Unsupported` unless `item` is in the device's `list` of `what`.
fn listed(what: &str, item: &str, list: &[String]) -> Result<(), SdrError> {
    if list.iter().any(|s| s == item) {
        Ok(())
    } else {
        Err(SdrError::Unsupported {
            text: format!("{what} {item} (available: {})", list.join(", ")),
        })
    }
}

/// An open SoapySDR device.
#[derive(Clone)]
pub struct Device {
    dev: soapysdr::Device,
    args: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device").field("args", &self.args).finish()
    }
}

impl Device {
    /// Opens the first device matching `args` (`driver=…,serial=…`).
    pub fn open(args: &str) -> Result<Self, SdrError> {
        let found = enumerate(args)?;
        if found.is_empty() {
            let all = enumerate("").unwrap_or_default();
            let hint = if all.is_empty() {
                " (no SoapySDR device found at all: is the driver's module installed, e.g. \
                 soapysdr-module-uhd, or SOAPY_SDR_PLUGIN_PATH set?)"
                    .to_string()
            } else {
                format!(
                    " (found: {})",
                    all.iter()
                        .map(|d| d.args_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            return Err(SdrError::NotFound {
                args: args.to_string(),
                hint,
            });
        }
        let dev = soapysdr::Device::new(args).map_err(|e| SdrError::Open {
            args: args.to_string(),
            text: e.message,
        })?;
        Ok(Device {
            dev,
            args: args.to_string(),
        })
    }

    /// The args it was opened with.
    pub fn args(&self) -> &str {
        &self.args
    }

    /// The driver key (e.g. `uhd`, `lime`, `loopback`).
    pub fn driver(&self) -> String {
        self.dev.driver_key().unwrap_or_default()
    }

    /// The hardware key and info, as `key=value` pairs.
    pub fn hardware(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        if let Ok(k) = self.dev.hardware_key() {
            m.insert("hardware".into(), k);
        }
        if let Ok(info) = self.dev.hardware_info() {
            for (k, v) in info.iter() {
                m.insert(k.to_string(), v.to_string());
            }
        }
        m
    }

    /// Channels in a direction.
    pub fn channels(&self, dir: Direction) -> usize {
        self.dev.num_channels(soapy_dir(dir)).unwrap_or(0)
    }

    /// Whether the device keeps a hardware clock (timestamps, timed bursts).
    pub fn has_time(&self) -> bool {
        self.dev.has_hardware_time(None).unwrap_or(false)
    }

    /// The device time (ns).
    pub fn time_ns(&self) -> Result<i64, SdrError> {
        self.dev
            .get_hardware_time(None)
            .map_err(config_err("reading the hardware time"))
    }

    /// Selects the clock (reference) source, e.g. `internal`, `external`, `gpsdo`.
    pub fn set_clock_source(&self, src: &str) -> Result<(), SdrError> {
        let list = self.dev.list_clock_sources().unwrap_or_default();
        listed("clock source", src, &list)?;
        self.dev
            .set_clock_source(src)
            .map_err(config_err(format!("clock source {src}")))
    }

    /// Selects the time source, e.g. `internal`, `external`, `gpsdo`.
    pub fn set_time_source(&self, src: &str) -> Result<(), SdrError> {
        let list = self.dev.list_time_sources().unwrap_or_default();
        listed("time source", src, &list)?;
        self.dev
            .set_time_source(src)
            .map_err(config_err(format!("time source {src}")))
    }

    /// Applies `cfg` to a channel and reads the values back.
    pub fn configure(&self, dir: Direction, cfg: &ChannelConfig) -> Result<Applied, SdrError> {
        let d = soapy_dir(dir);
        let n = self.channels(dir);
        let ch = cfg.channel;
        if ch >= n {
            return Err(SdrError::Invalid {
                what: format!("{} channel {ch}", dir.name()),
                problem: format!("the device has {n} {} channel(s)", dir.name()),
            });
        }
        if !(cfg.sample_rate.is_finite() && cfg.sample_rate > 0.0) {
            return Err(SdrError::Invalid {
                what: "sample rate".into(),
                problem: format!("{} is not a positive number of Hz", cfg.sample_rate),
            });
        }
        if !(cfg.frequency.is_finite() && cfg.frequency >= 0.0) {
            return Err(SdrError::Invalid {
                what: "frequency".into(),
                problem: format!("{} is not a non-negative number of Hz", cfg.frequency),
            });
        }
        let dn = dir.name();
        if let Some(a) = &cfg.antenna {
            let list = self.dev.antennas(d, ch).unwrap_or_default();
            if !list.is_empty() && !list.iter().any(|x| x == a) {
                return Err(SdrError::Invalid {
                    what: format!("{dn} antenna {a}"),
                    problem: format!("available: {}", list.join(", ")),
                });
            }
            self.dev
                .set_antenna(d, ch, a.as_str())
                .map_err(config_err(format!("{dn} antenna {a}")))?;
        }
        self.dev
            .set_sample_rate(d, ch, cfg.sample_rate)
            .map_err(config_err(format!(
                "{dn} sample rate {} Hz",
                cfg.sample_rate
            )))?;
        self.dev
            .set_frequency(d, ch, cfg.frequency, "")
            .map_err(config_err(format!("{dn} frequency {} Hz", cfg.frequency)))?;
        match cfg.gain {
            Gain::Agc => {
                if !self.dev.has_gain_mode(d, ch).unwrap_or(false) {
                    return Err(SdrError::Unsupported {
                        text: format!("{dn} AGC on channel {ch}"),
                    });
                }
                self.dev
                    .set_gain_mode(d, ch, true)
                    .map_err(config_err(format!("{dn} AGC")))?;
            }
            Gain::Db(g) => {
                if !g.is_finite() {
                    return Err(SdrError::Invalid {
                        what: "gain".into(),
                        problem: format!("{g} is not a number of dB"),
                    });
                }
                if self.dev.has_gain_mode(d, ch).unwrap_or(false) {
                    let _ = self.dev.set_gain_mode(d, ch, false);
                }
                if let Ok(r) = self.dev.gain_range(d, ch) {
                    if g < r.minimum - 1e-9 || g > r.maximum + 1e-9 {
                        return Err(SdrError::Invalid {
                            what: format!("{dn} gain {g} dB"),
                            problem: format!(
                                "the device's range is {} … {} dB",
                                r.minimum, r.maximum
                            ),
                        });
                    }
                }
                self.dev
                    .set_gain(d, ch, g)
                    .map_err(config_err(format!("{dn} gain {g} dB")))?;
            }
        }
        if let Some(bw) = cfg.bandwidth {
            self.dev
                .set_bandwidth(d, ch, bw)
                .map_err(config_err(format!("{dn} bandwidth {bw} Hz")))?;
        }
        Ok(Applied {
            sample_rate: self
                .dev
                .sample_rate(d, ch)
                .map_err(config_err(format!("reading the {dn} sample rate")))?,
            frequency: self
                .dev
                .frequency(d, ch)
                .map_err(config_err(format!("reading the {dn} frequency")))?,
            gain_db: self.dev.gain(d, ch).ok(),
            agc: self.dev.gain_mode(d, ch).unwrap_or(false),
            bandwidth: self.dev.bandwidth(d, ch).ok(),
            antenna: self.dev.antenna(d, ch).ok(),
        })
    }

    fn check_format(&self, dir: Direction, ch: usize, fmt: &str) -> Result<(), SdrError> {
        let list = self
            .dev
            .stream_formats(soapy_dir(dir), ch)
            .unwrap_or_default();
        if !list.is_empty() && !list.iter().any(|f| f.to_string() == fmt) {
            return Err(SdrError::Unsupported {
                text: format!(
                    "{} stream format {fmt} (device offers {})",
                    dir.name(),
                    list.iter()
                        .map(|f| f.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        Ok(())
    }

    fn rx<E: StreamSample>(&self, ch: usize, fmt: &str) -> Result<SoapyRx<E>, SdrError> {
        self.check_format(Direction::Rx, ch, fmt)?;
        let rate = self
            .dev
            .sample_rate(soapysdr::Direction::Rx, ch)
            .map_err(config_err("reading the rx sample rate"))?;
        let mut stream = self.dev.rx_stream::<E>(&[ch]).map_err(config_err(format!(
            "opening an rx {fmt} stream on channel {ch}"
        )))?;
        let mtu = stream.mtu().unwrap_or(8192).max(1);
        stream
            .activate(None)
            .map_err(config_err("activating the rx stream"))?;
        Ok(SoapyRx {
            stream,
            rate,
            mtu,
            has_time: self.has_time(),
        })
    }

    /// Opens and activates a CF32 receive stream on one channel (configure it first).
    pub fn rx_cf32(&self, channel: usize) -> Result<SoapyRx<C32>, SdrError> {
        self.rx(channel, "CF32")
    }

    /// Opens and activates a CS16 receive stream on one channel (configure it first).
    pub fn rx_cs16(&self, channel: usize) -> Result<SoapyRx<Complex<i16>>, SdrError> {
        self.rx(channel, "CS16")
    }

    /// Opens and activates a CF32 transmit stream on one channel (configure it first).
    pub fn tx_cf32(&self, channel: usize) -> Result<SoapyTx, SdrError> {
        self.check_format(Direction::Tx, channel, "CF32")?;
        let rate = self
            .dev
            .sample_rate(soapysdr::Direction::Tx, channel)
            .map_err(config_err("reading the tx sample rate"))?;
        let mut stream = self
            .dev
            .tx_stream::<C32>(&[channel])
            .map_err(config_err(format!(
                "opening a tx stream on channel {channel}"
            )))?;
        let mtu = stream.mtu().unwrap_or(8192).max(1);
        stream
            .activate(None)
            .map_err(config_err("activating the tx stream"))?;
        Ok(SoapyTx {
            stream,
            dev: self.clone(),
            rate,
            mtu,
            has_time: self.has_time(),
            status_supported: true,
        })
    }
}

/// An active SoapySDR receive stream.
pub struct SoapyRx<E: StreamSample> {
    stream: soapysdr::RxStream<E>,
    rate: f64,
    mtu: usize,
    has_time: bool,
}

impl<E: StreamSample + crate::WireSample> RxSource for SoapyRx<E> {
    type Sample = E;
    fn sample_rate(&self) -> f64 {
        self.rate
    }
    fn mtu(&self) -> usize {
        self.mtu
    }
    fn read(&mut self, buf: &mut [E], timeout_us: i64) -> Result<RxRead, SdrError> {
        let r = self.stream.read(&mut [buf], timeout_us);
        // soapysdr updates the time even when the read fails (e.g. the overflow's time).
        let t = self.has_time.then(|| self.stream.time_ns());
        match r {
            Ok(len) => Ok(RxRead { len, time_ns: t }),
            Err(e) => Err(map_err(e, t)),
        }
    }
}

/// An active SoapySDR transmit stream (CF32).
pub struct SoapyTx {
    stream: soapysdr::TxStream<C32>,
    dev: Device,
    rate: f64,
    mtu: usize,
    has_time: bool,
    status_supported: bool,
}

impl TxSink for SoapyTx {
    fn sample_rate(&self) -> f64 {
        self.rate
    }
    fn mtu(&self) -> usize {
        self.mtu
    }
    fn time_ns(&self) -> Option<i64> {
        if self.has_time {
            self.dev.time_ns().ok()
        } else {
            None
        }
    }
    fn write(
        &mut self,
        buf: &[C32],
        at_ns: Option<i64>,
        end_burst: bool,
        timeout_us: i64,
    ) -> Result<usize, SdrError> {
        self.stream
            .write(&[buf], at_ns, end_burst, timeout_us)
            .map_err(|e| map_err(e, at_ns))
    }
    fn poll_status(&mut self, timeout_us: i64) -> Option<TxEvent> {
        if !self.status_supported {
            return None;
        }
        let (mut mask, mut flags, mut t) = (0usize, 0i32, 0i64);
        let r = self
            .stream
            .read_status(&mut mask, &mut flags, &mut t, timeout_us);
        let time_ns = (flags & soapysdr_sys::SOAPY_SDR_HAS_TIME as i32 != 0).then_some(t);
        match r {
            Ok(_) if flags & soapysdr_sys::SOAPY_SDR_END_BURST as i32 != 0 => {
                Some(TxEvent::BurstEnd { time_ns })
            }
            Ok(_) => None,
            Err(e) => match e.code {
                ErrorCode::Timeout => None,
                ErrorCode::NotSupported => {
                    self.status_supported = false;
                    None
                }
                ErrorCode::Underflow => Some(TxEvent::Underflow { time_ns }),
                ErrorCode::TimeError => Some(TxEvent::Late { time_ns }),
                _ => Some(TxEvent::Error(map_err(e, time_ns).to_string())),
            },
        }
    }
}
