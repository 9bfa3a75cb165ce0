"""The subscribed reports through a real Celery worker on Redis and a real SMTP server: beat's weekly task makes
last week's reports, the worker produces each once and e-mails each subscriber once; the task sent twice sends
nothing more."""

import time

import pytest
from celery.result import EagerResult

from communes.models import District
from rollout.models import DeliveryStatus, Report, ReportDelivery, ReportStatus, SubscriptionFrequency
from rollout.reports.services import previous_week
from rollout.subscriptions import services
from rollout.tasks import weekly_reports
from tests.builders.celery import CELERY_GROUP
from tests.builders.reports import TODAY, build_pilot

WAIT_SECONDS = 180


def _wait_until_sent(expected: int) -> list[ReportDelivery]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        deliveries = list(ReportDelivery.objects.select_related("subscription"))
        if len(deliveries) == expected and all(d.status != DeliveryStatus.PENDING for d in deliveries):
            return deliveries
        time.sleep(0.5)
    raise AssertionError(f"not sent in {WAIT_SECONDS}s: {list(ReportDelivery.objects.values('status', 'error'))}")


@pytest.mark.xdist_group(CELERY_GROUP)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_subscriber_their_report_once(demo_baseline, users, redis_worker, smtp):
    build_pilot(demo_baseline, users["provincial_clerk"])  # the committee: son@ and ha@ (its defaults)
    clerk = users["district_clerk"]
    clerk.email = "can-bo-dak-glei@example.vn"
    clerk.save(update_fields=["email"])
    services.subscription_create(user=clerk, frequency=SubscriptionFrequency.WEEKLY, formats=["pdf"],
                                 district=District.objects.get(code=610))  # fmt: skip

    result = weekly_reports.delay()
    assert not isinstance(result, EagerResult)  # through Redis, run by the worker thread
    assert len(result.get(timeout=120)) == 3  # the country, Kon Tum, Đắk Glei
    deliveries = _wait_until_sent(expected=5)  # two addresses × (province, country), and the clerk's district
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    start, end = previous_week(TODAY)
    reports = Report.objects.filter(period_start=start, period_end=end)
    assert reports.count() == 3 and {r.status for r in reports} == {ReportStatus.DONE}
    assert {r.attempts for r in reports} == {1}  # each produced once, for all its subscribers

    [district_message] = smtp.to(clerk.email)
    assert list(district_message.attachments()) == [f"bao-cao-tien-do_62-610_{start:%Y-%m-%d}_{end:%Y-%m-%d}.pdf"]
    assert len(smtp.to("son@example.vn")) == 2 and len(smtp.to("ha@example.vn")) == 2

    # beat's message delivered twice: the task runs again, and nothing more is produced or sent
    weekly_reports.delay().get(timeout=120)
    time.sleep(2)  # what it could have queued would have been sent by now
    assert len(smtp.messages) == 5
    assert {r.attempts for r in reports.all()} == {1}
