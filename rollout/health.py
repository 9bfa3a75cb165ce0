"""``/healthz``: the database, Redis and the Celery workers, for load balancers and ``docker compose``."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

WORKER_PING_TIMEOUT = 1.0


def redis_status() -> str:
    """``"ok"``, ``"not configured"`` (tasks run in-process) or ``"error: <exception class>"``."""
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:  # ValueError: a malformed REDIS_URL
        return f"error: {exc.__class__.__name__}"
    return "ok"


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
    """Liveness for load balancers and `docker compose`: database, Redis and Celery worker, as JSON. 503 when the
    database or Redis fails; a missing worker is reported but does not make the web unhealthy."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # any driver error means the database is not usable
        database = f"error: {exc.__class__.__name__}"
    redis = redis_status()
    healthy = database == "ok" and redis in ("ok", "not configured")
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "redis": redis,
            "worker": worker_status(redis=redis),
        },
        status=200 if healthy else 503,
    )
