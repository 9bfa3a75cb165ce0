"""The demo pilot in motion: since the demo plan began (01/10/2026), two deployment plans of phase 1 were approved
(in mid-October and mid-November), each placing part of the phase's chiefs, through the planner and the
assignment service like a clerk's. Idempotent: nothing is done once the province has a deployment plan."""

import datetime

from django.utils import timezone

from rollout.deployment import services
from rollout.models import DeploymentPlan, Phase, PlanPosts

KON_TUM = 62
# (the day the plan was approved and its posts started, how many of its proposed chiefs were approved)
DEMO_APPROVALS = ((datetime.date(2026, 10, 15), 6), (datetime.date(2026, 11, 12), 6))


def demo_deployment_create(*, user) -> int:
    """Approve the demo's deployment plans; returns the number of assignments made."""
    if DeploymentPlan.objects.filter(province_id=KON_TUM).exists():
        return 0
    phase = Phase.objects.filter(plan__province_id=KON_TUM, number=1).first()
    today = timezone.localdate()
    made = 0
    for number, (day, count) in enumerate(DEMO_APPROVALS, start=1):
        day = min(day, today)
        plan = services.deployment_plan_create(user=user, province_id=KON_TUM, phase=phase, posts=PlanPosts.CHIEFS)
        rows = list(plan.rows.filter(officer__isnull=False, rule_violations="").order_by("tier", "pk")[:count])
        for _attempt in range(2):  # a row refused on the day (trained later than that, say) is left out once
            chosen = [services.ApprovedRow(row.pk, f"{number}{k:02d}/QĐ-CAT-BT") for k, row in enumerate(rows, start=1)]
            if not chosen:
                break
            try:
                made += len(
                    services.deployment_plan_approve(
                        plan=plan, user=user, rows=chosen, decision_date=day, started_on=day, runs=plan.runs
                    )
                )
                break
            except services.ApprovalRefused as refused:
                rows = [row for row in rows if row.pk not in refused.problems]
    return made
