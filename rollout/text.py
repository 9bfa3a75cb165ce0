"""Vietnamese text folding for accent-insensitive search that behaves the same on SQLite and PostgreSQL."""

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case ASCII form of ``text``: "Huyện Kon Rẫy" → "huyen kon ray", "Đắk" → "dak"."""
    if not text:
        return ""
    return _SPACES.sub(" ", unidecode(str(text)).lower()).strip()
