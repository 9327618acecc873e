#!/usr/bin/env python3
"""Regenerates nrkit's known-answer vectors from py3gpp (an independent implementation).

Usage: python3 scripts/make_vectors.py   (pip install py3gpp==0.6.0 numpy first)

Writes crates/core/testdata/prbs.json, crates/phy/testdata/modulation.json,
crates/phy/testdata/ofdm.json, crates/phy/testdata/ssb.json and crates/coding/testdata/{crc,segmentation,ldpc_encode,ratematch,polar}.json. Each file records the generator, its version and the seed.
Floats are rounded to 9 significant digits (the tests compare at 1e-5 relative).
"""
import json
import os
import sys
from importlib.metadata import version

import numpy as np
from py3gpp.nrPRBS import nrPRBS
from py3gpp.nrSymbolModulate import nrSymbolModulate
from py3gpp.nrSymbolDemodulate import nrSymbolDemodulate
from py3gpp.nrOFDMModulate import nrOFDMModulate
from py3gpp.nrOFDMDemodulate import nrOFDMDemodulate
from py3gpp.configs.nrCarrierConfig import nrCarrierConfig
from py3gpp.nrCRCEncode import nrCRCEncode
from py3gpp.nrCodeBlockSegmentLDPC import nrCodeBlockSegmentLDPC
from py3gpp.nrDLSCHInfo import getCBSInfo, getZarray
import importlib

ldpc_mod = importlib.import_module("py3gpp.nrLDPCEncode")

SEED = 20261124
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def header(what):
    return {
        "generator": "py3gpp",
        "generator_version": version("py3gpp"),
        "numpy_version": np.__version__,
        "script": "scripts/make_vectors.py",
        "seed": SEED,
        "what": what,
    }


def cplx(a):
    a = np.asarray(a).ravel(order="F")
    out = []
    for z in a:
        out.append(float(f"{z.real:.9g}"))
        out.append(float(f"{z.imag:.9g}"))
    return out


def write(path, obj):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(full)} bytes)", file=sys.stderr)


def prbs(rng):
    cases = []
    for c_init in [0, 1, 1007, 0x7FFFFFFF, int(rng.integers(0, 2**31))]:
        bits = nrPRBS(c_init, 3000).astype(int)
        cases.append({"c_init": c_init, "bits": "".join(str(b) for b in bits)})
    write("crates/core/testdata/prbs.json", {**header("nrPRBS(c_init, 3000)"), "cases": cases})


def modulation(rng):
    mods = {"pi/2-bpsk": 1, "bpsk": 1, "qpsk": 2, "16qam": 4, "64qam": 6, "256qam": 8}
    mapping = []
    for name, q in mods.items():
        bits = rng.integers(0, 2, 64 * q)
        sym = nrSymbolModulate(bits, name)
        mapping.append({"modulation": name, "bits": "".join(str(int(b)) for b in bits), "symbols": cplx(sym)})
    demap = []
    for name, q in {"BPSK": 1, "QPSK": 2, "16QAM": 4}.items():
        bits = rng.integers(0, 2, 200 * q)
        sym = nrSymbolModulate(bits, name.lower())
        nvar = 0.05
        noisy = sym + np.sqrt(nvar / 2) * (rng.standard_normal(len(sym)) + 1j * rng.standard_normal(len(sym)))
        noisy = np.array([complex(float(f"{z.real:.9g}"), float(f"{z.imag:.9g}")) for z in noisy])
        soft = nrSymbolDemodulate(noisy, name, nVar=nvar)
        hard = nrSymbolDemodulate(noisy, name, nVar=nvar, DecisionType="hard")
        demap.append({"modulation": name.lower(), "noise_var": nvar, "symbols": cplx(noisy),
                      "soft": [float(f"{v:.9g}") for v in soft], "hard": "".join(str(int(b)) for b in hard)})
    write("crates/phy/testdata/modulation.json",
          {**header("nrSymbolModulate; nrSymbolDemodulate soft and hard"), "mapping": mapping, "demap": demap})


def ofdm(rng):
    cases = []
    # (scs kHz, N_RB, N_FFT, slots, f0)
    for scs, nrb, nfft, slots, f0 in [
        (15, 6, 128, 1, 0.0),
        (15, 25, 512, 1, 2.6e9),
        (15, 20, 384, 1, 0.0),
        (30, 24, 512, 2, 3.5e9),
        (30, 10, 256, 1, 0.0),
        (30, 10, 256, 1, 1.8e9),
    ]:
        k = nrb * 12
        nsym = 14 * slots
        grid = (rng.standard_normal((k, nsym)) + 1j * rng.standard_normal((k, nsym))) / np.sqrt(2)
        grid = np.array([[complex(float(f"{z.real:.9g}"), float(f"{z.imag:.9g}")) for z in row] for row in grid])
        fs = nfft * scs * 1000
        carrier = nrCarrierConfig(NSizeGrid=nrb, SubcarrierSpacing=scs)
        wave, _ = nrOFDMModulate(carrier, grid, SampleRate=fs, CarrierFrequency=f0)
        # The demodulator is checked on a noisy copy so that it is not an identity test.
        noisy = wave + 0.01 * np.sqrt(np.mean(np.abs(wave) ** 2) / 2) * (
            rng.standard_normal(len(wave)) + 1j * rng.standard_normal(len(wave)))
        noisy = np.array([complex(float(f"{z.real:.9g}"), float(f"{z.imag:.9g}")) for z in noisy])
        demod = nrOFDMDemodulate(None, noisy, nrb=nrb, scs=scs, initialNSlot=0, SampleRate=fs,
                                 CarrierFrequency=f0)
        cases.append({"scs_khz": scs, "n_rb": nrb, "fft_size": nfft, "slots": slots, "f0": f0,
                      "grid": cplx(grid), "waveform": cplx(wave), "noisy": cplx(noisy),
                      "demodulated": cplx(demod)})
    write("crates/phy/testdata/ofdm.json",
          {**header("nrOFDMModulate/nrOFDMDemodulate; grids column-major [re, im] pairs"), "cases": cases})


def bits_hex(bits):
    """0/1 array -> hex string, MSB-first, zero-padded to a multiple of 4 bits."""
    b = [int(x) for x in bits]
    b += [0] * (-len(b) % 4)
    return "".join("%x" % (b[i] * 8 + b[i + 1] * 4 + b[i + 2] * 2 + b[i + 3]) for i in range(0, len(b), 4))


def crc(rng):
    cases = []
    for poly in ["6", "11", "16", "24A", "24B", "24C"]:
        for n in [1, 7, 8, 33, 100, 1000]:
            blk = rng.integers(0, 2, n)
            out = nrCRCEncode(blk, poly)[:, 0]
            cases.append({"poly": poly, "bits": bits_hex(blk), "len": n, "with_crc": bits_hex(out)})
    write("crates/coding/testdata/crc.json", {**header("nrCRCEncode"), "cases": cases})


def segmentation(rng):
    cases = []
    for bg in (1, 2):
        for b in [24, 100, 193, 561, 641, 1000, 3840, 3841, 8448, 8449, 20000, 30000 + 24]:
            blk = rng.integers(0, 2, b)
            info = getCBSInfo(b, bg)
            cbs = nrCodeBlockSegmentLDPC(blk, bg)
            fill = int(np.sum(cbs[:, 0] == -1))
            blocks = [bits_hex(np.where(cbs[:, i] < 0, 0, cbs[:, i])) for i in range(cbs.shape[1])]
            cases.append({"bg": bg, "b": b, "bits": bits_hex(blk), "c": int(info["C"]), "k": int(info["K"]),
                          "z_c": int(info["Zc"]), "filler": fill, "blocks": blocks})
    write("crates/coding/testdata/segmentation.json", {**header("getCBSInfo, nrCodeBlockSegmentLDPC"), "cases": cases})


def ldpc_encode(rng):
    # py3gpp's nrLDPCEncode picks i_LS from the smallest k_b*Z >= K, which for BG2 with
    # K <= 640 is not the set containing Z_c (TS 38.212 5.3.2) and passes k_b < 10
    # systematic columns; so its own lifting and encoding functions are driven here with
    # i_LS = the set containing Z_c and all 22/10 systematic columns.
    zsets = getZarray()
    cases = []
    for bg in (1, 2):
        kbn, ncw = (22, 66) if bg == 1 else (10, 50)
        for z in sorted(v for s in zsets for v in s):
            i_ls = next(i for i, s in enumerate(zsets) if z in s)
            k = kbn * z
            c = rng.integers(0, 2, k)
            bm = ldpc_mod._load_basegraph(i_ls, bg)
            a, b_inv, c1, c2 = ldpc_mod._gen_submat(bm, kbn, z, bg)
            cw = ldpc_mod._encode(c, a, b_inv, c1, c2)
            d = cw[2 * z:]
            assert len(d) == ncw * z
            cases.append({"bg": bg, "z": z, "i_ls": i_ls, "c": bits_hex(c), "d": bits_hex(d)})
    write("crates/coding/testdata/ldpc_encode.json",
          {**header("py3gpp nrLDPCEncode internals (_load_basegraph, _gen_submat, _encode) with i_LS per TS 38.212"),
           "cases": cases})


def rate_match(rng):
    # py3gpp's _rateMatch (bit selection skipping fillers from k0, circular over its input,
    # and the Q_m-row bit interleaver) is fed d[:N_cb], with k0 and N_cb computed by the
    # TS 38.212 5.4.2.1 formulas here, to cover limited-buffer rate matching and Q_m = 10,
    # which nrRateMatchLDPC itself does not offer.
    rmm = importlib.import_module("py3gpp.nrRateMatchLDPC")
    cases = []
    for bg, z, k_prime in [(1, 24, 22 * 24 - 40), (2, 52, 10 * 52 - 37)]:
        ncw, kbn = (66, 22) if bg == 1 else (50, 10)
        n, k = ncw * z, kbn * z
        d = rng.integers(0, 2, n)
        d[k_prime - 2 * z:k - 2 * z] = -1
        for lbrm in (False, True):
            tbs_lbrm = int(0.45 * n) if lbrm else None
            n_cb = n if not lbrm else min(n, (3 * tbs_lbrm) // 2)
            for rv in range(4):
                num = {1: [0, 17, 33, 56], 2: [0, 13, 25, 43]}[bg][rv]
                k0 = (num * n_cb) // (ncw * z) * z
                for qm in (1, 2, 4, 6, 8, 10):
                    for e in (qm * 300, qm * -(-13 * n_cb // (10 * qm))):
                        f = rmm._rateMatch(d[:n_cb].copy(), e, k0, n_cb, qm)
                        cases.append({"bg": bg, "z": z, "k_prime": k_prime, "tbs_lbrm": tbs_lbrm,
                                      "rv": rv, "qm": qm, "e": int(e), "n_cb": n_cb, "k0": int(k0),
                                      "f": bits_hex(f)})
        dd = np.where(d < 0, 0, d)
        cases.append({"codeword": f"bg{bg}", "bg": bg, "z": z, "k_prime": k_prime, "d": bits_hex(dd)})
    write("crates/coding/testdata/ratematch.json",
          {**header("py3gpp nrRateMatchLDPC._rateMatch with k0 and N_cb per TS 38.212 5.4.2.1"), "cases": cases})


def polar(rng):
    # nrPolarEncode always uses N = 2^nmax and nrRateMatchPolar only repetition, so the cases
    # are those where TS 38.212 5.3.1 also gives N = 512 and E >= N: the BCH (K = 56,
    # E = 864) and DCI sizes at aggregation levels 8 and 16 (E = 864, 1728).
    from py3gpp.nrPolarEncode import nrPolarEncode
    from py3gpp.nrRateMatchPolar import nrRateMatchPolar
    cases = []
    for k, e in [(56, 864), (40, 864), (64, 1728), (100, 864), (140, 1728), (164, 864)]:
        c = rng.integers(0, 2, k)
        d = nrPolarEncode(c, e, nmax=9, iil=True)
        f = nrRateMatchPolar(d, k, e)
        cases.append({"k": k, "e": e, "n": len(d), "c": bits_hex(c), "d": bits_hex(d), "f": bits_hex(f)})
    write("crates/coding/testdata/polar.json", {**header("nrPolarEncode(nmax=9, iil=True), nrRateMatchPolar"), "cases": cases})


def ssb(rng):
    # PSS/SSS/PBCH DMRS sequences, the SSB index maps, the BCH (nrBCH: MIB bits with the
    # SFN MSBs in a_1..a_6, k_SSB < 16 / SSB index < 8 since nrBCH leaves those bits 0) and
    # the PBCH symbols (nrPBCH).
    from py3gpp.nrPSS import nrPSS
    from py3gpp.nrSSS import nrSSS
    from py3gpp.nrPBCHDMRS import nrPBCHDMRS
    from py3gpp.nrPBCHDMRSIndices import nrPBCHDMRSIndices
    from py3gpp.nrPBCHIndices import nrPBCHIndices
    from py3gpp.nrSSSIndices import nrSSSIndices
    from py3gpp.nrPSSIndices import nrPSSIndices
    from py3gpp.nrBCH import nrBCH
    from py3gpp.nrPBCH import nrPBCH
    pcis = [0, 1, 2, 3, 111, 335, 336, 337, 500, 671, 672, 1000, 1007]
    pss = [{"n_id_2": n, "d": [int(x) for x in nrPSS(n)]} for n in range(3)]
    sss = [{"pci": n, "d": [int(x) for x in nrSSS(n)]} for n in pcis]
    dmrs = [{"pci": n, "i_bar": i, "r": cplx(nrPBCHDMRS(n, i))} for n in pcis[::3] for i in range(8)]
    idx = [{"pci": n, "pss": [int(x) for x in nrPSSIndices()], "sss": [int(x) for x in nrSSSIndices()],
            "dmrs": [int(x) for x in nrPBCHDMRSIndices(n)], "pbch": [int(x) for x in nrPBCHIndices(n)]}
           for n in range(4)]
    bch = []
    for pci, sfn, hrf, lmax, ssb_idx in [(0, 0, 0, 8, 0), (0, 10, 0, 8, 3), (321, 10, 1, 8, 7), (1007, 1023, 1, 4, 2),
                                         (17, 517, 0, 4, 1), (500, 256, 1, 64, 5), (42, 3, 0, 64, 0), (999, 700, 0, 8, 6)]:
        mib = rng.integers(0, 2, 24)
        mib[0] = 0
        for i in range(6):
            mib[1 + i] = (sfn >> (9 - i)) & 1
        mib[8] = 0  # k_SSB < 16
        cw = nrBCH(mib, sfn, hrf, lmax, 0, pci)
        v = ssb_idx & (3 if lmax == 4 else 7)
        sym = nrPBCH(pci, v, cw)
        bch.append({"pci": pci, "sfn": sfn, "hrf": hrf, "l_max": lmax, "ssb_index": ssb_idx,
                    "mib": bits_hex(mib), "coded": bits_hex(cw), "v": v, "pbch": cplx(sym)})
    write("crates/phy/testdata/ssb.json",
          {**header("nrPSS, nrSSS, nrPBCHDMRS, nrPSSIndices, nrSSSIndices, nrPBCHDMRSIndices, nrPBCHIndices, nrBCH, nrPBCH"),
           "pss": pss, "sss": sss, "dmrs": dmrs, "indices": idx, "bch": bch})


def main():
    rng = np.random.default_rng(SEED)
    prbs(rng)
    modulation(rng)
    ofdm(rng)
    crc(rng)
    segmentation(rng)
    ldpc_encode(rng)
    rate_match(rng)
    polar(rng)
    ssb(rng)


if __name__ == "__main__":
    main()
