"""The forecast of full coverage: pace over the last four weeks, on pace, late, no pace, done, too little history."""

import datetime

from rollout.progress.forecast import ForecastStatus, UnknownReason, coverage_forecast

TODAY = datetime.date(2027, 3, 1)


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def test_on_pace_reaches_full_coverage_before_the_target():
    # 14 communes covered in 28 days: half a commune a day; 10 left take 20 days.
    points = [(days_ago(28), 76), (days_ago(14), 83), (TODAY, 90)]
    forecast = coverage_forecast(points, total=100, today=TODAY, target_on=datetime.date(2027, 6, 30))
    assert forecast.status == ForecastStatus.ON_TRACK
    assert forecast.pace_per_day == 0.5
    assert forecast.pace_per_week == 3.5
    assert forecast.uncovered == 10
    assert forecast.reached_on == datetime.date(2027, 3, 21)
    assert not forecast.is_late and forecast.days_late is None
    assert (forecast.window_start, forecast.window_end) == (days_ago(28), TODAY)


def test_late_when_the_forecast_falls_after_the_target():
    # 7 communes in 28 days: a quarter a day; 54 left take 216 days.
    points = [(days_ago(40), 40), (days_ago(28), 41), (TODAY, 48)]
    forecast = coverage_forecast(points, total=102, today=TODAY, target_on=datetime.date(2027, 6, 30))
    assert forecast.status == ForecastStatus.LATE
    assert forecast.is_late
    assert forecast.reached_on == TODAY + datetime.timedelta(days=216)
    assert forecast.days_late == (TODAY + datetime.timedelta(days=216) - datetime.date(2027, 6, 30)).days


def test_the_remaining_days_are_rounded_up():
    # 3 communes in 28 days; 1 left takes 9.33… days, so 10.
    forecast = coverage_forecast([(days_ago(28), 96), (TODAY, 99)], total=100, today=TODAY)
    assert forecast.reached_on == TODAY + datetime.timedelta(days=10)
    assert forecast.status == ForecastStatus.ON_TRACK  # no target: nothing to be late against
    assert forecast.target_on is None


def test_the_window_starts_at_the_snapshot_nearest_four_weeks_ago():
    # Snapshots 35 and 25 days ago: 25 is nearer to 28. From there to the latest (yesterday): 24 days, +12.
    points = [(days_ago(35), 0), (days_ago(25), 10), (days_ago(1), 22)]
    forecast = coverage_forecast(points, total=30, today=TODAY)
    assert forecast.window_start == days_ago(25)
    assert forecast.window_end == days_ago(1)
    assert forecast.pace_per_day == 0.5
    assert forecast.reached_on == TODAY + datetime.timedelta(days=16)  # 8 left


def test_zero_pace_cannot_be_forecast():
    points = [(days_ago(28), 48), (days_ago(14), 48), (TODAY, 48)]
    forecast = coverage_forecast(points, total=102, today=TODAY, target_on=datetime.date(2027, 6, 30))
    assert forecast.status == ForecastStatus.UNKNOWN
    assert forecast.reason == UnknownReason.NO_PACE
    assert forecast.reached_on is None and not forecast.is_late
    assert forecast.uncovered == 54


def test_falling_coverage_cannot_be_forecast():
    forecast = coverage_forecast([(days_ago(28), 50), (TODAY, 48)], total=102, today=TODAY)
    assert forecast.is_unknown and forecast.reason == UnknownReason.NO_PACE


def test_already_done():
    forecast = coverage_forecast([(days_ago(3), 101), (TODAY, 102)], total=102, today=TODAY)
    assert forecast.status == ForecastStatus.DONE
    assert forecast.is_done and forecast.uncovered == 0 and forecast.reached_on is None


def test_too_short_a_history_cannot_be_forecast():
    points = [(days_ago(6), 40), (days_ago(3), 44), (TODAY, 48)]
    forecast = coverage_forecast(points, total=102, today=TODAY)
    assert forecast.status == ForecastStatus.UNKNOWN
    assert forecast.reason == UnknownReason.NO_HISTORY


def test_no_points_at_all():
    forecast = coverage_forecast([], total=102, today=TODAY)
    assert forecast.is_unknown and forecast.reason == UnknownReason.NO_HISTORY and forecast.uncovered == 102


def test_points_in_any_order():
    points = [(TODAY, 90), (days_ago(28), 76)]
    assert coverage_forecast(points, total=100, today=TODAY).reached_on == datetime.date(2027, 3, 21)
