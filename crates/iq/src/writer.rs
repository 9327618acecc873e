//! Writing SigMF recordings.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use nrkit_core::C32;
use nrkit_dsp::VectorKernels;
use num_complex::Complex;
use serde_json::json;

use crate::{sigmf_paths, Annotation, Capture, Datatype, IqError, Meta, INCOMPLETE_KEY};

/// Writes a SigMF recording. The metadata file is written atomically (temporary file,
/// fsync, rename, fsync of the folder) at creation, on [`Writer::sync_meta`], on
/// [`Writer::finish`] and on drop, so a valid `.sigmf-meta` exists whenever the data file
/// does.
///
/// A recording never looks complete when it is not: when writing samples fails (disk full,
/// file-size limit, I/O error), the data file is cut to the whole samples on disk, the
/// metadata is rewritten to match them with `nrkit:incomplete` (`{"reason", "samples"}`)
/// and an annotation where the recording stops, and the call returns
/// [`IqError::Incomplete`] with the number of safe samples; every later call fails.
#[derive(Debug)]
pub struct Writer {
    meta: Meta,
    meta_path: PathBuf,
    data_path: PathBuf,
    data: Option<BufWriter<File>>,
    written: u64,
    kernels: VectorKernels,
    bytes: Vec<u8>,
    /// Why writing failed and how many samples are safe, once it has.
    failed: Option<(u64, std::io::ErrorKind, String)>,
}

/// Writes a `.sigmf-meta` file atomically and durably (temporary file, fsync, rename,
/// fsync of the folder), e.g. to annotate an existing recording. A failure leaves the
/// previous file as it was.
pub fn write_meta(path: &Path, meta: &Meta) -> Result<(), IqError> {
    let tmp = path.with_extension("sigmf-meta.tmp");
    let text = serde_json::to_string_pretty(&meta.to_json()).expect("JSON values serialize");
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(IqError::io(&tmp, e));
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(IqError::io(path, e));
    }
    // The rename is durable once the folder is synced (not possible on every platform:
    // best effort).
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl Writer {
    /// Creates `<base>.sigmf-meta` and `<base>.sigmf-data` for `meta` (datatype, rate,
    /// captures and global fields are taken from it).
    pub fn create(path: &Path, meta: Meta) -> Result<Self, IqError> {
        let (meta_path, data_path) = sigmf_paths(path);
        let f = File::create(&data_path).map_err(|e| IqError::io(&data_path, e))?;
        write_meta(&meta_path, &meta)?;
        Ok(Writer {
            meta,
            meta_path,
            data_path,
            data: Some(BufWriter::with_capacity(1 << 20, f)),
            written: 0,
            kernels: VectorKernels::detect(),
            bytes: Vec::new(),
            failed: None,
        })
    }

    /// Whether writing has failed (the recording is marked incomplete).
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// The error of a writer that has failed: what [`IqError::Incomplete`] says.
    fn failed_error(&self) -> Option<IqError> {
        self.failed
            .as_ref()
            .map(|(n, kind, text)| IqError::Incomplete {
                path: self.data_path.clone(),
                samples: *n,
                source: std::io::Error::new(*kind, text.clone()),
            })
    }

    /// Handles a failed write: cuts the data file to whole samples, marks the metadata
    /// incomplete (global `nrkit:incomplete` and an annotation at the cut) and writes it.
    fn fail(&mut self, e: std::io::Error) -> IqError {
        let size = self.meta.datatype.sample_size() as u64;
        // Drop the buffer without flushing it: what is on disk is what counts.
        let file = self.data.take().map(|w| w.into_parts().0);
        let on_disk = file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
        let safe = (on_disk / size).min(self.written);
        if let Some(f) = &file {
            let _ = f.set_len(safe * size);
            let _ = f.sync_all();
        }
        let reason = format!("writing the data failed: {e}");
        let mut an = Annotation::new(safe, 0, "recording incomplete");
        an.comment = Some(reason.clone());
        an.extra.insert(INCOMPLETE_KEY.into(), json!(true));
        self.meta.annotations.push(an);
        self.meta.annotations.sort_by_key(|a| a.sample_start);
        self.meta.global_extra.insert(
            INCOMPLETE_KEY.into(),
            json!({"reason": reason, "samples": safe, "samples_not_written": self.written - safe}),
        );
        self.written = safe;
        self.failed = Some((safe, e.kind(), e.to_string()));
        if let Err(me) = write_meta(&self.meta_path, &self.meta) {
            // The metadata could not be rewritten either: say so, with the safe count.
            return IqError::Incomplete {
                path: self.data_path.clone(),
                samples: safe,
                source: std::io::Error::new(
                    e.kind(),
                    format!("{e}; and rewriting the metadata failed: {me}"),
                ),
            };
        }
        self.failed_error().expect("just failed")
    }

    /// Uses `kernels` (and so their ISA) for sample conversion.
    pub fn set_kernels(&mut self, kernels: VectorKernels) {
        self.kernels = kernels;
    }

    /// Samples written so far.
    pub fn samples_written(&self) -> u64 {
        self.written
    }

    /// The metadata as it will be written.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The metadata as it will be written, for changes.
    pub fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    /// The metadata file's path.
    pub fn meta_path(&self) -> &Path {
        &self.meta_path
    }

    /// The data file's path.
    pub fn data_path(&self) -> &Path {
        &self.data_path
    }

    /// Appends samples, converted to the recording's datatype.
    pub fn write(&mut self, samples: &[C32]) -> Result<(), IqError> {
        let n = samples.len();
        self.bytes.clear();
        match self.meta.datatype {
            Datatype::Cf32Le => {
                self.bytes.resize(8 * n, 0);
                for (d, z) in self.bytes.chunks_exact_mut(8).zip(samples) {
                    d[..4].copy_from_slice(&z.re.to_le_bytes());
                    d[4..].copy_from_slice(&z.im.to_le_bytes());
                }
            }
            Datatype::Cf64Le => {
                for z in samples {
                    self.bytes.extend_from_slice(&f64::from(z.re).to_le_bytes());
                    self.bytes.extend_from_slice(&f64::from(z.im).to_le_bytes());
                }
            }
            Datatype::Ci16Le => {
                let mut v = vec![0i16; 2 * n];
                self.kernels.cf32_to_ci16(samples, &mut v).expect("sized");
                for x in v {
                    self.bytes.extend_from_slice(&x.to_le_bytes());
                }
            }
            Datatype::Ci8 => {
                let mut v = vec![0i8; 2 * n];
                self.kernels.cf32_to_ci8(samples, &mut v).expect("sized");
                self.bytes.extend(v.iter().map(|&x| x as u8));
            }
            Datatype::Cu8 => {
                self.bytes.resize(2 * n, 0);
                self.kernels
                    .cf32_to_cu8(samples, &mut self.bytes)
                    .expect("sized");
            }
        }
        self.flush_bytes(n)
    }

    /// Appends complex int16 samples as they are (a `ci16_le` recording only: a device's
    /// CS16 stream is written without conversion).
    pub fn write_ci16(&mut self, samples: &[Complex<i16>]) -> Result<(), IqError> {
        if self.meta.datatype != Datatype::Ci16Le {
            return Err(IqError::BadField {
                path: self.meta_path.clone(),
                field: "global.core:datatype".into(),
                problem: format!(
                    "is {}, but complex int16 samples were given (ci16_le needed)",
                    self.meta.datatype
                ),
            });
        }
        self.bytes.clear();
        self.bytes.resize(4 * samples.len(), 0);
        for (d, z) in self.bytes.chunks_exact_mut(4).zip(samples) {
            d[..2].copy_from_slice(&z.re.to_le_bytes());
            d[2..].copy_from_slice(&z.im.to_le_bytes());
        }
        self.flush_bytes(samples.len())
    }

    fn flush_bytes(&mut self, n: usize) -> Result<(), IqError> {
        if let Some(e) = self.failed_error() {
            return Err(e);
        }
        let f = self.data.as_mut().ok_or_else(|| {
            IqError::io(
                &self.data_path,
                std::io::Error::other("writer already finished"),
            )
        })?;
        // Counted first: on a failure the cut is the smaller of this and what is on disk.
        self.written += n as u64;
        if let Err(e) = f.write_all(&self.bytes) {
            return Err(self.fail(e));
        }
        Ok(())
    }

    /// Adds an annotation.
    pub fn annotate(&mut self, a: Annotation) {
        self.meta.annotations.push(a);
    }

    /// Starts a new capture segment at the next sample.
    pub fn new_capture(&mut self, mut c: Capture) {
        c.sample_start = self.written;
        self.meta
            .captures
            .retain(|x| x.sample_start != c.sample_start);
        self.meta.captures.push(c);
    }

    /// Flushes data and rewrites the metadata (with every annotation and capture segment
    /// added so far, also after a failed write).
    pub fn sync_meta(&mut self) -> Result<(), IqError> {
        if let Some(f) = self.data.as_mut() {
            if let Err(e) = f.flush() {
                return Err(self.fail(e));
            }
        }
        self.meta.annotations.sort_by_key(|a| a.sample_start);
        write_meta(&self.meta_path, &self.meta)?;
        match self.failed_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Flushes, writes the final metadata, syncs and closes the files; returns the samples
    /// written. A writer that failed returns its [`IqError::Incomplete`] (after writing the
    /// metadata with what was added since).
    pub fn finish(mut self) -> Result<u64, IqError> {
        self.sync_meta()?;
        if let Some(f) = self.data.take() {
            let (file, rest) = f.into_parts();
            let flushed = match rest {
                Ok(buf) if buf.is_empty() => file.sync_all(),
                _ => Err(std::io::Error::other("unflushed data after a flush")),
            };
            if let Err(e) = flushed {
                self.data = Some(BufWriter::new(file));
                return Err(self.fail(e));
            }
        }
        Ok(self.written)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.data.is_some() || self.failed.is_some() {
            let _ = self.sync_meta();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Recording;

    fn wave(n: usize) -> Vec<C32> {
        (0..n)
            .map(|i| {
                C32::new(
                    (i as f32 * 0.01).sin() * 0.5,
                    (i as f32 * 0.013).cos() * 0.5,
                )
            })
            .collect()
    }

    #[test]
    fn round_trip_every_datatype() {
        let dir = tempfile::tempdir().unwrap();
        let x = wave(1000);
        for dt in [
            Datatype::Cf32Le,
            Datatype::Cf64Le,
            Datatype::Ci16Le,
            Datatype::Ci8,
            Datatype::Cu8,
        ] {
            let base = dir.path().join(format!("r_{dt}"));
            let mut meta = Meta::new(dt, 30.72e6, Some(3.5e9));
            meta.description = Some("test".into());
            let mut w = Writer::create(&base, meta).unwrap();
            w.write(&x[..400]).unwrap();
            w.new_capture(Capture {
                sample_start: 0,
                frequency: Some(3.6e9),
                datetime: None,
                extra: Default::default(),
            });
            w.write(&x[400..]).unwrap();
            w.annotate(Annotation::new(10, 20, "burst"));
            assert_eq!(w.finish().unwrap(), 1000);
            let r = Recording::open_sigmf(&base.with_extension("sigmf-meta")).unwrap();
            assert_eq!(r.samples, 1000);
            assert_eq!(r.meta.captures.len(), 2);
            assert_eq!(r.meta.frequency_at(500), Some(3.6e9));
            assert_eq!(r.meta.annotations[0].label.as_deref(), Some("burst"));
            let y = r.reader().unwrap().read_all().unwrap();
            let tol = match dt {
                Datatype::Ci8 | Datatype::Cu8 => 1.0 / 128.0,
                Datatype::Ci16Le => 1.0 / 32768.0,
                _ => 0.0,
            };
            for (a, b) in x.iter().zip(&y) {
                assert!((a - b).norm() <= tol, "{dt}: {a} vs {b}");
            }
        }
    }

    /// Writes to `/dev/full` (every write fails with ENOSPC) through a data file that
    /// links to it: the recording ends up marked incomplete with 0 samples.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_marks_the_recording_incomplete() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("full");
        std::os::unix::fs::symlink("/dev/full", base.with_extension("sigmf-data")).unwrap();
        let mut w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, None)).unwrap();
        w.annotate(Annotation::new(0, 5, "before"));
        // Small writes stay in the buffer; the flush meets the full disk.
        w.write(&wave(10)).unwrap();
        let e = w.sync_meta().unwrap_err();
        assert!(matches!(e, IqError::Incomplete { samples: 0, .. }), "{e}");
        assert!(e.to_string().contains("incomplete"), "{e}");
        assert!(w.failed());
        assert!(w.write(&wave(1)).is_err());
        w.annotate(Annotation::new(0, 1, "after"));
        assert!(w.finish().is_err());
        let r = Recording::open_sigmf(&base).unwrap();
        assert_eq!(r.samples, 0);
        let inc = r.meta.incomplete().expect("marked incomplete");
        assert_eq!(inc["samples"], 0);
        assert!(
            inc["reason"].as_str().unwrap().contains("No space"),
            "{inc}"
        );
        let labels: Vec<_> = r
            .meta
            .annotations
            .iter()
            .filter_map(|a| a.label.clone())
            .collect();
        for l in ["before", "after", "recording incomplete"] {
            assert!(labels.iter().any(|x| x == l), "{labels:?}");
        }
    }

    #[test]
    fn meta_exists_before_finish_and_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("live");
        let mut w = Writer::create(&base, Meta::new(Datatype::Cf32Le, 1e6, None)).unwrap();
        assert!(Recording::open_sigmf(&base).is_ok());
        w.write(&wave(10)).unwrap();
        drop(w);
        assert_eq!(Recording::open_sigmf(&base).unwrap().samples, 10);
    }
}
