//! Detections grouped into cells, as a search reports them.

use std::collections::BTreeMap;

use super::{SearchCandidate, SsbDetection};

/// A cell: PCI, SSB subcarrier spacing, SS_REF and its SSBs in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Physical cell identity.
    pub pci: u16,
    /// SSB subcarrier spacing, kHz.
    pub scs_khz: u32,
    /// SS_REF, Hz: the candidate's frequency when it is on the sync raster (or given),
    /// else the candidate's plus the median CFO rounded to 100 Hz.
    pub ssb_freq: f64,
    /// Its decoded SSBs in time order (at least one).
    pub ssbs: Vec<SsbDetection>,
}

impl Cell {
    /// Input samples spanned by one of its SSBs (four symbols of N + N_CP with the
    /// normal CP of symbols 1…6) at `sample_rate`.
    pub fn ssb_span_samples(&self, sample_rate: f64) -> u64 {
        ssb_span_samples(self.scs_khz, sample_rate)
    }
}

/// Input samples spanned by an SSB of spacing `scs_khz` (four symbols of N + N_CP with the
/// normal CP of symbols 1…6, TS 38.211 §5.3.1) at `sample_rate`.
pub fn ssb_span_samples(scs_khz: u32, sample_rate: f64) -> u64 {
    (4.0 * (1.0 + 144.0 / 2048.0) * sample_rate / (f64::from(scs_khz) * 1e3)).round() as u64
}

/// Groups detections into cells (PCI, spacing) in order of first appearance. A cell seen
/// at several candidate frequencies (neighbouring grid points) is reported at the one that
/// decoded the most SSBs (then the best mean SNR).
pub fn group_cells(found: Vec<(SearchCandidate, SsbDetection)>) -> Vec<Cell> {
    // (pci, scs) → candidate frequency → detections
    type Seen = Vec<(SearchCandidate, Vec<SsbDetection>)>;
    let mut by: BTreeMap<(u16, u32), Seen> = BTreeMap::new();
    for (c, d) in found {
        let e = by.entry((d.pci.value(), c.scs_khz)).or_default();
        match e.iter_mut().find(|x| x.0.freq_hz == c.freq_hz) {
            Some(x) => x.1.push(d),
            None => e.push((c, vec![d])),
        }
    }
    let mut cells: Vec<Cell> = by
        .into_iter()
        .map(|((pci, scs_khz), mut groups)| {
            let score = |g: &(SearchCandidate, Vec<SsbDetection>)| {
                let snr = g.1.iter().map(|d| d.snr_db).sum::<f64>() / g.1.len() as f64;
                (g.1.len(), snr)
            };
            groups.sort_by(|a, b| {
                let (na, sa) = score(a);
                let (nb, sb) = score(b);
                nb.cmp(&na).then(sb.total_cmp(&sa))
            });
            let (c, mut ssbs) = groups.swap_remove(0);
            ssbs.sort_by_key(|d| d.sample_offset);
            let ssb_freq = if c.on_raster {
                c.freq_hz
            } else {
                let mut cfo: Vec<f64> = ssbs.iter().map(|d| d.cfo_hz).collect();
                cfo.sort_by(f64::total_cmp);
                c.freq_hz + (cfo[cfo.len() / 2] / 100.0).round() * 100.0
            };
            Cell {
                pci,
                scs_khz,
                ssb_freq,
                ssbs,
            }
        })
        .collect();
    cells.sort_by_key(|c| c.ssbs[0].sample_offset);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssb::Mib;
    use nrkit_core::Pci;

    fn det(pci: u16, offset: u64, cfo: f64, snr: f64) -> SsbDetection {
        SsbDetection {
            pci: Pci::new(pci).unwrap(),
            ssb_index: 0,
            half_frame: 0,
            mib: Mib::default(),
            l_max: 8,
            sample_offset: offset,
            cfo_hz: cfo,
            snr_db: snr,
            rsrp_dbfs: -20.0,
        }
    }

    fn cand(freq: f64, on_raster: bool) -> SearchCandidate {
        SearchCandidate {
            freq_hz: freq,
            offset_hz: freq,
            scs_khz: 30,
            on_raster,
        }
    }

    #[test]
    fn cells_take_the_candidate_with_most_ssbs_and_order_by_time() {
        let found = vec![
            (cand(0.0, false), det(5, 900, 1234.0, 3.0)),
            (cand(60e3, false), det(5, 901, -58_700.0, 9.0)),
            (cand(60e3, false), det(5, 20_000, -58_800.0, 9.0)),
            (cand(1.44e6, true), det(7, 100, 10.0, 1.0)),
        ];
        let cells = group_cells(found);
        assert_eq!(cells.len(), 2);
        assert_eq!((cells[0].pci, cells[0].ssb_freq), (7, 1.44e6));
        assert_eq!(cells[1].pci, 5);
        assert_eq!(cells[1].ssbs.len(), 2);
        // Off the raster: the candidate plus the (upper) median CFO to 100 Hz.
        assert_eq!(cells[1].ssb_freq, 60e3 - 58_700.0);
        assert_eq!(ssb_span_samples(30, 30.72e6), 4384);
    }
}
