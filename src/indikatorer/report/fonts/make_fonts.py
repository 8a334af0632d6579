"""Rebuild ``IndikatorSans-Book.ttf`` and ``IndikatorSans-Bold.ttf`` in this folder: DejaVu Sans
(and Bold) cut down to the characters of ``svg.MEASURE_CHARS``, renamed (the Bitstream Vera
licence, LICENSE here, asks a changed font to be renamed). vl-convert measures every text of a
chart by opening and mapping the font file once per glyph; a 48 KB file instead of the system's
750 KB one halves that system time. Outlines, advances and kerning are DejaVu's own, so the
charts are laid out exactly as with the system font.

A developer's tool, not run by the report: ``pip install fonttools`` in a scratch venv, then
``python make_fonts.py [DejaVu folder]`` (default: /usr/share/fonts/truetype/dejavu)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent


def _svg_module():
    spec = importlib.util.spec_from_file_location("_svg", HERE.parent / "svg.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(dejavu: Path) -> None:
    svg = _svg_module()
    name = svg.MEASURE_FONT
    for src, style in (("DejaVuSans.ttf", "Book"), ("DejaVuSans-Bold.ttf", "Bold")):
        font = TTFont(dejavu / src)
        missing = sorted(c for c in svg.MEASURE_CHARS if c not in font.getBestCmap())
        if missing:
            raise SystemExit(f"{src} lacks {[hex(c) for c in missing]}: take them out of MEASURE_CHARS")
        opts = subset.Options()
        opts.layout_features = ["*"]          # kerning and all: the same advances as the full font
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        opts.hinting = False                  # vl-convert does not hint
        opts.drop_tables += ["FFTM"]
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(svg.MEASURE_CHARS))
        sub.subset(font)
        for rec in font["name"].names:
            if rec.nameID in (1, 16):
                rec.string = name
            elif rec.nameID == 4:
                rec.string = name if style == "Book" else f"{name} Bold"
            elif rec.nameID == 6:
                rec.string = f"{name}-{style}"
        out = HERE / f"{name}-{style}.ttf"
        font.save(out)
        print(out, out.stat().st_size)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/fonts/truetype/dejavu"))
