#!/usr/bin/env python3
"""Makes crates/sim/assets/DejaVuSans-nrkit.ttf, the font embedded in nrkit's plots.

Source: DejaVu Sans 2.37 (Debian package fonts-dejavu-core 2.37-6,
/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf), subset with fontTools (the version is
printed and written into the font's version string) to printable ASCII, Latin-1 and the
few symbols the plots use (− · µ × ± ≤ ≥ Δ ≈ – — ′ ″ superscripts). Hinting is dropped;
the glyph outlines are unchanged. The DejaVu/Bitstream Vera license (LICENSE-DejaVu next
to the font) allows modified copies whose names do not contain "Bitstream" or "Vera".

Run: python3 scripts/make_plot_font.py
"""
import sys
from pathlib import Path

import fontTools
from fontTools import subset
from fontTools.ttLib import TTFont

SRC = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
OUT = Path(__file__).resolve().parent.parent / "crates/sim/assets/DejaVuSans-nrkit.ttf"

chars = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x100)]
chars += list("−·µ×±≤≥Δ≈–—′″⁰¹²³⁴⁵⁶⁷⁸⁹⁻πθτ")

opts = subset.Options()
opts.hinting = False
opts.desubroutinize = True
opts.name_IDs = ["*"]
opts.layout_features = ["kern", "liga"]
font = TTFont(SRC)
sub = subset.Subsetter(opts)
sub.populate(text="".join(chars))
sub.subset(font)
for rec in font["name"].names:
    if rec.nameID == 5:
        rec.string = f"{rec.toUnicode()}; subset for nrkit with fontTools {fontTools.version}"
font.save(OUT)
print(f"{OUT}: {OUT.stat().st_size} bytes from {SRC} (fontTools {fontTools.version})", file=sys.stderr)
