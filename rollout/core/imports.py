"""The Excel import flow shared by every app: upload → preview of every row → confirm.

A resource (django-import-export) checks each row through the same widgets and model validation as the
admin. The preview is a dry run inside a transaction that is rolled back; a bad row anywhere means nothing can
be confirmed. The upload is kept in the default storage between the two steps, with an ``ImportJob``
(``rollout.core.import_jobs``) bound to the session: what the preview showed (its digest) and, for a resource
that can say so (``PlannedImport``), what its rows write and the state of the records they were read from.

The confirmation of such a resource writes those rows in bulk, through the services, once it has locked the
records the file names and found them as the preview read them; when anything changed in between, the file is
previewed again and only written if the preview is the same, otherwise the new preview is shown (409). Other
imports run again for real at the confirmation and keep their writes only when they show the same.

A large file (more rows than ``IMPORT_SYNC_MAX_ROWS``) is previewed by a background job (``rollout.preview_import``)
with its progress on the page; a small one while the page waits.

A file changes only what it says (``CellRulesMixin``): a blank cell of a known record is no change, ``(xóa)``
clears. The preview opens on a summary, lists errors and changes first and marks values cleared or turned off.
"""

import datetime
import decimal
import hashlib
import json
from dataclasses import dataclass, field
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from import_export.formats import base_formats
from import_export.results import RowResult
from import_export.widgets import ManyToManyWidget

from rollout.core.figures_cache import figures_deferred
from rollout.core.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Sheet,
    read_dataset,
    sheet_row_estimate,
    validate_xlsx_upload,
    workbook_bytes,
    xlsx_bytes,
)
from rollout.core.widgets import CLEAR_MARKER, NO_LABEL, YES_LABEL, is_blank, is_clear_marker

STATUS_LABELS = {
    "new": gettext_lazy("New"),
    "changed": gettext_lazy("Changed"),
    "unchanged": gettext_lazy("Unchanged"),
    "error": gettext_lazy("Error"),
}
_IMPORT_TYPE_STATUS = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "changed",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_ERROR: "error",
    RowResult.IMPORT_TYPE_INVALID: "error",
}


@dataclass
class CellError:
    column: str
    value: object
    message: str

    @property
    def display_value(self) -> str:
        """The cell as the user typed it: no thousands separators (a code is not a quantity), dd/mm/yyyy."""
        value = self.value
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


class Change(NamedTuple):
    """One value a row changes, as shown: ``kind`` is "cleared" (a value emptied), "off" (a yes turned to no) or
    "changed" (anything else), so that the preview can show what would be lost apart from other changes."""

    column: str
    before: object
    after: object
    kind: str = "changed"

    @classmethod
    def of(cls, column: str, before, after) -> "Change":
        return cls(column, before, after, change_kind(before, after))

    @property
    def loses_value(self) -> bool:
        return self.kind in ("cleared", "off")


def change_kind(before, after) -> str:
    """ "off" for a yes turned to no (True → False, or "Có" → "Không" as rendered), "cleared" for a value
    emptied, else "changed"."""
    if (before is True and after is False) or (before == YES_LABEL and after == NO_LABEL):
        return "off"
    if not _is_empty(before) and _is_empty(after):
        return "cleared"
    return "changed"


def _is_empty(value) -> bool:
    return value is None or value == "" or value == () or value == []


# The order of the preview: what needs attention first.
_STATUS_ORDER = {"error": 0, "changed": 1, "new": 2, "unchanged": 3}


@dataclass
class PreviewRow:
    number: int  # the row's number in the spreadsheet (the header is row 1)
    status: str
    label: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def shown_changes(self) -> list[Change]:
        """The changes with their kind (a view may list plain (column, before, after) tuples)."""
        return [c if isinstance(c, Change) else Change.of(*c[:3]) for c in self.changes]

    @property
    def loses_values(self) -> bool:
        return any(change.loses_value for change in self.shown_changes)


@dataclass
class ImportReport:
    rows: list[PreviewRow]
    # What the rows write and the state they were read from (``PlannedImport``), when the resource can say so.
    plan: dict | None = None

    @property
    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def ordered_rows(self) -> list[PreviewRow]:
        """Errors first, then changed, new and unchanged rows, each in the order of the file."""
        return sorted(self.rows, key=lambda row: (_STATUS_ORDER.get(row.status, 0), row.number))

    @property
    def attention_count(self) -> int:
        """Rows the preview shows first: errors, changes and new records."""
        return sum(1 for row in self.rows if row.status != "unchanged")

    @property
    def lost_values(self) -> int:
        """How many values the import would clear or turn off."""
        return sum(1 for row in self.rows for change in row.shown_changes if change.loses_value)

    def fingerprint(self) -> list:
        """What the preview showed, comparable and storable in the session: each row's number, status and
        changes. The confirmation writes only when the import still does exactly this."""
        return [
            [row.number, row.status, [[str(c.column), _plain(c.before), _plain(c.after)] for c in row.shown_changes]]
            for row in self.rows
        ]

    @property
    def errors(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.status == "error"]

    def to_json(self) -> list:
        """The rows as JSON, kept by an ``ImportJob`` for its page (``from_json`` gives them back)."""
        return [
            [
                row.number,
                row.status,
                row.label,
                [[str(c.column), json_value(c.before), json_value(c.after), c.kind] for c in row.shown_changes],
                [[e.column, json_value(e.value), e.message] for e in row.errors],
            ]
            for row in self.rows
        ]

    @classmethod
    def from_json(cls, rows: list) -> "ImportReport":
        return cls(
            rows=[
                PreviewRow(
                    number=number,
                    status=status,
                    label=label,
                    changes=[
                        Change(column, python_value(before), python_value(after), kind)
                        for column, before, after, kind in changes
                    ],
                    errors=[CellError(column, python_value(value), message) for column, value, message in errors],
                )
                for number, status, label, changes, errors in rows
            ]
        )

    @property
    def ok(self) -> bool:
        return not self.errors


class CellRulesMixin:
    """For a ``ModelResource``: an import changes only what the file says.

    A blank cell of a known record leaves its value as it is (a template filled with only the codes and one
    column changes only that column); ``(xóa)`` (any case, xóa or xoá) clears it, and is refused on a field the
    record cannot be without. A new record gets the field's empty or default value for a blank cell, as before.
    A record's key columns cannot be cleared either."""

    # Called with each row's number once it is imported (``run_import``'s ``progress``), or None.
    import_progress = None

    def import_row(self, row, instance_loader, **kwargs):
        row_result = self._import_row(row, instance_loader, **kwargs)
        if self.import_progress is not None:
            self.import_progress(kwargs.get("row_number") or 0)
        return row_result

    def _import_row(self, row, instance_loader, **kwargs):
        cleared_keys = {}
        for name in self._meta.import_id_fields:
            field = self.fields[name]
            if field.column_name in row and is_clear_marker(row[field.column_name]):
                cleared_keys[field.attribute] = [self.cannot_clear_message(field)]
        if cleared_keys:
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(cleared_keys)
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.readonly or not field.attribute or field.column_name not in row:
            return super().import_field(field, instance, row, is_m2m, **kwargs)
        value = row[field.column_name]
        if is_clear_marker(value):
            if self.is_required(field):
                raise ValueError(self.cannot_clear_message(field))
            row = {**row, field.column_name: None}
        elif is_blank(value) and self.is_known(instance):
            return None
        return super().import_field(field, instance, row, is_m2m, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Compare many-to-many columns by the same rule: a blank cell of a known record is no change, ``(xóa)``
        is none."""
        row = dict(row)
        for fld in self.get_import_fields():
            if not isinstance(fld.widget, ManyToManyWidget) or fld.column_name not in row:
                continue
            if is_clear_marker(row[fld.column_name]):
                row[fld.column_name] = None
            elif is_blank(row[fld.column_name]) and self.is_known(instance):
                del row[fld.column_name]
        return super().skip_row(instance, original, row, import_validation_errors)

    @staticmethod
    def is_known(instance) -> bool:
        """The row updates a record that exists (a blank cell keeps its value), rather than creating one."""
        return not instance._state.adding

    def is_required(self, field) -> bool:
        """A field its record cannot be without: not blank in the model (a yes/no clears to "Không")."""
        try:
            model_field = self._meta.model._meta.get_field(field.attribute.split("__")[0])
        except Exception:  # noqa: BLE001 - an attribute that is not a model field (a property) is optional
            return False
        if model_field.many_to_many or isinstance(model_field, models.BooleanField):
            return False
        return not model_field.blank

    @staticmethod
    def cannot_clear_message(field) -> str:
        return _("“%(column)s” is required: it cannot be cleared with %(marker)s.") % {
            "column": field.column_name,
            "marker": CLEAR_MARKER,
        }


class PlannedImport:
    """For a ``ModelResource`` whose confirmed rows are written in bulk, through a service, without importing the
    file again: the preview keeps what each new and changed row writes, and the state of every record the file
    names as it read it; the confirmation locks those records and writes the rows only when the state is the
    same (``rollout.core.import_jobs.import_confirm``).

    ``plan_state`` must hold everything the rows' outcome depends on (the records' values the import reads, and
    what the widgets look up), so that an equal state means the same rows; JSON-able, compared after a JSON round
    trip. ``plan_values`` gives a row's values (JSON-able), ``plan_write`` writes them, with history and the
    consequences the row-by-row services have."""

    def plan_keys(self, dataset) -> list:
        """The identities of the records the file names (its rows' keys, cleaned; bad ones left out)."""
        raise NotImplementedError

    def plan_state(self, keys: list, *, lock: bool) -> dict:
        """The state the rows of ``keys`` are read from; ``lock``: lock those records until the transaction ends."""
        raise NotImplementedError

    def plan_values(self, row_result) -> list:
        """What a new or changed row writes, from its imported instance."""
        raise NotImplementedError

    def plan_write(self, *, new: list[list], changed: list[list], user) -> None:
        """Write the rows of a plan whose state was just found unchanged (its records locked)."""
        raise NotImplementedError


def json_normal(value):
    """``value`` as it comes back from JSON (dates as ISO text, tuples as lists): what a stored plan compares with."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _plain(value) -> str:
    return "" if value is None else str(value)


def json_value(value):
    """``value`` (a cell, or a value as a preview shows it) as JSON that ``python_value`` turns back into it: dates
    and decimals tagged, text, numbers, yes/no and empty as they are, anything else as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    return str(value)


def python_value(value):
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return datetime.date.fromisoformat(value["date"])
        if "decimal" in value:
            return decimal.Decimal(value["decimal"])
    return value


def _column_names(resource) -> dict[str, str]:
    names = {}
    for fld in resource.fields.values():
        names[fld.attribute] = fld.column_name
        names[fld.column_name] = fld.column_name
    return names


def resource_headers(resource) -> list[str]:
    """Every column ``resource`` knows: the ones an import reads and the read-only ones an export writes."""
    return [fld.column_name for fld in resource.fields.values()]


def _row_report(resource, number: int, row_result, row_values: dict, columns: dict[str, str]) -> PreviewRow:
    status = _IMPORT_TYPE_STATUS.get(row_result.import_type, "error")
    describe = getattr(resource, "describe_row", None)
    label = (describe(row_values, row_result.instance) if describe else "") or row_result.object_repr or ""
    report = PreviewRow(number=number, status=status, label=label)
    if row_result.validation_error is not None:
        error = row_result.validation_error
        error_dict = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for key, messages_ in error_dict.items():
            column = columns.get(key, "") if key != NON_FIELD_ERRORS else ""
            for message in messages_:
                report.errors.append(CellError(column, row_values.get(column), message))
    for err in row_result.errors:
        report.errors.append(CellError("", None, str(err.error)))
    if status == "changed" and row_result.original is not None and row_result.instance is not None:
        for fld in resource.get_import_fields():
            if fld.readonly:
                continue
            before = fld.get_value(row_result.original)
            after = fld.get_value(row_result.instance)
            if before != after:
                shown = Change.of(fld.column_name, fld.widget.render(before), fld.widget.render(after))
                if before is True and after is False:
                    shown = shown._replace(kind="off")
                report.changes.append(shown)
    return report


def run_import(resource, dataset, *, dry_run: bool, user=None, progress=None) -> ImportReport:
    """Import ``dataset`` through ``resource``; a dry run or any bad row rolls everything back.

    Rows are numbered as in the spreadsheet (``dataset.sheet_row_numbers`` from ``read_dataset``). A dry run of a
    ``PlannedImport`` without errors gives its plan too (``ImportReport.plan``). ``progress(row_number)`` is
    called after each row."""
    if not resource._meta.report_skipped:
        raise ImproperlyConfigured("run_import() needs a resource with report_skipped = True.")
    planned = dry_run and isinstance(resource, PlannedImport)
    if planned:
        # Read before the rows are: a change made meanwhile shows as a state that differs at the confirmation.
        keys = json_normal(resource.plan_keys(dataset))
        state = json_normal(resource.plan_state(keys, lock=False))
    resource.import_progress = progress
    # Rows saved one by one would each refresh the communes' states they touch: once at the end instead, and
    # not at all for a dry run (rolled back).
    with figures_deferred(refresh=not dry_run):
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            use_transactions=True,
            rollback_on_validation_errors=True,
            raise_errors=False,
            retain_instance_in_row_result=True,
            user=user,
        )
    columns = _column_names(resource)
    numbers = getattr(dataset, "sheet_row_numbers", None) or range(2, len(dataset) + 2)
    rows = []
    for index, row_result in enumerate(result.rows):
        row_values = dict(zip(dataset.headers, dataset[index], strict=False))
        rows.append(_row_report(resource, numbers[index], row_result, row_values, columns))
    for base_error in result.base_errors:
        rows.append(PreviewRow(number=0, status="error", label="", errors=[CellError("", None, str(base_error.error))]))
    report = ImportReport(rows=rows)
    if planned and report.ok:
        written = {"new": [], "changed": []}
        for row_result, row in zip(result.rows, rows, strict=False):
            if row.status in written:
                written[row.status].append(resource.plan_values(row_result))
        # ``on``: rules read today's date (an officer's age): a plan is only written the day it was made.
        report.plan = json_normal({"keys": keys, "state": state, "on": timezone.localdate(), **written})
    return report


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_xlsx_upload(upload)
        return upload


class ConfirmForm(forms.Form):
    token = forms.RegexField(regex=r"^[A-Za-z0-9_-]{20,64}$", widget=forms.HiddenInput)


class ImportView(PermissionRequiredMixin, View):
    """Upload (GET/POST) → preview; POST with ``confirm`` → import. Subclasses set the resource and texts.

    A file with more rows than ``sync_max_rows`` (``IMPORT_SYNC_MAX_ROWS`` by default) is previewed by the worker:
    the upload answers at once with a redirect to ``?job=<token>``, the page of its progress, which polls
    ``?job=<token>&format=json`` (and without JavaScript, a refresh link) and shows the preview once it is done."""

    resource_class = None
    required_headers: tuple[str, ...] = ()
    template_name = "includes/import.html"
    title = ""
    success_url = "/"
    template_url = ""
    session_prefix = "import"
    sync_max_rows: int | None = None

    def get_resource(self):
        return self.resource_class()

    def run(self, dataset, *, dry_run: bool) -> "ImportReport":
        """Check (``dry_run``) or import ``dataset``; any bad row must leave the database untouched."""
        return run_import(self.get_resource(), dataset, dry_run=dry_run, user=self.request.user)

    def preview(self, dataset, *, progress=None) -> "ImportReport":
        """The preview of ``dataset`` (a dry run; with its plan for a ``PlannedImport``)."""
        if not self._previews_a_resource():
            return self.run(dataset, dry_run=True)
        return run_import(self.get_resource(), dataset, dry_run=True, user=self.request.user, progress=progress)

    def _previews_a_resource(self) -> bool:
        """The preview is the resource's dry run (a view that overrides ``run`` checks rows its own way, with the
        request at hand: always while the page waits)."""
        return type(self).run is ImportView.run

    @staticmethod
    def _rows_at_most(upload) -> int:
        """The file's data rows at most, counted without reading them (0 when it cannot tell: the file is then read
        here, and says what is wrong with it)."""
        try:
            return max(sheet_row_estimate(upload) - 1, 0)  # the header row
        except ValidationError:
            return 0

    def in_background(self, rows: int) -> bool:
        """Whether a file of ``rows`` rows is previewed by the worker."""
        limit = self.sync_max_rows if self.sync_max_rows is not None else settings.IMPORT_SYNC_MAX_ROWS
        return self._previews_a_resource() and rows > limit

    def read(self, upload, *, headers_only: bool = False):
        """The upload as a dataset; only the resource's columns are allowed."""
        return read_dataset(
            upload,
            required_headers=self.required_headers,
            allowed_headers=resource_headers(self.get_resource()),
            headers_only=headers_only,
        )

    def context(self, **extra):
        report = extra.get("report")
        if report is not None:
            # A page of a whole country's rows would take seconds to render and to read: errors and changes first,
            # up to IMPORT_PREVIEW_SHOWN_ROWS of them.
            rows = report.ordered_rows
            extra.setdefault("preview_rows", rows[: settings.IMPORT_PREVIEW_SHOWN_ROWS])
            extra.setdefault("preview_hidden", max(len(rows) - settings.IMPORT_PREVIEW_SHOWN_ROWS, 0))
        return {
            "title": self.title,
            "template_url": self.template_url,
            "cancel_url": self.success_url,
            "status_labels": STATUS_LABELS,
            **extra,
        }

    def get(self, request, *args, **kwargs):
        if "job" in request.GET:
            return self.job_page(request, request.GET["job"], as_json=request.GET.get("format") == "json")
        return render(request, self.template_name, self.context(form=UploadForm()))

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form=form), status=400)
        upload = form.cleaned_data["file"]
        background = self._previews_a_resource() and self.in_background(self._rows_at_most(upload))
        try:
            dataset = self.read(upload, headers_only=True) if background else self.read(upload)
        except ValidationError as exc:
            form.add_error("file", exc)
            return render(request, self.template_name, self.context(form=form), status=400)
        from rollout.core.import_jobs import import_job_keep, import_job_start

        self.discard_pending(request)
        if background:
            job = import_job_start(view=self, upload=upload)
            self.remember(request, job)
            return HttpResponseRedirect(self.job_url(job))
        report = self.preview(dataset)
        token = None
        if report.ok:
            job = import_job_keep(view=self, upload=upload, report=report)
            self.remember(request, job)
            token = job.token
        return render(
            request,
            self.template_name,
            self.context(form=UploadForm(), report=report, token=token),
            status=200 if report.ok else 400,
        )

    def job_url(self, job) -> str:
        return f"{self.request.path}?job={job.token}"

    def _session_key(self, token: str) -> str:
        return f"{self.session_prefix}:{token}"

    def remember(self, request, job) -> None:
        """Bind the job to the session: only this session may follow and confirm it."""
        request.session[self._session_key(job.token)] = {"job": job.pk}

    def pending_job(self, request, token: str, *, forget: bool = False):
        """The session's job of ``token`` (``forget``: unbound from the session), or None."""
        from rollout.core.import_jobs import ImportJob

        key = self._session_key(token)
        pending = request.session.pop(key, None) if forget else request.session.get(key)
        if not isinstance(pending, dict) or not isinstance(pending.get("job"), int):
            return None
        return ImportJob.objects.filter(pk=pending["job"], user=request.user).first()

    def discard_pending(self, request):
        """Forget this session's earlier previews and delete their files: a new upload replaces them."""
        from rollout.core.import_jobs import ImportJob, import_job_discard

        session_keys = list(request.session.keys())  # a session is not iterable
        for key in [k for k in session_keys if k.startswith(f"{self.session_prefix}:")]:
            pending = request.session.pop(key)
            job_id = pending.get("job") if isinstance(pending, dict) else None
            for job in ImportJob.objects.filter(pk=job_id if isinstance(job_id, int) else None, user=request.user):
                import_job_discard(job)

    def job_page(self, request, token: str, *, as_json: bool = False):
        """A background preview: its progress while it runs (the page, or the ``format=json`` fragment it polls),
        then the preview itself."""
        job = self.pending_job(request, token) if ConfirmForm({"token": token}).is_valid() else None
        if job is None:
            if as_json:
                return JsonResponse({"status": "expired", "finished": True}, status=404)
            messages.error(request, _("This import has expired or was already confirmed. Upload the file again."))
            return HttpResponseRedirect(request.path)
        if as_json:
            return JsonResponse(job_progress(job))
        report = job.preview() if job.status == "done" else None
        return render(
            request,
            self.template_name,
            self.context(form=UploadForm(), job=job, progress=job_progress(job), report=report,
                         token=job.token if job.ok else None),
        )  # fmt: skip

    def confirm(self, request):
        from rollout.core.import_jobs import import_confirm

        form = ConfirmForm(request.POST)
        job = self.pending_job(request, form.data.get("token", ""), forget=True) if form.is_valid() else None
        outcome = import_confirm(job=job, view=self) if job is not None else None
        if outcome is None or outcome.result == "expired":
            messages.error(request, _("This import has expired or was already confirmed. Upload the file again."))
            return HttpResponseRedirect(request.path)
        if outcome.result == "unreadable":
            messages.error(request, _("The uploaded file could not be read again. Upload it once more."))
            return HttpResponseRedirect(request.path)
        if outcome.result == "refused":
            return render(
                request, self.template_name, self.context(form=UploadForm(), report=outcome.report), status=400
            )
        if outcome.result == "stale":
            new_job = outcome.job
            self.remember(request, new_job)
            messages.warning(
                request,
                _("The data changed since the preview, so nothing was written. Check the new preview below and "
                  "confirm again."),
            )  # fmt: skip
            extra = {"report": outcome.report, "token": new_job.token if new_job.ok else None}
            if outcome.report is None:  # a large file: its new preview is being checked
                extra = {"job": new_job, "progress": job_progress(new_job)}
            return render(request, self.template_name, self.context(form=UploadForm(), **extra), status=409)
        messages.success(
            request,
            _("Import finished: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.") % outcome.totals,
        )
        return HttpResponseRedirect(self.success_url)


def job_progress(job) -> dict:
    """A background preview's progress, as its page shows it and polls it: the percentage and the rows done of
    the file's rows (in words, numbers in the page's format)."""
    done = job.rows_done if job.in_progress else (job.rows_total or 0)
    if job.rows_total:
        text = _("%(done)s of %(total)s rows checked") % {
            "done": formats.localize(done, use_l10n=True),
            "total": formats.localize(job.rows_total, use_l10n=True),
        }
    elif job.status == "pending":
        text = _("Waiting for the background worker.")
    else:
        text = _("Reading the file…")
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "percent": job.percent,
        "rows_done": done,
        "rows_total": job.rows_total,
        "rows_text": text,
        "finished": not job.in_progress,
    }


def report_digest(report: "ImportReport") -> str:
    """A short digest of what a preview shows (``ImportReport.fingerprint``), kept in the session."""
    encoded = json.dumps(report.fingerprint(), ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def xlsx_response(filename: str, headers, rows, *, sheet_title: str = "Data") -> HttpResponse:
    """An XLSX download of ``rows`` (formula-safe)."""
    response = HttpResponse(xlsx_bytes(headers, rows, sheet_title=sheet_title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_response(filename: str, resource, headers, *, sheet_title: str, column_help: dict) -> HttpResponse:
    """An import template: the sheet to fill (``headers``, no rows) and, second, the instruction sheet
    ("Hướng dẫn"): how cells are read — a blank cell changes nothing on a known record, ``(xóa)`` clears —
    and, for each column, whether it is required, read-only, and what to write (``column_help``)."""
    fields_by_column = {fld.column_name: fld for fld in resource.fields.values()}
    rows = []
    for column in headers:
        fld = fields_by_column.get(column)
        if fld is None or fld.readonly:
            need = _("Read-only: ignored by the import")
        elif column in {resource.fields[name].column_name for name in resource._meta.import_id_fields}:
            need = _("Required: identifies the record")
        elif resource.is_required(fld):
            need = _("Required for a new record; cannot be cleared")
        else:
            need = pgettext("import template column", "Optional")
        rows.append([column, need, str(column_help.get(column, ""))])
    guide = Sheet(
        title=_("Instructions"),
        heading=_("How to fill in this template"),
        notes=[
            _("Fill in the first sheet, one row per record. Keep the column names (case and spaces do not matter); "
              "columns you do not need may be deleted."),
            _("For a record that already exists, an empty cell leaves its value as it is."),
            _("To clear a value, write %(marker)s in its cell (xoá, XÓA are the same). A required column cannot "
              "be cleared.") % {"marker": CLEAR_MARKER},
            _("Yes/no columns: Có, x, c, 1 or yes mean yes; Không, k, 0 or no mean no; %(marker)s means no.")
            % {"marker": CLEAR_MARKER},
            _("Dates as dd/mm/yyyy. Names may be written with or without accents where that is unambiguous."),
            _("Upload the file: the preview shows every change, and nothing is written until you confirm."),
        ],
        headers=[_("Column"), _("Required?"), _("What to write")],
        rows=rows,
    )  # fmt: skip
    content = workbook_bytes([Sheet(title=sheet_title, headers=headers, rows=[]), guide])
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def resource_rows(resource, queryset) -> tuple[list[str], list[list]]:
    """Headers and rows of ``queryset`` exported through ``resource`` (the same columns an import reads)."""
    dataset = resource.export(queryset=queryset)
    return list(dataset.headers), [list(row) for row in dataset]


class SafeXLSX(base_formats.XLSX):
    """The XLSX format for django-import-export's admin, with the app's rules: files are read by
    ``read_dataset`` (size, ZIP and row limits, stripped text, blank rows dropped, required and known
    columns) and written by ``xlsx_bytes`` (``= + - @`` escaped, numbers and dates kept as such; the
    library's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` only strips ``=`` and turns every cell into
    text, empty cells into "None")."""

    required_headers: tuple[str, ...] = ()
    allowed_headers: tuple[str, ...] | None = None

    @classmethod
    def for_resource(cls, resource_class, *, required_headers=()):
        return type(
            f"{resource_class.__name__}XLSX",
            (cls,),
            {
                "required_headers": tuple(required_headers),
                "allowed_headers": tuple(resource_headers(resource_class())),
            },
        )

    def create_dataset(self, in_stream):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode()
        return read_dataset(
            ContentFile(in_stream, name="upload.xlsx"),
            required_headers=self.required_headers,
            allowed_headers=self.allowed_headers,
        )

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes(dataset.headers or [], dataset, sheet_title=dataset.title or "Data")


class SafeImportAdminMixin:
    """For an ``ImportExportModelAdmin``: a bad row in the confirmed import rolls the whole file back, a
    file that cannot be read says why, and a failed import is not reported as a success."""

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ValidationError):
            form.add_error("import_file", e)
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def _import_url(self):
        return reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_import")

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (OSError, ValidationError):
            messages.error(request, _("The uploaded file could not be read again. Upload it once more."))
            return HttpResponseRedirect(self._import_url())

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                _("The file has rows with errors (%(count)s). Nothing was written: correct it and upload it again.")
                % {"count": len(result.invalid_rows) + len(result.row_errors()) + len(result.base_errors)},
            )
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)
