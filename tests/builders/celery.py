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
def celery_worker(settings) -> Iterator[Celery]:
    """A worker thread consuming the project's Celery app through the real Redis broker, on this test
    process's queue; tasks run in-process again afterwards."""
    from rollout.celery import app

    queue = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = REDIS_URL
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            yield app
    finally:
        app.conf.update(task_always_eager=True)
