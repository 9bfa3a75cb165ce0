"""A real Celery worker for the tests that send tasks through Redis.

The tests that start a worker, or say that none answers a ping, share Redis (a ping is broadcast to every
worker on the database): they carry ``pytest.mark.xdist_group(CELERY_GROUP)``, so under pytest-xdist's
``--dist loadgroup`` they run in one process, one after another. Each process consumes a queue of its own."""

import contextlib
import os
from collections.abc import Iterator

from celery import Celery
from celery.contrib.testing.worker import start_worker

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_GROUP = "celery-worker"


@contextlib.contextmanager
def celery_worker(settings, url: str = REDIS_URL) -> Iterator[Celery]:
    """A worker thread consuming the project's Celery app through the real Redis broker (``url``: the shared
    one, or a fault test's own), on this test process's queue; tasks run in-process again afterwards."""
    from rollout.celery import app

    with (
        celery_broker(settings, url),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[worker_queue()]),
    ):
        yield app


def worker_queue() -> str:
    return f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@contextlib.contextmanager
def celery_broker(settings, url: str = REDIS_URL) -> Iterator[Celery]:
    """Tasks sent through the Redis at ``url`` (no worker: a test starts one, or a worker process), on this test
    process's queue; in-process again afterwards."""
    from rollout.celery import app

    previous = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = url
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, task_default_queue=worker_queue())
    _forget_connections(app)  # connections to an earlier broker are not reused
    try:
        yield app
    finally:
        app.conf.update(task_always_eager=True, **previous)
        _forget_connections(app)


def _forget_connections(app: Celery) -> None:
    """Drop the app's pooled broker connections and its result backend, so that the next task uses the
    broker and backend now configured (as Celery does after a fork)."""
    from kombu import pools

    pools.reset()  # closes and forgets every pooled connection and producer (kombu keeps them globally)
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None
    app._backend_cache = None
    with contextlib.suppress(AttributeError):
        del app._local.backend
