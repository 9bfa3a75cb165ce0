"""Vietnamese text: folding for accent-insensitive search that behaves the same on SQLite and PostgreSQL, the
variants people write a name in, and Unicode NFC for every text the project stores."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _
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


_TEXT_FIELDS: dict[type, tuple[str, ...]] = {}


def _text_fields(model) -> tuple[str, ...]:
    if model not in _TEXT_FIELDS:
        _TEXT_FIELDS[model] = tuple(
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        )
    return _TEXT_FIELDS[model]


def normalise_text_fields(instance, fields=None) -> None:
    """Put every text field of ``instance`` (or those of ``fields``) in Unicode NFC, in place."""
    names = _text_fields(type(instance))
    if fields is not None:
        names = [name for name in names if name in set(fields)]
    for name in names:
        value = getattr(instance, name)
        normalised = nfc(value)
        if normalised is not value:
            setattr(instance, name, normalised)


def store_text_in_nfc(app_labels) -> None:
    """Every model of ``app_labels`` stores its CharField and TextField values in NFC, whichever door the text came
    through (a form, the admin, an import, a service, the shell): a ``pre_save`` receiver, so the one rule for
    single saves. Bulk writes do not send ``pre_save``: ``rollout.core.bulk`` and the services that
    ``bulk_create`` call ``normalise_text_fields``, and the spreadsheet reader gives every cell in NFC."""
    labels = frozenset(app_labels)

    def to_nfc(sender, instance, **kwargs):
        if sender._meta.app_label in labels:
            normalise_text_fields(instance)

    pre_save.connect(to_nfc, dispatch_uid="rollout-core-text-nfc", weak=False)


# Vietnamese alphabetical order (with the Latin letters of ethnic-minority names, f j w z, where the Latin
# alphabet puts them); each letter is one byte of the key, from "A" up, so that keys sort byte by byte.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODE = {letter: chr(ord("A") + index) for index, letter in enumerate(_ALPHABET)}
# Tones: ngang (none), huyền, hỏi, ngã, sắc, nặng, in that order, as combining marks after NFD.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư): part of the letter
_LEVEL = "!"  # between the letters and the tones: below every other byte of the key
_WORD = ","  # between words: below digits and letters, above _LEVEL ("An" < "An Bình" < "Anh")
_WORDS = re.compile(r"[^\W_]+")
# Unit prefixes of place names, longest first; the place sorts by the name after it.
_UNIT_PREFIXES = ("thành phố ", "thị trấn ", "thị xã ", "phường ", "huyện ", "quận ", "tỉnh ", "xã ")


def _word_key(word: str) -> tuple[str, str]:
    """The letters' bytes and the tone digit of one word; runs of digits sort by their value ("2" < "10")."""
    letters, tone = [], "0"
    digits = ""
    for char in unicodedata.normalize("NFD", word.lower()):
        if char.isdigit() and char.isascii():
            digits += char
            continue
        if digits:
            letters.append(chr(ord("0") + min(len(digits), 9)) + digits)
            digits = ""
        if char in _TONES:
            tone = tone if tone != "0" else _TONES[char]
        elif char in _LETTER_MARKS and letters:
            composed = unicodedata.normalize("NFC", _ALPHABET[ord(letters[-1]) - ord("A")] + char)
            letters[-1] = _LETTER_CODE.get(composed, letters[-1])
        elif char in _LETTER_CODE:
            letters.append(_LETTER_CODE[char])
        elif not unicodedata.combining(char):
            letters.extend(_LETTER_CODE[c] for c in unidecode(char).lower() if c in _LETTER_CODE)
    if digits:
        letters.append(chr(ord("0") + min(len(digits), 9)) + digits)
    return "".join(letters), tone


def _words_key(words: list[str]) -> str:
    keys = [_word_key(word) for word in words]
    keys = [(letters, tone) for letters, tone in keys if letters]
    return _WORD.join(letters for letters, _tone in keys) + _LEVEL + "".join(tone for _letters, tone in keys)


def collation_key(text: str | None, *, person: bool = False) -> str:
    """A key that puts names in Vietnamese alphabetical order under plain byte comparison (``C`` collation on
    PostgreSQL, ``BINARY`` on SQLite): letters in the order a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư
    v x y, then, as a secondary difference, tones in the order ngang, huyền, hỏi, ngã, sắc, nặng; case and
    punctuation are ignored, numbers sort by value.

    ``person``: a person's full name sorts by the given name (*tên*, the last word), then the middle names, then
    the family name: "Nguyễn Văn An" as "An Văn Nguyễn". Otherwise ``text`` is a place: it sorts by the name
    without its unit prefix ("Xã Đắk Ang" as "Đắk Ang"), the prefix breaking ties."""
    words = _WORDS.findall(clean_text(text))
    if not words:
        return ""
    if person:
        return _words_key([words[-1], *words[1:-1], words[0]] if len(words) > 1 else words)
    text = " ".join(words)
    lowered = text.lower()
    prefix = next((p for p in _UNIT_PREFIXES if lowered.startswith(p) and len(lowered) > len(p)), "")
    name_words = text[len(prefix) :].split()
    key = _words_key(name_words)
    if prefix:
        key += _LEVEL + _words_key(prefix.split())
    return key


NOT_A_NAME = _("A name is written in letters (for example Nguyễn Văn An): “%(value)s” is not a name.")


def validate_person_name(value) -> None:
    """A person's name has letters: a value of digits, signs or punctuation only ("-1", "123", "...") is refused.
    On the models' name fields, so that every door (forms, the admin, imports, services) refuses it."""
    if not any(character.isalpha() for character in str(value)):
        raise ValidationError(NOT_A_NAME, code="not_a_name", params={"value": value})
