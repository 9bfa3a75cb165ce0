"""Reads for the Steering Committee's dashboard: the area a user looks at, the plans behind it, trends, overdue
work and the latest reports. Each is one query (or two) whatever the number of communes, officers or plans;
the figures themselves come from ``rollout.progress.figures``."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District, Province
from rollout.core import scoping
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


def plan_dates(plans: list[PilotPlan]) -> tuple[datetime.date | None, datetime.date | None]:
    """The start (earliest) and target (latest) dates over ``plans``; None when there is no plan."""
    if not plans:
        return None, None
    return min(plan.started_on for plan in plans), max(plan.target_on for plan in plans)


def snapshots_for(province: Province | None, since: datetime.date | None = None) -> list[ProgressSnapshot]:
    """The daily snapshots of a province, or of the whole country (``province`` None), oldest first."""
    snapshots = (
        ProgressSnapshot.objects.filter(province=province)
        if province
        else ProgressSnapshot.objects.filter(province__isnull=True)
    )
    if since is not None:
        snapshots = snapshots.filter(on__gte=since)
    return list(snapshots.order_by("on"))


def overdue_tasks(plans: list[PilotPlan], on: datetime.date) -> tuple[list[Task], int]:
    """Open tasks of ``plans`` past their deadline on ``on``: the first few, oldest deadline first, and how
    many there are (two queries)."""
    if not plans:
        return [], 0
    tasks = Task.objects.overdue(on).filter(plan__in=plans).select_related("plan__province").order_by("deadline", "pk")
    shown = list(tasks[:OVERDUE_SHOWN])
    for task in shown:
        task.days_overdue = (on - task.deadline).days
    return shown, tasks.count()


def overdue_phases(plans: list[PilotPlan], on: datetime.date) -> list[Phase]:
    """Phases of ``plans`` past their target date on ``on`` with communes still uncovered, each annotated with
    ``communes_total`` and ``communes_covered`` (one query)."""
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
