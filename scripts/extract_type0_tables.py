#!/usr/bin/env python3
"""Extracts TS 38.213 Tables 13-1…13-6 (CORESET of the Type0-PDCCH CSS set, FR1) and
Table 13-11 (its monitoring occasions, multiplexing pattern 1, FR1) from a Markdown
transcription of TS 38.213 §13 into crates/phy/testdata/type0_pdcch_tables.json, the
facts against which nrkit's own tables (crates/phy/src/pdcch/coreset0.rs) are tested.

Source: the repository CrzyNxtG/mdspc (a Markdown conversion of the 3GPP specifications),
commit dec6ce316ae9c9369fad5e6aafde276828654310, file
38213/38213_13_UE_procedure_for_monitoring_Type0-PDCCH_CSS_sets.md.

Usage: python3 scripts/extract_type0_tables.py PATH/TO/38213_13_….md
(e.g. `git -C mdspc show dec6ce3:38213/38213_13_UE_procedure_for_monitoring_Type0-PDCCH_CSS_sets.md > 13.md`)
"""
import hashlib
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCE = {
    "repository": "https://github.com/CrzyNxtG/mdspc",
    "commit": "dec6ce316ae9c9369fad5e6aafde276828654310",
    "path": "38213/38213_13_UE_procedure_for_monitoring_Type0-PDCCH_CSS_sets.md",
}
# table → (SS/PBCH block SCS kHz, PDCCH SCS kHz, minimum channel bandwidths in MHz)
CORESET_TABLES = {
    "13-1": (15, 15, [5, 10]),
    "13-2": (15, 30, [5, 10]),
    "13-3": (30, 15, [5, 10]),
    "13-4": (30, 30, [5, 10]),
    "13-5": (30, 15, [40]),
    "13-6": (30, 30, [40]),
}


def sections(text):
    """Table name → the lines from its caption to the next caption."""
    lines = text.splitlines()
    heads = [(i, m.group(1)) for i, l in enumerate(lines)
             if (m := re.match(r"^Table (13-\d+A?):", l))]
    out = {}
    for n, (i, name) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        out[name] = lines[i:end]
    return out


def rows(lines):
    """Rows as lists of cell strings, index first; multi-line cells are joined. Handles
    the grid (`| a | b |`) and the simple (columns separated by spaces) Markdown tables."""
    out = []
    grid = any(l.startswith("|") for l in lines)
    for l in lines:
        if grid:
            if not l.startswith("|"):
                continue
            cells = [c.strip() for c in l.strip().strip("|").split("|")]
            if re.fullmatch(r"\d+", cells[0]):
                out.append(cells)
            elif out and cells[0] == "" and any(cells):
                prev = out[-1]
                for j, c in enumerate(cells[: len(prev)]):
                    if c:
                        prev[j] = (prev[j] + " " + c).strip()
        else:
            m = re.match(r"^\s{1,4}(\d+)\s{2,}(.*)$", l)
            if m:
                out.append([m.group(1)] + re.split(r"\s{2,}", m.group(2).strip()))
            elif out and l.strip() and re.match(r"^\s{20,}", l):
                out[-1][-1] = out[-1][-1] + " " + l.strip()
    return out


def coreset_table(lines):
    entries = []
    for r in rows(lines):
        idx = int(r[0])
        if r[1].startswith("Reserved"):
            entries.append({"index": idx, "reserved": True})
            continue
        pattern, n_rb, n_symb, offset = (int(re.sub(r"[^0-9-]", "", c)) for c in r[1:5])
        entries.append({"index": idx, "pattern": pattern, "n_rb": n_rb,
                        "n_symb": n_symb, "offset": offset})
    assert [e["index"] for e in entries] == list(range(16)), entries
    return entries


def monitoring_table(lines):
    entries = []
    for r in rows(lines):
        idx = int(r[0])
        o = int(r[1])
        per_slot = int(r[2])
        m = {"1": 1.0, "1/2": 0.5, "2": 2.0}[r[3]]
        first = r[4]
        if "even" in first:
            # {0, if i is even}, {N_symb^CORESET, if i is odd}
            first_symbol = "0 if i even, N_symb^CORESET if i odd"
        else:
            first_symbol = int(first)
        entries.append({"index": idx, "o": o, "search_space_sets_per_slot": per_slot,
                        "m": m, "first_symbol": first_symbol})
    assert [e["index"] for e in entries] == list(range(16)), entries
    return entries


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    raw = open(sys.argv[1], encoding="utf-8").read()
    secs = sections(raw)
    out = {
        "generator": "scripts/extract_type0_tables.py (parses the Markdown tables)",
        "source": dict(SOURCE, sha256=hashlib.sha256(raw.encode()).hexdigest()),
        "what": "TS 38.213 Tables 13-1..13-6 (CORESET for Type0-PDCCH CSS, FR1) and 13-11",
        "coreset_tables": [],
    }
    for name, (ssb, pdcch, bw) in CORESET_TABLES.items():
        out["coreset_tables"].append({"table": name, "ssb_scs_khz": ssb,
                                      "pdcch_scs_khz": pdcch, "min_channel_bw_mhz": bw,
                                      "entries": coreset_table(secs[name])})
    out["monitoring_table_13_11"] = monitoring_table(secs["13-11"])
    path = os.path.join(ROOT, "crates/phy/testdata/type0_pdcch_tables.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
