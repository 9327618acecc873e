//! Every ISA against the scalar twin, on random data of every length up to
//! 3·(2·lanes)+1 (some kernels consume two registers per step).

use proptest::prelude::*;

use super::*;

const MAX_LEN: usize = 3 * 16 + 1;

fn simd_isas() -> Vec<VectorKernels> {
    Isa::available()
        .into_iter()
        .filter(|&i| i != Isa::Scalar)
        .map(|i| VectorKernels::new(i).unwrap())
        .collect()
}

fn c32s(max: usize) -> impl Strategy<Value = Vec<C32>> {
    prop::collection::vec((-4.0f32..4.0, -4.0f32..4.0), 0..=max)
        .prop_map(|v| v.into_iter().map(|(a, b)| C32::new(a, b)).collect())
}

/// Values that exercise saturation, rounding ties and NaN in conversions.
fn wild() -> impl Strategy<Value = f32> {
    prop_oneof![
        -1.5f32..1.5,
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        (-300i32..300).prop_map(|k| k as f32 / 256.0 + 1.0 / 512.0), // ties at ×128
        (-70000i32..70000).prop_map(|k| k as f32 / 32768.0 + 0.5 / 32768.0),
        -1e9f32..1e9,
    ]
}

fn bits_eq(a: &[C32], b: &[C32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.re.to_bits() == y.re.to_bits() && x.im.to_bits() == y.im.to_bits())
}

fn close(a: f32, b: f32, scale: f32) -> bool {
    (a - b).abs() <= 1e-5 * scale.max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn elementwise_bit_exact((a, b) in (0..=MAX_LEN).prop_flat_map(|n| (c32s(n).prop_map(move |mut v| { v.resize(n, C32::new(0.5, -0.25)); v }), c32s(n).prop_map(move |mut v| { v.resize(n, C32::new(-1.5, 0.75)); v }))), s in (-2.0f32..2.0, -2.0f32..2.0)) {
        let s = C32::new(s.0, s.1);
        let n = a.len();
        let sc = VectorKernels::new(Isa::Scalar).unwrap();
        for k in simd_isas() {
            let (mut r, mut o) = (vec![C32::default(); n], vec![C32::default(); n]);
            sc.mul(&a, &b, &mut r).unwrap(); k.mul(&a, &b, &mut o).unwrap();
            prop_assert!(bits_eq(&r, &o), "mul {} n={}", k.isa(), n);
            sc.conj_mul(&a, &b, &mut r).unwrap(); k.conj_mul(&a, &b, &mut o).unwrap();
            prop_assert!(bits_eq(&r, &o), "conj_mul {} n={}", k.isa(), n);
            sc.add(&a, &b, &mut r).unwrap(); k.add(&a, &b, &mut o).unwrap();
            prop_assert!(bits_eq(&r, &o), "add {} n={}", k.isa(), n);
            sc.scale(&a, s, &mut r).unwrap(); k.scale(&a, s, &mut o).unwrap();
            prop_assert!(bits_eq(&r, &o), "scale {} n={}", k.isa(), n);
            let (mut r2, mut o2) = (a.clone(), a.clone());
            sc.scale_in_place(&mut r2, s); k.scale_in_place(&mut o2, s);
            prop_assert!(bits_eq(&r2, &o2), "scale_in_place {} n={}", k.isa(), n);
            let (mut r3, mut o3) = (b.clone(), b.clone());
            sc.mac(&mut r3, &a, &b).unwrap(); k.mac(&mut o3, &a, &b).unwrap();
            prop_assert!(bits_eq(&r3, &o3), "mac {} n={}", k.isa(), n);
            let (mut m1, mut m2) = (vec![0f32; n], vec![0f32; n]);
            sc.mag_sq(&a, &mut m1).unwrap(); k.mag_sq(&a, &mut m2).unwrap();
            prop_assert!(m1.iter().zip(&m2).all(|(x, y)| x.to_bits() == y.to_bits()), "mag_sq {} n={}", k.isa(), n);
            // Reductions: same value to float rounding.
            let (e1, e2) = (sc.energy(&a), k.energy(&a));
            prop_assert!(close(e1, e2, e1), "energy {} n={} {} {}", k.isa(), n, e1, e2);
            let (d1, d2) = (sc.dot(&a, &b).unwrap(), k.dot(&a, &b).unwrap());
            let mag: f32 = a.iter().zip(&b).map(|(x, y)| x.norm() * y.norm()).sum();
            prop_assert!(close(d1.re, d2.re, mag) && close(d1.im, d2.im, mag), "dot {} n={}", k.isa(), n);
        }
    }

    #[test]
    fn argmax_matches(len in 0..=MAX_LEN, seedv in prop::collection::vec(0u8..6, MAX_LEN), nan_at in prop::option::of(0..MAX_LEN)) {
        // Few distinct magnitudes so ties across lanes are common.
        let mut x: Vec<C32> = seedv[..len].iter().map(|&v| C32::new(v as f32, 0.0)).collect();
        if let Some(p) = nan_at { if p < len { x[p] = C32::new(f32::NAN, 0.0); } }
        let sc = VectorKernels::new(Isa::Scalar).unwrap();
        let r = sc.argmax_mag_sq(&x);
        for k in simd_isas() {
            let o = k.argmax_mag_sq(&x);
            prop_assert_eq!(r.map(|v| v.0), o.map(|v| v.0), "argmax {} n={}", k.isa(), len);
            prop_assert_eq!(r.map(|v| v.1.to_bits()), o.map(|v| v.1.to_bits()));
        }
    }

    #[test]
    fn conversions_bit_exact(v in prop::collection::vec(wild(), 0..=2 * MAX_LEN), raw in prop::collection::vec(any::<i16>(), 0..=2 * MAX_LEN)) {
        let n = v.len() / 2;
        let z: Vec<C32> = v.chunks_exact(2).map(|p| C32::new(p[0], p[1])).collect();
        let sc = VectorKernels::new(Isa::Scalar).unwrap();
        let m = raw.len() / 2;
        let raw = &raw[..2 * m];
        let r8: Vec<i8> = raw.iter().map(|&x| x as i8).collect();
        let ru8: Vec<u8> = raw.iter().map(|&x| x as u8).collect();
        for k in simd_isas() {
            let (mut a, mut b) = (vec![0i16; 2 * n], vec![0i16; 2 * n]);
            sc.cf32_to_ci16(&z, &mut a).unwrap(); k.cf32_to_ci16(&z, &mut b).unwrap();
            prop_assert_eq!(&a, &b, "cf32_to_ci16 {}", k.isa());
            let (mut a, mut b) = (vec![0i8; 2 * n], vec![0i8; 2 * n]);
            sc.cf32_to_ci8(&z, &mut a).unwrap(); k.cf32_to_ci8(&z, &mut b).unwrap();
            prop_assert_eq!(&a, &b, "cf32_to_ci8 {}", k.isa());
            let (mut a, mut b) = (vec![0u8; 2 * n], vec![0u8; 2 * n]);
            sc.cf32_to_cu8(&z, &mut a).unwrap(); k.cf32_to_cu8(&z, &mut b).unwrap();
            prop_assert_eq!(&a, &b, "cf32_to_cu8 {}", k.isa());
            let (mut a, mut b) = (vec![C32::default(); m], vec![C32::default(); m]);
            sc.ci16_to_cf32(raw, &mut a).unwrap(); k.ci16_to_cf32(raw, &mut b).unwrap();
            prop_assert!(bits_eq(&a, &b), "ci16_to_cf32 {}", k.isa());
            sc.ci8_to_cf32(&r8, &mut a).unwrap(); k.ci8_to_cf32(&r8, &mut b).unwrap();
            prop_assert!(bits_eq(&a, &b), "ci8_to_cf32 {}", k.isa());
            sc.cu8_to_cf32(&ru8, &mut a).unwrap(); k.cu8_to_cf32(&ru8, &mut b).unwrap();
            prop_assert!(bits_eq(&a, &b), "cu8_to_cf32 {}", k.isa());
        }
    }
}

#[test]
fn conversion_known_values() {
    let k = VectorKernels::new(Isa::Scalar).unwrap();
    let z = [
        C32::new(1.0, -1.0),
        C32::new(f32::NAN, 0.5 / 32768.0),
        C32::new(1.5 / 32768.0, -2.0),
    ];
    let mut o = [0i16; 6];
    k.cf32_to_ci16(&z, &mut o).unwrap();
    assert_eq!(o, [32767, -32768, -32768, 0, 2, -32768]);
    let mut back = [C32::default(); 3];
    k.ci16_to_cf32(&o, &mut back).unwrap();
    assert_eq!(back[0], C32::new(32767.0 / 32768.0, -1.0));
    let mut u = [0u8; 2];
    k.cf32_to_cu8(&[C32::new(0.0, -1.0)], &mut u).unwrap();
    assert_eq!(u, [128, 0]); // 127.5 rounds to even 128
}

#[test]
fn length_mismatch_is_an_error() {
    let k = VectorKernels::detect();
    let a = [C32::default(); 3];
    let mut o = [C32::default(); 2];
    assert!(k.mul(&a, &a, &mut o).is_err());
    assert!(k.ci16_to_cf32(&[0i16; 5], &mut o).is_err());
    assert!(VectorKernels::new(Isa::Scalar).is_ok());
}

fn test_table(m: usize, seed: u32) -> crate::PamTable {
    // Arbitrary slopes/intercepts: the kernels must evaluate any table like the scalar twin.
    crate::PamTable::new(m, |b, j| {
        let h = (b as u32 * 31 + j as u32 * 7 + seed).wrapping_mul(2_654_435_761);
        (
            ((h >> 8) % 64) as f32 / 8.0 - 4.0,
            ((h >> 16) % 128) as f32 / 16.0 - 4.0,
        )
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn pam_llr_bit_exact(m in 1usize..=5, x in c32s(MAX_LEN), seed in 0u32..1000, scale in 0.1f32..10.0) {
        let t = test_table(m, seed);
        let q = 2 * m;
        let sc = VectorKernels::new(Isa::Scalar).unwrap();
        // Spread amplitudes over every interval (and beyond) of the largest PAM.
        let to_int = 9.0;
        let mut want = vec![0f32; x.len() * q];
        sc.pam_llr(&t, &x, to_int, scale, &mut want).unwrap();
        for k in simd_isas() {
            let mut got = vec![0f32; x.len() * q];
            k.pam_llr(&t, &x, to_int, scale, &mut got).unwrap();
            prop_assert!(want.iter().zip(&got).all(|(a, b)| a.to_bits() == b.to_bits()), "pam_llr {} m={} n={}", k.isa(), m, x.len());
        }
    }

    #[test]
    fn llr_to_i8_bit_exact(v in prop::collection::vec(prop_oneof![-200f32..200.0, Just(f32::NAN), (-300i32..300).prop_map(|k| k as f32 + 0.5)], 0..=100)) {
        let sc = VectorKernels::new(Isa::Scalar).unwrap();
        let mut want = vec![0i8; v.len()];
        sc.llr_to_i8(&v, &mut want).unwrap();
        for k in simd_isas() {
            let mut got = vec![0i8; v.len()];
            k.llr_to_i8(&v, &mut got).unwrap();
            prop_assert_eq!(&want, &got, "llr_to_i8 {}", k.isa());
        }
    }
}
