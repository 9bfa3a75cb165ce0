"""The coverage task, run by a real Celery worker against Redis."""

import datetime
import os

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult

from communes.models import Commune, Coverage
from communes.services import KON_TUM, divisions_load
from communes.tasks import recompute_coverage
from rollout.celery import app

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_worker(settings):
    """A worker thread consuming the project's Celery app through the real Redis broker."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        task_default_queue="test-coverage",
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["test-coverage"]):
            yield app
    finally:
        app.conf.update(task_always_eager=True)


@pytest.mark.django_db(transaction=True)
def test_real_worker_recomputes_and_stores_coverage(redis_worker):
    divisions_load(province_codes=[KON_TUM])
    Commune.objects.filter(code__in=[23281, 23344]).update(baseline_covered_on=datetime.date(2020, 1, 1))

    result = recompute_coverage.delay()
    assert not isinstance(result, EagerResult)  # sent through Redis, run by the worker thread
    changed = result.get(timeout=30)

    assert changed == 2
    assert Commune.objects.get(code=23281).coverage == Coverage.BASELINE
    assert Commune.objects.get(code=23344).coverage == Coverage.BASELINE
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 100


@pytest.mark.django_db
def test_recompute_uncovers_a_commune_whose_baseline_was_removed(demo_baseline):
    commune = Commune.objects.get(code=23344)
    assert commune.coverage == Coverage.BASELINE
    Commune.objects.filter(code=23344).update(baseline_covered_on=None)

    assert recompute_coverage(commune_codes=[23344]) == 1
    commune.refresh_from_db()
    assert commune.coverage == Coverage.UNCOVERED
    assert recompute_coverage() == 0  # nothing else was out of date
