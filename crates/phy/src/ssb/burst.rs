//! SS/PBCH burst sets: candidate SSB positions in a half frame (TS 38.213 §4.1).

use std::fmt;
use std::str::FromStr;

use nrkit_core::{Error, Numerology};

/// The five FR1/FR2 SSB patterns of TS 38.213 §4.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SsbCase {
    /// 15 kHz: first symbols {2, 8} + 14n.
    A,
    /// 30 kHz: first symbols {4, 8, 16, 20} + 28n.
    B,
    /// 30 kHz: first symbols {2, 8} + 14n.
    C,
    /// 120 kHz: first symbols {4, 8, 16, 20} + 28n.
    D,
    /// 240 kHz: first symbols {8, 12, 16, 20, 32, 36, 40, 44} + 56n.
    E,
}

impl SsbCase {
    /// All cases.
    pub const ALL: [SsbCase; 5] = [SsbCase::A, SsbCase::B, SsbCase::C, SsbCase::D, SsbCase::E];

    /// SSB subcarrier spacing in kHz.
    pub fn scs_khz(self) -> u32 {
        match self {
            SsbCase::A => 15,
            SsbCase::B | SsbCase::C => 30,
            SsbCase::D => 120,
            SsbCase::E => 240,
        }
    }

    /// Numerology of the SSB (normal CP).
    pub fn numerology(self) -> Numerology {
        Numerology::from_scs_khz(self.scs_khz()).expect("SSB spacings are NR numerologies")
    }

    /// True for the FR2 cases (D and E).
    pub fn is_fr2(self) -> bool {
        matches!(self, SsbCase::D | SsbCase::E)
    }

    /// The L_max values this case takes: 4 or 8 in FR1, 64 in FR2.
    pub fn valid_l_max(self) -> &'static [u8] {
        if self.is_fr2() {
            &[64]
        } else {
            &[4, 8]
        }
    }

    /// First OFDM symbol (counted from symbol 0 of the half frame, in the SSB numerology) of
    /// every candidate SSB, in SSB-index order (TS 38.213 §4.1).
    pub fn first_symbols(self, l_max: u8) -> Result<Vec<usize>, Error> {
        if !self.valid_l_max().contains(&l_max) {
            return Err(Error::invalid(
                "L_max",
                format!("{:?} for Case {self}", self.valid_l_max()),
                l_max,
            ));
        }
        let (base, stride, ns): (&[usize], usize, Vec<usize>) = match (self, l_max) {
            (SsbCase::A | SsbCase::C, l) => (&[2, 8], 14, (0..l as usize / 2).collect()),
            (SsbCase::B, l) => (&[4, 8, 16, 20], 28, (0..l as usize / 4).collect()),
            (SsbCase::D, _) => (
                &[4, 8, 16, 20],
                28,
                vec![0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18],
            ),
            (SsbCase::E, _) => (
                &[8, 12, 16, 20, 32, 36, 40, 44],
                56,
                vec![0, 1, 2, 3, 5, 6, 7, 8],
            ),
        };
        let mut v: Vec<usize> = ns
            .iter()
            .flat_map(|&n| base.iter().map(move |&b| b + stride * n))
            .collect();
        v.sort_unstable();
        Ok(v)
    }
}

impl fmt::Display for SsbCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl FromStr for SsbCase {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_uppercase().as_str() {
            "A" => Ok(SsbCase::A),
            "B" => Ok(SsbCase::B),
            "C" => Ok(SsbCase::C),
            "D" => Ok(SsbCase::D),
            "E" => Ok(SsbCase::E),
            _ => Err(Error::invalid("SSB case", "A, B, C, D or E", s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_per_38_213() {
        assert_eq!(SsbCase::A.first_symbols(4).unwrap(), vec![2, 8, 16, 22]);
        assert_eq!(
            SsbCase::C.first_symbols(8).unwrap(),
            vec![2, 8, 16, 22, 30, 36, 44, 50]
        );
        assert_eq!(
            SsbCase::B.first_symbols(8).unwrap(),
            vec![4, 8, 16, 20, 32, 36, 44, 48]
        );
        let d = SsbCase::D.first_symbols(64).unwrap();
        assert_eq!(d.len(), 64);
        assert_eq!(&d[..5], &[4, 8, 16, 20, 32]);
        assert_eq!(d[16], 4 + 28 * 5);
        let e = SsbCase::E.first_symbols(64).unwrap();
        assert_eq!(e.len(), 64);
        assert_eq!(e[8], 8 + 56);
        // Every SSB of 4 symbols fits in the half frame (5 ms).
        for c in SsbCase::ALL {
            for &l in c.valid_l_max() {
                let n = c.numerology().symbols_per_subframe() * 5;
                assert!(c.first_symbols(l).unwrap().iter().all(|&s| s + 4 <= n));
            }
        }
        assert!(SsbCase::D.first_symbols(8).is_err());
        assert!("F".parse::<SsbCase>().is_err());
    }
}
