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
