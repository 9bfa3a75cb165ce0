"""When full coverage is reached at the current pace: a pure function over the snapshots' coverage figures.

The pace is the number of communes covered over the last four weeks, per day: from the snapshot nearest to
``today - 28 days`` to the latest one. At that pace the uncovered communes left take
``ceil(uncovered / pace)`` more days from today. No database, no clock: the caller passes the points, the
total and today, so the rule is tested on plain values.
"""

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

PACE_WINDOW_DAYS = 28
MIN_HISTORY_DAYS = 7


class ForecastStatus:
    DONE = "done"  # every commune is covered
    ON_TRACK = "on_track"  # reached by the target date (or no target to compare with)
    LATE = "late"  # reached after the target date
    UNKNOWN = "unknown"  # cannot forecast at the current pace


class UnknownReason:
    NO_HISTORY = "no_history"  # fewer than MIN_HISTORY_DAYS between the points used
    NO_PACE = "no_pace"  # nothing covered (or coverage fell) over the window


@dataclass(frozen=True)
class Forecast:
    """The forecast of the day full coverage is reached, and how it compares with the target date."""

    status: str
    uncovered: int
    target_on: datetime.date | None = None
    reached_on: datetime.date | None = None
    pace_per_day: float | None = None
    window_start: datetime.date | None = None
    window_end: datetime.date | None = None
    reason: str = ""

    @property
    def is_late(self) -> bool:
        return self.status == ForecastStatus.LATE

    @property
    def is_done(self) -> bool:
        return self.status == ForecastStatus.DONE

    @property
    def is_unknown(self) -> bool:
        return self.status == ForecastStatus.UNKNOWN

    @property
    def pace_per_week(self) -> float | None:
        return None if self.pace_per_day is None else round(self.pace_per_day * 7, 1)

    @property
    def days_late(self) -> int | None:
        """Days between the target date and the forecast date, when late."""
        if not self.is_late:
            return None
        return (self.reached_on - self.target_on).days


def coverage_forecast(
    points: Iterable[tuple[datetime.date, int]],
    *,
    total: int,
    today: datetime.date,
    target_on: datetime.date | None = None,
) -> Forecast:
    """Forecast the day every one of ``total`` communes is covered, from ``(date, covered)`` points.

    The latest point gives the communes still uncovered (``total - covered``); the pace is the coverage gained
    from the point nearest to ``today - 28 days`` (the earlier one on a tie) to the latest point, per day. The
    forecast day is ``today + ceil(uncovered / pace)`` days, *late* when after ``target_on``. Everything covered
    is *done*; a pace of zero or less, or less than a week between the two points, is *unknown*.
    """
    ordered = sorted(points)
    latest_covered = ordered[-1][1] if ordered else 0
    uncovered = max(total - latest_covered, 0)
    if total > 0 and uncovered == 0:
        return Forecast(ForecastStatus.DONE, uncovered=0, target_on=target_on)
    if not ordered:
        return Forecast(ForecastStatus.UNKNOWN, uncovered, target_on, reason=UnknownReason.NO_HISTORY)

    end_on, end_covered = ordered[-1]
    anchor = today - datetime.timedelta(days=PACE_WINDOW_DAYS)
    start_on, start_covered = min(ordered, key=lambda point: (abs((point[0] - anchor).days), point[0]))
    span = (end_on - start_on).days
    window = {"window_start": start_on, "window_end": end_on}
    if span < MIN_HISTORY_DAYS:
        return Forecast(ForecastStatus.UNKNOWN, uncovered, target_on, reason=UnknownReason.NO_HISTORY, **window)
    pace = (end_covered - start_covered) / span
    if pace <= 0:
        return Forecast(
            ForecastStatus.UNKNOWN, uncovered, target_on, pace_per_day=pace, reason=UnknownReason.NO_PACE, **window
        )
    reached_on = today + datetime.timedelta(days=math.ceil(uncovered / pace))
    late = target_on is not None and reached_on > target_on
    return Forecast(
        ForecastStatus.LATE if late else ForecastStatus.ON_TRACK,
        uncovered,
        target_on,
        reached_on=reached_on,
        pace_per_day=pace,
        **window,
    )
