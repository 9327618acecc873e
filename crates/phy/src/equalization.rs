//! Equalization of one layer per RE given a channel estimate: x̂ = y·h*/|h|² (the
//! zero-forcing and the unbiased MMSE estimate coincide for one layer) with the noise
//! variance after equalization σ²/|h|², which the soft demappers take per RE. Used by the
//! PBCH receiver; the PDSCH/PDCCH receivers use it per layer.

use nrkit_core::{Error, C32};

/// Smallest |h|² divided by (an estimate this small is treated as this, so the output and
/// its noise variance stay finite).
pub const MIN_POWER: f32 = 1e-30;

/// Equalizes `y` by `h` per RE into `out`, and writes σ²/|h|² (σ² = `noise_var`, per
/// complex RE) into `noise_out`. All four slices have equal length.
pub fn equalize(
    y: &[C32],
    h: &[C32],
    noise_var: f32,
    out: &mut [C32],
    noise_out: &mut [f32],
) -> Result<(), Error> {
    Error::check_len("channel estimates", y.len(), h.len())?;
    Error::check_len("equalizer output", y.len(), out.len())?;
    Error::check_len("equalizer noise output", y.len(), noise_out.len())?;
    if !(noise_var.is_finite() && noise_var >= 0.0) {
        return Err(Error::invalid("noise variance", ">= 0, finite", noise_var));
    }
    for (((o, n), a), g) in out.iter_mut().zip(noise_out.iter_mut()).zip(y).zip(h) {
        let p = g.norm_sqr().max(MIN_POWER);
        *o = a * g.conj() / p;
        *n = noise_var / p;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undoes_the_channel_and_scales_the_noise() {
        let x = [C32::new(1.0, 1.0), C32::new(-1.0, 1.0), C32::new(0.5, 0.0)];
        let h = [C32::new(0.0, 2.0), C32::new(0.5, -0.5), C32::default()];
        let y: Vec<C32> = x.iter().zip(&h).map(|(a, b)| a * b).collect();
        let mut out = [C32::default(); 3];
        let mut nv = [0f32; 3];
        equalize(&y, &h, 0.1, &mut out, &mut nv).unwrap();
        assert!((out[0] - x[0]).norm() < 1e-6 && (out[1] - x[1]).norm() < 1e-6);
        assert!((nv[0] - 0.025).abs() < 1e-7 && (nv[1] - 0.2).abs() < 1e-6);
        assert!(out[2].re.is_finite() && nv[2].is_finite());
        assert!(equalize(&y, &h[..2], 0.1, &mut out, &mut nv).is_err());
        assert!(equalize(&y, &h, f32::NAN, &mut out, &mut nv).is_err());
    }
}
