"""The record of every export of personal data."""

from .models import ExportRecord


def export_record(request, *, what: str, file_name: str, rows: int, identifiers_shown: bool) -> ExportRecord:
    """Note that ``request.user`` downloaded ``file_name`` (``rows`` people) — call it from every view that
    exports a list naming officers."""
    return ExportRecord.objects.create(
        user=request.user,
        what=str(what)[:200],
        file_name=file_name[:200],
        rows=rows,
        identifiers_shown=identifiers_shown,
        query=request.META.get("QUERY_STRING", "")[:1000],
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
