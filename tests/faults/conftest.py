"""The fault tests' Redis: a ``redis-server`` of each test's own, which the test stops and starts."""

import pytest
from django.core.cache import cache

from rollout.health import broker_check
from tests.builders.redis_server import redis_server


@pytest.fixture
def own_redis(settings):
    """The project's cache and broker on a Redis of the test's own, the figures cached as in production."""
    with redis_server() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "rollout.core.cache.FailSafeRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.5},
            }
        }
        settings.PROGRESS_CACHE_SECONDS = 600
        settings.BROKER_CHECK_SECONDS = 0
        settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
        broker_check.forget()
        yield server
        cache.close()
