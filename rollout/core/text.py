"""Vietnamese text folding for accent-insensitive search that behaves the same on SQLite and PostgreSQL."""

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


def fold(text: str | None) -> str:
    """Lower-case ASCII form of ``text`` without punctuation: "Huyện Kon Rẫy" → "huyen kon ray", "Đắk" → "dak",
    "Ia H' Drai" → "ia h drai"."""
    if not text:
        return ""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", unidecode(str(text)).lower())).strip()


def clean_text(text: str | None) -> str:
    """``text`` as stored: Unicode NFC (macOS and some copy-pastes produce NFD), runs of white space as one
    space, no leading or trailing space."""
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()
