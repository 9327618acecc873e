//! The fuzz targets' bodies (`fuzz/src/lib.rs`) run briefly in the ordinary test suite:
//! each on seeded pseudo-random inputs and on a few well-formed seeds, so CI exercises
//! every target without libFuzzer's instrumented build. The long coverage-guided runs are
//! `scripts/fuzz.sh`.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code, unused_imports)]
mod bodies;

use rand::{Rng, RngCore, SeedableRng};

/// `n` inputs of random length up to `max_len`, reproducible by `seed`.
fn inputs(seed: u64, n: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let len = r.random_range(0..=max_len);
            let mut v = vec![0u8; len];
            r.fill_bytes(&mut v);
            v
        })
        .collect()
}

fn f32_bytes(v: impl IntoIterator<Item = f32>) -> Vec<u8> {
    v.into_iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn sigmf_meta_target() {
    let good = r#"{"global":{"core:datatype":"cf32_le","core:sample_rate":1e6,"core:version":"1.2.0"},"captures":[{"core:sample_start":0,"core:frequency":3.5e9}],"annotations":[{"core:sample_start":5,"core:sample_count":3}]}"#;
    bodies::sigmf_meta(good.as_bytes());
    for cut in 0..good.len() {
        bodies::sigmf_meta(&good.as_bytes()[..cut]);
    }
    for i in inputs(1, 500, 600) {
        bodies::sigmf_meta(&i);
    }
}

#[test]
fn sample_reader_target() {
    for i in inputs(2, 300, 300) {
        bodies::sample_reader(&i);
    }
    let mut nan = vec![0u8];
    nan.extend(f32_bytes([1.0, f32::NAN, f32::INFINITY, 0.5, 0.25]));
    bodies::sample_reader(&nan);
}

#[test]
fn bch_decode_target() {
    for i in inputs(3, 100, 3500) {
        bodies::bch_decode(&i);
    }
    let mut v = vec![1, 2, 1, 6];
    v.extend(f32_bytes((0..864).map(|i| {
        if i % 3 == 0 {
            f32::NAN
        } else {
            1e30
        }
    })));
    bodies::bch_decode(&v);
}

#[test]
fn polar_decode_target() {
    for i in inputs(4, 200, 4000) {
        bodies::polar_decode(&i);
    }
    let mut v = vec![56, 0, 0x60, 3, 1, 3];
    v.extend(f32_bytes((0..864).map(|i| (i as f32 * 0.37).sin() * 4.0)));
    bodies::polar_decode(&v);
}

#[test]
fn ldpc_decode_target() {
    for i in inputs(5, 60, 30000) {
        bodies::ldpc_decode(&i);
    }
    let mut v = vec![5, 128, 1, 0, 0, 0x80, 0x7f, 6];
    v.extend(f32_bytes((0..30000).map(|i| {
        if i % 7 == 0 {
            f32::INFINITY
        } else {
            -2.0
        }
    })));
    bodies::ldpc_decode(&v);
}

#[test]
fn cli_params_target() {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    for i in inputs(6, 150, 200) {
        bodies::cli_params(&i);
    }
    // Values that stress the bounds: NaN, ±inf, huge, tiny, negative.
    let specials = [
        f64::NAN,
        f64::INFINITY,
        -1e300,
        1e300,
        1e-300,
        -5.0,
        0.0,
        30.72e6,
        15.36e6,
    ];
    for _ in 0..150 {
        let mut v = Vec::new();
        v.push(r.random::<u8>() & 1);
        for _ in 0..24 {
            if r.random::<bool>() {
                v.extend(specials[r.random_range(0..specials.len())].to_le_bytes());
            } else {
                v.extend(r.random::<u64>().to_le_bytes());
            }
        }
        bodies::cli_params(&v);
    }
}
