"""Masking of personal identifiers (birth date, phone, police number) for roles that must not see them."""

import datetime

MASK = "•"


def can_see_identifiers(user) -> bool:
    return user.has_perm("personnel.view_personal_identifiers")


def mask(value) -> str:
    """Keep only what cannot identify a person: the last digits of a long number (2 of a police number, 3 of
    a phone number), nothing of a date, nothing of a short value; separators stay, so the shape shows."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.date):
        return f"{MASK * 2}/{MASK * 2}/{MASK * 4}"
    text = str(value)
    characters = sum(c.isalnum() for c in text)
    keep = 0 if characters < 6 else 2 if len(text) <= 7 else 3
    hidden, shown = (text[:-keep], text[-keep:]) if keep else (text, "")
    return "".join(c if not c.isalnum() else MASK for c in hidden) + shown


def identifier_display(user):
    """A function that shows an identifier as ``user`` may see it (in exports and tables built in Python)."""
    if can_see_identifiers(user):
        return lambda value: value
    return mask
