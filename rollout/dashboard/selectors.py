"""Reads for the Steering Committee's dashboard: the area a user looks at, the plans behind it, trends, overdue
work and the latest reports. Each is one query (or two) whatever the number of communes, officers or plans;
the figures themselves come from ``rollout.progress.figures``."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, QuerySet, Sum, Window
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import json_script
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District, Province
from rollout.core import scoping
from rollout.core.memo import process_memo
from rollout.models import Phase, PilotPlan, ProgressSnapshot, Report, Task
from rollout.plan.selectors import with_phase_coverage

LATEST_REPORTS = 5
OVERDUE_SHOWN = 10


@dataclass
class Area:
    """What the dashboard shows: one province, or the whole country (``province`` None), and the choices."""

    province: Province | None
    provinces: list[Province]
    can_see_country: bool
    error: str = ""
    communes: QuerySet = field(default_factory=Commune.objects.none)
    plans: QuerySet = field(default_factory=PilotPlan.objects.none)  # the plans behind the area
    district: District | None = None  # a district clerk's district: their figures are its, and the title says so

    @property
    def is_country(self) -> bool:
        return self.province is None


def area_for(user, requested: str | None) -> Area:
    """The area for ``?province=<code>``: empty means the whole country (for users who see everything); a value
    outside the user's provinces gives a message and the default. The default is the only province when the
    user sees one (or only one is loaded), otherwise the whole country."""
    # The provinces the user may choose: theirs with loaded communes (one query).
    provinces = list(
        Province.objects.visible_to(user)
        .filter(Exists(Commune.objects.visible_to(user).filter(district__province=OuterRef("pk"))))
        .order_by("code")
    )
    can_see_country = scoping.sees_everything(user)
    by_code = {province.code: province for province in provinces}
    only_one = len(provinces) == 1 or (provinces and not can_see_country)
    default = provinces[0] if only_one else None
    province, error = default, ""
    if requested is not None:
        requested = requested.strip()
        if requested and requested.isdigit() and int(requested) in by_code:
            province = by_code[int(requested)]
        elif requested:
            error = _("There is no province with code “%(code)s” among the provinces you can see.") % {
                "code": requested[:20]
            }
        elif can_see_country:
            province = None
    communes, plans = Commune.objects.visible_to(user), PilotPlan.objects.visible_to(user).by_province()
    if province is not None:
        communes, plans = communes.filter(district__province=province), plans.filter(province=province)
    elif not can_see_country:
        communes, plans = communes.none(), plans.none()
    scope = scoping.Scope.of(user)
    district = None
    if scope.is_district and province is not None:
        district = District.objects.filter(pk=scope.district_code, province=province).first()
    return Area(province=province, provinces=provinces, can_see_country=can_see_country, error=error,
                communes=communes, plans=plans, district=district)  # fmt: skip


@dataclass(frozen=True)
class PlanDates:
    """The plans behind an area: their ids, the earliest start and the latest target (None without a plan)."""

    ids: list[int]
    started_on: datetime.date | None
    target_on: datetime.date | None


def plan_dates(plans: QuerySet) -> PlanDates:
    """The ids and dates of ``plans`` (one query, no model built)."""
    rows = list(plans.order_by().values_list("pk", "started_on", "target_on"))
    if not rows:
        return PlanDates([], None, None)
    return PlanDates([pk for pk, *_dates in rows], min(row[1] for row in rows), max(row[2] for row in rows))


def _snapshots(province_code: int | None, since: datetime.date | None) -> QuerySet:
    """The daily snapshots of a province, or of the whole country (``province_code`` None), from ``since``."""
    snapshots = (
        ProgressSnapshot.objects.filter(province_id=province_code)
        if province_code
        else ProgressSnapshot.objects.filter(province__isnull=True)
    )
    return snapshots if since is None else snapshots.filter(on__gte=since)


# What the trend chart and the forecast read of each snapshot.
TREND_FIELDS = ("on", "communes", "covered", "deployed", "trained_deployed", "equipped", "operational")


@dataclass(frozen=True)
class Trend:
    """The trend of an area's snapshots: the chart's data as the page's ``json_script`` element (``script``), the
    forecast's points (day, communes covered) and the latest snapshot's number of communes."""

    script: str
    points: tuple[tuple[datetime.date, int], ...]
    last_communes: int


def trend_for(province: Province | None, since: datetime.date | None = None) -> Trend | None:
    """The trend of the daily snapshots of a province, or of the whole country (``province`` None), from
    ``since`` (None when there are none). The snapshots change once a day (or when a backfill rebuilds them), the
    page far more often: one aggregate gives their signature (how many, the last written, the sums of every
    figure shown), and the chart built from snapshots of that signature, in this language, is kept in the
    process (``rollout.core.memo``)."""
    province_code = province.pk if province else None
    signature = _snapshots(province_code, since).aggregate(
        count=Count("pk"), last_id=Max("pk"), last_recorded=Max("recorded_at"), first_on=Min("on"),
        last_on=Max("on"), **{f"sum_{name}": Sum(name) for name in TREND_FIELDS[1:]},
    )  # fmt: skip
    if not signature["count"]:
        return None
    return _trend(province_code, since, tuple(signature.items()), translation.get_language())


def trend_data(rows) -> dict:
    """The chart series, for ``json_script``, from ``(on, communes, covered, deployed, trained_deployed, equipped,
    operational)`` rows (``TREND_FIELDS``): dates as dd/mm/yyyy, counts and percentages."""
    from rollout.progress.figures import Figures

    series = [
        (on, Figures(communes=communes, covered=covered, deployed=deployed, trained_deployed=trained,
                     equipped=equipped, operational=operational))
        for on, communes, covered, deployed, trained, equipped, operational in rows
    ]  # fmt: skip
    return {
        "labels": [date_format(on, "SHORT_DATE_FORMAT") for on, _f in series],
        "covered": [f.covered for _on, f in series],
        "communes": [f.communes for _on, f in series],
        "trained_percent": [f.trained_percent for _on, f in series],
        "equipped_percent": [f.equipped_percent for _on, f in series],
        "operational_percent": [f.operational_percent for _on, f in series],
        "names": {
            "covered": _("Communes covered"),
            "communes": _("All communes"),
            "trained_percent": _("Deployed officers trained (%)"),
            "equipped_percent": _("Covered communes equipped (%)"),
            "operational_percent": _("Operational communes (%)"),
        },
    }


@process_memo(maxsize=256)
def _trend(province_code, since, signature, language) -> Trend:
    rows = list(_snapshots(province_code, since).order_by("on").values_list(*TREND_FIELDS))
    with translation.override(language):
        script = json_script(trend_data(rows), "dashboard-trend")
    return Trend(script=script, points=tuple((row[0], row[2]) for row in rows), last_communes=rows[-1][1])


def overdue_tasks(plans: list[int], on: datetime.date) -> tuple[list[Task], int]:
    """Open tasks of the plans ``plans`` (ids) past their deadline on ``on``: the first few, oldest deadline
    first, and how many there are (one query: the count is a window over every row, before the limit)."""
    if not plans:
        return [], 0
    tasks = (
        Task.objects.overdue(on)
        .filter(plan__in=plans)
        .select_related("plan__province")
        .annotate(overdue_total=Window(Count("pk")))
        .order_by("deadline", "pk")
    )
    shown = list(tasks[:OVERDUE_SHOWN])
    for task in shown:
        task.days_overdue = (on - task.deadline).days
    return shown, shown[0].overdue_total if shown else 0


def overdue_phases(plans: list[int], on: datetime.date) -> list[Phase]:
    """Phases of the plans ``plans`` (ids) past their target date on ``on`` with communes still uncovered, each
    annotated with ``communes_total`` and ``communes_covered`` (one query)."""
    if not plans:
        return []
    phases = (
        with_phase_coverage(Phase.objects.filter(plan__in=plans, target_on__lt=on))
        .filter(communes_covered__lt=F("communes_total"))
        .select_related("plan__province")
        .order_by("target_on", "plan_id", "number")
    )
    phases = list(phases)
    for phase in phases:
        phase.days_overdue = (on - phase.target_on).days
    return phases


def latest_reports(area: Area) -> list[Report]:
    """The latest reports of the area (its province, or the whole country; not its districts') (one query)."""
    if area.province is None and not area.can_see_country:
        return []
    reports = (
        Report.objects.filter(province=area.province) if area.province else Report.objects.filter(province__isnull=True)
    )
    reports = reports.filter(district__isnull=True)
    return list(reports.select_related("province").order_by("-period_end", "-created_at")[:LATEST_REPORTS])
