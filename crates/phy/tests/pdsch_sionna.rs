//! The PDSCH transmit grid against Sionna's (vectors made by
//! scripts/make_pdsch_grid_vectors.py, which records generator, version and seed):
//! DMRS sequence, ports, OCC, positions, CDM groups without data and power; data mapping,
//! layer mapping, modulation, scrambling, DL-SCH coding and TBS, for both configuration
//! types, single and double symbol, additional positions 0–3, mapping types A and B and
//! 1, 2 and 4 layers. Sionna implements the PUSCH, whose structures match the PDSCH's on
//! the allocations the script picks (see its docstring).

use nrkit_core::{Numerology, C32};
use nrkit_phy::grid::ResourceGrid;
use nrkit_phy::pdsch::{Carrier, DmrsConfig, MappingType, McsTable, Pdsch, PdschConfig, Transport};
use serde_json::Value;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sionna_pdsch_grids.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cfg_start(c: &Value) -> usize {
    c["symbol_allocation"][0].as_u64().unwrap() as usize
}

fn hex_bits(h: &str, n: usize) -> Vec<u8> {
    let bytes: Vec<u8> = (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    (0..n).map(|i| (bytes[i / 8] >> (7 - i % 8)) & 1).collect()
}

#[test]
fn transmit_grid_equals_sionna() {
    let v = vectors();
    assert!(v["generator"].as_str().unwrap().starts_with("sionna"));
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let u = |c: &Value, k: &str| c[k].as_u64().unwrap() as usize;
    let mut compared_data = 0;
    for (i, c) in cases.iter().enumerate() {
        let n_rb = u(c, "n_size_grid");
        let carrier = Carrier {
            numerology: Numerology::from_scs_khz(30).unwrap(),
            n_size_grid: n_rb,
            n_start_grid: 0,
            n_cell_id: u(c, "n_cell_id") as u16,
            n_slot: u(c, "n_slot"),
            n_frame: 0,
        };
        let table = if u(c, "mcs_table") == 1 {
            McsTable::Qam64
        } else {
            McsTable::Qam256
        };
        let entry = table.entry(u(c, "mcs") as u8).unwrap();
        let sa = c["symbol_allocation"].as_array().unwrap();
        let layers = u(c, "num_layers");
        let cfg = PdschConfig {
            n_size_bwp: n_rb,
            n_start_bwp: 0,
            modulation: entry.modulation(),
            num_layers: layers,
            mapping_type: if c["mapping_type"] == "A" {
                MappingType::A
            } else {
                MappingType::B
            },
            symbol_allocation: [
                sa[0].as_u64().unwrap() as usize,
                sa[1].as_u64().unwrap() as usize,
            ],
            prb_set: (0..n_rb).collect(),
            nid: Some(u(c, "nid") as u16),
            rnti: u(c, "n_rnti") as u16,
            dmrs: DmrsConfig {
                config_type: u(c, "config_type") as u8,
                type_a_position: u(c, "type_a_position") as u8,
                additional_position: u(c, "additional_position") as u8,
                length: u(c, "length") as u8,
                num_cdm_groups_without_data: u(c, "num_cdm_groups_without_data") as u8,
                n_id: Some(u(c, "dmrs_n_id") as u16),
                nscid: u(c, "nscid") as u8,
                ports: c["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_u64().unwrap() as u8)
                    .collect(),
            },
            ..PdschConfig::default()
        };
        let pdsch = Pdsch::new(carrier, cfg).unwrap();
        let want_dmrs: Vec<usize> = c["dmrs_symbols"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(pdsch.mapping().dmrs_symbols, want_dmrs, "case {i}");
        let t: Transport = pdsch.transport(entry, 0, 0).unwrap();
        assert_eq!(t.tbs, u(c, "tbs"), "case {i}: TBS");
        let tb = hex_bits(c["tb_hex"].as_str().unwrap(), t.tbs);
        let mut g = ResourceGrid::slot(carrier.numerology, 0, n_rb, layers).unwrap();
        pdsch.transmit(&tb, &t, &mut g).unwrap();
        // Sionna's grid holds the allocated symbols only: its symbol 0 is slot symbol S.
        let s0 = cfg_start(c);
        // Where Sionna's base-graph choice departs from TS 38.212 §7.2.2 (it uses the
        // effective rate), only the DMRS REs are compared.
        let data_comparable = c["bg_sionna"] == c["bg_spec"];
        compared_data += usize::from(data_comparable);
        let grid = c["grid"].as_array().unwrap();
        for (v, layer) in grid.iter().enumerate() {
            let syms = layer.as_array().unwrap();
            for l in (0..14).filter(|l| *l < s0 || *l >= s0 + syms.len()) {
                assert!(g.symbol(v, l).iter().all(|x| x.norm() == 0.0), "case {i}");
            }
            for (j, sym) in syms.iter().enumerate() {
                let l = s0 + j;
                let ours = g.symbol(v, l);
                let dmrs_k: Vec<usize> = pdsch
                    .dmrs(v)
                    .unwrap()
                    .into_iter()
                    .filter(|d| d.l == l)
                    .flat_map(|d| d.k.into_iter().map(|k| k as usize))
                    .collect();
                for (k, x) in sym.as_array().unwrap().iter().enumerate() {
                    if !data_comparable && !dmrs_k.contains(&k) {
                        continue;
                    }
                    let want =
                        C32::new(x[0].as_f64().unwrap() as f32, x[1].as_f64().unwrap() as f32);
                    assert!(
                        (ours[k] - want).norm() < 1e-4,
                        "case {i} layer {v} symbol {l} subcarrier {k}: {} vs {want}",
                        ours[k]
                    );
                }
            }
        }
    }
    assert!(
        compared_data >= 40,
        "{compared_data} cases with data compared"
    );
}
