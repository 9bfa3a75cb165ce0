"""Vietnamese text folding for accent-insensitive search that behaves the same on SQLite and PostgreSQL."""

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


def fold(text: str | None) -> str:
    """Lower-case ASCII form of ``text`` without punctuation: "Huyện Kon Rẫy" → "huyen kon ray", "Đắk" → "dak",
    "Ia H' Drai" → "ia h drai"."""
    if not text:
        return ""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", unidecode(str(text)).lower())).strip()
