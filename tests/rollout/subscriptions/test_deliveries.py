"""Subscribed reports arrive over a real SMTP server (aiosmtpd on a local port), scoped to each recipient's area,
once per subscription and period however many times the tasks run; SMTP errors are retried and logged; the
Steering Committee's weekly report is its default subscriptions."""

import contextlib
import datetime
import io
import logging
import socket
import threading
import zoneinfo
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from communes.models import Commune, District
from personnel.identifiers import can_see_identifiers
from personnel.models import Officer
from rollout.celery import app
from rollout.models import CommitteeMember, DeliveryStatus, Report, ReportDelivery, ReportStatus, SubscriptionFrequency
from rollout.plan import services as plan_services
from rollout.progress.figures import figures
from rollout.reports.content import HEADLINE
from rollout.reports.services import previous_month, previous_week
from rollout.subscriptions import services
from rollout.subscriptions.deliveries import delivery_send, subscribed_reports_create
from rollout.tasks import deliver_report, monthly_reports, weekly_reports
from tests.builders.reports import EARLY, TODAY, build_pilot, overview, pdf_text, post_chief
from tests.builders.smtp import Mailbox

pytestmark = pytest.mark.django_db

WEEKLY, MONTHLY = SubscriptionFrequency.WEEKLY, SubscriptionFrequency.MONTHLY
DAK_GLEI = 610
DAK_KOI = 23482  # Xã Đắk Kôi, Huyện Kon Rẫy (uncovered in the demo baseline)


@pytest.fixture
def people(users):
    for role, user in users.items():
        user.email = f"{role.replace('_', '-')}@example.vn"
        user.save(update_fields=["email"])
    return users


@pytest.fixture
def pilot(demo_baseline, users):
    """The plan with its committee (two active members with an address), tasks, a phase, two chiefs posted in Đắk
    Glei and one in Kon Rẫy: the province's figures are not the district's."""
    plan = build_pilot(demo_baseline, users["provincial_clerk"])
    post_chief(DAK_KOI, EARLY, users["provincial_clerk"])
    return plan


def _run(task, callbacks):
    """Run a beat task as the worker would, with what it queues through the outbox on commit."""
    with callbacks(execute=True):
        task.delay()


def _subscribe(user, frequency=WEEKLY, formats=("xlsx", "pdf"), **area):
    return services.subscription_create(user=user, frequency=frequency, formats=formats, **area)


def _files_text(files: dict[str, bytes]) -> str:
    """Everything the attachments say: every cell of the workbook, the PDF's text."""
    parts = []
    for name, data in files.items():
        if name.endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(data), read_only=True)
            parts += [str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
        else:
            parts.append(pdf_text(data))
    return "\n".join(parts)


def _vi(message: str) -> str:
    with translation.override("vi"):
        return gettext(message)


# --- scoping ------------------------------------------------------------------------------------------------------


def test_a_district_subscriber_gets_only_their_districts_figures_and_no_identifier(
    pilot, people, smtp, django_capture_on_commit_callbacks
):
    clerk, committee, provincial = people["district_clerk"], people["committee"], people["provincial_clerk"]
    dak_glei = District.objects.get(code=DAK_GLEI)
    _subscribe(clerk, district=dak_glei)
    _subscribe(committee, district=dak_glei)
    _subscribe(provincial, province=pilot.province)
    _run(weekly_reports, django_capture_on_commit_callbacks)

    start, end = previous_week(TODAY)
    [message] = smtp.to(clerk.email)
    # (Python's e-mail package folds a long encoded subject after "Subject:", which a reader unfolds to a space)
    assert message.subject.strip() == f"Báo cáo tiến độ Huyện Đắk Glei, Tỉnh Kon Tum, {start:%d/%m/%Y} – {end:%d/%m/%Y}"
    files = message.attachments()
    stem = f"bao-cao-tien-do_62-610_{start:%Y-%m-%d}_{end:%Y-%m-%d}"
    assert set(files) == {f"{stem}.xlsx", f"{stem}.pdf"}

    workbook = load_workbook(io.BytesIO(files[f"{stem}.xlsx"]))
    assert [sheet.title for sheet in workbook.worksheets] == [
        _vi(title) for title in ("Overview", "By district", "By commune", "Trend", "Tasks", "Phases")
    ]
    district_communes = Commune.objects.filter(district_id=DAK_GLEI)
    before, at_end = figures(district_communes, start - datetime.timedelta(days=1)), figures(district_communes, end)
    sheet = overview(workbook)
    with translation.override("vi"):
        for key, label in HEADLINE:
            assert sheet[str(label)] == (getattr(before, key), getattr(at_end, key)), key
    assert at_end.communes == 12 and at_end.communes < figures(Commune.objects.all(), end).communes
    assert [row[1] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["Huyện Đắk Glei"]
    communes = {row[0] for row in workbook.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert communes == set(district_communes.values_list("name", flat=True))
    trend = list(workbook.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 7 and trend[-1][1] == at_end.communes  # the district's, day by day

    text = pdf_text(files[f"{stem}.pdf"])
    assert "Huyện Đắk Glei, Tỉnh Kon Tum" in text and "Xã Đắk Man" in text
    assert "Kon Rẫy" not in text and "Đắk Kôi" not in text and "Tu Mơ Rông" not in text
    [provincial_message] = smtp.to(provincial.email)  # the province's report does name them
    assert "Kon Rẫy" in _files_text(provincial_message.attachments())

    # Masked where the role masks: the Committee may not see identifiers, the clerk may; the report names no officer
    # and no identifier, so both get the same files, produced once for the district and the period.
    assert not can_see_identifiers(committee) and can_see_identifiers(clerk)
    [committee_message] = smtp.to(committee.email)
    assert committee_message.attachments() == files
    assert Report.objects.filter(district=dak_glei, period_start=start, period_end=end).count() == 1
    everything = _files_text(files) + _files_text(provincial_message.attachments())
    officers = list(Officer.objects.all())
    assert len(officers) == 3
    for officer in officers:
        for value in (officer.full_name, officer.police_number, officer.phone, f"{officer.birth_date:%d/%m/%Y}"):
            assert value not in everything, value
    for name in CommitteeMember.objects.values_list("full_name", flat=True):
        assert name not in everything


def test_a_recipient_who_left_the_area_gets_nothing_and_the_reason_is_kept(
    pilot, people, smtp, django_capture_on_commit_callbacks, caplog
):
    clerk = people["district_clerk"]
    subscription = _subscribe(clerk, district=District.objects.get(code=DAK_GLEI))
    clerk.district_id = 614  # moved to Kon Rẫy
    clerk.save(update_fields=["district"])
    with caplog.at_level(logging.WARNING, logger="rollout.subscriptions"):
        _run(weekly_reports, django_capture_on_commit_callbacks)
    assert smtp.to(clerk.email) == []
    delivery = ReportDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.error == _vi("The subscribed area is no longer within the recipient's area.")
    assert f"Delivery {delivery.pk} not sent" in caplog.text


# --- once per period ------------------------------------------------------------------------------------------------


def test_a_weekly_and_a_monthly_subscription_each_deliver_once_per_period_even_when_run_twice(
    pilot, people, smtp, django_capture_on_commit_callbacks
):
    clerk = people["provincial_clerk"]
    weekly = _subscribe(clerk, province=pilot.province, formats=["xlsx"])
    monthly = _subscribe(clerk, province=pilot.province, frequency=MONTHLY, formats=["pdf"])
    for _twice in range(2):
        _run(weekly_reports, django_capture_on_commit_callbacks)
        _run(monthly_reports, django_capture_on_commit_callbacks)
    # and the weekly batch again from the Monday of this week, the day beat runs it: the same period, nothing new
    with django_capture_on_commit_callbacks(execute=True):
        subscribed_reports_create(frequency=WEEKLY, today=TODAY - datetime.timedelta(days=TODAY.weekday()))

    messages = smtp.to(clerk.email)
    assert len(messages) == 2
    week, month = previous_week(TODAY), previous_month(TODAY)
    names = sorted(name for message in messages for name in message.attachments())
    assert names == sorted([
        f"bao-cao-tien-do_62_{week[0]:%Y-%m-%d}_{week[1]:%Y-%m-%d}.xlsx",  # weekly: the Excel file only
        f"bao-cao-tien-do_62_{month[0]:%Y-%m-%d}_{month[1]:%Y-%m-%d}.pdf",  # monthly: the PDF only
    ])  # fmt: skip
    assert month[0].day == 1 and (month[1] + datetime.timedelta(days=1)).day == 1
    for subscription, period in ((weekly, week), (monthly, month)):
        [delivery] = ReportDelivery.objects.filter(subscription=subscription)
        assert (delivery.period_start, delivery.period_end) == period
        assert (delivery.status, delivery.attempts, delivery.recipient) == (DeliveryStatus.SENT, 1, clerk.email)
    # the delivery's own task run again (a message delivered twice): nothing more
    assert deliver_report.delay(ReportDelivery.objects.get(subscription=weekly).pk).get() == DeliveryStatus.SENT
    assert len(smtp.to(clerk.email)) == 2
    # one report per area and period, shared: the weekly province report also went to the committee
    assert Report.objects.filter(province_id=62, district__isnull=True, period_start=week[0]).count() == 1


def test_a_report_asked_for_before_the_batch_is_shared_and_a_failed_one_made_again(
    pilot, people, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    from rollout.reports import services as report_services
    from rollout.reports.services import report_request

    clerk = people["provincial_clerk"]
    _subscribe(clerk, province=pilot.province)
    CommitteeMember.objects.update(is_active=False)
    start, end = previous_week(TODAY)
    # a clerk asked for last week's report on Monday morning, before beat: the batch sends that very file
    with django_capture_on_commit_callbacks(execute=True):
        asked, _outcome = report_request(province=pilot.province, period_start=start, period_end=end, user=clerk)
    assert asked.__class__.objects.get(pk=asked.pk).status == ReportStatus.DONE
    # the national one fails on its first production (a bug in a template, since fixed)
    real_pdf = report_services.report_pdf
    calls = []

    def broken_once(content):
        calls.append(content.province)
        if content.province is None and len([c for c in calls if c is None]) == 1:
            raise ValueError("the template is broken")
        return real_pdf(content)

    monkeypatch.setattr(report_services, "report_pdf", broken_once)
    national = _subscribe(clerk)
    _run(weekly_reports, django_capture_on_commit_callbacks)
    assert Report.objects.get(pk=asked.pk).attempts == 1  # not made again for the subscribers
    [message] = smtp.to(clerk.email)
    assert "Tỉnh Kon Tum" in message.subject
    national_delivery = ReportDelivery.objects.get(subscription=national)
    assert national_delivery.report.status == ReportStatus.FAILED and national_delivery.status == DeliveryStatus.PENDING
    _run(weekly_reports, django_capture_on_commit_callbacks)  # beat's retry, or someone runs it again
    national_delivery.refresh_from_db()
    assert national_delivery.report.status == ReportStatus.DONE and national_delivery.status == DeliveryStatus.SENT
    subjects = [m.subject.strip().split(",")[0] for m in smtp.to(clerk.email)]
    assert sorted(subjects) == sorted(["Báo cáo tiến độ Tỉnh Kon Tum", "Báo cáo tiến độ Toàn quốc"])


def test_the_committees_weekly_report_is_its_default_subscriptions(
    pilot, users, smtp, django_capture_on_commit_callbacks
):
    ha = CommitteeMember.objects.get(email="ha@example.vn")
    plan_services.member_update(member=ha, user=users["administrator"], is_active=False)  # left the committee
    _run(weekly_reports, django_capture_on_commit_callbacks)

    start, end = previous_week(TODAY)
    messages = smtp.to("son@example.vn")
    assert sorted(m.subject.strip() for m in messages) == sorted(
        f"Báo cáo tiến độ {scope}, {start:%d/%m/%Y} – {end:%d/%m/%Y}" for scope in ("Tỉnh Kon Tum", "Toàn quốc")
    )
    for message in messages:
        assert message.recipients == ["son@example.vn"]  # one message per member: no one sees the others' address
        assert sorted(name.rsplit(".", 1)[1] for name in message.attachments()) == ["pdf", "xlsx"]
        assert "thành viên Ban Chỉ đạo" in message.text()
    assert smtp.to("ha@example.vn") == [] and smtp.to("cu@example.vn") == []
    assert len(smtp.messages) == 2
    assert Report.objects.filter(status=ReportStatus.DONE).count() == 2


# --- SMTP errors -------------------------------------------------------------------------------------------------


@dataclass
class BusyMailbox(Mailbox):
    """A mail server that answers "try again later" to the first ``refusals`` messages."""

    refusals: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's handler name)
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Mail server busy, try again later"
        return await super().handle_DATA(server, session, envelope)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _mail_server(settings, mailbox: Mailbox):
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield mailbox
    finally:
        controller.stop()


def test_an_smtp_error_is_retried_logged_and_the_report_sent_once(
    pilot, people, settings, django_capture_on_commit_callbacks, caplog
):
    clerk = people["provincial_clerk"]
    subscription = _subscribe(clerk, province=pilot.province)
    CommitteeMember.objects.update(is_active=False)  # only the clerk's subscription this time
    with _mail_server(settings, BusyMailbox(refusals=1)) as mailbox, caplog.at_level(logging.WARNING):
        _run(weekly_reports, django_capture_on_commit_callbacks)
    assert len(mailbox.to(clerk.email)) == 1
    delivery = ReportDelivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 2, "")
    assert f"Delivery {delivery.pk} failed (" in caplog.text and "451" in caplog.text


def test_a_mail_server_that_stays_down_fails_the_delivery_after_its_retries(
    pilot, people, settings, django_capture_on_commit_callbacks, caplog
):
    clerk = people["provincial_clerk"]
    subscription = _subscribe(clerk, province=pilot.province)
    CommitteeMember.objects.update(is_active=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2  # nobody listens
    with caplog.at_level(logging.WARNING):
        _run(weekly_reports, django_capture_on_commit_callbacks)
    delivery = ReportDelivery.objects.get(subscription=subscription)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == deliver_report.max_retries + 1
    assert delivery.error.startswith("ConnectionRefusedError")
    assert delivery.report.status == ReportStatus.DONE  # the report itself is made; only the e-mail failed
    assert f"Delivery {delivery.pk} failed after {deliver_report.max_retries} retries." in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_sent_twice_at_once_goes_out_once(demo_baseline, users, settings):
    """Two workers given the same delivery at the same moment (a message delivered twice): the row lock makes the
    second wait for the first and find it sent."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    clerk = users["provincial_clerk"]
    clerk.email = "can-bo@example.vn"
    clerk.save(update_fields=["email"])
    subscription = _subscribe(clerk, province=demo_baseline)
    subscribed_reports_create(frequency=WEEKLY, today=TODAY)  # eager: produced, and e-mailed to the locmem outbox
    delivery = ReportDelivery.objects.get(subscription=subscription)
    ReportDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, sent_at=None, attempts=0)

    class SlowMailbox(Mailbox):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            import asyncio

            await asyncio.sleep(0.5)  # the first sender holds the lock meanwhile
            return await super().handle_DATA(server, session, envelope)

    results = []
    with _mail_server(settings, SlowMailbox()) as mailbox:

        def send():
            try:
                results.append(delivery_send(delivery_id=delivery.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(results) == [DeliveryStatus.SENT, DeliveryStatus.SENT]  # the second found it sent
    assert len(mailbox.to(clerk.email)) == 1
    assert ReportDelivery.objects.get(pk=delivery.pk).attempts == 1


# --- the schedule --------------------------------------------------------------------------------------------------


def test_beat_runs_the_monthly_reports_on_the_first_at_seven_in_vietnam():
    [entry] = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == "rollout.monthly_reports"]
    schedule = entry["schedule"]
    schedule.app = app
    saigon = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    last, delta, _now = schedule.remaining_delta(datetime.datetime(2026, 11, 24, 9, 0, tzinfo=saigon))
    nxt = (last + delta).astimezone(saigon)
    assert (nxt.date(), nxt.hour, nxt.minute) == (datetime.date(2026, 12, 1), 7, 0)
    assert previous_month(nxt.date()) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert previous_month(datetime.date(2027, 1, 1)) == (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    assert previous_month(datetime.date(2028, 3, 1)) == (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29))
