"""Ages and birth-date ranges: the database filters on birth dates, people think in ages."""

import datetime


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Completed years of life on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def birth_range(min_age: int, max_age: int, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Birth dates (earliest, latest) of people aged ``min_age``..``max_age`` on ``on``, both ages included."""
    earliest = years_before(on, max_age + 1) + datetime.timedelta(days=1)
    latest = years_before(on, min_age)
    return earliest, latest
