//! SigMF metadata (core namespace, version 1.x).

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::{Datatype, IqError};

/// The SigMF version nrkit writes.
pub const SIGMF_VERSION: &str = "1.2.0";

/// The global field a writer sets when writing failed: `{"reason": …, "samples": N}`.
pub const INCOMPLETE_KEY: &str = "nrkit:incomplete";

/// Highest `core:sample_rate` accepted, Hz (well above any SDR; larger values are
/// typos that would size buffers and durations absurdly).
pub const MAX_SAMPLE_RATE: f64 = 1e11;

/// A capture segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// `core:sample_start`.
    pub sample_start: u64,
    /// `core:frequency` (Hz), if recorded.
    pub frequency: Option<f64>,
    /// `core:datetime` (ISO 8601), if recorded.
    pub datetime: Option<String>,
    /// Every other field, kept as read.
    pub extra: Map<String, Value>,
}

/// An annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// `core:sample_start`.
    pub sample_start: u64,
    /// `core:sample_count`.
    pub sample_count: Option<u64>,
    /// `core:freq_lower_edge` (Hz).
    pub freq_lower_edge: Option<f64>,
    /// `core:freq_upper_edge` (Hz).
    pub freq_upper_edge: Option<f64>,
    /// `core:label`.
    pub label: Option<String>,
    /// `core:comment`.
    pub comment: Option<String>,
    /// Every other field (e.g. `nrkit:` fields), kept as read.
    pub extra: Map<String, Value>,
}

impl Annotation {
    /// An annotation of `count` samples from `start` with a label.
    pub fn new(start: u64, count: u64, label: impl Into<String>) -> Self {
        Annotation {
            sample_start: start,
            sample_count: Some(count),
            freq_lower_edge: None,
            freq_upper_edge: None,
            label: Some(label.into()),
            comment: None,
            extra: Map::new(),
        }
    }
}

/// SigMF metadata of one recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// `core:datatype`.
    pub datatype: Datatype,
    /// `core:sample_rate` (Hz, > 0).
    pub sample_rate: f64,
    /// `core:version`.
    pub version: String,
    /// `core:description`.
    pub description: Option<String>,
    /// `core:hw`.
    pub hw: Option<String>,
    /// Other global fields, kept as read.
    pub global_extra: Map<String, Value>,
    /// Capture segments, sorted by `sample_start` (at least one).
    pub captures: Vec<Capture>,
    /// Annotations, sorted by `sample_start`.
    pub annotations: Vec<Annotation>,
}

fn bad(path: &Path, field: &str, problem: impl Into<String>) -> IqError {
    IqError::BadField {
        path: path.to_path_buf(),
        field: field.to_string(),
        problem: problem.into(),
    }
}

fn get_f64(
    path: &Path,
    obj: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<f64>, IqError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| bad(path, field, format!("must be a number, got {v}"))),
    }
}

/// A frequency field: a finite number of Hz with |f| ≤ 1 THz.
fn get_freq(
    path: &Path,
    obj: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<f64>, IqError> {
    let f = get_f64(path, obj, key, field)?;
    match f {
        Some(v) if !(v.is_finite() && v.abs() <= 1e12) => Err(bad(
            path,
            field,
            format!("must be a frequency in Hz within ±1e12, got {v}"),
        )),
        _ => Ok(f),
    }
}

fn get_u64(
    path: &Path,
    obj: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<u64>, IqError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            bad(
                path,
                field,
                format!("must be a non-negative integer, got {v}"),
            )
        }),
    }
}

fn get_str(
    path: &Path,
    obj: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<String>, IqError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(bad(path, field, format!("must be a string, got {v}"))),
    }
}

const CORE_GLOBAL: [&str; 5] = [
    "core:datatype",
    "core:sample_rate",
    "core:version",
    "core:description",
    "core:hw",
];

impl Meta {
    /// Minimal metadata for new recordings.
    pub fn new(datatype: Datatype, sample_rate: f64, frequency: Option<f64>) -> Self {
        Meta {
            datatype,
            sample_rate,
            version: SIGMF_VERSION.to_string(),
            description: None,
            hw: None,
            global_extra: Map::new(),
            captures: vec![Capture {
                sample_start: 0,
                frequency,
                datetime: None,
                extra: Map::new(),
            }],
            annotations: Vec::new(),
        }
    }

    /// Parses metadata text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, IqError> {
        let v: Value = serde_json::from_str(text).map_err(|e| IqError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            msg: e.to_string(),
        })?;
        let root = v
            .as_object()
            .ok_or_else(|| bad(path, "(top level)", "must be a JSON object"))?;
        let missing = |f: &str| IqError::MissingField {
            path: path.to_path_buf(),
            field: f.to_string(),
        };
        let global = root
            .get("global")
            .ok_or_else(|| missing("global"))?
            .as_object()
            .ok_or_else(|| bad(path, "global", "must be an object"))?;
        let dt = get_str(path, global, "core:datatype", "global.core:datatype")?
            .ok_or_else(|| missing("global.core:datatype"))?;
        let datatype = Datatype::parse(&dt).ok_or_else(|| IqError::UnsupportedDatatype {
            path: path.to_path_buf(),
            datatype: dt.clone(),
        })?;
        let sample_rate = get_f64(path, global, "core:sample_rate", "global.core:sample_rate")?
            .ok_or_else(|| missing("global.core:sample_rate"))?;
        if !(sample_rate.is_finite() && sample_rate > 0.0 && sample_rate <= MAX_SAMPLE_RATE) {
            return Err(bad(
                path,
                "global.core:sample_rate",
                format!(
                    "must be a positive number of Hz up to {MAX_SAMPLE_RATE:e}, got {sample_rate}"
                ),
            ));
        }
        let version = get_str(path, global, "core:version", "global.core:version")?
            .ok_or_else(|| missing("global.core:version"))?;
        if !version.starts_with("1.") {
            return Err(bad(
                path,
                "global.core:version",
                format!("must be 1.x, got {version}"),
            ));
        }
        let global_extra = global
            .iter()
            .filter(|(k, _)| !CORE_GLOBAL.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut captures = Vec::new();
        if let Some(c) = root.get("captures") {
            let arr = c
                .as_array()
                .ok_or_else(|| bad(path, "captures", "must be an array"))?;
            for (i, c) in arr.iter().enumerate() {
                let f = format!("captures[{i}]");
                let o = c
                    .as_object()
                    .ok_or_else(|| bad(path, &f, "must be an object"))?;
                captures.push(Capture {
                    sample_start: get_u64(
                        path,
                        o,
                        "core:sample_start",
                        &format!("{f}.core:sample_start"),
                    )?
                    .ok_or_else(|| missing(&format!("{f}.core:sample_start")))?,
                    frequency: get_freq(path, o, "core:frequency", &format!("{f}.core:frequency"))?,
                    datetime: get_str(path, o, "core:datetime", &format!("{f}.core:datetime"))?,
                    extra: o
                        .iter()
                        .filter(|(k, _)| {
                            !["core:sample_start", "core:frequency", "core:datetime"]
                                .contains(&k.as_str())
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                });
            }
        }
        if captures.is_empty() {
            captures.push(Capture {
                sample_start: 0,
                frequency: None,
                datetime: None,
                extra: Map::new(),
            });
        }
        captures.sort_by_key(|c| c.sample_start);
        let mut annotations = Vec::new();
        if let Some(a) = root.get("annotations") {
            let arr = a
                .as_array()
                .ok_or_else(|| bad(path, "annotations", "must be an array"))?;
            for (i, a) in arr.iter().enumerate() {
                let f = format!("annotations[{i}]");
                let o = a
                    .as_object()
                    .ok_or_else(|| bad(path, &f, "must be an object"))?;
                let known = [
                    "core:sample_start",
                    "core:sample_count",
                    "core:freq_lower_edge",
                    "core:freq_upper_edge",
                    "core:label",
                    "core:comment",
                ];
                annotations.push(Annotation {
                    sample_start: get_u64(
                        path,
                        o,
                        "core:sample_start",
                        &format!("{f}.core:sample_start"),
                    )?
                    .ok_or_else(|| missing(&format!("{f}.core:sample_start")))?,
                    sample_count: get_u64(
                        path,
                        o,
                        "core:sample_count",
                        &format!("{f}.core:sample_count"),
                    )?,
                    freq_lower_edge: get_f64(
                        path,
                        o,
                        "core:freq_lower_edge",
                        &format!("{f}.core:freq_lower_edge"),
                    )?,
                    freq_upper_edge: get_f64(
                        path,
                        o,
                        "core:freq_upper_edge",
                        &format!("{f}.core:freq_upper_edge"),
                    )?,
                    label: get_str(path, o, "core:label", &format!("{f}.core:label"))?,
                    comment: get_str(path, o, "core:comment", &format!("{f}.core:comment"))?,
                    extra: o
                        .iter()
                        .filter(|(k, _)| !known.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                });
            }
        }
        annotations.sort_by_key(|a| a.sample_start);
        Ok(Meta {
            datatype,
            sample_rate,
            version,
            description: get_str(path, global, "core:description", "global.core:description")?,
            hw: get_str(path, global, "core:hw", "global.core:hw")?,
            global_extra,
            captures,
            annotations,
        })
    }

    /// The metadata as SigMF JSON.
    pub fn to_json(&self) -> Value {
        let mut g = Map::new();
        g.insert("core:datatype".into(), json!(self.datatype.sigmf_name()));
        g.insert("core:sample_rate".into(), json!(self.sample_rate));
        g.insert("core:version".into(), json!(self.version));
        if let Some(d) = &self.description {
            g.insert("core:description".into(), json!(d));
        }
        if let Some(h) = &self.hw {
            g.insert("core:hw".into(), json!(h));
        }
        for (k, v) in &self.global_extra {
            g.insert(k.clone(), v.clone());
        }
        let captures: Vec<Value> = self
            .captures
            .iter()
            .map(|c| {
                let mut o = Map::new();
                o.insert("core:sample_start".into(), json!(c.sample_start));
                if let Some(f) = c.frequency {
                    o.insert("core:frequency".into(), json!(f));
                }
                if let Some(d) = &c.datetime {
                    o.insert("core:datetime".into(), json!(d));
                }
                o.extend(c.extra.clone());
                Value::Object(o)
            })
            .collect();
        let annotations: Vec<Value> = self
            .annotations
            .iter()
            .map(|a| {
                let mut o = Map::new();
                o.insert("core:sample_start".into(), json!(a.sample_start));
                if let Some(v) = a.sample_count {
                    o.insert("core:sample_count".into(), json!(v));
                }
                if let Some(v) = a.freq_lower_edge {
                    o.insert("core:freq_lower_edge".into(), json!(v));
                }
                if let Some(v) = a.freq_upper_edge {
                    o.insert("core:freq_upper_edge".into(), json!(v));
                }
                if let Some(v) = &a.label {
                    o.insert("core:label".into(), json!(v));
                }
                if let Some(v) = &a.comment {
                    o.insert("core:comment".into(), json!(v));
                }
                o.extend(a.extra.clone());
                Value::Object(o)
            })
            .collect();
        json!({"global": g, "captures": captures, "annotations": annotations})
    }

    /// The centre frequency of the segment holding `sample`, if recorded.
    pub fn frequency_at(&self, sample: u64) -> Option<f64> {
        self.frequency_at_inner(sample)
    }

    /// The `nrkit:incomplete` record of a recording whose writing failed
    /// (`{"reason": …, "samples": N}`: why, and how many samples are safe), if any.
    pub fn incomplete(&self) -> Option<&Value> {
        self.global_extra
            .get(INCOMPLETE_KEY)
            .filter(|v| !v.is_null())
    }

    fn frequency_at_inner(&self, sample: u64) -> Option<f64> {
        self.captures
            .iter()
            .rev()
            .find(|c| c.sample_start <= sample)
            .and_then(|c| c.frequency)
    }
}
