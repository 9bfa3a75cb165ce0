import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from rollout.core.memo import memos_clear
from rollout.health import broker_check
from tests.builders.celery import celery_worker
from tests.builders.divisions import kon_tum_load
from tests.builders.redis_server import redis_server
from tests.builders.smtp import smtp_server
from tests.builders.states import assert_states_kept, is_write_heavy
from tests.builders.users import users_by_role


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English (an ``Accept-Language`` header, the language
    cookie) leaves its language active in the thread, which would carry over to the next test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache and empty memos (both outlive a test's rolled-back data)."""
    cache.clear()
    memos_clear()
    yield
    cache.clear()
    memos_clear()


@pytest.fixture(autouse=True)
def _states_verified(request):
    """After each database test of the write-heavy modules (``tests.builders.states.WRITE_HEAVY``), and of every
    module with ``VERIFY_STATES=1``: every commune's stored state is the one its sources give (``manage.py
    verify_progress`` reports 0), whatever the test wrote. Runs before the test's data is rolled back or
    flushed."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    uses_db = transactional or "db" in request.fixturenames or marker is not None
    wanted = os.environ.get("VERIFY_STATES") == "1" or is_write_heavy(request.node.path)
    if not uses_db or not wanted:
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")  # torn down after the check
    yield
    if getattr(request.node, "rep_call", None) is not None and not request.node.rep_call.passed:
        return  # the test failed already: its own failure says more
    assert_states_kept()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``rep_call``): the check above skips a test that failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def kon_tum(request, db):
    """Kon Tum's 10 districts and 102 communes, as `load_divisions` loads them from the package (with the demo
    baseline already applied when the test asks for ``demo_baseline``: one load instead of a load and an update)."""
    return kon_tum_load(demo="demo_baseline" in request.fixturenames)


@pytest.fixture
def demo_baseline(kon_tum):
    """Kon Tum with the demo baseline: 48 communes covered, 54 uncovered."""
    return kon_tum


@pytest.fixture
def users(kon_tum):
    """One user per role (and one without a role), scoped as the demo users are."""
    return users_by_role(province=kon_tum)


@pytest.fixture
def client_as(client, users):
    """``client_as("committee")``: the test client signed in as that role's user."""

    def sign_in(role: str):
        client.force_login(users[role])
        return client

    return sign_in


@pytest.fixture
def redis_worker(settings):
    """A Celery worker thread on the real Redis broker (mark the test ``xdist_group(CELERY_GROUP)``)."""
    with celery_worker(settings) as app:
        yield app


@pytest.fixture
def own_redis(settings):
    """A Redis of the test's own (``redis_server``: the test stops and starts it) holding the project's cache, the
    figures cached as in production; the test sends tasks through it with ``celery_broker(settings, own_redis.url)``
    (the fault tests, ``xdist_group(FAULTS_GROUP)``)."""
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


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd on a local port) receiving the application's mail: ``smtp.messages``."""
    with smtp_server(settings) as mailbox:
        yield mailbox
