"""Villkor 3 treatment forms (behandlingsformer) as the regions report them.

Codes are those of sources.md (section villkor3); labels follow Försäkringskassan's Tabell 1
of the 2020 compilation. Input is read after trimming and upper-casing, with the spellings
of the seed reports accepted as aliases (``I-KBT``, ``MMR 1``, ``MMR nivå 2``, ``EMD``…)."""
from __future__ import annotations

PSYCHOLOGICAL = ("KBT", "IKBT", "IPT", "PDT", "EMDR", "ANNAN_PSYK")
PAIN = ("MMR1", "MMR2", "BETEENDEMED", "AKTIV_TRANING", "ANNAN_SMARTA")
FORMS = PSYCHOLOGICAL + PAIN

LABELS = {
    "KBT": "Kognitiv beteendeterapi (KBT)",
    "IKBT": "KBT via internet (I-KBT)",
    "IPT": "Interpersonell terapi (IPT)",
    "PDT": "Psykodynamisk terapi (PDT)",
    "EMDR": "Eye Movement Desensitization (and Reprocessing)",
    "ANNAN_PSYK": "Annan psykologisk behandling",
    "MMR1": "MMR nivå 1",
    "MMR2": "MMR nivå 2",
    "BETEENDEMED": "Beteendemedicinskt behandlingsprogram",
    "AKTIV_TRANING": "Aktiv, specifik träning och sjukgymnastiskt ledd träning",
    "ANNAN_SMARTA": "Annan smärtbehandling",
}

# V3.5: the published per-1000 figures (SKR Tabell 2 and 3) combine these forms.
PER_1000_GROUPS = {"KBT+IPT": ("KBT", "IPT"), "MMR1+MMR2": ("MMR1", "MMR2")}

ALL = "ALLA"          # V3.1 variant for all of a region's treatments

_ALIASES = {
    "I-KBT": "IKBT", "INTERNET-KBT": "IKBT", "IKBT": "IKBT",
    "EMD": "EMDR",
    "ANNAN PSYKOLOGISK BEHANDLING": "ANNAN_PSYK", "ANNAN_PSYKOLOGISK": "ANNAN_PSYK",
    "MMR 1": "MMR1", "MMR NIVÅ 1": "MMR1", "MMR_1": "MMR1",
    "MMR 2": "MMR2", "MMR NIVÅ 2": "MMR2", "MMR_2": "MMR2",
    "BETEENDEMEDICINSK BEHANDLING": "BETEENDEMED", "BETEENDEMEDICINSKT BEHANDLINGSPROGRAM": "BETEENDEMED",
    "AKTIV SPECIFIK TRÄNING": "AKTIV_TRANING", "AKTIV_TRÄNING": "AKTIV_TRANING",
    "ANNAN SMÄRTBEHANDLING": "ANNAN_SMARTA", "ANNAN_SMÄRTA": "ANNAN_SMARTA",
}


def form_code(value: object) -> str | None:
    """The form code of an input value; an unknown value is returned upper-cased (it is then
    a data-quality finding, not dropped)."""
    if value is None:
        return None
    text = " ".join(str(value).split()).upper()
    if not text:
        return None
    if text in FORMS:
        return text
    return _ALIASES.get(text, text)
