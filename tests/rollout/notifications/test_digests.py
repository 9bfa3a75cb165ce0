"""The digest arrives over a real SMTP server (aiosmtpd), scoped to each recipient, once per user and period; an
SMTP error is kept and retried; the notices in the app, read and unread."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune, Coverage
from rollout.models import Digest, DigestFrequency, Notification
from rollout.notifications import services
from tests.factories import AllocationStandardFactory

pytestmark = pytest.mark.django_db

MORNING = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(7, 0)))


@pytest.fixture
def mail_users(users):
    for role in ("provincial_clerk", "district_clerk", "committee", "administrator"):
        users[role].email = f"{role}@congan.example"
        users[role].save()
    return users


@pytest.fixture
def short_of_standard(demo_baseline):
    AllocationStandardFactory(quantity=1)  # every covered commune is short of it


def test_each_clerk_gets_their_areas_digest_once_a_day(smtp, mail_users, short_of_standard):
    first = services.digests_send_due(MORNING)
    again = services.digests_send_due(MORNING + datetime.timedelta(hours=1))  # the next hourly run
    assert first["sent"] == 2 and again["sent"] == 0
    # clerks by default; the committee and administrators only when they ask for it
    assert len(smtp.to("provincial_clerk@congan.example")) == 1
    assert len(smtp.to("district_clerk@congan.example")) == 1
    assert smtp.to("committee@congan.example") == [] and smtp.to("administrator@congan.example") == []
    district = smtp.to("district_clerk@congan.example")[0]
    assert district.subject.startswith("Bản tin") and "cảnh báo" in district.subject
    text = district.text()
    here = Commune.objects.filter(district_id=610).exclude(coverage=Coverage.UNCOVERED).order_by("sort_key")
    elsewhere = Commune.objects.exclude(district_id=610).exclude(coverage=Coverage.UNCOVERED)
    assert "Xã thiếu trang bị so với tiêu chuẩn" in text and here.first().name in text
    assert not any(commune.name in text for commune in elsewhere)
    assert Digest.objects.filter(sent_at__isnull=False).count() == 2
    assert Notification.objects.filter(user=mail_users["district_clerk"], read_at__isnull=True).count() == 1


def test_nothing_before_six_and_nothing_when_there_is_nothing_to_report(smtp, mail_users, demo_baseline):
    early = MORNING.replace(hour=5)
    assert services.digests_send_due(early) == {"sent": 0, "failed": 0, "empty": 0}
    from rollout.alerts.rules import RULES

    # with only the demo baseline some alerts exist; choose a kind that has none
    quiet = [rule.kind for rule in RULES if rule.kind == "ready_unassigned"]
    for role in ("provincial_clerk", "district_clerk"):
        services.preference_update(user=mail_users[role], frequency="daily", kinds=quiet, email_enabled=True)
    outcome = services.digests_send_due(MORNING)
    assert outcome["empty"] == 2 and smtp.messages == []


def test_weekly_and_never(smtp, mail_users, short_of_standard):
    clerk = mail_users["provincial_clerk"]
    services.preference_update(user=clerk, frequency=DigestFrequency.WEEKLY, kinds=[], email_enabled=True)
    services.preference_update(user=mail_users["district_clerk"], frequency="never", kinds=[], email_enabled=True)
    services.preference_update(user=mail_users["committee"], frequency="daily", kinds=[], email_enabled=True)
    monday = MORNING - datetime.timedelta(days=MORNING.weekday())
    for offset in range(7):  # every morning of one week
        services.digests_send_due(monday + datetime.timedelta(days=offset))
    assert len(smtp.to(clerk.email)) == 1
    assert smtp.to("district_clerk@congan.example") == []
    assert len(smtp.to("committee@congan.example")) == 7  # the committee member asked for it, daily
    services.digests_send_due(monday + datetime.timedelta(days=7))
    assert len(smtp.to(clerk.email)) == 2


def test_an_smtp_error_is_kept_and_the_next_run_sends_once(settings, smtp, mail_users, short_of_standard):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    outcome = services.digests_send_due(MORNING)
    assert outcome["failed"] == 2 and smtp.messages == []
    failed = Digest.objects.get(user=mail_users["provincial_clerk"])
    assert failed.sent_at is None and failed.attempts == 1 and "Error" in failed.last_error
    settings.EMAIL_PORT = port
    services.digests_send_due(MORNING + datetime.timedelta(hours=1))
    services.digests_send_due(MORNING + datetime.timedelta(hours=2))
    assert len(smtp.to("provincial_clerk@congan.example")) == 1
    sent = Digest.objects.get(user=mail_users["provincial_clerk"])
    assert sent.sent_at is not None and sent.attempts == 2 and sent.last_error == ""
    assert Notification.objects.filter(user=mail_users["provincial_clerk"]).count() == 1  # one notice per digest


def test_the_notices_page_marks_read_and_a_bare_post_changes_nothing(client_as, smtp, mail_users, short_of_standard):
    services.digests_send_due(MORNING)
    http = client_as("provincial_clerk")
    page = http.get(reverse("notifications:index")).content.decode()
    assert 'data-testid="unread-count"' in page and 'data-read="no"' in page
    http.post(reverse("notifications:index"), {})
    assert Notification.objects.filter(user=mail_users["provincial_clerk"], read_at__isnull=True).count() == 1
    http.post(reverse("notifications:index"), {"all": "1"})
    assert not Notification.objects.filter(user=mail_users["provincial_clerk"], read_at__isnull=True).exists()
    assert 'data-testid="unread-count"' not in http.get(reverse("notifications:index")).content.decode()


def test_preferences_form(client_as, mail_users, demo_baseline):
    http = client_as("district_clerk")
    assert http.get(reverse("notifications:preferences")).status_code == 200
    assert http.post(reverse("notifications:preferences"), {}).status_code == 200  # only the token: nothing saved
    assert services.preference_of(mail_users["district_clerk"]).pk is None
    response = http.post(
        reverse("notifications:preferences"),
        {"frequency": "weekly", "kinds": ["understaffed", "task_overdue"], "email_enabled": "on"},
    )
    assert response.status_code == 302
    preference = services.preference_of(mail_users["district_clerk"])
    assert preference.frequency == "weekly" and preference.kinds == ["task_overdue", "understaffed"]
    bad = http.post(reverse("notifications:preferences"), {"frequency": "hourly", "kinds": ["nothing"]})
    assert bad.status_code == 200 and services.preference_of(mail_users["district_clerk"]).frequency == "weekly"


@pytest.mark.parametrize(
    ("role", "status"),
    [("committee", 200), ("provincial_clerk", 200), ("district_clerk", 200), ("administrator", 200), ("no_role", 403)],
)
def test_who_opens_the_notification_pages(client_as, demo_baseline, role, status):
    for name in ("notifications:index", "notifications:preferences"):
        assert client_as(role).get(reverse(name)).status_code == status


def test_anonymous_is_sent_to_sign_in(client, demo_baseline):
    response = client.get(reverse("notifications:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_digest_task_runs_every_hour_and_sends_through_the_service(smtp, mail_users, short_of_standard):
    from rollout.celery import app
    from rollout.tasks import send_digests

    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == "rollout.send_digests"]
    assert str(entry["schedule"]._orig_minute) == "5"
    outcome = send_digests.apply().get()
    assert set(outcome) == {"sent", "failed", "empty"}
