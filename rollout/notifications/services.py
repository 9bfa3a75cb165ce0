"""The digest of each user's area — alerts, committee tasks and certificates expiring — by e-mail and in the app,
and the in-app notices.

``digests_send_due(now)`` runs every hour (Celery beat, ``rollout.send_digests``): for every active user with a role
and an e-mail address whose digest is due (daily; weekly: once in an ISO week; never: not at all — clerks get the
daily digest unless they choose otherwise, other roles only when they ask for it), from ``DIGEST_HOUR`` on, it
makes the period's ``Digest`` once (unique per user and period) and sends it. Sending locks the digest's row: two
workers (or a run and its retry) never send the same digest twice; an SMTP error is logged and kept on the row,
and the next hourly run tries again, ``DIGEST_MAX_ATTEMPTS`` times at most. A digest with nothing in it is
recorded as empty and not sent. Each digest sent leaves a notice in the app (``Notification``).

What a digest holds is the user's area as the pages show it: the alert counts and the first alerts of each kind
the user follows (``rollout.alerts.rules``), the committee tasks overdue or due within a week, and the passes of
mandatory courses expiring within 60 days.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role, user_roles
from rollout.alerts.rules import RULES, RULES_BY_KIND, alerts_of
from rollout.core import scoping
from rollout.models import TASK_CLOSED, Digest, DigestFrequency, Notification, NotificationPreference, Task
from training.models import Enrollment
from training.selectors import refreshers_due

logger = logging.getLogger(__name__)

DIGEST_HOUR = 6  # local time: the digest of the day goes from then on
DIGEST_MAX_ATTEMPTS = 5
ALERTS_PER_KIND = 5
TASKS_DUE_DAYS = 7
CLERK_ROLES = {Role.PROVINCIAL_CLERK.value, Role.DISTRICT_CLERK.value}


def preference_of(user) -> NotificationPreference:
    """The user's preference, or the default one (unsaved): daily for clerks, never for the other roles."""
    found = NotificationPreference.objects.filter(user=user).first()
    if found is not None:
        return found
    frequency = DigestFrequency.DAILY if user_roles(user) & CLERK_ROLES else DigestFrequency.NEVER
    return NotificationPreference(user=user, frequency=frequency, kinds=[])


@transaction.atomic
def preference_update(*, user, frequency: str, kinds, email_enabled: bool) -> NotificationPreference:
    from django.core.exceptions import ValidationError

    if frequency not in DigestFrequency.values:
        raise ValidationError({"frequency": _("Choose how often the digest comes.")})
    kinds = sorted({str(kind) for kind in kinds})
    unknown = [kind for kind in kinds if kind not in RULES_BY_KIND]
    if unknown:
        raise ValidationError({"kinds": _("Unknown alert kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}})
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"frequency": frequency, "kinds": kinds, "email_enabled": email_enabled}
    )
    preference.frequency, preference.kinds, preference.email_enabled = frequency, kinds, email_enabled
    preference._history_user = user
    preference.save()
    return preference


def period_of(frequency: str, day: datetime.date) -> str:
    """The digest's period: the day for a daily digest, the ISO week for a weekly one."""
    if frequency == DigestFrequency.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


@dataclass
class DigestContent:
    user: object
    today: datetime.date
    alert_sections: list = field(default_factory=list)  # [{"rule", "count", "alerts"}]
    tasks: list = field(default_factory=list)
    certificates: list = field(default_factory=list)

    @property
    def alert_count(self) -> int:
        return sum(section["count"] for section in self.alert_sections)

    @property
    def is_empty(self) -> bool:
        return not (self.alert_count or self.tasks or self.certificates)


def digest_content(user, today: datetime.date, kinds=()) -> DigestContent:
    """What the user's digest holds today (their area, the kinds they follow: every kind when none)."""
    content = DigestContent(user=user, today=today)
    for rule in RULES:
        if kinds and rule.kind not in kinds:
            continue
        rows = rule.rows(user, today)
        count = rows.count()
        if count:
            content.alert_sections.append(
                {"rule": rule, "count": count, "alerts": alerts_of(rule, user, today, limit=ALERTS_PER_KIND)}
            )
    due_by = today + datetime.timedelta(days=TASKS_DUE_DAYS)
    content.tasks = list(
        Task.objects.visible_to(user)
        .exclude(status__in=TASK_CLOSED)
        .filter(deadline__lte=due_by)
        .select_related("plan__province")
        .order_by("deadline", "pk")[:20]
    )
    mandatory = Enrollment.objects.visible_to(user).filter(course__is_mandatory=True, course__is_active=True)
    content.certificates = list(refreshers_due(mandatory, today).filter(valid_until__gte=today)[:20])
    return content


def _subject(content: DigestContent, frequency: str) -> str:
    words = {"date": f"{content.today:%d/%m/%Y}", "alerts": content.alert_count}
    if frequency == DigestFrequency.WEEKLY:
        return _("Rollout digest, week of %(date)s: %(alerts)s alerts") % words
    return _("Rollout digest, %(date)s: %(alerts)s alerts") % words


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if getattr(settings, "SITE_URL", "") else path


def digest_send(*, user, today: datetime.date, frequency: str, kinds=()) -> Digest | None:
    """Make the user's digest of the period (once) and send it unless it was sent already; returns it, or None
    when another worker holds it now. SMTP errors are recorded, not raised."""
    period = period_of(frequency, today)
    with transaction.atomic():
        Digest.objects.get_or_create(user=user, period=period, defaults={"frequency": frequency})
        digest = Digest.objects.select_for_update(skip_locked=True).filter(user=user, period=period).first()
        if digest is None or digest.sent_at is not None or digest.is_empty:
            return digest
        if digest.attempts >= DIGEST_MAX_ATTEMPTS:
            return digest
        with translation.override(settings.LANGUAGE_CODE):
            content = digest_content(user, today, kinds)
            if content.is_empty:
                digest.is_empty = True
                digest.save(update_fields=["is_empty"])
                return digest
            subject = _subject(content, frequency)
            context = {"content": content, "user": user, "alerts_url": _site_url("/alerts/"), "subject": subject}
            body = render_to_string("rollout/notifications/digest_email.txt", context)
        digest.subject, digest.alerts = subject[:200], content.alert_count
        Notification.objects.get_or_create(
            digest=digest,
            defaults={"user": user, "title": subject[:200], "body": _notice_body(content), "url": "/alerts/"},
        )
        unread_forget(user)
        try:
            EmailMessage(subject=subject, body=body, to=[user.email]).send(fail_silently=False)
        except OSError as exc:
            digest.attempts += 1
            digest.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            digest.save(update_fields=["subject", "alerts", "attempts", "last_error"])
            logger.warning("Digest %s of %s not sent (attempt %s): %s", period, user, digest.attempts, exc)
            return digest
        digest.attempts += 1
        digest.sent_at, digest.last_error = timezone.now(), ""
        digest.save(update_fields=["subject", "alerts", "attempts", "last_error", "sent_at"])
        digest.just_sent = True
        logger.info("Digest %s sent to %s (%s alerts).", period, user.email, content.alert_count)
        return digest


def _notice_body(content: DigestContent) -> str:
    lines = [f"{section['rule'].label}: {section['count']}" for section in content.alert_sections]
    if content.tasks:
        lines.append(_("Committee tasks due: %(n)s") % {"n": len(content.tasks)})
    if content.certificates:
        lines.append(_("Certificates expiring: %(n)s") % {"n": len(content.certificates)})
    return "\n".join(lines)


def digest_recipients():
    """Active users with an e-mail address and a role whose scope is not empty."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="").exclude(groups__isnull=True)
    return [user for user in users.distinct().order_by("pk") if not scoping.Scope.of(user).is_empty]


def digests_send_due(now: datetime.datetime | None = None) -> dict[str, int]:
    """Send every digest due now (see the module's docstring); returns how many were sent, failed, empty."""
    now = timezone.localtime(now or timezone.now())
    outcome = {"sent": 0, "failed": 0, "empty": 0}
    if now.hour < DIGEST_HOUR:
        return outcome
    today = now.date()
    for user in digest_recipients():
        preference = preference_of(user)
        if preference.frequency == DigestFrequency.NEVER or not preference.email_enabled:
            continue
        digest = digest_send(user=user, today=today, frequency=preference.frequency, kinds=preference.kinds)
        if digest is None:
            continue
        if digest.is_empty:
            outcome["empty"] += 1
        elif getattr(digest, "just_sent", False):
            outcome["sent"] += 1
        elif digest.sent_at is None:
            outcome["failed"] += 1
    return outcome


# --- in-app notices ----------------------------------------------------------------------------------------------

UNREAD_CACHE_SECONDS = 60


def _unread_key(user) -> str:
    return f"notifications:unread:{user.pk}"


def unread_count(user) -> int:
    """How many notices the user has not read (kept a minute; every write forgets it)."""
    count = cache.get(_unread_key(user))
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(_unread_key(user), count, UNREAD_CACHE_SECONDS)
    return count


def unread_forget(user) -> None:
    """Forget the cached count now and once the writer commits (a page in between may have cached the old one)."""
    cache.delete(_unread_key(user))
    transaction.on_commit(lambda: cache.delete(_unread_key(user)))


@transaction.atomic
def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notices ``ids`` (all of them when None) read; returns how many changed."""
    notices = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    changed = notices.update(read_at=timezone.now())
    unread_forget(user)
    return changed


def notices_of(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")
