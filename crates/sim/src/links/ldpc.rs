//! One LDPC code block over AWGN: K random bits → LDPC encoding (TS 38.212 §5.3.2) → rate
//! matching to E bits at rv 0 with the bit interleaver (§5.4.2) → modulation (TS 38.211
//! §5.1) → AWGN → max-log soft demapping → rate recovery → the layered min-sum decoder.
//! No fillers, no CRC: a block error is any of the K bits wrong after decoding.

use std::collections::BTreeMap;

use nrkit_channel::add_awgn;
use nrkit_coding::ldpc::{
    sum_product_reference, BaseGraph, DecoderConfig, LdpcDecoder, LdpcEncoder, LiftingSize,
    RateMatch,
};
use nrkit_core::{rng, Error, C32};
use nrkit_phy::modulation::{map, Demapper, Modulation};
use rand_chacha::ChaCha8Rng;

use crate::runner::{Link, Trial};

/// The LDPC link.
#[derive(Debug, Clone)]
pub struct LdpcLink {
    bg: BaseGraph,
    z: LiftingSize,
    rate: f64,
    modulation: Modulation,
    e: usize,
    decoder: DecoderConfig,
    sum_product: bool,
    enc: LdpcEncoder,
    dec: LdpcDecoder,
    rm: RateMatch,
}

impl LdpcLink {
    /// Base graph 1 or 2, lifting size `z`, code rate `rate` = K/E (E rounded to whole
    /// symbols, at most the circular buffer N), modulation and decoder iterations.
    pub fn new(
        bg: u8,
        z: usize,
        rate: f64,
        modulation: Modulation,
        iterations: usize,
    ) -> Result<Self, Error> {
        let bg = BaseGraph::from_number(bg)?;
        let z = LiftingSize::new(z)?;
        let k = bg.info_columns() * z.value();
        let n = bg.n_over_z() * z.value();
        // The lowest rate rv 0 reaches without repetition is K/N; the highest a decoder can
        // use has to leave parity beyond the 2Z punctured columns.
        let r_min = k as f64 / n as f64;
        // Rates written with four decimals (0.3333 for BG1's 1/3) count as K/N.
        if !(rate.is_finite() && rate >= r_min - 1e-4 && rate < 1.0) {
            return Err(Error::invalid(
                "code rate",
                format!("{r_min:.6} <= R < 1 for BG{} (K/N .. 1)", bg.number()),
                rate,
            ));
        }
        if !(1..=100).contains(&iterations) {
            return Err(Error::invalid("iterations", "1..=100", iterations));
        }
        let q = modulation.bits_per_symbol();
        let e = ((k as f64 / rate / q as f64).round() as usize * q).min(n / q * q);
        if e <= k {
            return Err(Error::invalid(
                "code rate",
                "E > K after rounding to symbols",
                rate,
            ));
        }
        Ok(LdpcLink {
            bg,
            z,
            rate,
            modulation,
            e,
            decoder: DecoderConfig {
                max_iterations: iterations,
                ..DecoderConfig::default()
            },
            sum_product: false,
            enc: LdpcEncoder::new(bg, z)?,
            dec: LdpcDecoder::new(bg, z)?,
            rm: RateMatch::with_fillers(bg, z, k, None, 1)?,
        })
    }

    /// Decodes with the f64 layered sum-product reference decoder
    /// ([`nrkit_coding::ldpc::sum_product_reference`]) instead of the 8-bit min-sum one: the
    /// accuracy yardstick of the min-sum approximation.
    pub fn with_sum_product(mut self) -> Self {
        self.sum_product = true;
        self
    }

    /// Information bits K.
    pub fn k(&self) -> usize {
        self.bg.info_columns() * self.z.value()
    }

    /// Transmitted bits E.
    pub fn e(&self) -> usize {
        self.e
    }
}

impl Link for LdpcLink {
    fn name(&self) -> &str {
        "ldpc"
    }

    fn params(&self) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        p.insert("base_graph".into(), self.bg.number().to_string());
        p.insert("z".into(), self.z.value().to_string());
        p.insert("k".into(), self.k().to_string());
        p.insert("e".into(), self.e.to_string());
        p.insert("rate".into(), format!("{}", self.rate));
        p.insert(
            "effective_rate".into(),
            format!("{:.6}", self.k() as f64 / self.e as f64),
        );
        p.insert("modulation".into(), self.modulation.name().into());
        p.insert(
            "max_iterations".into(),
            self.decoder.max_iterations.to_string(),
        );
        let decoder = if self.sum_product {
            "layered sum-product, f64 (reference), early stop"
        } else {
            "layered normalized min-sum, 8-bit, early stop"
        };
        p.insert("decoder".into(), decoder.into());
        p
    }

    fn snr_definition(&self) -> String {
        "Es/N0 per modulation symbol (unit-power symbols, complex noise variance 10^(-SNR/10))"
            .into()
    }

    fn trial(&self, snr_db: f64, r: &mut ChaCha8Rng) -> Result<Trial, Error> {
        let k = self.k();
        let q = self.modulation.bits_per_symbol();
        let (enc, dec, rm) = (&self.enc, &self.dec, &self.rm);
        let mut c = vec![0u8; k];
        rng::fill_bits(r, &mut c);
        let mut d = vec![0u8; enc.n()];
        enc.encode(&c, &mut d)?;
        let mut f = vec![0u8; self.e];
        rm.rate_match(&d, 0, q, &mut f)?;
        let mut x = vec![C32::default(); self.e / q];
        map(self.modulation, &f, &mut x)?;
        let nv = 10f64.powf(-snr_db / 10.0);
        add_awgn(&mut x, nv, r);
        let mut llr = vec![0f32; self.e];
        Demapper::new(self.modulation).demap(&x, nv as f32, &mut llr)?;
        let mut soft = vec![0f32; rm.n()];
        rm.rate_recover(&llr, 0, q, &mut soft)?;
        let (out, o) = if self.sum_product {
            sum_product_reference(self.bg, self.z, &soft, self.decoder.max_iterations)?
        } else {
            let mut out = vec![0u8; k];
            let o = dec.decode(&soft, &self.decoder, &mut out)?;
            (out, o)
        };
        let bit_errors = out.iter().zip(&c).filter(|(a, b)| a != b).count() as u64;
        Ok(Trial {
            block_error: bit_errors > 0,
            bit_errors,
            bits: k as u64,
            iterations: o.iterations as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_at_high_snr_and_fails_at_low() {
        let l = LdpcLink::new(2, 52, 0.2, Modulation::Qpsk, 10).unwrap();
        assert_eq!(l.k(), 520);
        assert_eq!(l.e(), 2600);
        let mut r = rng::stream(1, 0);
        let good = l.trial(2.0, &mut r).unwrap();
        assert!(!good.block_error && good.bits == 520, "{good:?}");
        let bad = l.trial(-12.0, &mut r).unwrap();
        assert!(bad.block_error && bad.bit_errors > 20, "{bad:?}");
    }

    #[test]
    fn refuses_impossible_rates() {
        for (bg, z, rate) in [
            (1, 384, 0.3),
            (2, 52, 0.1),
            (1, 384, 1.0),
            (1, 384, f64::NAN),
        ] {
            assert!(
                LdpcLink::new(bg, z, rate, Modulation::Qpsk, 10).is_err(),
                "{bg} {rate}"
            );
        }
        assert!(LdpcLink::new(1, 7, 0.5, Modulation::Qpsk, 10).is_ok());
        assert!(LdpcLink::new(1, 401, 0.5, Modulation::Qpsk, 10).is_err());
        assert!(LdpcLink::new(1, 384, 0.5, Modulation::Qpsk, 0).is_err());
    }
}
