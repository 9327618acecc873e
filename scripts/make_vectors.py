#!/usr/bin/env python3
"""Regenerates nrkit's known-answer vectors from py3gpp (an independent implementation).

Usage: python3 scripts/make_vectors.py   (pip install py3gpp==0.6.0 numpy first)

Writes crates/core/testdata/prbs.json, crates/phy/testdata/modulation.json and
crates/phy/testdata/ofdm.json. Each file records the generator, its version and the seed.
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


def main():
    rng = np.random.default_rng(SEED)
    prbs(rng)
    modulation(rng)
    ofdm(rng)


if __name__ == "__main__":
    main()
