"""The outbox: work for Celery is written to the database first, then sent to the broker.

``outbox_enqueue(task, kwargs=..., key=...)`` writes a row in the caller's transaction: the work is requested
exactly when the data it is about is committed, and not at all when it rolls back. Once the transaction
commits, the row is sent to the broker (``outbox_dispatch``); when the broker cannot be reached the row stays
pending, with the error, and the user sees no exception. The sweeper (``rollout.sweep_jobs``, every minute under
Celery beat, or ``manage.py dispatch_outbox``) sends what is still pending. Every caller queues through here,
never with ``.delay()``.

A row with a ``key`` (the work's identity, e.g. ``report:12``) is written once while it is pending: asking again
before it is sent adds nothing. Tasks must be idempotent: a row sent just before a crash may be sent again.
Without a broker (``CELERY_TASK_ALWAYS_EAGER``: the demo, most tests) a row is marked sent and its task runs in
the process at once, as ``.delay()`` did.
"""

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500


class OutboxMessage(models.Model):
    """A task to send to Celery: its name and keyword arguments, when it was asked for and sent, and the last
    failure to send it."""

    task = models.CharField(pgettext_lazy("background job", "task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    key = models.CharField(_("key"), max_length=200, blank=True, help_text=_("The work's identity, if it has one."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        app_label = "rollout"
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(dispatched_at__isnull=True) & ~Q(key=""),
                name="%(app_label)s_%(class)s_one_pending_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="rollout_outbox_pending"),
        ]

    def __str__(self):
        return f"{self.task} {self.kwargs}"


def _eager() -> bool:
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def outbox_enqueue(task: str, *, kwargs: dict | None = None, key: str = "") -> OutboxMessage:
    """Ask for ``task(**kwargs)`` in the current transaction; it is sent to the broker when the transaction
    commits (or by the sweeper). With a ``key``, a pending row for the same key is reused."""
    kwargs = kwargs or {}
    with transaction.atomic():
        if key:
            message, _created = OutboxMessage.objects.get_or_create(
                key=key, dispatched_at__isnull=True, defaults={"task": task, "kwargs": kwargs}
            )
        else:
            message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    pk = message.pk
    transaction.on_commit(lambda: outbox_dispatch(ids=[pk]))
    return message


def _send(message: OutboxMessage) -> None:
    from celery import current_app

    if message.task not in current_app.tasks:  # the web process has not imported the tasks' modules yet
        current_app.loader.import_default_modules()
    # Nobody waits on the result here: without ignore_result, sending subscribes to the result backend, which
    # retries for seconds when Redis is down.
    current_app.tasks[message.task].apply_async(kwargs=message.kwargs, ignore_result=True)


def outbox_dispatch(*, ids: Iterable[int] | None = None, older_than_seconds: float | None = None) -> int:
    """Send pending rows (those of ``ids``, or every one older than ``older_than_seconds``) to the broker, oldest
    first; returns how many were sent. A row another process is sending is skipped; when the broker fails, the
    row keeps its error and the rest wait for the next sweep. Never raises for the broker."""
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    if older_than_seconds is not None:
        pending = pending.filter(created_at__lte=timezone.now() - datetime.timedelta(seconds=older_than_seconds))
    sent = 0
    eager = _eager()
    for pk in list(pending.order_by("created_at", "pk").values_list("pk", flat=True)[:DISPATCH_BATCH]):
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                pk=pk, dispatched_at__isnull=True
            )
            message = message.first()
            if message is None:
                continue
            message.attempts += 1
            message.last_attempt_at = timezone.now()
            if not eager:
                try:
                    _send(message)
                except Exception as exc:  # the broker is unreachable: keep the row for the sweeper
                    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    message.save(update_fields=["attempts", "last_attempt_at", "last_error"])
                    logger.warning("Broker unavailable; %s stays in the outbox (%s).", message, message.last_error)
                    break
            message.dispatched_at, message.last_error = timezone.now(), ""
            message.save(update_fields=["attempts", "last_attempt_at", "last_error", "dispatched_at"])
        if eager:  # in-process: run the task once its row says so, outside the row's lock
            _send(message)
        sent += 1
    return sent


def outbox_sweep() -> int:
    """Send what the commits did not (the broker was down, or the process stopped in between)."""
    return outbox_dispatch(older_than_seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)


def outbox_oldest_pending_age() -> float | None:
    """Seconds since the oldest row still waiting to be sent was written (``None``: nothing waits)."""
    oldest = OutboxMessage.objects.filter(dispatched_at__isnull=True).order_by("created_at").first()
    return None if oldest is None else (timezone.now() - oldest.created_at).total_seconds()
