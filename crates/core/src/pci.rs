//! Physical cell identity (TS 38.211 §7.4.2.1).

use crate::Error;

/// Physical layer cell identity N_ID^cell = 3·N_ID^(1) + N_ID^(2), in 0..=1007
/// (TS 38.211 §7.4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pci(u16);

impl Pci {
    /// Largest valid PCI.
    pub const MAX: u16 = 1007;

    /// Validates `value` (0..=1007).
    pub fn new(value: u16) -> Result<Self, Error> {
        if value <= Self::MAX {
            Ok(Pci(value))
        } else {
            Err(Error::invalid("PCI", "0..=1007", value))
        }
    }

    /// Builds the PCI from N_ID^(1) (0..=335) and N_ID^(2) (0..=2).
    pub fn from_parts(n_id_1: u16, n_id_2: u8) -> Result<Self, Error> {
        if n_id_1 > 335 {
            return Err(Error::invalid("N_ID1", "0..=335", n_id_1));
        }
        if n_id_2 > 2 {
            return Err(Error::invalid("N_ID2", "0..=2", n_id_2));
        }
        Ok(Pci(3 * n_id_1 + n_id_2 as u16))
    }

    /// The PCI value.
    pub fn value(self) -> u16 {
        self.0
    }

    /// N_ID^(1) = ⌊PCI / 3⌋ (SSS group).
    pub fn n_id_1(self) -> u16 {
        self.0 / 3
    }

    /// N_ID^(2) = PCI mod 3 (PSS sequence).
    pub fn n_id_2(self) -> u8 {
        (self.0 % 3) as u8
    }
}

impl std::fmt::Display for Pci {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_parts() {
        assert!(Pci::new(1008).is_err());
        let p = Pci::new(1007).unwrap();
        assert_eq!((p.n_id_1(), p.n_id_2()), (335, 2));
        assert_eq!(Pci::from_parts(335, 2).unwrap(), p);
        assert!(Pci::from_parts(336, 0).is_err());
        assert!(Pci::from_parts(0, 3).is_err());
    }
}
