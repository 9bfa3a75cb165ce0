from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from communes.models import Commune, District
from rollout.alerts.rules import RULES, alert_counts_cached
from rollout.core import scoping
from rollout.core.memo import process_memo
from rollout.dashboard import selectors as dashboard
from rollout.progress.figures import (
    READINESS_HIGH,
    READINESS_MEDIUM,
    Figures,
    commune_rows,
    district_table,
    figures,
    figures_by,
)
from rollout.progress.forecast import coverage_forecast

READINESS = {"readiness_high": READINESS_HIGH, "readiness_medium": READINESS_MEDIUM}  # the hint's thresholds


class HomeView(PermissionRequiredMixin, TemplateView):
    """The Steering Committee's dashboard: headline figures, a table per district (or per province for the
    whole country), trends since the plan's start, a forecast of full coverage, overdue tasks and phases and
    the latest reports, for the area chosen with ``?province=<code>``. A constant number of queries."""

    permission_required = "communes.view_commune"
    template_name = "rollout/dashboard/index.html"

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        area = dashboard.area_for(user, self.request.GET.get("province"))
        if area.is_country:
            by_province = figures_by(area.communes, "district__province", today, live=True)
            rows = [{"province": p, "figures": by_province[p.code]} for p in area.provinces if p.code in by_province]
        else:
            rows = district_table(area.communes, today, live=True)
        language, prefix = translation.get_language(), get_script_prefix()
        for row in rows:
            unit = row["province"] if area.is_country else row["district"]
            row["html"] = _row_html(language, prefix, area.is_country, unit.code, unit.name, row["figures"].values())
        totals = Figures.total(row["figures"] for row in rows)  # the area is the sum of its rows
        plans = dashboard.plan_dates(area.plans)
        trend = dashboard.trend_for(area.province, since=plans.started_on)
        # A district clerk's figures are their district's; the trends and the forecast are the province's.
        trend_is_wider = scoping.sees_one_district(user)
        tasks, tasks_count = dashboard.overdue_tasks(plans.ids, today)
        return super().get_context_data(
            area=area,
            today=today,
            figures=totals,
            rows=rows,
            started_on=plans.started_on,
            target_on=plans.target_on,
            trend=trend,
            trend_is_wider=trend_is_wider,
            forecast=_forecast(trend, totals, today, plans.target_on, live=not trend_is_wider),
            overdue_tasks=tasks,
            overdue_tasks_count=tasks_count,
            overdue_phases=dashboard.overdue_phases(plans.ids, today),
            reports=dashboard.latest_reports(area) if user.has_perm("rollout.view_report") else [],
            alerts=_alert_summary(user, today),
            **READINESS,
            **kwargs,
        )


def _alert_summary(user, today) -> list[dict]:
    """The alert counts of the user's area (``rollout.alerts``), kept a few minutes: each kind with its count."""
    counts = alert_counts_cached(user, today)
    return [{"rule": rule, "count": counts[rule.kind]} for rule in RULES]


@process_memo(maxsize=4096)
def _row_html(language: str, script_prefix: str, is_country: bool, code: int, name: str, figures: tuple) -> str:
    """A row of the area table (``rollout/dashboard/area_row.html``): rendered once per process for the same
    figures, name and language (``rollout.core.memo``), so that after a change only the rows whose figures
    changed are rendered again. ``script_prefix``: the site's URL prefix, which the links include."""
    with translation.override(language):
        return render_to_string(
            "rollout/dashboard/area_row.html",
            {"is_country": is_country, "code": code, "name": name, "f": Figures(*figures)},
        )


def _forecast(trend: dashboard.Trend | None, totals: Figures, today, target_on, *, live: bool):
    """The forecast from the snapshots, with today's live figure as the latest point when it is the same area."""
    points = list(trend.points) if trend else []
    if live:
        points = [point for point in points if point[0] < today] + [(today, totals.covered)]
        total = totals.communes
    elif trend:
        total = trend.last_communes
    else:
        return None
    if not total:
        return None
    return coverage_forecast(points, total=total, today=today, target_on=target_on)


class DistrictDashboardView(PermissionRequiredMixin, TemplateView):
    """A district's communes with their state today: covered, officers against the norm, untrained officers,
    equipped, operational. A district outside the user's area answers 404."""

    permission_required = "communes.view_commune"
    template_name = "rollout/dashboard/district.html"

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        district = District.objects.visible_to(user).filter(pk=kwargs["code"]).select_related("province").first()
        if district is None:
            raise Http404(_("No such district in your area."))
        communes = Commune.objects.visible_to(user).filter(district=district)
        rows = commune_rows(communes, today, live=True)
        return super().get_context_data(
            district=district,
            today=today,
            figures=figures(communes, today, live=True),
            communes=rows,
            **READINESS,
            **kwargs,
        )
