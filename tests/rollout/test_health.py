"""``/healthz``: database, Redis, cache, broker, Celery worker and the oldest waiting job as JSON, for load
balancers and ``docker compose``. Only a failing database makes it 503: without Redis the pages still serve."""

import socket

import pytest

from rollout import health
from tests.builders.celery import CELERY_GROUP

REAL_REDIS = "redis://127.0.0.1:6379/0"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.xdist_group(CELERY_GROUP)
@pytest.mark.django_db
def test_healthy_with_the_real_redis(client, settings):
    assert _redis_is_up(), "these tests need the Redis of the test environment on 127.0.0.1:6379"
    settings.REDIS_URL = REAL_REDIS
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    # No worker consumes this Redis database in the test run: reported, but the web is healthy.
    body = response.json()
    assert {key: body[key] for key in ("status", "database", "redis", "worker")} == {
        "status": "ok", "database": "ok", "redis": "ok", "worker": "no worker"
    }  # fmt: skip
    assert body["oldest_pending_job_seconds"] is None
    assert body["outbox_oldest_pending_seconds"] is None


@pytest.mark.django_db
def test_unreachable_redis_is_degraded_not_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_unused_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200  # the pages serve without Redis: keep the web in service
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ")
    assert "ConnectionError" in body["redis"]
    assert body["worker"] == "no worker"  # not pinged through a broker that is down


@pytest.mark.django_db
def test_a_malformed_redis_url_is_an_error_not_a_500(client, settings):
    settings.REDIS_URL = "not-a-url"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"].startswith("error: ")


@pytest.mark.django_db
def test_without_redis_configured_tasks_run_in_process_and_health_is_ok(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "redis": "not configured", "cache": "local memory",
        "broker": "not configured", "worker": "not configured", "oldest_pending_job_seconds": None,
        "outbox_oldest_pending_seconds": None,
    }  # fmt: skip


@pytest.mark.django_db
def test_a_failing_database_answers_503(client, settings, monkeypatch):
    from django.db import OperationalError

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    settings.REDIS_URL = ""
    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error", "database": "error: OperationalError", "redis": "not configured", "cache": "local memory",
        "broker": "not configured", "worker": "not configured", "oldest_pending_job_seconds": None,
        "outbox_oldest_pending_seconds": None,
    }  # fmt: skip


@pytest.mark.django_db
def test_healthz_is_public_uncached_and_read_only(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200  # no sign-in needed
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https(client, settings):
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.django_db
def test_a_missing_worker_is_reported_without_failing_health(client, settings, monkeypatch):
    from rollout.celery import app

    settings.REDIS_URL = REAL_REDIS
    pings = []

    def ping(**kwargs):
        pings.append(kwargs["timeout"])
        return []

    monkeypatch.setattr(app.control, "ping", ping)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "no worker"
    assert pings == [1.0]  # a short timeout: the health check stays fast


@pytest.mark.django_db
def test_a_worker_that_answers_is_ok(client, settings, monkeypatch):
    from rollout.celery import app

    settings.REDIS_URL = REAL_REDIS
    monkeypatch.setattr(app.control, "ping", lambda **kwargs: [{"celery@host": {"ok": "pong"}}])
    assert client.get("/healthz").json()["worker"] == "ok"


@pytest.mark.django_db
def test_the_oldest_waiting_job_is_reported_in_seconds(client, settings):
    import datetime

    from django.utils import timezone

    from rollout.core.outbox import OutboxMessage
    from tests.factories import ReportFactory

    settings.REDIS_URL = ""
    message = OutboxMessage.objects.create(task="rollout.produce_report", kwargs={"report_id": 1})
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    report = ReportFactory(status="pending")
    type(report).objects.filter(pk=report.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=7))
    body = client.get("/healthz").json()
    assert 175 <= body["outbox_oldest_pending_seconds"] <= 200
    assert 415 <= body["oldest_pending_job_seconds"] <= 440
