//! Additive white Gaussian noise: circularly symmetric complex Gaussian samples of a given
//! variance per complex sample (E|n|², see [`crate::Snr`] for the variance of an SNR).

use nrkit_core::{rng, C32};
use rand::Rng;

/// Adds noise of variance `variance` (E|n|² per complex sample) to `x`, drawn from `r`
/// (one complex draw per sample, in order, so a seeded stream gives the same noise on
/// every machine and thread count).
pub fn add_awgn<R: Rng>(x: &mut [C32], variance: f64, r: &mut R) {
    for v in x {
        *v += rng::complex_normal(r, variance);
    }
}

/// `n` samples of noise alone.
pub fn noise<R: Rng>(n: usize, variance: f64, r: &mut R) -> Vec<C32> {
    (0..n).map(|_| rng::complex_normal(r, variance)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_has_the_variance_and_no_mean() {
        let mut r = rng::stream(4, 0);
        let mut x = vec![C32::new(1.0, 0.0); 100_000];
        add_awgn(&mut x, 0.5, &mut r);
        let n = x.len() as f64;
        let mean: C32 = x.iter().sum::<C32>() / n as f32;
        let var = x
            .iter()
            .map(|v| f64::from((v - mean).norm_sqr()))
            .sum::<f64>()
            / n;
        assert!((mean - C32::new(1.0, 0.0)).norm() < 0.01);
        assert!((var - 0.5).abs() < 0.01, "{var}");
        assert_eq!(
            noise(3, 1.0, &mut rng::stream(1, 1)),
            noise(3, 1.0, &mut rng::stream(1, 1))
        );
    }
}
