"""``/healthz``: the database, the cache, the broker, the Celery workers and the age of the oldest waiting job,
for load balancers and ``docker compose``; and the banner that says background jobs are delayed."""

import threading
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

WORKER_PING_TIMEOUT = 1.0
BANNER_PING_TIMEOUT = 0.2


def _ping(url: str, timeout: float = 2) -> str:
    """``"ok"`` when the Redis at ``url`` answers, else ``"error: <exception class>"``."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:  # ValueError: a malformed URL
        return f"error: {exc.__class__.__name__}"
    return "ok"


def redis_status() -> str:
    """``"ok"``, ``"not configured"`` (tasks run in-process) or ``"error: <exception class>"``."""
    if not settings.REDIS_URL:
        return "not configured"
    return _ping(settings.REDIS_URL)


def cache_status() -> str:
    """The cache's Redis: ``"ok"``, ``"error: …"`` (pages serve without it), or ``"local memory"``."""
    backend = settings.CACHES["default"]
    if "redis" not in backend["BACKEND"].lower():
        return "local memory"
    return _ping(backend["LOCATION"])


def _broker_url() -> str | None:
    """The broker's URL, or ``None`` when tasks run in-process."""
    from rollout.celery import app

    if app.conf.task_always_eager:
        return None
    return app.conf.broker_url


def broker_status() -> str:
    """The broker: ``"ok"``, ``"error: …"`` (work waits in the outbox) or ``"not configured"`` (in-process)."""
    url = _broker_url()
    if url is None:
        return "not configured"
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "ok"  # not a Redis broker (memory:// in tests): nothing to ping
    return _ping(url)


class _BrokerCheck:
    """The broker's reachability as a page sees it: asked at most every ``BROKER_CHECK_SECONDS`` per process,
    within ``BANNER_PING_TIMEOUT``, so that no page waits on a broker that is down."""

    def __init__(self):
        self._lock = threading.Lock()
        self._checked_at = -float("inf")
        self._url = None
        self._reachable = True

    def reachable(self) -> bool:
        url = _broker_url()
        if url is None or not url.startswith(("redis://", "rediss://", "unix://")):
            return True
        now = time.monotonic()
        if url == self._url and now - self._checked_at < settings.BROKER_CHECK_SECONDS:
            return self._reachable
        if not self._lock.acquire(blocking=False):  # another thread is asking: use the last answer
            return self._reachable
        try:
            self._reachable = _ping(url, timeout=BANNER_PING_TIMEOUT) == "ok"
            self._url, self._checked_at = url, time.monotonic()
        finally:
            self._lock.release()
        return self._reachable

    def forget(self) -> None:
        self._checked_at = -float("inf")


broker_check = _BrokerCheck()


def background_jobs(request):
    """Context processor: ``background_jobs_delayed`` when the broker cannot be reached (reports and other
    background work wait in the outbox and are sent once it is back)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"background_jobs_delayed": not broker_check.reachable()}


def oldest_pending_job_seconds() -> float | None:
    """Seconds the oldest job still waiting has waited: a row not yet sent from the outbox, a report that is
    waiting or being produced, or an import preview waiting or being checked (``None``: nothing waits)."""
    from django.db.models import Min
    from django.utils import timezone

    from rollout.core.import_jobs import oldest_waiting_import_seconds
    from rollout.core.outbox import outbox_oldest_pending_age
    from rollout.models import Report, ReportStatus

    ages = [outbox_oldest_pending_age(), oldest_waiting_import_seconds()]
    oldest = Report.objects.filter(status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    if oldest is not None:
        ages.append((timezone.now() - oldest).total_seconds())
    ages = [age for age in ages if age is not None]
    return round(max(ages), 1) if ages else None


def worker_status(*, redis: str | None = None) -> str:
    """``"ok"`` when at least one Celery worker answers a ping within a second, ``"no worker"`` otherwise,
    ``"not configured"`` without Redis (tasks run in-process). Not pinged when Redis itself is down (``redis``:
    its status, if already known), so that the check never waits on broker reconnections."""
    if not settings.REDIS_URL:
        return "not configured"
    if (redis or redis_status()) != "ok":
        return "no worker"
    from rollout.celery import app

    try:
        with app.connection_for_write(settings.REDIS_URL) as connection:
            replies = app.control.ping(timeout=WORKER_PING_TIMEOUT, connection=connection)
    except Exception:  # any broker error: no worker can be reached
        return "no worker"
    return "ok" if replies else "no worker"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and `docker compose`: database, cache, broker, Celery worker and the age of
    the oldest waiting job, as JSON. 503 only when the database fails: without Redis the pages still serve (the
    cache falls through, work waits in the outbox), so the web stays in service and says ``"degraded"``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # any driver error means the database is not usable
        database = f"error: {exc.__class__.__name__}"
    redis = redis_status()
    body = {
        "status": "ok",
        "database": database,
        "redis": redis,
        "cache": cache_status(),
        "broker": broker_status(),
        "worker": worker_status(redis=redis),
        "oldest_pending_job_seconds": None,
        "outbox_oldest_pending_seconds": None,
    }
    if database != "ok":
        body["status"] = "error"
        return JsonResponse(body, status=503)
    from rollout.core.outbox import outbox_oldest_pending_age

    body["oldest_pending_job_seconds"] = oldest_pending_job_seconds()
    outbox_age = outbox_oldest_pending_age()
    body["outbox_oldest_pending_seconds"] = None if outbox_age is None else round(outbox_age, 1)
    if redis not in ("ok", "not configured") or body["cache"].startswith("error") or body["broker"].startswith("error"):
        body["status"] = "degraded"
    return JsonResponse(body, status=200)
