"""The outbox (``rollout.core.outbox``): work for Celery written in the caller's transaction, sent on commit,
kept with its error while the broker is unreachable, sent by the sweeper, once per key while pending."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from rollout.core.outbox import OutboxMessage, outbox_dispatch, outbox_enqueue, outbox_sweep
from rollout.models import Report, ReportStatus
from rollout.reports.services import previous_week, report_request, reports_recover
from tests.builders.celery import celery_broker
from tests.builders.redis_server import free_port
from tests.builders.reports import TODAY

pytestmark = pytest.mark.django_db


def _unreachable_broker(settings):
    return celery_broker(settings, f"redis://127.0.0.1:{free_port()}/0")


def test_a_rolled_back_transaction_asks_for_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox_enqueue("communes.recompute_coverage", kwargs={"commune_codes": [1]})
        raise RuntimeError("the request failed")
    assert not OutboxMessage.objects.exists() and not callbacks


def test_in_process_the_task_runs_on_commit_and_the_row_is_marked_sent(kon_tum, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue("communes.recompute_coverage", kwargs={"commune_codes": None})
    message.refresh_from_db()
    assert message.dispatched_at is not None and message.attempts == 1 and message.last_error == ""


def test_one_pending_row_per_key(django_capture_on_commit_callbacks, settings):
    with _unreachable_broker(settings), django_capture_on_commit_callbacks(execute=True):
        first = outbox_enqueue("rollout.produce_report", kwargs={"report_id": 7}, key="report:7")
        again = outbox_enqueue("rollout.produce_report", kwargs={"report_id": 7}, key="report:7")
    assert first.pk == again.pk and OutboxMessage.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(task="rollout.produce_report", key="report:7")
    # Once sent, the same key may be asked for again (a report produced again later).
    OutboxMessage.objects.update(dispatched_at=timezone.now())
    OutboxMessage.objects.create(task="rollout.produce_report", key="report:7")


def test_an_unreachable_broker_keeps_the_row_with_its_error_and_raises_nothing(
    settings, django_capture_on_commit_callbacks
):
    with _unreachable_broker(settings):
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox_enqueue("communes.recompute_coverage", kwargs={"commune_codes": [1]})
            second = outbox_enqueue("communes.recompute_coverage", kwargs={"commune_codes": [2]})
        message.refresh_from_db()
        assert message.dispatched_at is None and message.attempts == 1
        assert "OperationalError" in message.last_error and "Connection refused" in message.last_error
        # The sweeper leaves rows younger than OUTBOX_SWEEP_AFTER_SECONDS to the commit that wrote them.
        settings.OUTBOX_SWEEP_AFTER_SECONDS = 60
        assert outbox_sweep() == 0
        message.refresh_from_db()
        assert message.attempts == 1
        # Older ones it tries, oldest first, and stops at the first failure (the rest would fail the same way).
        OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
        assert outbox_sweep() == 0
    message.refresh_from_db()
    second.refresh_from_db()
    assert message.attempts == 2 and second.attempts == 1  # the second waits for the next sweep


def test_the_sweeper_sends_what_waits_once_the_broker_is_back(kon_tum, settings):
    message = OutboxMessage.objects.create(task="communes.recompute_coverage", kwargs={"commune_codes": None})
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    assert outbox_sweep() == 1
    message.refresh_from_db()
    assert message.dispatched_at is not None
    assert outbox_dispatch() == 0  # nothing twice


def test_manage_py_dispatch_outbox_recovers_and_sends(kon_tum, settings, capsys):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    OutboxMessage.objects.create(task="communes.recompute_coverage", kwargs={"commune_codes": None})
    call_command("dispatch_outbox")
    assert "tasks sent: 1" in capsys.readouterr().out
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()


def test_a_report_pending_for_good_is_queued_again(kon_tum, settings, django_capture_on_commit_callbacks):
    """A report left *pending* without anything in the outbox (asked for before the outbox, or its message lost
    when Redis restarted empty): the sweeper queues it again after the lease, and asking for it again does too
    instead of answering that it is already being produced."""
    start, end = previous_week(TODAY)
    report = Report.objects.create(province=kon_tum, period_start=start, period_end=end)
    assert reports_recover() == {"requeued": 0, "failed": 0}  # within the lease: it may still be in the queue
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_recover() == {"requeued": 1, "failed": 0}
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE

    stuck = Report.objects.create(province=None, period_start=start, period_end=end)
    Report.objects.filter(pk=stuck.pk).update(queued_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        again, outcome = report_request(province=None, period_start=start, period_end=end)
    assert (again.pk, outcome) == (stuck.pk, "requeued")
    stuck.refresh_from_db()
    assert stuck.status == ReportStatus.DONE


def test_a_running_report_with_a_fresh_heartbeat_is_left_to_its_worker(kon_tum):
    start, end = previous_week(TODAY)
    report = Report.objects.create(
        province=kon_tum, period_start=start, period_end=end, status=ReportStatus.RUNNING, progress=40,
        heartbeat_at=timezone.now(), attempts=1,
    )  # fmt: skip
    assert reports_recover() == {"requeued": 0, "failed": 0}
    # The same message delivered twice: the second delivery sees a live producer and leaves it alone.
    from rollout.reports.services import report_produce

    report_produce(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == (ReportStatus.RUNNING, 40, 1)
