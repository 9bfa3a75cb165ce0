"""Import widgets for Vietnamese spreadsheets: strict, with a clear message for every bad cell.

Each ``clean`` raises ``ValueError`` with a translated message; django-import-export turns it into a
per-row, per-column validation error, and the whole file is refused.
"""

import datetime
import re

from django.db import models
from django.utils.translation import gettext as _
from import_export import widgets

from rollout.core.text import fold

_TRUE = {"co", "c", "x", "1", "true", "yes", "y"}
_FALSE = {"khong", "k", "0", "false", "no", "n"}
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
        return "Có" if value else "Không"


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
    """A choice written as its Vietnamese label (or its code); blank means empty."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _lookup(self) -> dict[str, str]:
        from django.utils import translation

        lookup = {}
        for code, label in self.choices.choices:
            lookup[fold(code)] = code
            lookup[fold(str(label))] = code
            with translation.override("vi"):
                lookup[fold(str(label))] = code
        return lookup

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None if issubclass(self.choices, models.IntegerChoices) else ""
        code = self._lookup().get(fold(str(value)))
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
        from django.utils import translation

        if not value:
            return ""
        with translation.override("vi"):
            return str(self.choices(value).label)
