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


def nfc(value):
    """``value`` in Unicode NFC when it is text (macOS and some copy-pastes produce NFD: "Liêm" as "Lie" + two
    combining marks); anything else as it is."""
    if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
        return unicodedata.normalize("NFC", value)
    return value


def header_key(text: str | None) -> str:
    """A column header as it is compared: NFC, case-folded, runs of white space as one space, trimmed. "MÃ XÃ",
    " Mã xã " and an NFD "Mã xã" are the same header; "Ma xa" is not (the accents are part of the name)."""
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", unicodedata.normalize("NFC", str(text)).casefold())).strip()


def loose_key(text: str | None, *, prefixes: tuple[str, ...] = ()) -> str:
    """``text`` folded (no case, accents or punctuation) and without spaces, and without a leading word of
    ``prefixes`` (folded, e.g. "tieng"): "Tiếng Xơ Đăng", "Xơ-đăng" and "xơ đăng" → "xodang"."""
    folded = fold(text)
    for prefix in prefixes:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            folded = folded[len(prefix) + 1 :]
            break
    return folded.replace(" ", "")


class VariantLookup:
    """Values found by the ways people write them. A text is looked up as written (NFC, case-insensitive) first,
    then loosely (``loose_key``: no accents, punctuation, spaces or leading ``prefixes`` word) when that loose
    form names one value only; a loose form two values share is ambiguous and finds nothing."""

    def __init__(self, names, *, prefixes: tuple[str, ...] = ()):
        self.prefixes = prefixes
        self._exact: dict[str, object] = {}
        loose: dict[str, set] = {}
        for name, value in names:
            self._exact.setdefault(header_key(name), value)
            loose.setdefault(loose_key(name, prefixes=prefixes), set()).add(value)
        self._loose = {key: next(iter(values)) for key, values in loose.items() if key and len(values) == 1}

    def get(self, text, default=None):
        exact = header_key(text)
        if exact in self._exact:
            return self._exact[exact]
        return self._loose.get(loose_key(text, prefixes=self.prefixes), default)
