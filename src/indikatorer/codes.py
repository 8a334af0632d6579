"""Code lists of conventions.md: regions, sex, care levels (diagnosis groups and age bands
are configuration: see ``config/``)."""
from __future__ import annotations

import unicodedata

REGIONS: dict[str, str] = {
    "01": "Stockholm", "03": "Uppsala", "04": "Södermanland", "05": "Östergötland",
    "06": "Jönköping", "07": "Kronoberg", "08": "Kalmar", "09": "Gotland", "10": "Blekinge",
    "12": "Skåne", "13": "Halland", "14": "Västra Götaland", "17": "Värmland", "18": "Örebro",
    "19": "Västmanland", "20": "Dalarna", "21": "Gävleborg", "22": "Västernorrland",
    "23": "Jämtland Härjedalen", "24": "Västerbotten", "25": "Norrbotten",
}
RIKET = "00"
UNKNOWN_REGION = "99"
REGION_NAMES: dict[str, str] = {**REGIONS, RIKET: "Riket", UNKNOWN_REGION: "Okänt län"}
REGION_ALIASES: dict[str, str] = {"Sörmland": "04", "Norrbottn": "25", "Jämtland": "23",
                                  "Region Jämtland Härjedalen": "23", "Västra Götalandsregionen": "14"}

SEX_CODES = ("K", "M")
SEX_TOTAL = "T"
CARE_LEVELS = ("PV", "SSV", "PSY")
TOTAL = "T"


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


_BY_NAME = {_fold(n): c for c, n in REGIONS.items()}
_BY_NAME.update({_fold(n): c for n, c in REGION_ALIASES.items()})
_BY_NAME.update({_fold("Region " + n): c for c, n in REGIONS.items()})


def region_code(value: object) -> str | None:
    """Translate a region code or name (with the seed reports' aliases) to a two-digit code."""
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit() and len(text) <= 2:
        code = text.zfill(2)
        return code if code in REGION_NAMES else None
    return _BY_NAME.get(_fold(text))
