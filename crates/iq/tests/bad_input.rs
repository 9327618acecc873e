//! Every kind of bad input gives a clear error naming the file and the problem.

use std::path::Path;

use nrkit_iq::{Datatype, IqError, Recording};

fn write(dir: &Path, name: &str, meta: &str, data: &[u8]) -> std::path::PathBuf {
    let m = dir.join(format!("{name}.sigmf-meta"));
    std::fs::write(&m, meta).unwrap();
    std::fs::write(dir.join(format!("{name}.sigmf-data")), data).unwrap();
    m
}

const GOOD: &str = r#"{"global":{"core:datatype":"cf32_le","core:sample_rate":1000000,"core:version":"1.0.0"},"captures":[{"core:sample_start":0}],"annotations":[]}"#;

#[test]
fn bad_inputs_have_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let msg = |r: Result<Recording, IqError>| r.unwrap_err().to_string();

    let m = write(dir, "json", "{\"global\": {", &[]);
    let e = msg(Recording::open_sigmf(&m));
    assert!(
        e.contains("json.sigmf-meta") && e.contains("malformed JSON at line 1"),
        "{e}"
    );

    let m = write(
        dir,
        "nodt",
        r#"{"global":{"core:sample_rate":1,"core:version":"1.0.0"}}"#,
        &[],
    );
    assert!(msg(Recording::open_sigmf(&m)).contains("missing required field global.core:datatype"));

    let m = write(dir, "dt", &GOOD.replace("cf32_le", "rf32_le"), &[]);
    assert!(msg(Recording::open_sigmf(&m)).contains("unsupported datatype \"rf32_le\""));

    let m = write(dir, "rate", &GOOD.replace("1000000", "-5"), &[]);
    assert!(msg(Recording::open_sigmf(&m)).contains("core:sample_rate must be a positive number"));

    let m = write(dir, "partial", GOOD, &[0u8; 12]);
    assert!(msg(Recording::open_sigmf(&m)).contains("not a multiple of the 8-byte cf32_le sample"));

    let m = dir.join("nodata.sigmf-meta");
    std::fs::write(&m, GOOD).unwrap();
    assert!(msg(Recording::open_sigmf(&m)).contains("nodata.sigmf-data"));

    assert!(
        msg(Recording::open_sigmf(&dir.join("absent.sigmf-meta"))).contains("absent.sigmf-meta")
    );

    let mut data = Vec::new();
    for i in 0..10 {
        let v = if i == 7 { f32::NAN } else { 0.5 };
        data.extend_from_slice(&v.to_le_bytes());
        data.extend_from_slice(&0f32.to_le_bytes());
    }
    let m = write(dir, "nan", GOOD, &data);
    let r = Recording::open_sigmf(&m).unwrap();
    let e = r.reader().unwrap().read_all().unwrap_err().to_string();
    assert!(e.contains("sample 7 is not finite"), "{e}");

    let raw = dir.join("x.cfile");
    std::fs::write(&raw, [0u8; 7]).unwrap();
    assert!(Recording::open_raw(&raw, Datatype::Cf32Le, 1e6, None).is_err());
    assert!(Recording::open_raw(&raw, Datatype::Cu8, 0.0, None).is_err());
}
