"""A clock set to a day: what clerks record that day is written as of that day, in the records and in their history
(``timezone.now()`` and ``timezone.localdate()`` read it; simple-history stamps its records with it)."""

import datetime
import itertools
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


def end_of(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in local time (what a history read "as of that day" asks for)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


@contextmanager
def clock(day: datetime.date, *, hour: int = 9):
    """``timezone.now()`` is ``day`` at ``hour`` local time, one second later at each call (so that the history's
    order is the order of the writes). Afterwards, the communes' stored states written that day are brought to
    today, as the nightly refresh does (``rollout.refresh_commune_states``)."""
    from rollout.core.figures_cache import figures_changed
    from rollout.models import CommuneState

    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    ticks = itertools.count()
    with mock.patch.object(timezone, "now", lambda: start + datetime.timedelta(seconds=next(ticks))):
        yield
    stale = list(CommuneState.objects.exclude(on=timezone.localdate()).values_list("commune_id", flat=True))
    if stale:
        figures_changed(commune_codes=stale)
