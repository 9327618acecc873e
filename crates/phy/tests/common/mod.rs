//! Helpers shared by the py3gpp-vector tests.

use nrkit_core::C32;
use serde_json::Value;

/// Complex values stored as a flat `[re, im, re, im, …]` JSON array.
pub fn c32s(v: &Value) -> Vec<C32> {
    let f: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    f.chunks_exact(2)
        .map(|p| C32::new(p[0] as f32, p[1] as f32))
        .collect()
}
