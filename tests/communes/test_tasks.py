"""The coverage task, run by a real Celery worker against Redis."""

import datetime

import pytest
from celery.result import EagerResult

from communes.models import Commune, Coverage
from communes.services import KON_TUM, divisions_load
from communes.tasks import recompute_coverage
from tests.builders.celery import CELERY_GROUP


@pytest.mark.xdist_group(CELERY_GROUP)
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
