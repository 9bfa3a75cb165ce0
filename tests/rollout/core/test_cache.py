"""The fail-safe cache (``rollout.core.cache.FailSafeRedisCache``): with Redis unreachable every call answers as
an empty cache within its timeouts, and once Redis is back what could not be forgotten is forgotten."""

import time

import pytest
from django.core.cache import cache

from rollout.core import cache as cache_module
from rollout.core.figures_cache import figures_forget, figures_version
from tests.builders.redis_server import free_port


@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "rollout.core.cache.FailSafeRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    yield cache
    cache.close()


def test_every_call_falls_through_quickly(unreachable_cache):
    started = time.monotonic()
    assert cache.get("k") is None and cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False and cache.delete("k") is False and cache.has_key("k") is False
    assert cache.get_many(["a", "b"]) == {} and cache.get_or_set("k", lambda: 3) == 3
    with pytest.raises(ValueError):
        cache.incr("k")
    # The figures' version: 1 while the cache is away, and a change does not raise.
    assert figures_version() == 1
    figures_forget()
    assert time.monotonic() - started < 2


def test_after_a_failure_redis_is_not_asked_again_for_a_few_seconds(unreachable_cache, monkeypatch):
    cache.get("k")
    calls = []
    monkeypatch.setattr(cache_module.RedisCache, "get", lambda *args, **kwargs: calls.append(args))
    assert cache.get("k") is None
    assert calls == []


def test_once_back_the_recovery_steps_run_once(settings, monkeypatch):
    from tests.builders.redis_server import redis_server

    steps = []
    monkeypatch.setattr(cache_module, "_recovery_callbacks", [lambda: steps.append("forgot")])
    monkeypatch.setattr(cache_module, "CACHE_RETRY_SECONDS", 0.0)
    with redis_server() as server:
        settings.CACHES = {
            "default": {"BACKEND": "rollout.core.cache.FailSafeRedisCache", "LOCATION": server.url,
                        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
        }  # fmt: skip
        cache.set("k", 1)
        assert cache.get("k") == 1 and steps == []
        server.stop()
        assert cache.get("k") is None
        server.start()
        assert cache.get("k") is None and steps == ["forgot"]  # empty after the restart, and forgotten
        cache.set("k", 2)
        assert cache.get("k") == 2 and steps == ["forgot"]
        cache.close()
