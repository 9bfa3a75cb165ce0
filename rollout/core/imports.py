"""The Excel import flow shared by every app: upload → preview of every row → confirm.

A resource (django-import-export) checks each row through the same widgets and model validation as the
admin. The preview is a dry run inside a transaction that is rolled back; the confirm step runs the same
import for real, and any error in any row rolls the whole file back, so a bad file writes nothing.
The upload is kept in the default storage between the two steps, under a random name bound to the session,
with a digest of what the preview showed: the confirmation keeps its writes only when they are the same.

A file changes only what it says (``CellRulesMixin``): a blank cell of a known record is no change, ``(xóa)``
clears. The preview opens on a summary, lists errors and changes first and marks values cleared or turned off.
"""

import contextlib
import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import NamedTuple

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
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

    @property
    def ok(self) -> bool:
        return not self.errors


class CellRulesMixin:
    """For a ``ModelResource``: an import changes only what the file says.

    A blank cell of a known record leaves its value as it is (a template filled with only the codes and one
    column changes only that column); ``(xóa)`` (any case, xóa or xoá) clears it, and is refused on a field the
    record cannot be without. A new record gets the field's empty or default value for a blank cell, as before.
    A record's key columns cannot be cleared either."""

    def import_row(self, row, instance_loader, **kwargs):
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


def _plain(value) -> str:
    return "" if value is None else str(value)


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


def run_import(resource, dataset, *, dry_run: bool, user=None) -> ImportReport:
    """Import ``dataset`` through ``resource``; a dry run or any bad row rolls everything back.

    Rows are numbered as in the spreadsheet (``dataset.sheet_row_numbers`` from ``read_dataset``)."""
    if not resource._meta.report_skipped:
        raise ImproperlyConfigured("run_import() needs a resource with report_skipped = True.")
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
    return ImportReport(rows=rows)


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
    """Upload (GET/POST) → preview; POST with ``confirm`` → import. Subclasses set the resource and texts."""

    resource_class = None
    required_headers: tuple[str, ...] = ()
    template_name = "includes/import.html"
    title = ""
    success_url = "/"
    template_url = ""
    session_prefix = "import"

    def get_resource(self):
        return self.resource_class()

    def run(self, dataset, *, dry_run: bool) -> "ImportReport":
        """Check (``dry_run``) or import ``dataset``; any bad row must leave the database untouched."""
        return run_import(self.get_resource(), dataset, dry_run=dry_run, user=self.request.user)

    def read(self, upload):
        """The upload as a dataset; only the resource's columns are allowed."""
        return read_dataset(
            upload, required_headers=self.required_headers, allowed_headers=resource_headers(self.get_resource())
        )

    def context(self, **extra):
        return {
            "title": self.title,
            "template_url": self.template_url,
            "cancel_url": self.success_url,
            "status_labels": STATUS_LABELS,
            **extra,
        }

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, self.context(form=UploadForm()))

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form=form), status=400)
        upload = form.cleaned_data["file"]
        try:
            dataset = self.read(upload)
        except ValidationError as exc:
            form.add_error("file", exc)
            return render(request, self.template_name, self.context(form=form), status=400)
        report = self.run(dataset, dry_run=True)
        self.discard_pending(request)
        token = self.keep_pending(request, upload, report) if report.ok else None
        status = 200 if report.ok else 400
        return render(
            request,
            self.template_name,
            self.context(form=UploadForm(), report=report, token=token),
            status=status,
        )

    def keep_pending(self, request, upload, report) -> str:
        """Keep the upload for the confirmation, with a digest of what the preview shows; returns its token."""
        token = secrets.token_urlsafe(24)
        upload.seek(0)
        path = default_storage.save(f"imports/{token}.xlsx", ContentFile(upload.read()))
        request.session[f"{self.session_prefix}:{token}"] = {"path": path, "shown": report_digest(report)}
        return token

    def discard_pending(self, request):
        """Forget this session's earlier previews and delete their files: a new upload replaces them."""
        session_keys = list(request.session.keys())  # a session is not iterable
        for key in [k for k in session_keys if k.startswith(f"{self.session_prefix}:")]:
            pending = request.session.pop(key)
            with contextlib.suppress(OSError, TypeError, KeyError):
                default_storage.delete(pending["path"] if isinstance(pending, dict) else pending)

    def confirm(self, request):
        form = ConfirmForm(request.POST)
        key = f"{self.session_prefix}:{form.data.get('token', '')}"
        if not form.is_valid() or key not in request.session:
            messages.error(request, _("This import has expired or was already confirmed. Upload the file again."))
            return HttpResponseRedirect(request.path)
        pending = request.session.pop(key)
        path, shown = (pending.get("path"), pending.get("shown")) if isinstance(pending, dict) else (pending, None)
        try:
            with default_storage.open(path, "rb") as stored:
                stored.name = path
                content = stored.read()
                stored.seek(0)
                dataset = self.read(stored)
        except (OSError, ValidationError, TypeError):
            messages.error(request, _("The uploaded file could not be read again. Upload it once more."))
            return HttpResponseRedirect(request.path)
        finally:
            with contextlib.suppress(OSError, TypeError):
                default_storage.delete(path)
        try:
            # The confirmation writes only what the preview showed: when the data changed in between (someone
            # else's edit), the import would do something else, so it is rolled back and previewed again.
            with transaction.atomic():
                report = self.run(dataset, dry_run=False)
                if report.ok and shown is not None and report_digest(report) != shown:
                    raise _PreviewOutdated(report)
        except _PreviewOutdated as outdated:
            report = outdated.report
            token = self.keep_pending(request, ContentFile(content, name=path), report)
            messages.warning(
                request,
                _("The data changed since the preview, so nothing was written. Check the new preview below and "
                  "confirm again."),
            )  # fmt: skip
            return render(
                request, self.template_name, self.context(form=UploadForm(), report=report, token=token), status=409
            )
        if not report.ok:
            return render(request, self.template_name, self.context(form=UploadForm(), report=report), status=400)
        totals = report.totals
        messages.success(
            request,
            _("Import finished: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.") % totals,
        )
        return HttpResponseRedirect(self.success_url)


class _PreviewOutdated(Exception):
    """Raised inside the confirmation's transaction to roll it back: the import no longer does what was shown."""

    def __init__(self, report):
        super().__init__("preview outdated")
        self.report = report


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
