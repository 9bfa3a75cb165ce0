"""What follows a change of the progress figures' sources: the communes' stored states are refreshed, and the
figures cached under a version are forgotten (``rollout.progress.figures``).

Any write to what the figures are computed from: the signals of ``RolloutConfig.ready`` for saves and deletes, and
a call to ``figures_changed(commune_codes=...)`` after bulk writes that bypass the signals (imports, coverage
recomputed in one UPDATE, demo data), inside the writer's transaction. It lives here, below every app, so that an
app can say "the figures changed" without importing the figures, which sit above it: the states' refresh is a
hook the ``rollout`` app registers (``register_states_refresher``).
"""

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.core.cache import cache

from rollout.core.cache import on_cache_recovered

VERSION_KEY = "progress:version"

_states_refresher: Callable[[Iterable[int] | None], None] | None = None
_deferred = threading.local()  # ``pending``: the codes touched while deferred (None inside: every commune)


def register_states_refresher(refresher: Callable[[Iterable[int] | None], None]) -> None:
    """Set what recomputes the stored states of some communes (all of them for None)."""
    global _states_refresher
    _states_refresher = refresher


def figures_version() -> int:
    """The current version of the cached figures (1 until something changes)."""
    return cache.get_or_set(VERSION_KEY, 1, None)


def figures_forget(**kwargs) -> None:
    """Forget the cached figures (a signal receiver too: ``kwargs`` are the signal's)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet: nothing cached under a version
        cache.set(VERSION_KEY, 2, None)


def states_touched(commune_codes: Iterable[int] | None) -> None:
    """Refresh the stored states of ``commune_codes`` (every commune when None) now, or at the end of the
    ``figures_deferred`` block this runs in."""
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        if commune_codes is None:
            _deferred.everything = True
        elif not _deferred.everything:
            pending.update(commune_codes)
        return
    if _states_refresher is not None:
        _states_refresher(commune_codes)


@contextmanager
def figures_deferred(*, refresh: bool = True):
    """Inside the block, refresh the touched communes' states once, at its end (a seed or a bulk load whose rows
    are saved one by one, each touching every commune). Put it inside the writer's transaction. ``refresh``
    False: nothing at the end either (a dry run, whose writes are rolled back)."""
    if getattr(_deferred, "pending", None) is not None:  # nested: the outer block refreshes
        yield
        return
    _deferred.pending, _deferred.everything = set(), False
    try:
        yield
        codes = None if _deferred.everything else sorted(_deferred.pending)
    finally:
        _deferred.pending = None
    if refresh and (codes is None or codes):
        states_touched(codes)


def figures_changed(*, commune_codes: Iterable[int] | None = None) -> None:
    """Bulk writes changed the sources of ``commune_codes`` (every commune when None): refresh their stored states,
    in the caller's transaction, and forget the cached figures."""
    states_touched(commune_codes)
    figures_forget()


# A write while the cache was unreachable could not move the version on: move it once the cache is back, so that
# figures cached before the outage are not served as current.
on_cache_recovered(figures_forget)
