//! Confidence intervals for an error rate.

/// z of a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `errors` out of `trials` at two-sided quantile `z`
/// (E. B. Wilson, 1927): centre (p̂ + z²/2n)/(1 + z²/n), half-width
/// z·√(p̂(1−p̂)/n + z²/4n²)/(1 + z²/n). Unlike the normal approximation it stays inside
/// [0, 1] and is not empty at 0 or n errors. `(0, 1)` for no trials.
pub fn wilson(errors: u64, trials: u64, z: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = errors.min(trials) as f64 / n;
    let z2 = z * z;
    let den = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / den;
    // The bounds are exactly 0 and 1 at no and all errors (not rounding residue).
    let lo = if errors == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if errors >= trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17, Table I: 81/263 → 0.2553–0.3662,
        // 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
        for (e, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (a, b) = wilson(e, n, Z95);
            assert!(
                (a - lo).abs() < 6e-5 && (b - hi).abs() < 6e-5,
                "{e}/{n}: {a} {b}"
            );
        }
        assert_eq!(wilson(0, 0, Z95), (0.0, 1.0));
        let (a, b) = wilson(10, 10, Z95);
        assert!(
            (a - 10.0 / (10.0 + Z95 * Z95)).abs() < 1e-12 && b == 1.0,
            "{a} {b}"
        );
    }
}
