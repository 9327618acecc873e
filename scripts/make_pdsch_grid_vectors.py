#!/usr/bin/env python3
"""PDSCH resource-grid vectors from Sionna (NVIDIA's open-source link-level library), an
implementation independent of nrkit and of py3gpp.

Usage: python3 scripts/make_pdsch_grid_vectors.py
       (pip install sionna-no-rt==2.2.0 first; it brings torch, CPU is enough)

Sionna implements the PUSCH without transform precoding, whose DMRS (TS 38.211 §6.4.1.1:
sequence with the same c_init, configuration types 1 and 2, single and double symbol,
ports, w_f/w_t, CDM groups without data, power β), data mapping around the DMRS
(frequency first, then time), layer mapping, modulation, scrambling
(c_init = n_RNTI·2^15 + n_ID, the PDSCH's with q = 0), DL-/UL-SCH coding (CRC,
segmentation, LDPC, rate matching for rv 0) and TBS (N_RE = 12·N_symb − N_DMRS per PRB,
no xOverhead) are those of the PDSCH. Only the DMRS position tables differ between
PUSCH (Tables 6.4.1.1.3-3/-4) and PDSCH (Tables 7.4.1.1.2-3/-4): the script uses only
the allocations where the two tables agree (mapping type A starting at symbol 0 with
durations 4…14; type B with durations 2…8 and 11 single-symbol, 5…11 double-symbol).
Sionna allocates the whole BWP and puts the DMRS reference point at the BWP start, so
the BWP starts at CRB 0 and covers the carrier.

Writes crates/phy/testdata/sionna_pdsch_grids.json: per case the configuration, the
transport block (hex, first bit the MSB of the first byte), Sionna's TBS and its
frequency-domain grid per layer ([layer][symbol][subcarrier] as (re, im) pairs rounded to
1e-6). The generator, its version and the seed are recorded.
"""
import json
import os
import random
from importlib.metadata import version

import numpy as np
import torch
from sionna.phy.nr import PUSCHConfig, PUSCHTransmitter

SEED = 20261207
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "crates", "phy", "testdata", "sionna_pdsch_grids.json")


def allowed(mapping, length, dur, add):
    """Allocations where PUSCH and PDSCH DMRS position tables agree."""
    if mapping == "A":
        return dur >= 4
    if length == 1:
        return 2 <= dur <= 8 or dur == 11
    return 5 <= dur <= 11


def cases(rng):
    out = []
    # Every DMRS family: config type × length × additional position × mapping type,
    # 1-4 layers, every modulation of tables 1 and 2, several sizes.
    for config_type in (1, 2):
        for length in (1, 2):
            for add in range(0, 4 if length == 1 else 2):
                for mapping in ("A", "B"):
                    for _ in range(2):
                        if mapping == "A":
                            dur = rng.choice([d for d in range(8, 15)] if add else range(4, 15))
                            start = 0
                        else:
                            durs = [d for d in range(2, 15) if allowed("B", length, d, add)]
                            dur = rng.choice(durs)
                            start = rng.randint(0, 14 - dur)
                        if mapping == "A" and add == 3:
                            pos = 2
                        else:
                            pos = rng.choice([2, 3])
                        max_ports = (4 if config_type == 1 else 6) * length
                        layers = rng.choice([1, 2, 4])  # Sionna's PUSCH takes 1, 2 or 4 antenna ports
                        groups = rng.randint(2 if config_type == 1 else 2, 2 if config_type == 1 else 3)
                        # Ports whose CDM group is below the groups without data.
                        ok_ports = [p for p in range(max_ports)
                                    if ((p // 2) % (2 if config_type == 1 else 3)) < groups]
                        ports = sorted(rng.sample(ok_ports, layers))
                        out.append(dict(
                            config_type=config_type, length=length, additional_position=add,
                            mapping_type=mapping, symbol_allocation=[start, dur],
                            type_a_position=pos, num_layers=layers, ports=ports,
                            num_cdm_groups_without_data=groups,
                            n_size_grid=rng.randint(2, 6), n_cell_id=rng.randint(0, 1007),
                            n_slot=rng.randint(0, 19), n_rnti=rng.randint(1, 65519),
                            nid=rng.randint(0, 1023), dmrs_n_id=rng.randint(0, 65535),
                            nscid=rng.randint(0, 1),
                            mcs_table=rng.choice([1, 2]), mcs=None))
    for c in out:
        c["mcs"] = rng.randint(0, 27 if c["mcs_table"] == 2 else 28)
    return out


def run(c, seed):
    pc = PUSCHConfig()
    pc.carrier.subcarrier_spacing = 30
    pc.carrier.n_size_grid = c["n_size_grid"]
    pc.carrier.n_start_grid = 0
    pc.carrier.n_cell_id = c["n_cell_id"]
    pc.carrier.slot_number = c["n_slot"]
    pc.n_size_bwp = c["n_size_grid"]
    pc.n_start_bwp = 0
    pc.num_layers = c["num_layers"]
    pc.num_antenna_ports = c["num_layers"]
    pc.precoding = "non-codebook"
    pc.mapping_type = c["mapping_type"]
    pc.symbol_allocation = c["symbol_allocation"]
    pc.n_rnti = c["n_rnti"]
    d = pc.dmrs
    d.config_type = c["config_type"]
    d.length = c["length"]
    d.additional_position = c["additional_position"]
    d.type_a_position = c["type_a_position"]
    d.num_cdm_groups_without_data = c["num_cdm_groups_without_data"]
    d.dmrs_port_set = c["ports"]
    d.n_id = [c["dmrs_n_id"], c["dmrs_n_id"]]
    d.n_scid = c["nscid"]
    pc.tb.mcs_table = c["mcs_table"]
    pc.tb.mcs_index = c["mcs"]
    pc.tb.n_id = c["nid"]
    pc.check_config()
    tbs = int(pc.tb_size)
    tx = PUSCHTransmitter(pc, return_bits=False, output_domain="freq")
    g = torch.Generator().manual_seed(seed)
    b = torch.randint(0, 2, (1, 1, tbs), generator=g)
    x = tx(b.to(torch.float32))
    x = x.detach().cpu().numpy()[0, 0]  # [layer, symbol, subcarrier]
    bits = b.numpy()[0, 0].astype(np.uint8)
    hexs = np.packbits(np.concatenate([bits, np.zeros((-len(bits)) % 8, np.uint8)])).tobytes().hex()
    grid = [[[[round(float(v.real), 6), round(float(v.imag), 6)] for v in sym] for sym in layer] for layer in x]
    # Sionna picks the LDPC base graph from the code-block size and the effective rate
    # k/n, TS 38.212 §7.2.2 from A and the MCS's target rate R: record both, the test
    # compares the data REs only where they agree (the DMRS always).
    bg_sionna = 1 if tx._tb_encoder._encoder._bg == "bg1" else 2
    r = float(pc.tb.target_coderate)
    bg_spec = 2 if (tbs <= 292 or (tbs <= 3824 and r <= 0.67) or r <= 0.25) else 1
    return dict(c, tbs=tbs, tb_hex=hexs, grid=grid, dmrs_symbols=[int(s) for s in pc.dmrs_symbol_indices],
                bg_sionna=bg_sionna, bg_spec=bg_spec)


def main():
    rng = random.Random(SEED)
    out = []
    for i, c in enumerate(cases(rng)):
        # Sionna's LDPC encoder refuses effective rates below 1/5 (tiny allocations at
        # low MCS): such cases move up the MCS table until it accepts them.
        while True:
            try:
                out.append(run(c, SEED + i))
                break
            except ValueError as e:
                if "coderate" not in str(e) or c["mcs"] >= 20:
                    raise
                c["mcs"] += 4
    doc = dict(
        generator="sionna (sionna-no-rt, PUSCHConfig + PUSCHTransmitter, output_domain='freq')",
        version=version("sionna-no-rt"),
        torch=version("torch"),
        seed=SEED,
        script="scripts/make_pdsch_grid_vectors.py",
        note="PUSCH without transform precoding on allocations whose DMRS positions equal the PDSCH's",
        cases=out,
    )
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{len(out)} cases -> {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
