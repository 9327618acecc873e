//! DCI formats 1_0 and 0_0 (TS 38.212 §7.3.1.1.1, §7.3.1.2.1): field lists, sizes, packing
//! and unpacking, and the type-1 resource indication value (TS 38.214 §5.1.2.2.2).
//!
//! Fields are packed in the order of the specification, each most significant bit first;
//! a_0 is the first bit of the first field. Sizes follow Release 15/16 for operation
//! without shared spectrum access: the frequency-domain assignment has
//! ⌈log2(N(N+1)/2)⌉ bits for a BWP (or CORESET#0) of N RBs, and every 1_0 variant has
//! that many plus 28 bits. Format 0_0 is padded with zeros to the size of 1_0 in the same
//! search space, or its frequency-domain assignment truncated from the most significant
//! bits when it is larger (§7.3.1.0). Formats 1_1 and 0_1 are not implemented yet.

use nrkit_core::Error;

/// The RNTI a format-1_0 CRC is scrambled with, which selects its field set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RntiType {
    /// C-RNTI, CS-RNTI or MCS-C-RNTI.
    C,
    /// SI-RNTI (0xFFFF): SIB1 and other system information.
    Si,
    /// RA-RNTI: the random-access response.
    Ra,
    /// P-RNTI (0xFFFE): paging and short messages.
    P,
    /// TC-RNTI: Msg4.
    Tc,
}

/// SI-RNTI (TS 38.321 Table 7.1-1).
pub const SI_RNTI: u16 = 0xffff;
/// P-RNTI (TS 38.321 Table 7.1-1).
pub const P_RNTI: u16 = 0xfffe;

impl RntiType {
    /// The type of a fixed RNTI value: SI-RNTI and P-RNTI; any other value is taken as a
    /// C-RNTI (RA- and TC-RNTIs share its range and must be named by the caller).
    pub fn of(rnti: u16) -> Self {
        match rnti {
            SI_RNTI => RntiType::Si,
            P_RNTI => RntiType::P,
            _ => RntiType::C,
        }
    }
}

/// A DCI format's field list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DciFormat {
    /// "1_0" or "0_0".
    pub name: &'static str,
    /// (field name, bits) in transmission order.
    pub fields: Vec<(&'static str, usize)>,
}

/// Most RBs of a BWP (TS 38.211 §4.4.5).
const MAX_N_RB: usize = 275;

fn fdra_bits(n_rb: usize) -> usize {
    let v = n_rb * (n_rb + 1) / 2;
    (usize::BITS - (v - 1).leading_zeros()) as usize
}

fn check_n_rb(n_rb: usize) -> Result<(), Error> {
    if n_rb == 0 || n_rb > MAX_N_RB {
        return Err(Error::invalid("DCI bandwidth N_RB", "1..=275", n_rb));
    }
    Ok(())
}

impl DciFormat {
    /// Format 1_0 with CRC scrambled by an RNTI of type `rnti` for a bandwidth of `n_rb`
    /// RBs (CORESET#0's size in CORESET#0, else the BWP's), §7.3.1.2.1.
    pub fn f1_0(rnti: RntiType, n_rb: usize) -> Result<Self, Error> {
        check_n_rb(n_rb)?;
        let f = fdra_bits(n_rb);
        let fields = match rnti {
            RntiType::C | RntiType::Tc => vec![
                ("identifier", 1),
                ("frequency_domain_assignment", f),
                ("time_domain_assignment", 4),
                ("vrb_to_prb_mapping", 1),
                ("mcs", 5),
                ("new_data_indicator", 1),
                ("redundancy_version", 2),
                ("harq_process", 4),
                ("downlink_assignment_index", 2),
                ("tpc_pucch", 2),
                ("pucch_resource_indicator", 3),
                ("pdsch_to_harq_timing", 3),
            ],
            RntiType::Si => vec![
                ("frequency_domain_assignment", f),
                ("time_domain_assignment", 4),
                ("vrb_to_prb_mapping", 1),
                ("mcs", 5),
                ("redundancy_version", 2),
                ("system_information_indicator", 1),
                ("reserved", 15),
            ],
            RntiType::Ra => vec![
                ("frequency_domain_assignment", f),
                ("time_domain_assignment", 4),
                ("vrb_to_prb_mapping", 1),
                ("mcs", 5),
                ("tb_scaling", 2),
                ("reserved", 16),
            ],
            RntiType::P => vec![
                ("short_messages_indicator", 2),
                ("short_messages", 8),
                ("frequency_domain_assignment", f),
                ("time_domain_assignment", 4),
                ("vrb_to_prb_mapping", 1),
                ("mcs", 5),
                ("tb_scaling", 2),
                ("reserved", 6),
            ],
        };
        Ok(DciFormat {
            name: "1_0",
            fields,
        })
    }

    /// Format 0_0 for an UL BWP of `n_rb_ul` RBs, aligned to the size `size_1_0` of format
    /// 1_0 in the same search space (§7.3.1.1.1, §7.3.1.0): zero padding, or truncation of
    /// the frequency-domain assignment's most significant bits. No SUL indicator.
    pub fn f0_0(n_rb_ul: usize, size_1_0: usize) -> Result<Self, Error> {
        check_n_rb(n_rb_ul)?;
        let mut f = fdra_bits(n_rb_ul);
        let rest = 1 + 4 + 1 + 5 + 1 + 2 + 4 + 2;
        if f + rest > size_1_0 {
            f = size_1_0.checked_sub(rest).ok_or_else(|| {
                Error::invalid("DCI 1_0 size to align to", format!(">= {rest}"), size_1_0)
            })?;
        }
        let mut fields = vec![
            ("identifier", 1),
            ("frequency_domain_assignment", f),
            ("time_domain_assignment", 4),
            ("frequency_hopping", 1),
            ("mcs", 5),
            ("new_data_indicator", 1),
            ("redundancy_version", 2),
            ("harq_process", 4),
            ("tpc_pusch", 2),
        ];
        if size_1_0 > f + rest {
            fields.push(("padding", size_1_0 - f - rest));
        }
        Ok(DciFormat {
            name: "0_0",
            fields,
        })
    }

    /// The payload size A.
    pub fn size(&self) -> usize {
        self.fields.iter().map(|f| f.1).sum()
    }

    /// The payload from field values by name; fields not given are 0. An error names a
    /// field that does not exist or a value that does not fit its width.
    pub fn pack(&self, values: &[(&str, u64)]) -> Result<Vec<u8>, Error> {
        for (name, _) in values {
            if !self.fields.iter().any(|f| f.0 == *name) {
                return Err(Error::invalid(
                    "DCI field",
                    format!("a field of format {}", self.name),
                    name,
                ));
            }
        }
        let mut out = Vec::with_capacity(self.size());
        for &(name, bits) in &self.fields {
            let v = values.iter().find(|(n, _)| *n == name).map_or(0, |x| x.1);
            if bits < 64 && v >> bits != 0 {
                return Err(Error::invalid(
                    "DCI field value",
                    format!("{name} < 2^{bits}"),
                    v,
                ));
            }
            out.extend(
                (0..bits)
                    .rev()
                    .map(|i| if i < 64 { ((v >> i) & 1) as u8 } else { 0 }),
            );
        }
        Ok(out)
    }

    /// The field values of `payload` (A bits); an error if its length is not the size.
    pub fn unpack(&self, payload: &[u8]) -> Result<Vec<(&'static str, u64)>, Error> {
        Error::check_len("DCI payload bits", self.size(), payload.len())?;
        let mut pos = 0;
        Ok(self
            .fields
            .iter()
            .map(|&(name, bits)| {
                let v = payload[pos..pos + bits]
                    .iter()
                    .fold(0u64, |v, &b| (v << 1) | u64::from(b & 1));
                pos += bits;
                (name, v)
            })
            .collect())
    }
}

/// The format of a payload of the size of 1_0 for `n_rb` RBs received with `rnti`:
/// SI-/P-RNTI give their 1_0 variant; other RNTIs 1_0 (C-RNTI fields) when the identifier
/// bit is 1 and 0_0 (with the UL BWP equal to `n_rb`) when it is 0. `None` for another size.
pub fn identify(payload: &[u8], rnti: u16, n_rb: usize) -> Option<DciFormat> {
    let t = RntiType::of(rnti);
    let f10 = DciFormat::f1_0(t, n_rb).ok()?;
    if payload.len() != f10.size() {
        return None;
    }
    match (t, payload.first()) {
        (RntiType::C, Some(0)) => DciFormat::f0_0(n_rb, f10.size()).ok(),
        _ => Some(f10),
    }
}

/// The resource indication value of a type-1 allocation (TS 38.214 §5.1.2.2.2) of `len`
/// contiguous RBs from `start` in a bandwidth of `n_rb`: N(L − 1) + S when L − 1 ≤ ⌊N/2⌋,
/// else N(N − L + 1) + (N − 1 − S). An error if the allocation does not fit.
pub fn riv(n_rb: usize, start: usize, len: usize) -> Result<u64, Error> {
    check_n_rb(n_rb)?;
    if len == 0 || start + len > n_rb {
        return Err(Error::invalid(
            "type-1 allocation",
            format!("1 <= L and S + L <= {n_rb}"),
            format!("S = {start}, L = {len}"),
        ));
    }
    let (n, s, l) = (n_rb as u64, start as u64, len as u64);
    Ok(if l - 1 <= n / 2 {
        n * (l - 1) + s
    } else {
        n * (n - l + 1) + (n - 1 - s)
    })
}

/// (start, length) of resource indication value `v` for `n_rb` RBs, or `None` if `v`
/// is not a valid RIV there.
pub fn riv_decode(n_rb: usize, v: u64) -> Option<(usize, usize)> {
    if n_rb == 0 || n_rb > MAX_N_RB {
        return None;
    }
    let n = n_rb as u64;
    let (mut s, mut l) = (v % n, v / n + 1);
    if s + l > n {
        // The second branch: v = N(N − L + 1) + (N − 1 − S).
        l = n - v / n + 1;
        s = n - 1 - v % n;
    }
    (l >= 1 && s + l <= n && riv(n_rb, s as usize, l as usize).ok() == Some(v))
        .then_some((s as usize, l as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_of_1_0_variants_agree_and_match_known_values() {
        // CORESET#0 of 48 RBs: 11 FDRA bits, 39-bit DCI (the size of SIB1 DCIs in the field).
        for t in [
            RntiType::C,
            RntiType::Si,
            RntiType::Ra,
            RntiType::P,
            RntiType::Tc,
        ] {
            assert_eq!(DciFormat::f1_0(t, 48).unwrap().size(), 39);
            assert_eq!(DciFormat::f1_0(t, 24).unwrap().size(), 37);
            assert_eq!(DciFormat::f1_0(t, 96).unwrap().size(), 41);
            assert_eq!(DciFormat::f1_0(t, 273).unwrap().size(), 44);
        }
        assert_eq!(DciFormat::f0_0(48, 39).unwrap().size(), 39);
        // 1_0 for 6 RBs has 33 bits; 0_0 for 273 UL RBs would have 36: FDRA truncated.
        assert_eq!(DciFormat::f1_0(RntiType::C, 6).unwrap().size(), 33);
        let big = DciFormat::f0_0(273, 33).unwrap();
        assert_eq!(big.size(), 33);
        assert_eq!(big.fields[1], ("frequency_domain_assignment", 13));
        let small = DciFormat::f0_0(273, 39).unwrap();
        assert_eq!(small.fields.last(), Some(&("padding", 3)));
    }

    #[test]
    fn pack_unpack_and_identify() {
        let f = DciFormat::f1_0(RntiType::Si, 48).unwrap();
        let v = [
            ("frequency_domain_assignment", riv(48, 0, 24).unwrap()),
            ("mcs", 5),
            ("time_domain_assignment", 0),
        ];
        let p = f.pack(&v).unwrap();
        let got = f.unpack(&p).unwrap();
        assert_eq!(got[0].1, 48 * 23);
        assert_eq!(got[3], ("mcs", 5));
        assert_eq!(identify(&p, SI_RNTI, 48).unwrap().name, "1_0");
        let c = DciFormat::f1_0(RntiType::C, 48)
            .unwrap()
            .pack(&[("identifier", 1)])
            .unwrap();
        assert_eq!(identify(&c, 0x4601, 48).unwrap().name, "1_0");
        let u = DciFormat::f0_0(48, 39)
            .unwrap()
            .pack(&[("mcs", 3)])
            .unwrap();
        assert_eq!(identify(&u, 0x4601, 48).unwrap().name, "0_0");
        assert!(identify(&u[..30], 0x4601, 48).is_none());
        assert!(f.pack(&[("mcs", 32)]).is_err());
        assert!(f.pack(&[("nonsense", 1)]).is_err());
    }

    #[test]
    fn riv_round_trips_every_allocation() {
        for n in [1usize, 2, 24, 48, 51, 275] {
            for s in 0..n {
                for l in 1..=n - s {
                    let v = riv(n, s, l).unwrap();
                    assert!(v < (n * (n + 1) / 2) as u64);
                    assert_eq!(riv_decode(n, v), Some((s, l)), "N {n} S {s} L {l}");
                }
            }
        }
        assert!(riv(10, 5, 6).is_err());
        assert_eq!(riv_decode(10, 55), None);
    }
}
