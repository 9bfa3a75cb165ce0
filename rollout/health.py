"""Health of the parts ``/healthz`` reports besides the database: Redis and the Celery workers."""

from django.conf import settings

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
    from .celery import app

    try:
        with app.connection_for_write(settings.REDIS_URL) as connection:
            replies = app.control.ping(timeout=WORKER_PING_TIMEOUT, connection=connection)
    except Exception:  # any broker error: no worker can be reached
        return "no worker"
    return "ok" if replies else "no worker"
