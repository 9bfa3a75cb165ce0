"""An import between its preview and its confirmation: the ``ImportJob``.

Every preview that can be confirmed has a job: the uploaded file (in the default storage), the user and the
import page it belongs to, what the preview showed (its rows, their digest and totals) and, for a resource that
is a ``PlannedImport``, its plan: what the new and changed rows write and the state of the records the file
names, as the preview read them. The session holds the job's token; a new upload discards the session's jobs.

A small file is previewed while the page waits (``import_job_keep``); a large one by the worker
(``import_job_start`` queues ``rollout.preview_import`` through the outbox; ``import_preview_produce`` is its
work), which counts the rows done and beats a heartbeat on a connection of its own (the dry run's transaction is
rolled back), so that the page shows a progress bar. The sweeper (``import_jobs_recover``) queues again a job
whose worker died, once, and forgets old jobs and their files.

``import_confirm`` is the confirmation: with a plan it locks the records, compares their state with the plan's
and writes the rows in bulk through the resource's service; when the state changed (someone edited a record,
a language was removed, the day turned), the file is previewed again inside the same transaction and written
only when that preview shows the same, otherwise it is refused with the new preview (a background job for a
large file). Without a plan the file is imported again for real and kept only when it shows the same.
"""

import contextlib
import datetime
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from rollout.core.imports import ImportReport, PlannedImport, json_normal, report_digest
from rollout.core.outbox import OutboxMessage, outbox_enqueue

logger = logging.getLogger(__name__)

PREVIEW_TASK = "rollout.preview_import"
PROGRESS_INTERVAL_SECONDS = 0.5


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("import job status", "Waiting")
    RUNNING = "running", pgettext_lazy("import job status", "Being checked")
    DONE = "done", pgettext_lazy("import job status", "Checked")
    FAILED = "failed", pgettext_lazy("import job status", "Failed")
    CONFIRMED = "confirmed", pgettext_lazy("import job status", "Imported")
    DISCARDED = "discarded", pgettext_lazy("import job status", "Discarded")


class ImportJob(models.Model):
    """An uploaded file between its preview and its confirmation (see the module)."""

    token = models.CharField(gettext_lazy("token"), max_length=64, unique=True)
    view = models.CharField(
        gettext_lazy("import page"), max_length=200, help_text=gettext_lazy("The dotted path of its ImportView.")
    )
    view_kwargs = models.JSONField(gettext_lazy("page arguments"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(gettext_lazy("language"), max_length=10, blank=True)
    file = models.CharField(
        gettext_lazy("file"), max_length=300, blank=True, help_text=gettext_lazy("Its path in the default storage.")
    )
    status = models.CharField(
        gettext_lazy("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(gettext_lazy("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(gettext_lazy("rows checked"), default=0)
    attempts = models.PositiveSmallIntegerField(gettext_lazy("attempts"), default=0)
    error = models.TextField(gettext_lazy("error"), blank=True)
    report = models.JSONField(gettext_lazy("preview"), null=True, blank=True)
    totals = models.JSONField(gettext_lazy("totals"), null=True, blank=True)
    digest = models.CharField(gettext_lazy("digest"), max_length=64, blank=True)
    plan = models.JSONField(gettext_lazy("plan"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("created"), auto_now_add=True)
    queued_at = models.DateTimeField(gettext_lazy("queued"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(gettext_lazy("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("finished"), null=True, blank=True)
    confirmed_at = models.DateTimeField(gettext_lazy("confirmed"), null=True, blank=True)

    class Meta:
        app_label = "rollout"
        verbose_name = gettext_lazy("import job")
        verbose_name_plural = gettext_lazy("import jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="rollout_importjob_status")]

    def __str__(self):
        return f"{self.view} {self.token[:8]} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportJobStatus.PENDING, ImportJobStatus.RUNNING)

    @property
    def ok(self) -> bool:
        """Checked, and no row has an error: it may be confirmed."""
        return self.status == ImportJobStatus.DONE and bool(self.totals) and not self.totals.get("error")

    @property
    def percent(self) -> int:
        if self.status in (ImportJobStatus.DONE, ImportJobStatus.CONFIRMED):
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    def preview(self) -> ImportReport | None:
        return ImportReport.from_json(self.report) if self.report is not None else None


def _view_path(view) -> str:
    return f"{type(view).__module__}.{type(view).__qualname__}"


def _new_job(*, view, path: str, **fields) -> ImportJob:
    return ImportJob.objects.create(
        token=secrets.token_urlsafe(24),
        view=_view_path(view),
        view_kwargs=dict(getattr(view, "kwargs", None) or {}),
        user=view.request.user,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        file=path,
        **fields,
    )


def _store(upload) -> str:
    upload.seek(0)
    return default_storage.save(f"imports/{secrets.token_urlsafe(24)}.xlsx", ContentFile(upload.read()))


def _done_fields(report: ImportReport) -> dict:
    return {
        "status": ImportJobStatus.DONE,
        "report": report.to_json(),
        "totals": report.totals,
        "digest": report_digest(report),
        "plan": report.plan,
        "rows_total": len(report.rows),
        "rows_done": len(report.rows),
        "finished_at": timezone.now(),
    }


def import_job_keep(*, view, upload=None, path: str = "", report: ImportReport) -> ImportJob:
    """The job of a preview made while the page waited: the file kept (``upload``, or already stored at ``path``)
    for the confirmation, with what the preview showed."""
    return _new_job(view=view, path=path or _store(upload), **_done_fields(report))


def import_job_start(*, view, upload=None, path: str = "") -> ImportJob:
    """Keep the file (``upload``, or already stored at ``path``) and queue its preview for the worker, in the
    current transaction (the outbox: sent once it commits, kept while the broker cannot be reached)."""
    with transaction.atomic():
        job = _new_job(view=view, path=path or _store(upload), queued_at=timezone.now())
        _queue(job)
    return job


def _queue(job: ImportJob) -> None:
    outbox_enqueue(PREVIEW_TASK, kwargs={"job_id": job.pk}, key=f"import:{job.pk}")


def import_job_discard(job: ImportJob, *, keep_file: bool = False) -> None:
    """Forget a job that will not be confirmed (a new upload replaces it, or its preview was refused): its file
    is deleted, unless another job now owns it (``keep_file``)."""
    path = job.file
    ImportJob.objects.filter(pk=job.pk).exclude(status=ImportJobStatus.CONFIRMED).update(
        status=ImportJobStatus.DISCARDED, file=""
    )
    job.status, job.file = ImportJobStatus.DISCARDED, ""
    if path and not keep_file:
        _delete_file(path)


def _delete_file(path: str) -> None:
    with contextlib.suppress(OSError):
        default_storage.delete(path)


class _ViewRequest(HttpRequest):
    """The request a job's import page is rebuilt with outside a request (the worker, the benchmark)."""

    def __init__(self, user):
        super().__init__()
        self.user = user
        self.method = "POST"
        self.session = {}


def import_view(view_class, *, user, **kwargs):
    """An import page (an ``ImportView`` subclass) set up for ``user`` outside a request, as the worker and the
    benchmark run it."""
    view = view_class()
    view.setup(_ViewRequest(user), **kwargs)
    return view


def import_view_for(job: ImportJob):
    """The job's import page for its user."""
    return import_view(import_string(job.view), user=job.user, **job.view_kwargs)


def _open(path: str):
    stored = default_storage.open(path, "rb")
    stored.name = path
    return stored


class _Progress:
    """The rows a background preview has done, and its heartbeat, written at most every
    ``PROGRESS_INTERVAL_SECONDS`` on a connection of its own (autocommit): the preview's transaction is rolled back,
    and a page polls them meanwhile. On SQLite, or inside a transaction (the tests' in-process jobs), nothing is
    written until the end."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.last = time.monotonic()
        self.connection = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, rows_done: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL_SECONDS:
            self.last = now
            self.write(rows_done)

    def write(self, rows_done: int | None = None, *, rows_total: int | None = None) -> None:
        if self.connection is None:
            return
        quote = self.connection.ops.quote_name
        assignments, params = [f"{quote('heartbeat_at')} = %s"], [timezone.now()]
        for column, value in (("rows_done", rows_done), ("rows_total", rows_total)):
            if value is not None:
                assignments.append(f"{quote(column)} = %s")
                params.append(value)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(ImportJob._meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608 - names from the model, values bound
                    f"WHERE {quote('id')} = %s AND {quote('status')} = %s",
                    [*params, self.job_id, ImportJobStatus.RUNNING],
                )
        except Exception:  # the progress is a courtesy: never stop the preview for it
            logger.warning("Import job %s: could not record its progress.", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _lease_start(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.IMPORT_PREVIEW_LEASE_SECONDS)


def import_preview_produce(*, job_id: int) -> str | None:
    """The worker's part: preview the job's file (a dry run, rolled back) with its progress, and keep what it
    showed. A job already checked, gone, or being checked by another worker (a fresh heartbeat) is left alone, so
    that a message delivered twice checks it once. Returns the job's status."""
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=job_id, status__in=[ImportJobStatus.PENDING, ImportJobStatus.RUNNING])
        .exclude(status=ImportJobStatus.RUNNING, heartbeat_at__gte=_lease_start(now))
        .update(status=ImportJobStatus.RUNNING, attempts=F("attempts") + 1, rows_done=0, heartbeat_at=now, error="")
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    progress = _Progress(job)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            view = import_view_for(job)
            try:
                with _open(job.file) as stored:
                    dataset = view.read(stored)
            except (OSError, ValidationError) as exc:
                messages_ = getattr(exc, "messages", None) or [_("The uploaded file could not be read again.")]
                return _fail(job, " ".join(str(m) for m in messages_))
            ImportJob.objects.filter(pk=job.pk).update(rows_total=len(dataset), heartbeat_at=timezone.now())
            progress.write(0, rows_total=len(dataset))
            report = view.preview(dataset, progress=progress)
    except Exception as exc:
        logger.exception("Import job %s failed.", job_id)
        error = _("The file could not be checked (%(error)s). Upload it again.") % {"error": type(exc).__name__}
        return _fail(job, error)
    finally:
        progress.close()
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportJobStatus.RUNNING).first()
        if current is None:  # discarded meanwhile (a new upload): its file is gone
            return None
        for name, value in _done_fields(report).items():
            setattr(current, name, value)
        if not report.ok:  # nothing to confirm: the file is not kept
            _delete_file(current.file)
            current.file = ""
        current.save()
    return current.status


def _fail(job: ImportJob, error: str) -> str:
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.RUNNING).update(
            status=ImportJobStatus.FAILED, error=error[:2000], file="", finished_at=timezone.now()
        )
        if updated and job.file:
            _delete_file(job.file)
    return ImportJobStatus.FAILED


def import_jobs_recover(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The sweeper's part for import previews: a job being checked without a heartbeat for longer than
    ``IMPORT_PREVIEW_LEASE_SECONDS`` (its worker died), or waiting that long with nothing left in the outbox for
    it, is queued again — a job whose worker died ``IMPORT_PREVIEW_MAX_ATTEMPTS`` times has failed; jobs older than
    ``IMPORT_JOB_KEEP_HOURS`` are deleted with their files. Returns how many were requeued, failed and deleted."""
    now = now or timezone.now()
    since = _lease_start(now)
    outcome = {"requeued": 0, "failed": 0, "deleted": 0}
    pending_message = OutboxMessage.objects.filter(
        dispatched_at__isnull=True, key=Concat(Value("import:"), Cast(OuterRef("pk"), CharField()))
    )
    stale = ImportJob.objects.filter(
        Q(status=ImportJobStatus.RUNNING) & (Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True))
        | Q(status=ImportJobStatus.PENDING)
        & (Q(queued_at__lt=since) | Q(queued_at__isnull=True, created_at__lt=since))
        & ~Exists(pending_message)
    )
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            job = stale.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue
            if job.status == ImportJobStatus.RUNNING and job.attempts >= settings.IMPORT_PREVIEW_MAX_ATTEMPTS:
                job.status, job.finished_at = ImportJobStatus.FAILED, now
                job.error = _("The file could not be checked: its worker stopped %(count)s times. Upload it again.") % {
                    "count": job.attempts
                }
                if job.file:
                    _delete_file(job.file)
                    job.file = ""
                job.save(update_fields=["status", "error", "file", "finished_at"])
                outcome["failed"] += 1
                continue
            job.status, job.rows_done, job.queued_at = ImportJobStatus.PENDING, 0, now
            job.save(update_fields=["status", "rows_done", "queued_at"])
            _queue(job)
            logger.warning("Import job %s was stuck; queued again.", pk)
            outcome["requeued"] += 1
    old = ImportJob.objects.filter(created_at__lt=now - datetime.timedelta(hours=settings.IMPORT_JOB_KEEP_HOURS))
    for job in old.exclude(status__in=[ImportJobStatus.PENDING, ImportJobStatus.RUNNING]).only("pk", "file"):
        if job.file:
            with contextlib.suppress(OSError):
                default_storage.delete(job.file)
        job.delete()
        outcome["deleted"] += 1
    return outcome


def oldest_waiting_import_seconds() -> float | None:
    """Seconds the oldest preview still waiting or being checked has waited (``None``: none)."""
    oldest = (
        ImportJob.objects.filter(status__in=[ImportJobStatus.PENDING, ImportJobStatus.RUNNING])
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if oldest is None else (timezone.now() - oldest).total_seconds()


# --- the confirmation ------------------------------------------------------------------------------------------


@dataclass
class ConfirmOutcome:
    """What a confirmation did: ``written`` (``totals``), ``expired`` (no such job, confirmed already, not
    confirmable), ``unreadable`` (its file is gone), ``refused`` (the file has bad rows now: ``report``) or
    ``stale`` (the data changed: nothing written; ``job`` is the new preview, checked or being checked)."""

    result: str
    totals: dict | None = None
    report: ImportReport | None = None
    job: ImportJob | None = None


def import_confirm(*, job: ImportJob, view) -> ConfirmOutcome:
    """Confirm ``job`` for ``view``'s user, in one transaction: the rows the preview showed are written, or
    nothing is (see the module). Confirming twice writes once: the job is locked, and marked confirmed with the
    writes."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("report").filter(pk=job.pk, user=view.request.user).first()
        if job is None or not job.ok:
            return ConfirmOutcome("expired")
        resource = view.get_resource() if job.plan is not None else None
        if isinstance(resource, PlannedImport) and _plan_holds(job, resource):
            try:
                with transaction.atomic():
                    resource.plan_write(new=job.plan["new"], changed=job.plan["changed"], user=view.request.user)
            except IntegrityError:  # a record the plan creates appeared meanwhile: preview again
                logger.info("Import job %s: a write collided; previewed again.", job.pk)
            else:
                return _confirmed(job)
        return _confirm_again(job, view)


def _today():
    return timezone.localdate()


def _plan_holds(job: ImportJob, resource) -> bool:
    """Lock the records the file names (until the confirmation ends, whatever it does next) and compare their state
    and the day with those the preview read."""
    plan = job.plan
    state = json_normal(resource.plan_state(plan["keys"], lock=True))
    return plan.get("on") == json_normal(_today()) and state == plan["state"]


def _confirmed(job: ImportJob) -> ConfirmOutcome:
    path = job.file
    job.status, job.confirmed_at, job.file = ImportJobStatus.CONFIRMED, timezone.now(), ""
    job.save(update_fields=["status", "confirmed_at", "file"])
    if path:
        _delete_file(path)
    return ConfirmOutcome("written", totals=job.totals)


def _confirm_again(job: ImportJob, view) -> ConfirmOutcome:
    """The data changed since the preview, or the import has no plan: go through the file again."""
    path = job.file
    try:
        with _open(path) as stored:
            dataset = view.read(stored)
    except (OSError, ValidationError, TypeError, ValueError):
        import_job_discard(job)
        return ConfirmOutcome("unreadable")
    planned = job.plan is not None
    if planned and view.in_background(len(dataset)):
        # Too large to preview while the page waits: nothing is written, and a new preview is checked.
        import_job_discard(job, keep_file=True)
        return ConfirmOutcome("stale", job=import_job_start(view=view, path=path))
    try:
        with transaction.atomic():
            # With a plan, a dry run (the records stay locked) whose plan is written if it shows the same; without
            # one, the import itself, kept only if it shows the same.
            report = view.preview(dataset) if planned else view.run(dataset, dry_run=False)
            if report.ok and report_digest(report) == job.digest:
                if planned:
                    plan = report.plan
                    view.get_resource().plan_write(new=plan["new"], changed=plan["changed"], user=view.request.user)
                return _confirmed(job)
            raise _Outdated(report)
    except _Outdated as outdated:
        report = outdated.report
    if not report.ok:
        import_job_discard(job)
        return ConfirmOutcome("refused", report=report)
    import_job_discard(job, keep_file=True)
    return ConfirmOutcome("stale", report=report, job=import_job_keep(view=view, path=path, report=report))


class _Outdated(Exception):
    """Raised inside the confirmation's savepoint to roll it back: the import no longer does what was shown."""

    def __init__(self, report):
        super().__init__("preview outdated")
        self.report = report
