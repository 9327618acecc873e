//! The PDSCH demodulation reference signal, TS 38.211 §7.4.1.1.
//!
//! * Sequence (§7.4.1.1.1): r(m) = (1 − 2c(2m))/√2 + j(1 − 2c(2m+1))/√2 with the Gold
//!   sequence of §5.2.1 initialized per OFDM symbol l of slot n_s with
//!   c_init = (2^17·(N_symb^slot·n_s + l + 1)·(2·N_ID^nSCID + 1) + 2·N_ID^nSCID + n_SCID) mod 2^31
//!   (the Rel-15 form: dmrs-Downlink-r16 not configured, so λ̄ = 0).
//! * Mapping (§7.4.1.1.2): a(k, l) = β·w_f(k')·w_t(l')·r(2n + k') with
//!   k = 4n + 2k' + Δ (configuration type 1) or k = 6n + k' + Δ (type 2), k' ∈ {0, 1},
//!   l = l̄ + l'. The reference point for k (and so for the sequence index m) is subcarrier 0
//!   of common resource block 0: the sequence of CRB c starts at m = 6c (type 1) or 4c
//!   (type 2). λ (the CDM group), Δ, w_f and w_t per port come from Tables 7.4.1.1.2-1/-2.
//! * Positions l̄ (Tables 7.4.1.1.2-3 single-symbol and 7.4.1.1.2-4 double-symbol, Rel-16):
//!   for mapping type A counted from the slot start with l0 = dmrs-TypeA-Position and the
//!   duration l_d from symbol 0 to the last PDSCH symbol; for type B counted from the first
//!   PDSCH symbol with l0 = 0 and l_d the PDSCH length. l1 = 11 (no LTE CRS rate matching).
//! * Power (TS 38.214 Table 4.1-1): the DMRS EPRE exceeds the PDSCH EPRE by 0, 3 or 4.77 dB
//!   for 1, 2 or 3 CDM groups without data, so β = √(CDM groups without data) for
//!   unit-power data symbols.
//!
//! Ports are given 0-based (port 1000 + p), as MATLAB's `DMRSPortSet`.

use nrkit_core::gold::gold_bits;
use nrkit_core::{Error, C32};

/// PDSCH mapping type (TS 38.214 §5.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingType {
    /// Slot-based: DMRS from symbol 2 or 3 of the slot.
    A,
    /// Non-slot-based: DMRS from the first PDSCH symbol.
    B,
}

impl MappingType {
    /// MATLAB's name: "A" or "B".
    pub fn name(self) -> &'static str {
        match self {
            MappingType::A => "A",
            MappingType::B => "B",
        }
    }
}

/// The DMRS configuration (MATLAB nrPDSCHDMRSConfig, TS 38.331 DMRS-DownlinkConfig).
#[derive(Debug, Clone, PartialEq)]
pub struct DmrsConfig {
    /// dmrs-Type: configuration type 1 or 2.
    pub config_type: u8,
    /// dmrs-TypeA-Position: 2 or 3 (mapping type A only).
    pub type_a_position: u8,
    /// dmrs-AdditionalPosition: 0…3 (0…1 with double-symbol DMRS).
    pub additional_position: u8,
    /// maxLength: 1 (single-symbol) or 2 (double-symbol).
    pub length: u8,
    /// CDM groups without data: 1…2 (type 1) or 1…3 (type 2).
    pub num_cdm_groups_without_data: u8,
    /// N_ID^nSCID (scramblingID0/1, 0…65535); `None` uses N_ID^cell.
    pub n_id: Option<u16>,
    /// n_SCID: 0 or 1.
    pub nscid: u8,
    /// DMRS ports, 0-based (port 1000 + p): 0…7 (type 1) or 0…11 (type 2); one per layer.
    /// Empty means ports 0…υ−1.
    pub ports: Vec<u8>,
}

impl Default for DmrsConfig {
    /// MATLAB's defaults: type 1, TypeA position 2, no additional position, single symbol,
    /// 2 CDM groups without data, N_ID from the cell, n_SCID 0, ports 0…υ−1.
    fn default() -> Self {
        DmrsConfig {
            config_type: 1,
            type_a_position: 2,
            additional_position: 0,
            length: 1,
            num_cdm_groups_without_data: 2,
            n_id: None,
            nscid: 0,
            ports: Vec::new(),
        }
    }
}

/// λ, Δ, w_f(1) and w_t(1) of one DMRS port (w_f(0) = w_t(0) = +1), Tables 7.4.1.1.2-1/-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortParams {
    /// CDM group λ.
    pub cdm_group: u8,
    /// Subcarrier offset Δ.
    pub delta: u8,
    /// w_f(k' = 1): +1 or −1.
    pub wf1: i8,
    /// w_t(l' = 1): +1 or −1.
    pub wt1: i8,
}

impl DmrsConfig {
    /// Checks every field against its range, for `num_layers` layers (1…8).
    pub fn validate(&self, num_layers: usize) -> Result<(), Error> {
        if !matches!(self.config_type, 1 | 2) {
            return Err(Error::invalid(
                "dmrs_configuration_type",
                "1 or 2",
                self.config_type,
            ));
        }
        if !matches!(self.type_a_position, 2 | 3) {
            return Err(Error::invalid(
                "dmrs_type_a_position",
                "2 or 3",
                self.type_a_position,
            ));
        }
        if !matches!(self.length, 1 | 2) {
            return Err(Error::invalid("dmrs_length", "1 or 2", self.length));
        }
        let max_add = if self.length == 2 { 1 } else { 3 };
        if self.additional_position > max_add {
            return Err(Error::invalid(
                "dmrs_additional_position",
                format!("0..={max_add} with dmrs_length {}", self.length),
                self.additional_position,
            ));
        }
        let max_groups = if self.config_type == 1 { 2 } else { 3 };
        if !(1..=max_groups).contains(&self.num_cdm_groups_without_data) {
            return Err(Error::invalid(
                "num_cdm_groups_without_data",
                format!(
                    "1..={max_groups} for configuration type {}",
                    self.config_type
                ),
                self.num_cdm_groups_without_data,
            ));
        }
        if self.nscid > 1 {
            return Err(Error::invalid("nscid", "0 or 1", self.nscid));
        }
        if !(1..=8).contains(&num_layers) {
            return Err(Error::invalid("num_layers", "1..=8", num_layers));
        }
        let ports = self.ports_for(num_layers);
        if ports.len() != num_layers {
            return Err(Error::invalid(
                "dmrs_port_set",
                format!("one port per layer ({num_layers})"),
                format!("{:?}", self.ports),
            ));
        }
        let max_port = self.max_ports(); // 4·L ports for type 1 with L symbols: 4 or 8
        for (i, &p) in ports.iter().enumerate() {
            if usize::from(p) >= max_port {
                return Err(Error::invalid(
                    "dmrs_port_set",
                    format!(
                        "ports 0..={} for configuration type {} with dmrs_length {}",
                        max_port - 1,
                        self.config_type,
                        self.length
                    ),
                    p,
                ));
            }
            if ports[..i].contains(&p) {
                return Err(Error::invalid("dmrs_port_set", "distinct ports", p));
            }
            let g = self.port_params(p).cdm_group;
            if g >= self.num_cdm_groups_without_data {
                return Err(Error::invalid(
                    "dmrs_port_set",
                    format!(
                        "ports whose CDM group is below num_cdm_groups_without_data ({})",
                        self.num_cdm_groups_without_data
                    ),
                    format!("port {p} in CDM group {g}"),
                ));
            }
        }
        Ok(())
    }

    /// Ports the configuration type and length allow: 4 or 8 (type 1), 6 or 12 (type 2).
    pub fn max_ports(&self) -> usize {
        let per_symbol = if self.config_type == 1 { 4 } else { 6 };
        per_symbol * usize::from(self.length.clamp(1, 2))
    }

    /// The ports used for `num_layers` layers (the configured set, or 0…υ−1).
    pub fn ports_for(&self, num_layers: usize) -> Vec<u8> {
        if self.ports.is_empty() {
            (0..num_layers.min(12) as u8).collect()
        } else {
            self.ports.clone()
        }
    }

    /// Table 7.4.1.1.2-1 (type 1) / 7.4.1.1.2-2 (type 2) for port 1000 + `p`.
    pub fn port_params(&self, p: u8) -> PortParams {
        let wf1 = if p.is_multiple_of(2) { 1 } else { -1 };
        if self.config_type == 1 {
            let g = (p / 2) % 2;
            PortParams {
                cdm_group: g,
                delta: g,
                wf1,
                wt1: if p < 4 { 1 } else { -1 },
            }
        } else {
            let g = (p / 2) % 3;
            PortParams {
                cdm_group: g,
                delta: 2 * g,
                wf1,
                wt1: if p < 6 { 1 } else { -1 },
            }
        }
    }

    /// DMRS REs per PRB and DMRS symbol (per CDM group): 6 (type 1) or 4 (type 2).
    pub fn res_per_group(&self) -> usize {
        if self.config_type == 1 {
            6
        } else {
            4
        }
    }

    /// The subcarriers (0…11 within an RB) of CDM group `g`, in sequence order
    /// (m = 2n + k' ascending).
    pub fn group_subcarriers(&self, g: u8) -> Vec<usize> {
        if self.config_type == 1 {
            (0..6).map(|i| 2 * i + usize::from(g)).collect()
        } else {
            (0..4)
                .map(|i| 6 * (i / 2) + i % 2 + 2 * usize::from(g))
                .collect()
        }
    }

    /// Amplitude β of the DMRS relative to unit-power data (TS 38.214 Table 4.1-1).
    pub fn beta(&self) -> f32 {
        f32::from(self.num_cdm_groups_without_data.max(1)).sqrt()
    }

    /// The DMRS symbols of a PDSCH (slot symbol indices, ascending; both symbols of a
    /// double-symbol DMRS) for `mapping` and the allocation `start`, `length`.
    ///
    /// Errors name the combination the tables leave empty (for example type A shorter
    /// than 3 symbols, or double-symbol DMRS in a 2-symbol type B PDSCH).
    pub fn symbols(
        &self,
        mapping: MappingType,
        start: usize,
        length: usize,
    ) -> Result<Vec<usize>, Error> {
        if start >= 14 || length == 0 || start + length > 14 {
            return Err(Error::invalid(
                "symbol_allocation",
                "[start, length] with start + length <= 14",
                format!("[{start}, {length}]"),
            ));
        }
        let (l0, ld, origin) = match mapping {
            MappingType::A => {
                if start > usize::from(self.type_a_position) {
                    return Err(Error::invalid(
                        "symbol_allocation",
                        format!(
                            "a start at or before dmrs_type_a_position ({}) for mapping type A",
                            self.type_a_position
                        ),
                        format!("[{start}, {length}]"),
                    ));
                }
                (usize::from(self.type_a_position), start + length, 0)
            }
            MappingType::B => (0, length, start),
        };
        let rel = positions(
            mapping,
            self.length,
            self.additional_position,
            l0,
            ld,
            self.type_a_position,
        )
        .ok_or_else(|| {
            Error::invalid(
                "DMRS positions (TS 38.211 Tables 7.4.1.1.2-3/-4)",
                format!(
                    "a PDSCH duration the tables define for mapping type {} with dmrs_length {}",
                    mapping.name(),
                    self.length
                ),
                format!("duration {ld}"),
            )
        })?;
        let mut out = Vec::with_capacity(rel.len() * 2);
        for l in rel {
            for lp in 0..usize::from(self.length) {
                out.push(origin + l + lp);
            }
        }
        if out.iter().any(|&l| l < start || l >= start + length) {
            return Err(Error::invalid(
                "symbol_allocation",
                "an allocation that contains its DMRS symbols",
                format!("[{start}, {length}] with DMRS in {out:?}"),
            ));
        }
        Ok(out)
    }
}

/// l̄ values of Tables 7.4.1.1.2-3 (single) and 7.4.1.1.2-4 (double), relative to the
/// table's origin; `None` where the table has no entry.
fn positions(
    mapping: MappingType,
    length: u8,
    add: u8,
    l0: usize,
    ld: usize,
    type_a_pos: u8,
) -> Option<Vec<usize>> {
    let add = usize::from(add);
    let pick = |rows: [&[usize]; 4]| -> Vec<usize> {
        let mut v = vec![l0];
        v.extend_from_slice(rows[add.min(3)]);
        v
    };
    match (mapping, length) {
        (MappingType::A, 1) => {
            // l_d = 3 and 4 exist only with dmrs-TypeA-Position 2; additional position 3
            // only with TypeA-Position 2 (TS 38.211 §7.4.1.1.2).
            if ld < 3 || (ld == 3 && type_a_pos != 2) || (add == 3 && type_a_pos != 2) {
                return None;
            }
            Some(match ld {
                3..=7 => vec![l0],
                8 | 9 => pick([&[], &[7], &[7], &[7]]),
                10 | 11 => pick([&[], &[9], &[6, 9], &[6, 9]]),
                12 => pick([&[], &[9], &[6, 9], &[5, 8, 11]]),
                _ => pick([&[], &[11], &[7, 11], &[5, 8, 11]]),
            })
        }
        (MappingType::A, _) => {
            if ld < 4 || (ld == 4 && type_a_pos != 2) {
                return None;
            }
            Some(match ld {
                4..=9 => vec![l0],
                10..=12 => pick([&[], &[8], &[8], &[8]]),
                _ => pick([&[], &[10], &[10], &[10]]),
            })
        }
        (MappingType::B, 1) => Some(match ld {
            2..=4 => vec![l0],
            5..=7 => pick([&[], &[4], &[4], &[4]]),
            8 => pick([&[], &[6], &[3, 6], &[3, 6]]),
            9 | 10 => pick([&[], &[7], &[4, 7], &[4, 7]]),
            11 => pick([&[], &[8], &[4, 8], &[3, 6, 9]]),
            12 | 13 => pick([&[], &[9], &[5, 9], &[3, 6, 9]]),
            _ => return None,
        }),
        (MappingType::B, _) => Some(match ld {
            5..=7 => vec![l0],
            8 | 9 => pick([&[], &[5], &[5], &[5]]),
            10 | 11 => pick([&[], &[7], &[7], &[7]]),
            12 | 13 => pick([&[], &[8], &[8], &[8]]),
            _ => return None,
        }),
    }
}

/// c_init of the DMRS sequence of symbol `l` (0…13) in slot `n_slot` (within the frame)
/// with `n_symb_slot` symbols per slot, N_ID^nSCID `n_id` and n_SCID `nscid` (§7.4.1.1.1).
pub fn c_init(n_symb_slot: usize, n_slot: usize, l: usize, n_id: u16, nscid: u8) -> u32 {
    let a = (n_symb_slot * n_slot + l + 1) as u64;
    let n = 2 * u64::from(n_id) + 1;
    (((a * n) << 17) + 2 * u64::from(n_id) + u64::from(nscid & 1)) as u32 & 0x7fff_ffff
}

/// The DMRS values r(m) of one CDM group's REs for CRBs `first_crb…first_crb + n_crb − 1`
/// (`res_per_rb` = 6 for type 1, 4 for type 2; m from `res_per_rb·first_crb`), unit power.
pub fn sequence(c_init: u32, first_crb: usize, n_crb: usize, res_per_rb: usize) -> Vec<C32> {
    let m0 = (first_crb * res_per_rb) as u64;
    let n = n_crb * res_per_rb;
    let bits = gold_bits(c_init, 2 * m0, 2 * n);
    let a = std::f32::consts::FRAC_1_SQRT_2;
    bits.chunks_exact(2)
        .map(|b| {
            C32::new(
                a * (1.0 - 2.0 * f32::from(b[0])),
                a * (1.0 - 2.0 * f32::from(b[1])),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(t: u8, len: u8, add: u8, pos: u8) -> DmrsConfig {
        DmrsConfig {
            config_type: t,
            length: len,
            additional_position: add,
            type_a_position: pos,
            ..DmrsConfig::default()
        }
    }

    #[test]
    fn positions_follow_the_tables() {
        let c = cfg(1, 1, 2, 2);
        assert_eq!(c.symbols(MappingType::A, 0, 14).unwrap(), vec![2, 7, 11]);
        assert_eq!(
            cfg(1, 1, 3, 2).symbols(MappingType::A, 0, 14).unwrap(),
            vec![2, 5, 8, 11]
        );
        assert_eq!(
            cfg(1, 1, 1, 3).symbols(MappingType::A, 1, 13).unwrap(),
            vec![3, 11]
        );
        assert_eq!(
            cfg(1, 1, 1, 2).symbols(MappingType::A, 2, 10).unwrap(),
            vec![2, 9]
        );
        assert_eq!(
            cfg(1, 2, 1, 2).symbols(MappingType::A, 0, 14).unwrap(),
            vec![2, 3, 10, 11]
        );
        assert_eq!(
            cfg(2, 1, 2, 2).symbols(MappingType::B, 4, 8).unwrap(),
            vec![4, 7, 10]
        );
        assert_eq!(
            cfg(1, 1, 1, 2).symbols(MappingType::B, 5, 7).unwrap(),
            vec![5, 9]
        );
        assert_eq!(
            cfg(1, 1, 0, 2).symbols(MappingType::B, 12, 2).unwrap(),
            vec![12]
        );
        // Empty table cells and out-of-allocation DMRS are errors.
        assert!(cfg(1, 1, 0, 2).symbols(MappingType::A, 0, 2).is_err());
        assert!(cfg(1, 1, 0, 3).symbols(MappingType::A, 0, 3).is_err());
        assert!(cfg(1, 1, 3, 3).symbols(MappingType::A, 0, 14).is_err());
        assert!(cfg(1, 2, 0, 2).symbols(MappingType::B, 0, 4).is_err());
        assert!(cfg(1, 1, 0, 2).symbols(MappingType::B, 0, 14).is_err());
        assert!(cfg(1, 1, 0, 2).symbols(MappingType::A, 3, 11).is_err());
        assert!(cfg(1, 1, 0, 2).symbols(MappingType::A, 0, 15).is_err());
    }

    #[test]
    fn port_tables() {
        let t1 = cfg(1, 2, 0, 2);
        let p: Vec<_> = (0..8).map(|p| t1.port_params(p)).collect();
        assert_eq!(
            p.iter().map(|x| x.cdm_group).collect::<Vec<_>>(),
            [0, 0, 1, 1, 0, 0, 1, 1]
        );
        assert_eq!(p[3].wf1, -1);
        assert_eq!(p[3].wt1, 1);
        assert_eq!(p[5].wt1, -1);
        let t2 = cfg(2, 2, 0, 2);
        let p: Vec<_> = (0..12).map(|p| t2.port_params(p)).collect();
        assert_eq!(
            p.iter().map(|x| x.delta).collect::<Vec<_>>(),
            [0, 0, 2, 2, 4, 4, 0, 0, 2, 2, 4, 4]
        );
        assert_eq!(p[7].wt1, -1);
        assert_eq!(p[6].wf1, 1);
        assert_eq!(t2.group_subcarriers(1), vec![2, 3, 8, 9]);
        assert_eq!(t1.group_subcarriers(1), vec![1, 3, 5, 7, 9, 11]);
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = DmrsConfig::default();
        assert!(c.validate(2).is_ok());
        c.ports = vec![0, 2];
        assert!(c.validate(2).is_ok());
        c.num_cdm_groups_without_data = 1;
        let e = c.validate(2).unwrap_err().to_string();
        assert!(e.contains("dmrs_port_set"), "{e}");
        c.num_cdm_groups_without_data = 3;
        assert!(c.validate(2).unwrap_err().to_string().contains("num_cdm"));
        let c = DmrsConfig {
            length: 2,
            additional_position: 2,
            ..DmrsConfig::default()
        };
        assert!(c.validate(1).is_err());
        let c = DmrsConfig {
            ports: vec![4],
            ..DmrsConfig::default()
        };
        assert!(c.validate(1).is_err());
    }

    #[test]
    fn c_init_matches_the_formula() {
        // 2^17·(14·3 + 5 + 1)·(2·7 + 1) + 2·7 + 1, mod 2^31
        let want = ((48u64 * 15) << 17) + 15;
        assert_eq!(u64::from(c_init(14, 3, 5, 7, 1)), want % (1 << 31));
        let big = c_init(14, 159, 13, 65535, 1);
        assert!(big < (1 << 31));
    }
}
