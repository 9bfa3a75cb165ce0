"""The consistency alerts (*cảnh báo*): one module of rules, each a query the database answers for the user's area,
each alert with a link to the page that fixes it.

A rule is a ``Rule``: its kind, label and documentation, ``rows(user, today)`` — a queryset of the records that
trigger it, scoped through ``visible_to`` (the one scoping mechanism) — and ``alert(row, today)``, which says what
is wrong and where to fix it. Counting a kind is ``rows(...).count()``: one query a kind, whatever the data.

The kinds (``docs/alerts.md`` says the same for users):

- ``untrained_deployed``: a deployed officer not trained (every mandatory course passed and valid today) although
  their post started longer ago than the province plan's training grace period → the officer's page (enrol).
- ``certificate_expiring``: a chief whose pass of a mandatory course expires within 60 days (or has expired) with
  no later pass → the officer's page (a refresher class).
- ``equipment_after_assignment``: an item still held by an officer who no longer holds a post in that commune →
  the issuance's return page.
- ``understaffed``: a covered commune below its staffing norm, or without an active chief → the assign page.
- ``short_of_standard``: a covered commune holding less than its equipment standard of some type → the commune's
  equipment page.
- ``overlapping_classes``: an officer in two classes whose dates overlap (a class not over yet) → the class page.
- ``phase_overdue``: a phase whose target date has passed with communes still uncovered → the phase's page.
- ``task_overdue``: a committee task past its deadline, neither done nor cancelled → the task's page.
- ``ready_unassigned``: an officer *ready* for more than 90 days and not assigned → the assign page of the
  officer's province (the commune list of uncovered communes).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communes.models import Commune, Coverage
from equipment.models import Issuance, IssuanceStatus
from equipment.selectors import with_equipment
from personnel.choices import OfficerStatus, Post
from personnel.models import Assignment, Officer
from rollout.models import TASK_CLOSED, Phase, PilotPlan, Task
from rollout.plan.selectors import with_phase_coverage
from training.models import Enrollment
from training.selectors import mandatory_courses, mandatory_passed_by, refreshers_due

CERTIFICATE_WINDOW_DAYS = 60
READY_IDLE_DAYS = 90


@dataclass(frozen=True)
class Alert:
    kind: str
    subject: str  # who or what: an officer, a commune, a task
    detail: str  # what is wrong, with its dates
    url: str  # the page that fixes it
    district: str = ""  # where (for reading and filtering)
    due: datetime.date | None = None  # the date that matters (deadline, expiry)


@dataclass(frozen=True)
class Rule:
    kind: str
    label: object  # lazy
    fix: object  # lazy: what the link does
    rows: Callable[[object, datetime.date], QuerySet]
    alert: Callable[[object, datetime.date], Alert]
    district_path: str  # the ORM path from a row to its district code (the alerts page filters by district)


def _d(day) -> str:
    return f"{day:%d/%m/%Y}" if day else "—"


# --- a deployed officer untrained past the grace period ---------------------------------------------------------


def _past_grace(today: datetime.date) -> Q:
    """Assignments whose post started longer ago than their province plan's grace period (0 without a plan)."""
    graces = set(PilotPlan.objects.values_list("training_grace_days", flat=True)) | {0}
    condition = Q(pk__in=[])
    for grace in sorted(graces):
        started = Q(started_on__lt=today - datetime.timedelta(days=grace))
        if grace == 0:
            plan = Q(province__pilot_plan__isnull=True) | Q(province__pilot_plan__training_grace_days=0)
        else:
            plan = Q(province__pilot_plan__training_grace_days=grace)
        condition |= started & plan
    return condition


def untrained_rows(user, today):
    required = mandatory_courses().count()
    if not required:
        return Assignment.objects.none()
    return (
        Assignment.objects.visible_to(user)
        .active()
        .filter(_past_grace(today))
        .annotate(passed=mandatory_passed_by(OuterRef("officer_id"), today), required=Value(required))
        .filter(passed__lt=required)
        .select_related("officer", "commune__district", "province__pilot_plan")
        .order_by("started_on", "pk")
    )


def untrained_alert(row, today) -> Alert:
    plan = getattr(row.province, "pilot_plan", None)
    deadline = row.started_on + datetime.timedelta(days=plan.training_grace_days if plan else 0)
    return Alert(
        kind="untrained_deployed",
        subject=row.officer.full_name,
        detail=_("%(post)s of %(commune)s since %(since)s, to be trained by %(deadline)s: %(passed)s of %(required)s "
                 "mandatory courses passed.")
        % {"post": row.get_post_display(), "commune": row.commune.name, "since": _d(row.started_on),
           "deadline": _d(deadline), "passed": row.passed, "required": row.required},
        url=reverse("personnel:officer_detail", args=[row.officer_id]),
        district=row.commune.district.name,
        due=deadline,
    )  # fmt: skip


# --- a chief's certificate expiring -----------------------------------------------------------------------------


def certificate_rows(user, today):
    chiefs = Assignment.objects.visible_to(user).active().filter(post=Post.CHIEF)
    enrollments = Enrollment.objects.filter(
        officer_id__in=chiefs.values("officer_id"), course__is_mandatory=True, course__is_active=True
    )
    return refreshers_due(enrollments, today).select_related("officer__district", "course")


def certificate_alert(row, today) -> Alert:
    words = _("expired on %(date)s") if row.valid_until < today else _("expires on %(date)s")
    return Alert(
        kind="certificate_expiring",
        subject=row.officer.full_name,
        detail=_("Chief; the pass of %(course)s %(when)s.")
        % {"course": row.course.code, "when": words % {"date": _d(row.valid_until)}},
        url=reverse("personnel:officer_detail", args=[row.officer_id]),
        district=row.officer.district.name if row.officer.district else "",
        due=row.valid_until,
    )


# --- equipment still held after the assignment ended ------------------------------------------------------------


def equipment_rows(user, today):
    holds_post_there = Assignment.objects.filter(
        officer=OuterRef("officer"), commune=OuterRef("commune"), ended_on__isnull=True
    )
    return (
        Issuance.objects.visible_to(user)
        .filter(status=IssuanceStatus.ACTIVE, officer__isnull=False)
        .exclude(Exists(holds_post_there))
        .select_related("officer", "commune__district", "equipment_type", "item")
        .order_by("issued_on", "pk")
    )


def equipment_alert(row, today) -> Alert:
    what = row.item.serial_number if row.item_id else f"{row.quantity} × {row.equipment_type.name}"
    return Alert(
        kind="equipment_after_assignment",
        subject=row.officer.full_name,
        detail=_("Still holds %(type)s (%(what)s) of %(commune)s, issued on %(date)s, without a post there.")
        % {"type": row.equipment_type.name, "what": what, "commune": row.commune.name, "date": _d(row.issued_on)},
        url=reverse("equipment:issuance_return", args=[row.pk]),
        district=row.commune.district.name,
        due=row.issued_on,
    )


# --- a covered commune below its norm or without a chief --------------------------------------------------------


def understaffed_rows(user, today):
    active = Assignment.objects.filter(commune=OuterRef("pk"), ended_on__isnull=True)
    return (
        Commune.objects.visible_to(user)
        .exclude(coverage=Coverage.UNCOVERED)
        .with_staffing_norm()
        .annotate(
            deployed=Count("assignments", filter=Q(assignments__ended_on__isnull=True), distinct=True),
            has_chief=Exists(active.filter(post=Post.CHIEF)),
        )
        .filter(Q(deployed__lt=F("norm")) | Q(has_chief=False))
        .select_related("district")
        .order_by("district__sort_key", "sort_key", "code")
    )


def understaffed_alert(row, today) -> Alert:
    parts = []
    if not row.has_chief:
        parts.append(_("no chief"))
    if row.deployed < row.norm:
        parts.append(_("%(deployed)s of %(norm)s officers") % {"deployed": row.deployed, "norm": row.norm})
    return Alert(
        kind="understaffed",
        subject=row.name,
        detail=_("Covered, but: %(what)s.") % {"what": "; ".join(str(p) for p in parts)},
        url=reverse("personnel:assign", args=[row.code]),
        district=row.district.name,
    )


# --- a commune short of its standard ----------------------------------------------------------------------------


def short_rows(user, today):
    communes = Commune.objects.visible_to(user).exclude(coverage=Coverage.UNCOVERED)
    return (
        with_equipment(communes)
        .filter(is_equipped=False)
        .select_related("district")
        .order_by("district__sort_key", "sort_key", "code")
    )


def short_alert(row, today) -> Alert:
    return Alert(
        kind="short_of_standard",
        subject=row.name,
        detail=_("Short of its standard in %(types)s equipment type(s).") % {"types": row.unmet_types},
        url=reverse("equipment:commune_equipment", args=[row.code]),
        district=row.district.name,
    )


# --- an officer in two overlapping classes ----------------------------------------------------------------------


def overlap_rows(user, today):
    overlapping = Enrollment.objects.filter(
        officer=OuterRef("officer"), session__isnull=False, starts_on__lte=OuterRef("ends_on"),
        ends_on__gte=OuterRef("starts_on"), pk__gt=OuterRef("pk"),
    )  # fmt: skip
    other = overlapping.order_by("starts_on", "pk")
    return (
        Enrollment.objects.visible_to(user)
        .filter(session__isnull=False, ends_on__gte=today)
        .filter(Exists(overlapping))
        .annotate(other_session=Subquery(other.values("session_id")[:1]))
        .select_related("officer__district", "session__course")
        .order_by("starts_on", "pk")
    )


def overlap_alert(row, today) -> Alert:
    return Alert(
        kind="overlapping_classes",
        subject=row.officer.full_name,
        detail=_("In class %(course)s (%(start)s – %(end)s) and in another class at the same time (#%(other)s).")
        % {"course": row.session.course.code, "start": _d(row.starts_on), "end": _d(row.ends_on),
           "other": row.other_session},
        url=reverse("training:session_detail", args=[row.session_id]),
        district=row.officer.district.name if row.officer.district else "",
        due=row.starts_on,
    )  # fmt: skip


# --- phases and tasks overdue -----------------------------------------------------------------------------------


def phase_rows(user, today):
    phases = with_phase_coverage(Phase.objects.visible_to(user).select_related("plan__province"))
    return phases.filter(target_on__lt=today, communes_covered__lt=F("communes_total")).order_by("target_on", "pk")


def phase_alert(row, today) -> Alert:
    return Alert(
        kind="phase_overdue",
        subject=str(row),
        detail=_("Target %(date)s passed: %(covered)s of %(total)s communes covered.")
        % {"date": _d(row.target_on), "covered": row.communes_covered, "total": row.communes_total},
        url=reverse("plan:phase_detail", args=[row.pk]),
        district=row.plan.province.name,
        due=row.target_on,
    )


def task_rows(user, today):
    return (
        Task.objects.visible_to(user)
        .filter(deadline__lt=today)
        .exclude(status__in=TASK_CLOSED)
        .select_related("plan__province")
        .order_by("deadline", "pk")
    )


def task_alert(row, today) -> Alert:
    return Alert(
        kind="task_overdue",
        subject=row.title,
        detail=_("%(unit)s; deadline %(date)s, %(status)s.")
        % {"unit": row.unit, "date": _d(row.deadline), "status": row.get_status_display()},
        url=reverse("plan:task_edit", args=[row.pk]),
        district=row.plan.province.name,
        due=row.deadline,
    )


# --- an officer ready for long and not assigned -----------------------------------------------------------------


def _ready_since():
    """An expression for officers: when they last became *ready* (their history: the first record of the latest
    run of records with the status ready)."""
    history = Officer.history.model.objects
    last_other = (
        history.filter(id=OuterRef(OuterRef("pk")))
        .exclude(status=OfficerStatus.READY)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    other_exists = history.filter(id=OuterRef(OuterRef("pk"))).exclude(status=OfficerStatus.READY)
    since = (
        history.filter(id=OuterRef("pk"), status=OfficerStatus.READY)
        .filter(Q(history_date__gt=Subquery(last_other)) | ~Exists(other_exists))
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return Subquery(since, output_field=DateTimeField())


def ready_rows(user, today):
    idle_since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=READY_IDLE_DAYS), datetime.time.min)
    )
    return (
        Officer.objects.visible_to(user)
        .filter(status=OfficerStatus.READY)
        .exclude(Exists(Assignment.objects.filter(officer=OuterRef("pk"), ended_on__isnull=True)))
        .annotate(ready_since=_ready_since())
        .filter(ready_since__lt=idle_since)
        .select_related("district", "province")
        .order_by("ready_since", "pk")
    )


def ready_alert(row, today) -> Alert:
    since = timezone.localtime(row.ready_since).date()
    return Alert(
        kind="ready_unassigned",
        subject=row.full_name,
        detail=_("Ready since %(date)s (%(days)s days) and not assigned.")
        % {"date": _d(since), "days": (today - since).days},
        url=reverse("personnel:officer_detail", args=[row.pk]),
        district=row.district.name if row.district else row.province.name,
        due=since,
    )


RULES: tuple[Rule, ...] = (
    Rule("untrained_deployed", gettext_lazy("Deployed, not trained past the grace period"),
         gettext_lazy("Enrol the officer in a class"), untrained_rows, untrained_alert, "commune__district_id"),
    Rule("certificate_expiring", gettext_lazy("Chief's certificate expiring within 60 days"),
         gettext_lazy("Plan a refresher class"), certificate_rows, certificate_alert, "officer__district_id"),
    Rule("equipment_after_assignment", gettext_lazy("Equipment held after the assignment ended"),
         gettext_lazy("Record the return"), equipment_rows, equipment_alert, "commune__district_id"),
    Rule("understaffed", gettext_lazy("Covered commune below its norm or without a chief"),
         gettext_lazy("Assign officers"), understaffed_rows, understaffed_alert, "district_id"),
    Rule("short_of_standard", gettext_lazy("Commune short of its equipment standard"),
         gettext_lazy("Issue equipment"), short_rows, short_alert, "district_id"),
    Rule("overlapping_classes", gettext_lazy("Officer in two overlapping classes"),
         gettext_lazy("Remove the officer from one class"), overlap_rows, overlap_alert, "officer__district_id"),
    Rule("phase_overdue", gettext_lazy("Phase overdue"), gettext_lazy("Open the phase"), phase_rows, phase_alert,
         ""),
    Rule("task_overdue", gettext_lazy("Committee task overdue"), gettext_lazy("Update the task"), task_rows,
         task_alert, ""),
    Rule("ready_unassigned", gettext_lazy("Ready for more than 90 days, not assigned"),
         gettext_lazy("Assign the officer"), ready_rows, ready_alert, "district_id"),
)  # fmt: skip
RULES_BY_KIND = {rule.kind: rule for rule in RULES}


def alert_counts(user, today: datetime.date) -> dict[str, int]:
    """``{kind: how many}`` for the user's area (one query a kind)."""
    return {rule.kind: rule.rows(user, today).count() for rule in RULES}


def alerts_of(rule: Rule, user, today: datetime.date, *, district: int | None = None, limit: int | None = None):
    """The alerts of one kind for the user's area (and ``district``), at most ``limit``."""
    rows = rule.rows(user, today)
    if district is not None and rule.district_path:
        rows = rows.filter(**{rule.district_path: district})
    if limit is not None:
        rows = rows[:limit]
    return [rule.alert(row, today) for row in rows]


ALERT_COUNTS_CACHE_SECONDS = 300


def alert_counts_cached(user, today: datetime.date) -> dict[str, int]:
    """``alert_counts`` for the dashboard, kept a few minutes per area and day (the alerts page counts live): the
    dashboard stays as fast as its figures; a cache that does not answer only costs the counting."""
    from django.core.cache import cache

    from rollout.core.scoping import Scope

    scope = Scope.of(user)
    key = f"alerts:{scope.everything}:{scope.province_code}:{scope.district_code}:{today:%Y%m%d}"
    counts = cache.get(key)
    if counts is None:
        counts = alert_counts(user, today)
        cache.set(key, counts, ALERT_COUNTS_CACHE_SECONDS)
    return counts
