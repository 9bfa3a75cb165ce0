"""Masking of personal identifiers (birth date, phone, police number) for roles that must not see them."""

import datetime

MASK = "•"


def can_see_identifiers(user) -> bool:
    return user.has_perm("personnel.view_personal_identifiers")


def mask(value) -> str:
    """Keep only what cannot identify a person: the last digits of a number, nothing of a date."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.date):
        return f"{MASK * 2}/{MASK * 2}/{MASK * 4}"
    text = str(value)
    keep = 2 if len(text) <= 7 else 3
    return "".join(c if not c.isalnum() else MASK for c in text[:-keep]) + text[-keep:]
