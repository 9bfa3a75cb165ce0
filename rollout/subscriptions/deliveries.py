"""Sending the subscribed reports: after each period, the period's report of every subscribed area is produced once
and e-mailed to each of its subscribers once.

- ``subscribed_reports_create`` (Celery beat: weekly on Monday 07:00 for last week, monthly on the 1st at 07:00
  for last month) brings the committee's defaults up to date, gets or queues the report of each subscribed area
  (weekly: also each province with a plan and the country, which the archive always holds), writes one delivery
  per subscription and period — a unique constraint, so a second run writes none — and queues those whose
  report is ready;
- ``deliveries_queue``: once a report is done (the produce task), its waiting deliveries are queued;
- ``delivery_send``: under the delivery's row lock, e-mails the subscription's files to the recipient, if they
  still may read the area, and marks the delivery sent. A delivery sent, not sent (with the reason) or failed is
  never sent again, however many times its task runs. SMTP errors (``OSError``) propagate and leave it waiting:
  the task retries them.

Every subscriber of an area gets the same files: the report holds aggregate figures, the names of districts and
communes, the plan's tasks and phases — no officer, no committee member, no personal identifier — so there is
nothing for a role that masks identifiers (``personnel.identifiers``) to hide, and no masked copy to make. The
subscription tests check that an officer's name, police number, phone and birth date reach no file.
"""

import datetime
import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rollout.core import scoping
from rollout.core.outbox import outbox_enqueue
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.models import (
    DeliveryStatus,
    Report,
    ReportDelivery,
    ReportStatus,
    ReportSubscription,
    SubscriptionFrequency,
)
from rollout.reports.content import PDF_CONTENT_TYPE, report_filename
from rollout.reports.services import archive_areas, previous_month, previous_week, scheduled_report
from rollout.subscriptions.services import committee_subscriptions_sync, may_subscribe

logger = logging.getLogger(__name__)

DELIVER_TASK = "rollout.deliver_report"
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "pdf": PDF_CONTENT_TYPE}
PERIODS = {SubscriptionFrequency.WEEKLY: previous_week, SubscriptionFrequency.MONTHLY: previous_month}


def subscription_period(frequency: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period a subscription's report covers when sent on ``today``: last week (Monday–Sunday) or last
    month."""
    return PERIODS[frequency](today)


def _queue(delivery_ids) -> int:
    count = 0
    for pk in delivery_ids:
        outbox_enqueue(DELIVER_TASK, kwargs={"delivery_id": pk}, key=f"delivery:{pk}")
        count += 1
    return count


def subscribed_reports_create(*, frequency: str, today: datetime.date) -> list[Report]:
    """The reports of the period just ended at ``frequency`` for every subscribed area (weekly: and the archive's
    areas), each made once and queued if new or failed; one delivery per subscription, queued at once when its
    report is ready already. Idempotent: run twice, it writes and sends nothing more.

    One transaction, holding each report's row lock until the deliveries are written: a report being produced
    meanwhile becomes done either before (its deliveries are queued here) or after (its task queues them)."""
    start, end = subscription_period(frequency, today)
    with transaction.atomic():
        committee_subscriptions_sync()
        subscriptions = list(
            ReportSubscription.objects.filter(frequency=frequency).values_list("pk", "province_id", "district_id")
        )
        areas = {(province_id, district_id) for _pk, province_id, district_id in subscriptions}
        if frequency == SubscriptionFrequency.WEEKLY:
            areas |= set(archive_areas())
        reports = {
            area: scheduled_report(province_id=area[0], district_id=area[1], period_start=start, period_end=end)
            for area in sorted(areas, key=lambda area: (area[0] or 0, area[1] or 0))
        }
        ReportDelivery.objects.bulk_create(
            [
                ReportDelivery(subscription_id=pk, report=reports[(province_id, district_id)], period_start=start,
                               period_end=end)
                for pk, province_id, district_id in subscriptions
            ],
            ignore_conflicts=True,  # (subscription, period) is unique: a second run adds nothing
        )  # fmt: skip
        ready = ReportDelivery.objects.filter(
            period_start=start, period_end=end, subscription__frequency=frequency, status=DeliveryStatus.PENDING,
            report__status=ReportStatus.DONE,
        )  # fmt: skip
        queued = _queue(ready.order_by("pk").values_list("pk", flat=True))
    logger.info(
        "%s reports %s–%s: %s areas, %s subscriptions, %s deliveries queued now.",
        frequency, start, end, len(reports), len(subscriptions), queued,
    )  # fmt: skip
    return list(reports.values())


@transaction.atomic
def deliveries_queue(*, report_id: int) -> int:
    """Queue the waiting deliveries of a report that is done (called when its production ends); returns how
    many. Queued twice, a delivery is still sent once."""
    waiting = ReportDelivery.objects.filter(
        report_id=report_id, report__status=ReportStatus.DONE, status=DeliveryStatus.PENDING
    )
    return _queue(waiting.order_by("pk").values_list("pk", flat=True))


def recipient_of(subscription: ReportSubscription) -> tuple[str, str]:
    """The address a subscription's report goes to, and why it may not go (empty when it may): a user's account
    must be active, have an address and still read reports of the subscribed area."""
    if subscription.is_committee_default:
        return subscription.email, ""
    user = subscription.user
    if not user.is_active:
        return "", _("The recipient's account is switched off.")
    if not (user.email or "").strip():
        return "", _("The recipient's account has no e-mail address.")
    if not may_subscribe(user):
        return "", _("The recipient may no longer read reports.")
    if not scoping.sees(user, subscription):
        return "", _("The subscribed area is no longer within the recipient's area.")
    return user.email.strip(), ""


def _message(delivery: ReportDelivery, address: str) -> EmailMessage:
    subscription, report = delivery.subscription, delivery.report
    with translation.override("vi"):  # an official Vietnamese document, as the files are
        subject = str(report)
        body = render_to_string(
            "rollout/subscriptions/delivery_email.txt", {"subscription": subscription, "report": report}
        )
        message = EmailMessage(subject=subject, body=body, to=[address])
    for kind in subscription.formats:
        field_file = getattr(report, kind)
        with field_file.open("rb") as handle:
            message.attach(report_filename(report, kind), handle.read(), CONTENT_TYPES[kind])
    return message


def delivery_send(*, delivery_id: int) -> str:
    """E-mail one delivery, once: under its row lock, a delivery no longer waiting is left as it is (a task run
    twice sends nothing more); one whose report is not done yet waits for it (``deliveries_queue``); one whose
    recipient may no longer receive it is marked not sent, with the reason. Returns the delivery's status (or
    ``"waiting"``, ``"gone"``). SMTP errors propagate and change nothing."""
    with transaction.atomic():
        delivery = (
            ReportDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription__user", "subscription__province", "subscription__district",
                            "report__province", "report__district")
            .filter(pk=delivery_id)
            .first()
        )  # fmt: skip
        if delivery is None:
            return "gone"
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        report = delivery.report
        if report.status != ReportStatus.DONE or not (report.xlsx and report.pdf):
            return "waiting"
        address, refusal = recipient_of(delivery.subscription)
        if refusal:
            delivery.status, delivery.error = DeliveryStatus.SKIPPED, refusal
            delivery.save(update_fields=["status", "error"])
            logger.warning("Delivery %s not sent: %s", delivery.pk, refusal)
            return delivery.status
        _message(delivery, address).send(fail_silently=False)
        now = timezone.now()
        delivery.status, delivery.sent_at, delivery.recipient, delivery.error = DeliveryStatus.SENT, now, address, ""
        delivery.attempts += 1
        delivery.save(update_fields=["status", "sent_at", "recipient", "error", "attempts"])
        Report.objects.filter(pk=report.pk, emailed_at__isnull=True).update(emailed_at=now)
    logger.info("Report %s e-mailed to %s (delivery %s).", report.pk, address, delivery.pk)
    return DeliveryStatus.SENT


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def delivery_retry_noted(*, delivery_id: int, exc: BaseException, retry: int, max_retries: int) -> None:
    """A failure that will be retried (the mail server did not answer or refused for now): counted, with the
    error; the delivery keeps waiting."""
    text = _("Attempt failed, will retry (%(retry)s of %(max)s): %(error)s") % {
        "retry": retry,
        "max": max_retries,
        "error": _error_text(exc),
    }
    delivery = ReportDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if delivery is not None:
        delivery.attempts += 1
        delivery.error = text[:2000]
        delivery.save(update_fields=["attempts", "error"])


def delivery_fail(*, delivery_id: int, exc: BaseException) -> None:
    """The delivery failed for good (its retries are spent, or an error that retrying does not cure)."""
    ReportDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, error=_error_text(exc), attempts=F("attempts") + 1
    )
