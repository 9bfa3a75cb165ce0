"""Import widgets for Vietnamese spreadsheets: strict, with a clear message for every bad cell.

Each ``clean`` raises ``ValueError`` with a translated message; django-import-export turns it into a
per-row, per-column validation error, and the whole file is refused. Cells are compared in Unicode NFC (the
reader normalises them) and, where the folded form names one value only, without case, accents or punctuation.

A blank cell of a known record means "no change" and the marker ``(xóa)`` means "clear"
(``rollout.core.imports.CellRulesMixin``); the widgets themselves see a blank cell only for a new record, or for
a cleared one, and give the field's empty value.
"""

import datetime
import re

from django.db import models
from django.utils.translation import gettext as _
from import_export import widgets

from rollout.core.text import VariantLookup, fold

_TRUE = {"co", "c", "x", "1", "true", "yes", "y", "dung"}
_FALSE = {"khong", "k", "ko", "kg", "0", "false", "no", "n", "sai"}

YES_LABEL, NO_LABEL = "Có", "Không"  # how a yes/no cell is written (and exported)

# The cell that clears a value on update, as the templates' instruction sheets write it. Any case and either
# spelling of the tone (xóa, xoá) are accepted: the folded text between the brackets is "xoa".
CLEAR_MARKER = "(xóa)"


def is_blank(value) -> bool:
    """An empty cell (the reader turns blank text into ``None``)."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_clear_marker(value) -> bool:
    """``(xóa)``, ``(xoá)``, ``(XÓA)``, ``( Xoá )``: the cell asks for the value to be cleared."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.startswith("(") and text.endswith(")") and fold(text[1:-1]) == "xoa"


_THOUSANDS = re.compile(r"^\d{1,3}([. ]\d{3})+$")


class YesNoWidget(widgets.BooleanWidget):
    """ "Có"/"Không" (also x, 1/0, yes/no); a blank cell means "Không". Exports "Có" or "Không"."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        folded = fold(str(value))
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ValueError(_("“%(value)s” is not yes or no: write Có or Không.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return YES_LABEL if value else NO_LABEL


class NonNegativeIntegerWidget(widgets.IntegerWidget):
    """A whole number from ``minimum`` to ``maximum``; accepts 1234, 1234.0, "1.234" and "1 234"; blank
    means empty. The default maximum is what every database holds in a positive integer column."""

    def __init__(self, minimum: int = 0, maximum: int = 2_147_483_647, **kwargs):
        self.minimum = minimum
        self.maximum = maximum
        super().__init__(coerce_to_string=False, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        number = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                number = int(text)
            elif _THOUSANDS.match(text):
                number = int(re.sub(r"[. ]", "", text))
        if number is None or number < self.minimum:
            raise ValueError(
                _("“%(value)s” is not a whole number of at least %(minimum)s.")
                % {"value": value, "minimum": self.minimum}
            )
        if number > self.maximum:
            raise ValueError(
                _("“%(value)s” is too large: at most %(maximum)s.") % {"value": value, "maximum": self.maximum}
            )
        return number

    def render(self, value, obj=None, **kwargs):
        return value


class DayFirstDateWidget(widgets.DateWidget):
    """A date cell, or text as dd/mm/yyyy (also dd-mm-yyyy and yyyy-mm-dd); blank means empty."""

    FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")
    EARLIEST = datetime.date(1945, 1, 1)
    LATEST = datetime.date(2100, 12, 31)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            parsed = value.date()
        elif isinstance(value, datetime.date):
            parsed = value
        else:
            parsed = None
            for fmt in self.FORMATS:
                try:
                    parsed = datetime.datetime.strptime(str(value).strip(), fmt).date()  # noqa: DTZ007
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(_("“%(value)s” is not a date: write dd/mm/yyyy.") % {"value": value})
        if not self.EARLIEST <= parsed <= self.LATEST:
            raise ValueError(_("The date %(value)s is out of range.") % {"value": parsed.strftime("%d/%m/%Y")})
        return parsed

    def render(self, value, obj=None, **kwargs):
        return value


class ChoiceLabelWidget(widgets.Widget):
    """A choice written as its Vietnamese label, its English one, the parts of an English label with the
    Vietnamese term in brackets ("Captain (Đại úy)": "Đại úy", "Captain"), its code or one of ``aliases`` (other
    names in use); with or without accents, case and punctuation where that names one choice only, and without a
    leading word of ``prefixes`` ("dân tộc Kinh"); blank means empty."""

    _BRACKETED = re.compile(r"\(([^()]+)\)\s*$")

    def __init__(self, choices, *, aliases: dict[str, object] | None = None, prefixes: tuple[str, ...] = (), **kwargs):
        self.choices = choices
        self.aliases = aliases or {}
        self.prefixes = prefixes
        self._variants: VariantLookup | None = None
        self._labels_vi: dict | None = None
        super().__init__(**kwargs)

    def _lookup(self) -> VariantLookup:
        """Built once per widget: it holds the Vietnamese and the English labels, whatever the active language."""
        if self._variants is None:
            self._variants = self._build_lookup()
        return self._variants

    def _build_lookup(self) -> VariantLookup:
        from django.utils import translation

        names = []
        for code, label in self.choices.choices:
            with translation.override("vi"):
                vietnamese = str(label)
            with translation.override("en"):
                english = str(label)
            names += [(vietnamese, code), (english, code), (str(code), code)]
            bracketed = self._BRACKETED.search(english)
            if bracketed:
                names += [(bracketed.group(1), code), (english[: bracketed.start()], code)]
        names += [(alias, code) for alias, code in self.aliases.items()]
        return VariantLookup(names, prefixes=self.prefixes)

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None if issubclass(self.choices, models.IntegerChoices) else ""
        code = self._lookup().get(str(value))
        if code is None:
            with_vi = self._vietnamese_labels()
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": value, "choices": ", ".join(with_vi)}
            )
        return code

    def _vietnamese_labels(self) -> list[str]:
        from django.utils import translation

        with translation.override("vi"):
            return [str(label) for _code, label in self.choices.choices]

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        label = self._vietnamese_by_code().get(value)
        return label if label is not None else str(self.choices(value).label)

    def _vietnamese_by_code(self) -> dict:
        """Each choice's Vietnamese label, built once per widget (an export renders it for every row)."""
        if getattr(self, "_labels_vi", None) is None:
            from django.utils import translation

            with translation.override("vi"):
                self._labels_vi = {code: str(label) for code, label in self.choices.choices}
        return self._labels_vi
