//! Gold sequence against py3gpp `nrPRBS` (vectors: scripts/make_vectors.py).

use nrkit_core::gold::gold_bits;

#[test]
fn prbs_matches_py3gpp() {
    let text = include_str!("../testdata/prbs.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["generator"], "py3gpp");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for c in cases {
        let c_init = c["c_init"].as_u64().unwrap() as u32;
        let want: Vec<u8> = c["bits"]
            .as_str()
            .unwrap()
            .bytes()
            .map(|b| b - b'0')
            .collect();
        assert_eq!(gold_bits(c_init, 0, want.len()), want, "c_init={c_init}");
        // The jump agrees with the same vectors at an offset.
        assert_eq!(
            gold_bits(c_init, 1234, 500)[..],
            want[1234..1734],
            "c_init={c_init} offset"
        );
    }
}
