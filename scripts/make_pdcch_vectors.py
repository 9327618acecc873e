#!/usr/bin/env python3
"""Known-answer vectors for the PDCCH chain: crates/phy/testdata/pdcch_vectors.json.

Usage: python3 scripts/make_pdcch_vectors.py   (pip install py3gpp==0.6.0 numpy first)

* DCI chain (TS 38.212 §7.3) from py3gpp 0.6 primitives: nrCRCEncode("24C", mask=RNTI)
  over 24 ones + payload, nrPolarEncode(nmax = log2 N, iil=True), nrRateMatchPolar
  (ibil=False), then the PDCCH scrambling (TS 38.211 §7.3.2.3) with nrPRBS and QPSK with
  nrSymbolModulate. py3gpp 0.6 has no DCI/PDCCH functions, its polar encoder always uses
  N = 2^nmax and its rate matching only repetition (E >= N), so the cases are those where
  the specification's N (§5.3.1, computed here) satisfies E >= N: aggregation levels 8
  and 16 (at L <= 4, E < N for every K >= 36: the punctured and shortened
  cases are covered by the polar vectors of crates/coding and by the round trips).
* PDCCH DMRS (TS 38.211 §7.4.1.3.1) from nrPRBS with the §7.4.1.3.1 c_init.
* CCE-to-REG mapping (TS 38.211 §7.3.2.2) and search-space candidates (TS 38.213 §10.1)
  from this script's own implementation of the specification text (py3gpp has none):
  a second implementation, written separately from nrkit's.

Records generator, versions and the seed.
"""
import json
import math
import os
import sys
from importlib.metadata import version

import numpy as np
from py3gpp.nrCRCEncode import nrCRCEncode
from py3gpp.nrPolarEncode import nrPolarEncode
from py3gpp.nrRateMatchPolar import nrRateMatchPolar
from py3gpp.nrPRBS import nrPRBS
from py3gpp.nrSymbolModulate import nrSymbolModulate

SEED = 20261208
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def polar_n(K, E, nmax=9):
    """TS 38.212 §5.3.1: the mother code length N."""
    if E <= (9 / 8) * 2 ** (math.ceil(math.log2(E)) - 1) and K / E < 9 / 16:
        n1 = math.ceil(math.log2(E)) - 1
    else:
        n1 = math.ceil(math.log2(E))
    n2 = math.ceil(math.log2(K / (1 / 8)))
    return 2 ** max(min(n1, n2, nmax), 5)


def dci_case(rng, A, rnti, E, n_id, n_rnti):
    a = rng.integers(0, 2, A)
    ap = np.concatenate([a, np.zeros(max(0, 12 - A), int)])
    blk = np.concatenate([np.ones(24, int), ap])
    withcrc = nrCRCEncode(blk, "24C", rnti).ravel()[24:]
    K = len(withcrc)
    N = polar_n(K, E)
    assert E >= N
    enc = nrPolarEncode(withcrc.astype(int), E, nmax=int(math.log2(N)), iil=True)
    f = nrRateMatchPolar(enc, K, E, ibil=False)
    c_init = ((n_rnti << 16) + n_id) % 2**31
    scr = (f + nrPRBS(c_init, E).astype(int)) % 2
    sym = nrSymbolModulate(scr.astype(float), "QPSK")
    return {
        "a": a.tolist(), "rnti": rnti, "e": E, "n": N, "n_id": n_id, "n_rnti": n_rnti,
        "coded": f.astype(int).tolist(),
        "symbols": [v for z in np.asarray(sym).ravel() for v in
                    (float(f"{z.real:.9g}"), float(f"{z.imag:.9g}"))],
    }


def dmrs_case(n_id, n_slot, l, n_rb, symbols_per_slot=14):
    c_init = (2**17 * (symbols_per_slot * n_slot + l + 1) * (2 * n_id + 1) + 2 * n_id) % 2**31
    c = nrPRBS(c_init, 2 * 3 * n_rb).astype(int)
    r = (1 - 2 * c[0::2]) / np.sqrt(2) + 1j * (1 - 2 * c[1::2]) / np.sqrt(2)
    return {"n_id": n_id, "n_slot": n_slot, "l": l, "n_rb": n_rb,
            "r": [v for z in r for v in (float(f"{z.real:.9g}"), float(f"{z.imag:.9g}"))]}


def cce_regs(n_rb, duration, interleaved, L=6, R=2, n_shift=0):
    """TS 38.211 §7.3.2.2, from the text: REG bundle i = REGs iL..iL+L-1, CCE j = bundles
    f(6j/L .. 6j/L + 6/L - 1)."""
    n_reg = n_rb * duration
    if not interleaved:
        L = 6
        f = lambda x: x
    else:
        C = n_reg // (L * R)
        def f(x):
            c, r = divmod(x, R)
            return (r * C + c + n_shift) % (n_reg // L)
    out = []
    for j in range(n_reg // 6):
        regs = []
        for b in range(6 * j // L, 6 * j // L + 6 // L):
            regs += [f(b) * L + i for i in range(L)]
        out.append(regs)
    return out


def candidates(n_cce, L, M, kind, p=0, rnti=0, n_slot=0):
    """TS 38.213 §10.1 with n_CI = 0."""
    if kind == "common":
        Y = 0
    else:
        A = [39827, 39829, 39839][p % 3]
        Y = rnti
        for _ in range(n_slot + 1):
            Y = (A * Y) % 65537
    if n_cce < L or M == 0:
        return []
    return [L * ((Y + (m * n_cce) // (L * M)) % (n_cce // L)) for m in range(M)]


def main():
    rng = np.random.default_rng(SEED)
    dci = []
    for A, rnti, E, n_id, n_rnti in [
        (39, 0xFFFF, 864, 1, 0), (39, 0xFFFF, 1728, 17, 0), (41, 0x4601, 864, 500, 0x4601),
        (12, 0x0001, 864, 1007, 0), (1, 0x1234, 1728, 3, 0), (8, 0xFFFE, 864, 0, 0),
        (64, 0x00A5, 1728, 77, 0), (100, 0x7FFF, 1728, 123, 0x7FFF), (140, 0xFFFF, 1728, 9, 0),
        (31, 0x0042, 864, 42, 0),
    ]:
        dci.append(dci_case(rng, A, rnti, E, n_id, n_rnti))
    dmrs = [dmrs_case(*c) for c in [(0, 0, 0, 24), (1, 3, 1, 48), (1007, 19, 2, 106),
                                     (65535, 7, 0, 275), (500, 0, 12, 30)]]
    regs = []
    for n_rb, dur, il, L, R, sh in [(48, 1, True, 6, 2, 1), (48, 2, True, 6, 2, 0),
                                     (96, 3, True, 6, 2, 1007 % 275), (24, 3, True, 6, 2, 5),
                                     (36, 1, True, 2, 3, 7), (36, 2, True, 2, 6, 100),
                                     (36, 3, True, 3, 2, 274), (24, 2, False, 6, 2, 0),
                                     (108, 1, True, 6, 3, 11)]:
        regs.append({"n_rb": n_rb, "duration": dur, "interleaved": il, "L": L, "R": R,
                     "n_shift": sh, "cce_regs": cce_regs(n_rb, dur, il, L, R, sh)})
    cands = []
    for n_cce, L, M, kind, p, rnti, n_slot in [
        (8, 4, 4, "common", 0, 0, 0), (16, 8, 2, "common", 0, 0, 0), (16, 16, 1, "common", 0, 0, 0),
        (24, 1, 6, "ue", 1, 0x4601, 0), (24, 2, 6, "ue", 1, 0x4601, 5), (24, 4, 2, "ue", 2, 17, 19),
        (54, 8, 2, "ue", 3, 65535, 9), (45, 16, 1, "ue", 4, 100, 79), (12, 4, 3, "common", 0, 0, 0),
    ]:
        cands.append({"n_cce": n_cce, "L": L, "M": M, "type": kind, "p": p, "rnti": rnti,
                      "n_slot": n_slot, "first_cce": candidates(n_cce, L, M, kind, p, rnti, n_slot)})
    out = {
        "generator": "py3gpp", "generator_version": version("py3gpp"),
        "numpy_version": np.__version__, "script": "scripts/make_pdcch_vectors.py",
        "seed": SEED,
        "what": "DCI chain and PDCCH symbols (py3gpp primitives), PDCCH DMRS (nrPRBS); "
                "CCE-to-REG and candidates from the script's own reading of the specification",
        "dci": dci, "dmrs": dmrs, "cce_regs": regs, "candidates": cands,
    }
    path = os.path.join(ROOT, "crates/phy/testdata/pdcch_vectors.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
