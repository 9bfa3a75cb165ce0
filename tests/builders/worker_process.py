"""A real Celery worker in a process of its own, for the fault test that kills it (``SIGKILL``) mid-report.

Run as ``python -m tests.builders.worker_process`` (``start_worker_process`` does): the project's Celery app on
``REDIS_URL``, consuming ``WORKER_QUEUE``, on the test database (``DATABASE_URL``). With ``STALL_REPORTS=1``
every report stops for good after its content (progress 40 %), as if the step hung: the test kills the process
there."""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def worker_process(*, database_url: str, redis_url: str, queue: str, stall_reports: bool) -> Iterator[subprocess.Popen]:
    """The worker process, running; killed at the end if the test has not killed it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rollout.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WORKER_QUEUE": queue,
        "STALL_REPORTS": "1" if stall_reports else "",
    }
    process = subprocess.Popen(  # noqa: S603 (this interpreter and this module)
        [sys.executable, "-m", "tests.builders.worker_process"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _main() -> None:
    import django

    django.setup()
    from rollout.celery import app

    if os.environ.get("STALL_REPORTS"):
        import rollout.reports.services as report_services

        def stall(content):
            while True:
                time.sleep(60)

        report_services.report_xlsx = stall
    url, queue = os.environ["REDIS_URL"], os.environ["WORKER_QUEUE"]
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, task_default_queue=queue)
    app.worker_main(["worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING", "--without-gossip",
                     "--without-mingle", "--without-heartbeat"])  # fmt: skip


if __name__ == "__main__":
    _main()
