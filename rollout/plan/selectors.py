"""Reads over the plan shared by its pages and the dashboard."""

import datetime

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, Prefetch, Q, QuerySet, Value, When

from communes.models import Coverage
from rollout.models import TASK_CLOSED, CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.progress.figures import with_progress

ROLE_ORDER = [CommitteeRole.HEAD, CommitteeRole.DEPUTY_HEAD, CommitteeRole.STANDING, CommitteeRole.MEMBER]


def plan_or_default(province_id: int) -> PilotPlan:
    """The province's plan, or an unsaved plan with the default rules when none is set up yet (personnel reads
    its deployment rules through it: ``personnel.readers.plan_for``)."""
    return PilotPlan.objects.filter(province_id=province_id).first() or PilotPlan(province_id=province_id)


def with_phase_coverage(phases):
    """Annotate phases with ``communes_total`` and ``communes_covered`` (covered now: baseline or pilot)."""
    return phases.annotate(
        communes_total=Count("communes"),
        communes_covered=Count("communes", filter=~Q(communes__coverage=Coverage.UNCOVERED)),
    )


def _role_rank():
    return Case(*[When(role=role, then=Value(i)) for i, role in enumerate(ROLE_ORDER)], default=Value(len(ROLE_ORDER)))


def plan_summaries(plans: QuerySet, *, today: datetime.date) -> list[PilotPlan]:
    """``plans`` as the plan index shows them (four queries for any number): each with its task counts by status
    and overdue (``tasks_total``, ``tasks_open``, ``tasks_in_progress``, ``tasks_done``, ``tasks_cancelled``,
    ``tasks_overdue``), its phases with their coverage, ``is_overdue`` (target passed, not every commune
    covered) and ``is_complete``, its committee by role (``member_groups``: label, members) and its next five
    open tasks (``next_tasks``)."""
    still_open = ~Q(tasks__status__in=TASK_CLOSED)
    plans = list(
        plans.annotate(
            tasks_total=Count("tasks"),
            tasks_open=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN)),
            tasks_in_progress=Count("tasks", filter=Q(tasks__status=TaskStatus.IN_PROGRESS)),
            tasks_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
            tasks_cancelled=Count("tasks", filter=Q(tasks__status=TaskStatus.CANCELLED)),
            tasks_overdue=Count("tasks", filter=still_open & Q(tasks__deadline__lt=today)),
        ).prefetch_related(
            Prefetch("phases", queryset=with_phase_coverage(Phase.objects.order_by("number"))),
            Prefetch("committee_members", queryset=CommitteeMember.objects.order_by(_role_rank(), "full_name")),
            Prefetch(
                "tasks",
                queryset=Task.objects.exclude(status__in=TASK_CLOSED).order_by("deadline", "pk")[:5],
                to_attr="next_tasks",
            ),
        )
    )
    for plan in plans:
        for phase in plan.phases.all():
            phase_mark_state(phase, today=today)
        members = list(plan.committee_members.all())
        plan.member_groups = [
            (CommitteeRole(role).label, [m for m in members if m.role == role])
            for role in ROLE_ORDER
            if any(m.role == role for m in members)
        ]
    return plans


def phase_mark_state(phase: Phase, *, today: datetime.date) -> None:
    """Set ``is_overdue`` (target passed, not every commune covered) and ``is_complete`` (every commune covered)
    on a phase annotated by ``with_phase_coverage``."""
    phase.is_overdue = phase.target_on < today and phase.communes_covered < phase.communes_total
    phase.is_complete = phase.communes_total > 0 and phase.communes_covered == phase.communes_total


def phase_commune_progress(phase: Phase, *, user) -> QuerySet:
    """The phase's communes that ``user`` may see (a district clerk: those of their district), by district, with
    their progress today (``rollout.progress.figures.with_progress``), as rows of values for the phase page (one
    query)."""
    return with_progress(phase.communes.visible_to(user).order_by("district_id", "code")).values(
        "code", "name", "coverage", "is_demo", "district__name", "norm", "officers_deployed",
        "officers_untrained", "is_equipped", "is_operational",
    )  # fmt: skip


def with_overdue(tasks: QuerySet, *, today: datetime.date) -> QuerySet:
    """Annotate tasks with ``is_overdue``: the deadline has passed and the task is neither done nor cancelled."""
    overdue = Q(deadline__lt=today) & ~Q(status__in=TASK_CLOSED)
    return tasks.annotate(is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
