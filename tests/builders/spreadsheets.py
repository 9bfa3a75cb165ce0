"""Workbooks as users' files are: plain openpyxl, cells written as given (formulas included, unlike the app's
formula-safe exports)."""

import io

from openpyxl import Workbook


def xlsx(headers, rows, *, title: str = "Sheet", blank_rows_after=()) -> bytes:
    """One sheet: ``headers`` (none when empty) then ``rows``, with an empty row after each row whose index is in
    ``blank_rows_after``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    if headers:
        sheet.append(list(headers))
    for index, row in enumerate(rows):
        sheet.append(list(row))
        if index in blank_rows_after:
            sheet.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
