#!/usr/bin/env python3
"""Interop vectors for the SSB/cell-search work, made with py3gpp (an independent
implementation).

Usage: python3 scripts/make_interop.py   (pip install py3gpp==0.6.0 numpy; build nrkit first)

1. py3gpp -> nrkit: a 5 ms recording built only from py3gpp functions (nrBCH, nrPBCH,
   nrPBCHDMRS, nrPSS, nrSSS, their index functions and nrOFDMModulate), Case C, L_max 8,
   SSBs 0, 1, 4 and 7, 30 kHz at 7.68 Msps, AWGN at 3 dB SNR per RE, written as SigMF ci16
   to tests/data/py3gpp_ssb.sigmf-{meta,data}; the expected cell is stored in the metadata
   (global "nrkit_test:expected"). tests/e2e.rs runs `nrkit search` on it.
2. nrkit -> py3gpp: `nrkit generate ssb` output demodulated with nrOFDMDemodulate and
   decoded with nrPSS/nrSSS/nrPBCHDMRS correlation, nrPBCH-style descrambling (nrPBCHPRBS)
   and nrBCHDecode; the decoded fields and py3gpp's extracted PBCH symbols are written to
   crates/phy/testdata/py3gpp_decodes_nrkit.json, and the script fails if py3gpp cannot
   decode our SSBs. crates/phy/tests/ssb_py3gpp.rs checks our generator still produces the
   symbols py3gpp decoded.
"""
import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import version

import numpy as np
from py3gpp.nrBCH import nrBCH
from py3gpp.nrBCHDecode import nrBCHDecode
from py3gpp.nrPBCH import nrPBCH
from py3gpp.nrPBCHDMRS import nrPBCHDMRS
from py3gpp.nrPBCHDMRSIndices import nrPBCHDMRSIndices
from py3gpp.nrPBCHIndices import nrPBCHIndices
from py3gpp.nrPBCHPRBS import nrPBCHPRBS
from py3gpp.nrPSS import nrPSS
from py3gpp.nrSSS import nrSSS
from py3gpp.nrOFDMModulate import nrOFDMModulate
from py3gpp.nrOFDMDemodulate import nrOFDMDemodulate
from py3gpp.nrSymbolDemodulate import nrSymbolDemodulate

SEED = 20261124
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CASE_C_L8 = [2, 8, 16, 22, 30, 36, 44, 50]


def mib_bits(sfn, scs_bit, kssb_lsb4, dmrs3, pdcch, barred, intra_not_allowed):
    b = [0]
    b += [(sfn >> (9 - i)) & 1 for i in range(6)]
    b += [scs_bit]
    b += [(kssb_lsb4 >> (3 - i)) & 1 for i in range(4)]
    b += [dmrs3]
    b += [(pdcch >> (7 - i)) & 1 for i in range(8)]
    b += [0 if barred else 1, 1 if intra_not_allowed else 0, 0]
    return np.array(b)


def py3gpp_to_nrkit(rng):
    pci, sfn, hrf, lmax = 612, 345, 0, 8
    mib = dict(sfn=sfn, scs_common=15, kssb=9, dmrs=3, pdcch=0x5a, barred=False, intra_allowed=True)
    bits = mib_bits(sfn, 0, 9, 1, 0x5a, False, False)
    nsym = 140  # 5 ms at 30 kHz
    grid = np.zeros((240, nsym), complex)
    ssbs = [0, 1, 4, 7]
    cw = nrBCH(bits, sfn, hrf, lmax, 0, pci)
    for i in ssbs:
        s0 = CASE_C_L8[i]
        blk = np.zeros((240, 4), complex).ravel(order="F")
        blk[np.arange(56, 183)] = nrPSS(pci)
        blk[np.arange(56, 183) + 480] = nrSSS(pci)
        blk[nrPBCHDMRSIndices(pci)] = nrPBCHDMRS(pci, i & 7)
        blk[nrPBCHIndices(pci)] = nrPBCH(pci, i & 7, cw)
        grid[:, s0:s0 + 4] = blk.reshape((240, 4), order="F")
    wave, info = nrOFDMModulate(grid=grid, scs=30, initialNSlot=0, SampleRate=7680000)
    nfft = info["Nfft"]
    var = 10 ** (-3 / 10) / nfft
    wave = wave + np.sqrt(var / 2) * (rng.standard_normal(len(wave)) + 1j * rng.standard_normal(len(wave)))
    scale = 0.25 / np.max(np.abs(wave))
    iq = np.empty(2 * len(wave), "<i2")
    iq[0::2] = np.round(wave.real * scale * 32767)
    iq[1::2] = np.round(wave.imag * scale * 32767)
    base = os.path.join(ROOT, "tests/data/py3gpp_ssb")
    iq.tofile(base + ".sigmf-data")
    starts = np.concatenate([[0], np.cumsum(info["SymbolLengths"])])
    meta = {
        "global": {
            "core:datatype": "ci16_le", "core:sample_rate": 7680000.0, "core:version": "1.2.0",
            "core:description": "SS/PBCH bursts built with py3gpp (scripts/make_interop.py)",
            "core:generator": f"py3gpp {version('py3gpp')} via scripts/make_interop.py, seed {SEED}",
            "nrkit_test:expected": {
                "pci": pci, "scs_ssb_khz": 30,
                "mib": {"sfn": sfn, "subcarrier_spacing_common": 15, "ssb_subcarrier_offset": 9,
                        "dmrs_type_a_position": 3, "pdcch_config_sib1": 0x5a, "cell_barred": False,
                        "intra_freq_reselection_allowed": True},
                "ssbs": [{"ssb_index": i, "half_frame": hrf, "sfn": sfn,
                          "sample_offset": int(starts[CASE_C_L8[i]])} for i in ssbs],
                "snr_db_per_re": 3.0,
            },
        },
        "captures": [{"core:sample_start": 0}],
        "annotations": [],
    }
    with open(base + ".sigmf-meta", "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {base}.sigmf-* ({len(wave)} samples)", file=sys.stderr)


def nrkit_to_py3gpp():
    target = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
        check=True, capture_output=True, text=True).stdout)["target_directory"]
    nrkit = os.path.join(target, "release/nrkit")
    pci, sfn = 77, 1020
    out = []
    with tempfile.TemporaryDirectory() as d:
        meta_path = os.path.join(d, "g.sigmf-meta")
        subprocess.run([nrkit, "generate", "ssb", "--pci", str(pci), "--case", "C", "--lmax", "8",
                        "--ssb-indices", "2,5", "--sfn", str(sfn), "--frames", "1",
                        "--sample-rate", "7.68e6", "--kssb", "5", "--pdcch-config-sib1", "200",
                        "-o", meta_path], check=True, capture_output=True)
        meta = json.load(open(meta_path))
        wave = np.fromfile(meta_path.replace(".sigmf-meta", ".sigmf-data"), "<c8").astype(complex)
        # A 5 ms grid of 240 subcarriers at 30 kHz, nrkit's waveform scaled by its 1/N_FFT.
        from py3gpp.configs.nrCarrierConfig import nrCarrierConfig
        carrier = nrCarrierConfig(NSizeGrid=20, SubcarrierSpacing=30)
        n5ms = 38400
        grid = nrOFDMDemodulate(carrier, wave[:n5ms], SampleRate=7680000)
        for idx in (2, 5):
            s0 = CASE_C_L8[idx]
            blk = grid[:, s0:s0 + 4].ravel(order="F")
            # Cell identity from the PSS and SSS by correlation (py3gpp sequences).
            pss = blk[np.arange(56, 183)]
            nid2 = int(np.argmax([abs(np.vdot(nrPSS(n), pss)) for n in range(3)]))
            sss = blk[np.arange(56, 183) + 480]
            ncellid = max(range(nid2, 1008, 3), key=lambda n: abs(np.vdot(nrSSS(n), sss)))
            ibar = max(range(8), key=lambda i: abs(np.vdot(nrPBCHDMRS(ncellid, i), blk[nrPBCHDMRSIndices(ncellid)])))
            sym = blk[nrPBCHIndices(ncellid)]
            llr = nrSymbolDemodulate(sym, "QPSK", 1e-2)
            c = nrPBCHPRBS(ncellid, ibar, 864)
            llr = llr * (1 - 2 * c)
            scrblk, crc, payload, sfn_lsb, hrf, _ = nrBCHDecode(llr, 8, 8, ncellid)
            assert int(np.sum(crc)) == 0, "py3gpp failed the CRC on nrkit's SSB"
            sfn_msb = int("".join(str(int(b)) for b in payload[1:7]), 2)
            dec_sfn = (sfn_msb << 4) | int("".join(str(int(b)) for b in sfn_lsb), 2)
            kssb_lsb = int("".join(str(int(b)) for b in payload[8:12]), 2)
            pdcch = int("".join(str(int(b)) for b in payload[13:21]), 2)
            assert (ncellid, ibar, dec_sfn, kssb_lsb, pdcch) == (pci, idx, sfn, 5, 200), (ncellid, ibar, dec_sfn)
            out.append({"ssb_index": idx, "pci": ncellid, "i_bar": ibar, "sfn": dec_sfn,
                        "half_frame": int(hrf), "k_ssb_lsbs": kssb_lsb, "pdcch_config_sib1": pdcch,
                        "pbch": [round(float(v), 4) for z in sym for v in (z.real, z.imag)]})
    path = os.path.join(ROOT, "crates/phy/testdata/py3gpp_decodes_nrkit.json")
    with open(path, "w") as f:
        json.dump({"generator": "py3gpp", "generator_version": version("py3gpp"), "seed": SEED,
                   "script": "scripts/make_interop.py",
                   "what": "nrkit generate ssb --pci 77 --case C --lmax 8 --ssb-indices 2,5 --sfn 1020 "
                           "--frames 1 --sample-rate 7.68e6 --kssb 5 --pdcch-config-sib1 200, decoded by py3gpp",
                   "decoded": out}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


def main():
    rng = np.random.default_rng(SEED)
    py3gpp_to_nrkit(rng)
    nrkit_to_py3gpp()


if __name__ == "__main__":
    main()
