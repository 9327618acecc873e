#!/usr/bin/env bash
# Checks the layering of docs/ARCHITECTURE.md from `cargo metadata` (dependencies point
# downward only) and that `unsafe` appears only in the ISA modules.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
layer = {"nrkit-core": 0, "nrkit-dsp": 1, "nrkit-iq": 2, "nrkit-sdr": 3, "nrkit-coding": 2,
         "nrkit-channel": 2, "nrkit-phy": 3, "nrkit-sim": 4, "nrkit": 5,
         "nrkit-sdr-loopback": 0}
allowed = {"nrkit-dsp": {"nrkit-core"}, "nrkit-iq": {"nrkit-core", "nrkit-dsp"},
           "nrkit-phy": {"nrkit-core", "nrkit-dsp", "nrkit-coding"},
           "nrkit-channel": {"nrkit-core", "nrkit-dsp"}, "nrkit-coding": {"nrkit-core", "nrkit-dsp"},
           "nrkit-sdr": {"nrkit-core", "nrkit-iq"}, "nrkit-sdr-loopback": set()}
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
# unsafe only in ISA modules (dsp/coding avx2/avx512/neon files and the dispatch mod.rs that
# calls them) and FFI in sdr.
offenders=$(grep -rln --include='*.rs' -E '\bunsafe\b' crates src tests benches examples 2>/dev/null \
  | grep -vE '^crates/(dsp|coding)/src/.*/(avx2|avx512|neon|mod)\.rs$' \
  | grep -vE '^crates/sdr/' || true)
# Allow files whose only mention is a lint attribute or prose.
real=""
for f in $offenders; do
  if grep -vE '^\s*(//|#!?\[(deny|forbid|allow)\(unsafe_code\)\])' "$f" | grep -qE '\bunsafe\b'; then real+="$f "; fi
done
if [ -n "$real" ]; then echo "unsafe outside ISA modules: $real"; exit 1; fi
echo "layering and unsafe policy ok"
