#!/usr/bin/env bash
# Checks the structure rules of docs/ARCHITECTURE.md:
#  1. crate layering from `cargo metadata` (dependencies point downward only, each crate
#     only to the crates its row allows);
#  2. the CLI: src/main.rs is dispatch only (at most 150 lines), src/lib.rs is a facade
#     (re-exports only), command modules under src/cmd/ import cmd::common and the crates,
#     never another command;
#  3. modules inside phy: the building blocks never import the searcher (`sync`);
#  4. unsafe: only in the ISA files (whole-file allow) and at the dispatch points of the
#     listed files (item-level #[allow(unsafe_code)] with a // SAFETY: line).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
layer = {"nrkit-core": 0, "nrkit-dsp": 1, "nrkit-iq": 2, "nrkit-coding": 2, "nrkit-channel": 2,
         "nrkit-sdr": 3, "nrkit-phy": 3, "nrkit-gnb": 4, "nrkit-sim": 5, "nrkit-bench": 5,
         "nrkit": 6, "nrkit-sdr-loopback": 0}
below_sdr = {"nrkit-core", "nrkit-dsp", "nrkit-iq", "nrkit-coding", "nrkit-channel", "nrkit-phy"}
allowed = {"nrkit-core": set(), "nrkit-dsp": {"nrkit-core"}, "nrkit-iq": {"nrkit-core", "nrkit-dsp"},
           "nrkit-coding": {"nrkit-core", "nrkit-dsp"}, "nrkit-channel": {"nrkit-core", "nrkit-dsp"},
           "nrkit-sdr": {"nrkit-core", "nrkit-iq"},
           "nrkit-phy": {"nrkit-core", "nrkit-dsp", "nrkit-coding"},
           "nrkit-gnb": below_sdr, "nrkit-sim": below_sdr | {"nrkit-gnb"},
           "nrkit-bench": below_sdr | {"nrkit-gnb", "nrkit-sdr"},
           "nrkit-sdr-loopback": set()}
bad = []
for p in json.load(sys.stdin)["packages"]:
    name = p["name"]
    if name not in layer:
        bad.append(f"{name}: not in the layer table of docs/ARCHITECTURE.md"); continue
    for d in p["dependencies"]:
        dn = d["name"]
        if dn in layer and d["kind"] is None:
            if layer[dn] >= layer[name] or (name in allowed and dn not in allowed[name]):
                bad.append(f"{name} (layer {layer[name]}) must not depend on {dn}")
for b in bad: print("layering:", b)
sys.exit(1 if bad else 0)
'
python3 - <<'PY'
import os, re, sys
bad = []
# The CLI.
main = open("src/main.rs").read().splitlines()
if len(main) > 150:
    bad.append(f"src/main.rs: {len(main)} lines (dispatch only: at most 150)")
for i, l in enumerate(open("src/lib.rs").read().splitlines(), 1):
    s = l.strip()
    if s and not (s.startswith("//") or s.startswith("#![") or re.match(r"pub use \w+ as \w+;$", s)):
        bad.append(f"src/lib.rs:{i}: the facade holds re-exports only: {s}")
cmds = sorted(n[:-3] if n.endswith(".rs") else n for n in os.listdir("src/cmd") if n != "mod.rs")
for dp, _, fns in os.walk("src/cmd"):
    for fn in fns:
        path = os.path.join(dp, fn)
        rel = os.path.relpath(path, "src/cmd").split(os.sep)
        own = rel[0][:-3] if rel[0].endswith(".rs") else rel[0]
        if own == "mod":
            continue
        # The command-level module that `super` names from this file.
        depth = len(rel) - (1 if fn == "mod.rs" else 0)
        sup = r"\bsuper::" * depth
        text = open(path).read()
        used = set(re.findall(r"\bcmd::(\w+)", text)) | set(re.findall(sup + r"(\w+)", text))
        for u in used:
            if u in cmds and u not in ("common", own):
                bad.append(f"{path}: command module {own} imports command {u} (share it through cmd/common or a crate)")
# phy: building blocks below the searcher.
for dp, _, fns in os.walk("crates/phy/src"):
    for fn in fns:
        path = os.path.join(dp, fn)
        if "/sync" in path or fn == "lib.rs":
            continue
        if re.search(r"\bcrate::sync\b", open(path).read()):
            bad.append(f"{path}: imports crate::sync (the searcher sits above the building blocks)")
# unsafe.
isa_file = re.compile(r"^crates/(dsp|coding)/src/.+/(avx2|avx512|neon)\.rs$")
dispatch = {"crates/dsp/src/vector/mod.rs", "crates/dsp/src/fft/mod.rs", "crates/dsp/src/resample/mod.rs",
            "crates/coding/src/ldpc/encoder/mod.rs", "crates/coding/src/ldpc/layer/mod.rs",
            "crates/coding/src/polar/scl/mod.rs", "crates/sdr/src/soapy.rs"}
for top in ["crates", "src", "tests", "benches", "examples"]:
    for dp, _, fns in os.walk(top):
        if "/target" in dp:
            continue
        for fn in fns:
            if not fn.endswith(".rs"):
                continue
            path = os.path.join(dp, fn)
            lines = open(path).read().splitlines()
            code = [(i, l) for i, l in enumerate(lines) if not l.strip().startswith("//")]
            uses = [(i, l) for i, l in code if re.search(r"\bunsafe\b", l) and "unsafe_code" not in l]
            if isa_file.match(path):
                continue
            if path in dispatch:
                if any(l.strip() == "#![allow(unsafe_code)]" for l in lines):
                    bad.append(f"{path}: module-wide #![allow(unsafe_code)]; allow it on the dispatch items only")
                for i, l in uses:
                    if "unsafe {" in l and not any("SAFETY" in lines[j] for j in range(max(0, i - 4), i + 1)):
                        bad.append(f"{path}:{i + 1}: unsafe block without a // SAFETY: line")
                continue
            for i, l in uses:
                bad.append(f"{path}:{i + 1}: unsafe outside the ISA files and dispatch points")
for b in bad:
    print("structure:", b)
sys.exit(1 if bad else 0)
PY
echo "layering, structure and unsafe policy ok"
