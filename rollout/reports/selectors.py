"""Reads for the reports archive: which reports and which scopes a user may see.

A report is national (``province`` empty) or a province's. The Committee and administrators see every report;
provincial and district clerks see the national reports and their own province's (a report holds aggregate
figures, no personal data); anyone else sees none.
"""

from django.db.models import Q, QuerySet

from accounts.roles import Scope
from communes.models import Province
from rollout.models import Report


def reports_visible_to(user) -> QuerySet[Report]:
    """The reports ``user`` may see (list, detail, download, status)."""
    reports = Report.objects.select_related("province", "requested_by")
    scope = Scope.of(user)
    if scope.everything:
        return reports
    if scope.province_code is not None:
        return reports.filter(Q(province__isnull=True) | Q(province_id=scope.province_code))
    return reports.none()


def report_provinces_for(user) -> QuerySet[Province]:
    """The provinces ``user`` may ask a report for: every loaded province, or their own (the whole country is
    always offered to who may ask for reports)."""
    scope = Scope.of(user)
    provinces = Province.objects.filter(districts__isnull=False).distinct().order_by("code")
    if scope.everything:
        return provinces
    if scope.province_code is not None:
        return provinces.filter(code=scope.province_code)
    return provinces.none()
