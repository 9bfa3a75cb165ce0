"""Reads over the plan shared by its pages and the dashboard."""

from django.db.models import Count, Q

from accounts.roles import Scope
from communes.models import Coverage
from rollout.models import PilotPlan


def visible_plans(user):
    """The plans ``user`` may see: all for the Committee and administrators, their province's for clerks."""
    scope = Scope.of(user)
    plans = PilotPlan.objects.select_related("province").order_by("province_id")
    if scope.everything:
        return plans
    if scope.province_code is not None:
        return plans.filter(province_id=scope.province_code)
    return plans.none()


def with_phase_coverage(phases):
    """Annotate phases with ``communes_total`` and ``communes_covered`` (covered now: baseline or pilot)."""
    return phases.annotate(
        communes_total=Count("communes"),
        communes_covered=Count("communes", filter=~Q(communes__coverage=Coverage.UNCOVERED)),
    )
