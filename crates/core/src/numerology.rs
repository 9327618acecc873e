//! Numerology μ and cyclic prefix (TS 38.211 §4.2, §4.3.2, §5.3.1).

use crate::{Error, KAPPA};

/// Cyclic prefix type (TS 38.211 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CyclicPrefix {
    /// Normal cyclic prefix, 14 symbols per slot.
    Normal,
    /// Extended cyclic prefix, 12 symbols per slot (μ = 2 only).
    Extended,
}

/// A validated numerology: subcarrier spacing Δf = 2^μ · 15 kHz with a cyclic prefix type
/// (TS 38.211 Table 4.2-1). μ ∈ 0..=4 with normal CP; extended CP only for μ = 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Numerology {
    mu: u8,
    cp: CyclicPrefix,
}

impl Numerology {
    /// Validates μ (0..=4) and the CP (extended only with μ = 2).
    pub fn new(mu: u8, cp: CyclicPrefix) -> Result<Self, Error> {
        if mu > 4 {
            return Err(Error::invalid("numerology mu", "0..=4", mu));
        }
        if cp == CyclicPrefix::Extended && mu != 2 {
            return Err(Error::invalid(
                "cyclic prefix",
                "extended CP only with mu = 2 (60 kHz)",
                format!("extended CP with mu = {mu}"),
            ));
        }
        Ok(Numerology { mu, cp })
    }

    /// Normal-CP numerology from the subcarrier spacing in kHz (15, 30, 60, 120, 240).
    pub fn from_scs_khz(scs_khz: u32) -> Result<Self, Error> {
        let mu = match scs_khz {
            15 => 0,
            30 => 1,
            60 => 2,
            120 => 3,
            240 => 4,
            other => {
                return Err(Error::invalid(
                    "subcarrier spacing",
                    "15, 30, 60, 120 or 240 kHz",
                    format!("{other} kHz"),
                ))
            }
        };
        Numerology::new(mu, CyclicPrefix::Normal)
    }

    /// μ.
    pub fn mu(self) -> u8 {
        self.mu
    }

    /// The cyclic prefix type.
    pub fn cp(self) -> CyclicPrefix {
        self.cp
    }

    /// Subcarrier spacing in Hz.
    pub fn scs_hz(self) -> f64 {
        15e3 * f64::from(1u32 << self.mu)
    }

    /// Subcarrier spacing in kHz.
    pub fn scs_khz(self) -> u32 {
        15 << self.mu
    }

    /// Slots per 1 ms subframe, N_slot^subframe,μ = 2^μ.
    pub fn slots_per_subframe(self) -> usize {
        1 << self.mu
    }

    /// Slots per 10 ms frame.
    pub fn slots_per_frame(self) -> usize {
        10 << self.mu
    }

    /// OFDM symbols per slot: 14 (normal CP) or 12 (extended CP).
    pub fn symbols_per_slot(self) -> usize {
        match self.cp {
            CyclicPrefix::Normal => 14,
            CyclicPrefix::Extended => 12,
        }
    }

    /// OFDM symbols per subframe.
    pub fn symbols_per_subframe(self) -> usize {
        self.symbols_per_slot() << self.mu
    }

    /// Useful symbol length N_u in T_c units: 2048·κ·2^-μ (TS 38.211 §5.3.1).
    pub fn n_u_tc(self) -> u64 {
        (2048 * KAPPA as u64) >> self.mu
    }

    /// Cyclic prefix length N_CP,l in T_c units for symbol `l_in_subframe` (TS 38.211 §5.3.1):
    /// extended 512·κ·2^-μ; normal 144·κ·2^-μ + 16·κ for l = 0 and l = 7·2^μ, else
    /// 144·κ·2^-μ.
    pub fn n_cp_tc(self, l_in_subframe: usize) -> u64 {
        let k = KAPPA as u64;
        match self.cp {
            CyclicPrefix::Extended => (512 * k) >> self.mu,
            CyclicPrefix::Normal => {
                let base = (144 * k) >> self.mu;
                if l_in_subframe == 0 || l_in_subframe == 7 << self.mu {
                    base + 16 * k
                } else {
                    base
                }
            }
        }
    }

    /// Start of symbol `l_in_subframe` within its subframe, t_start,l, in T_c units
    /// (TS 38.211 §5.3.1).
    pub fn t_start_tc(self, l_in_subframe: usize) -> u64 {
        (0..l_in_subframe)
            .map(|l| self.n_u_tc() + self.n_cp_tc(l))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(Numerology::new(5, CyclicPrefix::Normal).is_err());
        assert!(Numerology::new(1, CyclicPrefix::Extended).is_err());
        assert!(Numerology::new(2, CyclicPrefix::Extended).is_ok());
        assert!(Numerology::from_scs_khz(45).is_err());
    }

    #[test]
    fn subframe_is_one_ms() {
        for mu in 0..=4 {
            let n = Numerology::new(mu, CyclicPrefix::Normal).unwrap();
            let total: u64 = (0..n.symbols_per_subframe())
                .map(|l| n.n_u_tc() + n.n_cp_tc(l))
                .sum();
            assert_eq!(total as f64 * crate::T_C, 1e-3, "mu={mu}");
        }
        let e = Numerology::new(2, CyclicPrefix::Extended).unwrap();
        let total: u64 = (0..e.symbols_per_subframe())
            .map(|l| e.n_u_tc() + e.n_cp_tc(l))
            .sum();
        assert!((total as f64 * crate::T_C - 1e-3).abs() < 1e-12);
    }
}
