"""The version under which the progress figures are cached (``rollout.progress.figures``).

Any write to what the figures are computed from forgets them: the signals of ``RolloutConfig.ready`` for saves
and deletes, and a call to ``figures_changed()`` after bulk writes that bypass the signals (imports, coverage
recomputed in one UPDATE, demo data). It lives here, below every app, so that an app can say "the figures
changed" without importing the figures, which sit above it.
"""

from django.core.cache import cache

from rollout.core.cache import on_cache_recovered

VERSION_KEY = "progress:version"


def figures_version() -> int:
    """The current version of the cached figures (1 until something changes)."""
    return cache.get_or_set(VERSION_KEY, 1, None)


def figures_changed(**kwargs) -> None:
    """Forget the cached figures (a signal receiver too: ``kwargs`` are the signal's)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet: nothing cached under a version
        cache.set(VERSION_KEY, 2, None)


# A write while the cache was unreachable could not move the version on: move it once the cache is back, so that
# figures cached before the outage are not served as current.
on_cache_recovered(figures_changed)
