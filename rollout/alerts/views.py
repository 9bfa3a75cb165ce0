"""The alerts page (``/alerts/``): counts by kind for the user's area, the alerts of a kind (or the first of every
kind), a district filter, and the Excel export (``rollout.alerts.rules``)."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.audit import export_record
from communes.models import District
from rollout.alerts.rules import RULES, RULES_BY_KIND, alert_counts, alerts_of
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE, Sheet, workbook_bytes

FIRST_OF_EACH = 10
PAGE_SIZE = 50


def _filters(request):
    """The valid ``kind`` (a rule or None) and ``district`` (a code the user sees, or None); bad values are
    ignored, never an error."""
    rule = RULES_BY_KIND.get(request.GET.get("kind", ""))
    district = None
    try:
        code = int(request.GET.get("district", ""))
    except ValueError:
        code = None
    if code is not None:
        district = District.objects.visible_to(request.user).filter(code=code).first()
    return rule, district


class AlertsView(PermissionRequiredMixin, View):
    permission_required = "communes.view_commune"
    template_name = "rollout/alerts/index.html"

    def get(self, request):
        today, user = timezone.localdate(), request.user
        rule, district = _filters(request)
        counts = alert_counts(user, today) if district is None else _district_counts(user, today, district)
        summary = [{"rule": r, "count": counts[r.kind]} for r in RULES]
        sections = []
        page = None
        if rule is not None:
            rows = rule.rows(user, today)
            if district is not None and rule.district_path:
                rows = rows.filter(**{rule.district_path: district.code})
            page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
            sections.append({"rule": rule, "count": counts[rule.kind], "alerts": [rule.alert(r, today) for r in page]})
        else:
            for item in summary:
                if item["count"]:
                    alerts = alerts_of(item["rule"], user, today, district=district and district.code,
                                       limit=FIRST_OF_EACH)  # fmt: skip
                    sections.append({**item, "alerts": alerts})
        districts = District.objects.visible_to(user).order_by("province_id", "sort_key")
        districts = list(districts) if districts.count() <= 60 else []  # the whole country: too long a list
        if len(districts) <= 1:  # a district clerk: nothing to choose
            districts = []
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "summary": summary,
            "sections": sections,
            "rule": rule,
            "district": district,
            "districts": districts,
            "page_obj": page,
            "is_paginated": bool(page and page.has_other_pages()),
            "total": sum(counts.values()),
            "query": query.urlencode(),
            "today": today,
        }
        return render(request, self.template_name, context)


def _district_counts(user, today, district) -> dict[str, int]:
    counts = {}
    for rule in RULES:
        rows = rule.rows(user, today)
        counts[rule.kind] = rows.filter(**{rule.district_path: district.code}).count() if rule.district_path else 0
    return counts


class AlertsExportView(PermissionRequiredMixin, View):
    """Every alert of the user's area (or of ``kind`` / ``district``), one sheet per kind; the export is recorded."""

    permission_required = "communes.view_commune"

    def get(self, request):
        today, user = timezone.localdate(), request.user
        rule, district = _filters(request)
        headers = [_("Who or what"), _("What is wrong"), _("Date"), _("District"), _("Page that fixes it")]
        sheets, total = [], 0
        for each in [rule] if rule else RULES:
            alerts = alerts_of(each, user, today, district=district and district.code)
            total += len(alerts)
            rows = [[a.subject, a.detail, a.due, a.district, request.build_absolute_uri(a.url)] for a in alerts]
            sheets.append(Sheet(title=str(each.label)[:31], headers=headers, rows=rows))
        name = f"canh-bao-{today:%Y%m%d}.xlsx"
        export_record(request, what=_("Alerts"), file_name=name, rows=total, identifiers_shown=False)
        response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
