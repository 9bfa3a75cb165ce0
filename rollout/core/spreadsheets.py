"""Reading uploaded workbooks safely and writing XLSX files that cannot run formulas.

Uploads are checked before parsing: size, extension, the ZIP container, the uncompressed size of its members
(an XLSX is a ZIP; a small file can expand into gigabytes) and the row count. openpyxl parses the XML with
defusedxml installed, which stops entity-expansion attacks.
"""

import datetime
import io
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rollout.core.text import header_key, nfc

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def validate_xlsx_upload(upload) -> None:
    """Raise ``ValidationError`` unless ``upload`` looks like a bounded, well-formed XLSX workbook."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        raise ValidationError(_("Only Excel workbooks (.xlsx) can be imported."), code="extension")
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError(_("This is not an Excel workbook (.xlsx)."), code="not_xlsx")
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            uncompressed = sum(m.file_size for m in members)
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("The workbook is damaged and cannot be read."), code="bad_zip") from exc
    finally:
        upload.seek(0)
    if "xl/workbook.xml" not in names:
        raise ValidationError(_("This is not an Excel workbook (.xlsx)."), code="not_xlsx")
    if uncompressed > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise ValidationError(_("The workbook expands to too much data to be imported."), code="too_large")


def _cell(value):
    if isinstance(value, str):
        value = nfc(value).strip()
        if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_PREFIXES:
            value = value[1:]  # undo ``escape_formula``: an exported file imports back unchanged
        return value or None
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def sheet_row_estimate(upload) -> int:
    """How many rows the first sheet holds at most, its header included: its ``<row>`` elements counted in the
    XML as it is decompressed, without reading a cell (milliseconds where parsing takes seconds). Blank rows
    count too. ``upload`` must have passed ``validate_xlsx_upload``."""
    try:
        workbook = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
        path = workbook.worksheets[0]._worksheet_path if workbook.worksheets else None
        workbook.close()
        if path is None:
            return 0
        upload.seek(0)
        count, carry = 0, b""
        with zipfile.ZipFile(upload) as archive, archive.open(path.lstrip("/")) as sheet:
            while chunk := sheet.read(1 << 20):
                data = carry + chunk
                # the end of the previous chunk comes again (a tag cut in two is found whole): what lies in it
                # entirely was counted already
                count += sum(1 for match in _ROW_TAG.finditer(data) if match.end() > len(carry))
                carry = data[-64:]
        return count
    except Exception as exc:  # openpyxl and zipfile raise many types for a broken workbook
        raise ValidationError(_("The workbook is damaged and cannot be read."), code="bad_xlsx") from exc
    finally:
        upload.seek(0)


def read_dataset(
    upload,
    *,
    required_headers: Sequence[str] = (),
    allowed_headers: Collection[str] | None = None,
    headers_only: bool = False,
) -> tablib.Dataset:
    """The first sheet of an XLSX upload as a ``tablib.Dataset``: the first row holds the headers, blank
    rows are dropped, text is stripped and in Unicode NFC; a header is the known one (``required_headers``,
    ``allowed_headers``) it matches ignoring case, surrounding spaces and Unicode form. Raises ``ValidationError``
    for a damaged workbook, a sheet with no data rows, duplicate or missing headers, a header not in
    ``allowed_headers`` (when given), or more rows than ``IMPORT_MAX_ROWS``.

    ``dataset.sheet_row_numbers[i]`` is the spreadsheet row number of ``dataset[i]`` (the header is row 1),
    so that errors name the row the user sees even when blank rows were dropped. ``headers_only``: check the
    header row only and return no rows (a quick look at a large file whose rows a background job reads)."""
    validate_xlsx_upload(upload)
    try:
        workbook = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ValidationError(_("The workbook is damaged and cannot be read."), code="bad_xlsx") from exc
    finally:
        upload.seek(0)
    try:
        return _sheet_dataset(workbook, required_headers, allowed_headers, headers_only=headers_only)
    except ValidationError:
        raise
    except Exception as exc:  # a read-only sheet is parsed lazily: broken XML or cells show up only here
        raise ValidationError(_("The workbook is damaged and cannot be read."), code="bad_xlsx") from exc
    finally:
        workbook.close()


def _sheet_dataset(
    workbook, required_headers: Sequence[str], allowed_headers: Collection[str] | None, *, headers_only: bool = False
):
    if not workbook.worksheets:
        raise ValidationError(_("The file has no header row and no data."), code="empty")
    sheet = workbook.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        # The <dimension> a file declares can be wrong (some programs write A1:A1); trust the cells instead.
        sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    # A header is the known column it names whatever its case, surrounding spaces and Unicode form: "MÃ XÃ",
    # " Mã xã " and an NFD "Mã xã" are all "Mã xã".
    known = {header_key(h): h for h in (*(allowed_headers or ()), *required_headers)}
    headers = [str(h).strip() if h is not None else "" for h in (header_row or ())]
    headers = [known.get(header_key(h), nfc(h)) if h else "" for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ValidationError(_("The file has no header row and no data."), code="empty")
    seen = set()
    for header in headers:
        if header and header in seen:
            raise ValidationError(
                _("The column “%(column)s” appears twice.") % {"column": header}, code="duplicate_header"
            )
        seen.add(header)
    missing = [h for h in required_headers if h not in seen]
    if missing:
        raise ValidationError(
            _("Missing column(s): %(columns)s. Download the template to see the expected columns.")
            % {"columns": ", ".join(f"“{h}”" for h in missing)},
            code="missing_header",
        )
    if allowed_headers is not None:
        unknown = [h for h in headers if h and h not in allowed_headers]
        if unknown:
            raise ValidationError(
                _(
                    "Unknown column(s): %(columns)s. Correct the header or delete the column; "
                    "the template shows the expected columns."
                )
                % {"columns": ", ".join(f"“{h}”" for h in unknown)},
                code="unknown_header",
            )
    dataset = tablib.Dataset(headers=headers)
    dataset.sheet_row_numbers = []
    if headers_only:
        return dataset
    width = len(headers)
    blank = [i for i, header in enumerate(headers) if not header]
    for number, row in enumerate(rows, start=2):
        values = [_cell(v) for v in (row or ())]
        if any(v is not None for v in values[width:]) or any(i < len(values) and values[i] is not None for i in blank):
            raise ValidationError(
                _("Row %(row)s has values in a column without a header.") % {"row": number},
                code="headerless_value",
            )
        values = values[:width]
        values += [None] * (width - len(values))
        if all(v is None for v in values):
            continue
        if len(dataset) >= settings.IMPORT_MAX_ROWS:
            raise ValidationError(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": settings.IMPORT_MAX_ROWS},
                code="too_many_rows",
            )
        dataset.append(values)
        dataset.sheet_row_numbers.append(number)
    if not len(dataset):
        raise ValidationError(_("The file has no data rows."), code="empty")
    return dataset


def escape_formula(value):
    """Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading
    apostrophe, so it shows as text. Numbers and dates are left alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _excel_value(value):
    """``value`` as openpyxl can store it, safely: lazy text made text, control characters that XLSX cannot
    hold removed, time zones converted to local time, and formulas escaped."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(value)
    return escape_formula(value)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a table under an optional ``heading`` (large, bold) and ``notes`` (a line each,
    then a blank line)."""

    title: str
    headers: Sequence
    rows: Iterable[Sequence]
    heading: str = ""
    notes: Sequence[str] = ()


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_HEADING_FONT = Font(bold=True, size=13)


def _write_sheet(sheet, content: Sheet) -> None:
    """The heading and notes, then the table: a bold, filled, frozen header row, dates as dd/mm/yyyy, decimals
    with one place, columns as wide as their text (within limits)."""
    sheet.title = content.title[:31]
    first_row = 1
    if content.heading or content.notes:
        if content.heading:
            sheet.cell(row=1, column=1, value=_excel_value(content.heading)).font = _HEADING_FONT
        for offset, note in enumerate(content.notes, start=2 if content.heading else 1):
            sheet.cell(row=offset, column=1, value=_excel_value(note))
        first_row = (1 if content.heading else 0) + len(content.notes) + 2
    headers = [_excel_value(h) for h in content.headers]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=first_row, column=column, value=header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT
    widths = [min(max(len(str(h)), 8), 40) for h in headers]
    for row_number, row in enumerate(content.rows, start=first_row + 1):
        values = [_excel_value(v) for v in row]
        widths += [0] * (len(values) - len(widths))
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, datetime.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, float):
                cell.number_format = "0.0"
            widths[column - 1] = max(widths[column - 1], min(len(str(value)) if value is not None else 0, 50))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width + 2
    sheet.freeze_panes = f"A{first_row + 1}"  # a coordinate: asking for the cell would create an empty row


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one sheet per ``Sheet``, in order; every text cell escaped against formulas."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for content in sheets:
        _write_sheet(workbook.create_sheet(), content)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Data") -> bytes:
    """A one-sheet workbook with a bold, frozen header row; every text cell escaped against formulas."""
    return workbook_bytes([Sheet(title=sheet_title, headers=headers, rows=rows)])
