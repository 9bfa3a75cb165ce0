"""The range of dates the rollout accepts, one rule for every app's forms and services."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


def validate_rollout_date(value) -> None:
    """A date of the rollout (of the plan, a decision, a class, a stock movement) lies from 2000 to 2100: a year
    typed wrong, such as 0226, is refused."""
    if not isinstance(value, datetime.date):
        raise ValidationError(_("Enter a valid date (dd/mm/yyyy)."))
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("The date %(date)s is out of range: give a date from 2000 to 2100.") % {"date": f"{value:%d/%m/%Y}"}
        )
