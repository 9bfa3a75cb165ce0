"""A Redis cache that fails safe: when Redis cannot be reached, every call logs and falls through.

The cache holds only what can be computed again (the progress figures, the demo-data banner), so an unreachable
Redis must cost speed, never a page: a read answers "not cached" (the default), a write is dropped. After a
failure the cache is not tried again for ``CACHE_RETRY_SECONDS`` (each page makes several calls; one attempt
every few seconds is enough to notice Redis is back), and connections time out quickly (``OPTIONS``
``socket_connect_timeout``/``socket_timeout``, set in the settings).

What was written while the cache was unreachable could not be forgotten in it (the figures' version, the
banner's flag): when a process reaches Redis again after a failure it runs the callbacks registered with
``on_cache_recovered`` (the figures' version moves on, the banner's flag is dropped), so nothing stale is served.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

CACHE_RETRY_SECONDS = 5.0

_recovery_callbacks: list[Callable[[], None]] = []


def on_cache_recovered(callback: Callable[[], None]) -> None:
    """Run ``callback()`` when a process reaches the cache again after failing to (once per outage)."""
    if callback not in _recovery_callbacks:
        _recovery_callbacks.append(callback)


def _guarded(default_from: Callable | None = None):
    """Wrap a cache method: when Redis fails, log and return what a cache without the key would."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            fallback = default_from(*args, **kwargs) if default_from else None
            if self._unavailable():
                return fallback
            try:
                result = method(self, *args, **kwargs)
            except Exception as exc:  # any client or socket error: the cache is unavailable, not the page
                self._failed(method.__name__, exc)
                return fallback
            self._succeeded()
            return result

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _get_or_set_default(key, default, *args, **kwargs):
    return default() if callable(default) else default


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _incr_missing(key, *args, **kwargs):
    raise ValueError(f"Key {key!r} not found (the cache is unavailable)")


class FailSafeRedisCache(RedisCache):
    """Django's Redis cache whose calls never raise because Redis is down (``rollout.core.cache``)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down = False

    def _unavailable(self) -> bool:
        return self._down and time.monotonic() < self._down_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        with self._lock:
            first = not self._down
            self._down, self._down_until = True, time.monotonic() + CACHE_RETRY_SECONDS
        if first:
            logger.warning("Cache unavailable (%s: %s: %s); serving without it.", operation, type(exc).__name__, exc)

    def _succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            recovered, self._down = self._down, False
        if recovered:
            logger.warning("Cache reachable again.")
            for callback in list(_recovery_callbacks):
                try:
                    callback()
                except Exception:  # a recovery step must not fail the page that noticed
                    logger.exception("Cache recovery step %r failed.", callback)

    get = _guarded(_default)(RedisCache.get)
    set = _guarded()(RedisCache.set)
    add = _guarded(_false)(RedisCache.add)
    touch = _guarded(_false)(RedisCache.touch)
    delete = _guarded(_false)(RedisCache.delete)
    has_key = _guarded(_false)(RedisCache.has_key)
    get_many = _guarded(_empty)(RedisCache.get_many)
    set_many = _guarded(lambda *a, **k: [])(RedisCache.set_many)
    delete_many = _guarded()(RedisCache.delete_many)
    clear = _guarded(_false)(RedisCache.clear)

    def get_or_set(self, key, default, timeout=None, version=None):
        # Django's get_or_set is add() then get(): with Redis down both fall through; give the default itself.
        if self._unavailable():
            return _get_or_set_default(key, default)
        value = super().get_or_set(key, default, timeout=timeout, version=version)
        return _get_or_set_default(key, default) if value is None and self._down else value

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError (callers then set it); so does an unavailable cache, whose set() is
        # dropped in turn.
        if self._unavailable():
            _incr_missing(key)
        try:
            result = super().incr(key, delta, version)
        except ValueError:
            self._succeeded()
            raise
        except Exception as exc:
            self._failed("incr", exc)
            _incr_missing(key)
        self._succeeded()
        return result
