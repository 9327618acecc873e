//! Writing SigMF recordings.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use nrkit_core::C32;
use nrkit_dsp::VectorKernels;
use num_complex::Complex;

use crate::{sigmf_paths, Annotation, Capture, Datatype, IqError, Meta};

/// Writes a SigMF recording. The metadata file is written (atomically: temporary file, then
/// rename) at creation, on [`Writer::sync_meta`], on [`Writer::finish`] and on drop, so a
/// valid `.sigmf-meta` exists whenever the data file does.
#[derive(Debug)]
pub struct Writer {
    meta: Meta,
    meta_path: PathBuf,
    data_path: PathBuf,
    data: Option<BufWriter<File>>,
    written: u64,
    kernels: VectorKernels,
    bytes: Vec<u8>,
}

/// Writes a `.sigmf-meta` file atomically (temporary file, then rename), e.g. to annotate
/// an existing recording.
pub fn write_meta(path: &Path, meta: &Meta) -> Result<(), IqError> {
    let tmp = path.with_extension("sigmf-meta.tmp");
    let text = serde_json::to_string_pretty(&meta.to_json()).expect("JSON values serialize");
    std::fs::write(&tmp, text + "\n").map_err(|e| IqError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| IqError::io(path, e))
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
        })
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
        let f = self.data.as_mut().ok_or_else(|| {
            IqError::io(
                &self.data_path,
                std::io::Error::other("writer already finished"),
            )
        })?;
        f.write_all(&self.bytes)
            .map_err(|e| IqError::io(&self.data_path, e))?;
        self.written += n as u64;
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

    /// Flushes data and rewrites the metadata.
    pub fn sync_meta(&mut self) -> Result<(), IqError> {
        if let Some(f) = self.data.as_mut() {
            f.flush().map_err(|e| IqError::io(&self.data_path, e))?;
        }
        self.meta.annotations.sort_by_key(|a| a.sample_start);
        write_meta(&self.meta_path, &self.meta)
    }

    /// Flushes, writes the final metadata and closes the files.
    pub fn finish(mut self) -> Result<u64, IqError> {
        self.sync_meta()?;
        if let Some(f) = self.data.take() {
            f.into_inner()
                .map_err(|e| IqError::io(&self.data_path, e.into_error()))?
                .sync_all()
                .map_err(|e| IqError::io(&self.data_path, e))?;
        }
        Ok(self.written)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.data.is_some() {
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
