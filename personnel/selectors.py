"""Reads over personnel, with the work done in the database."""

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Commune
from rollout.models import PilotPlan

from .ages import age_on, birth_range
from .choices import ASSIGNABLE_STATUSES, OfficerStatus, Rank, VettingCriterion
from .identifiers import mask
from .models import Assignment, Language, Officer, Vetting

# The weights of the suggestion score (see ``officer_suggestions``).
WEIGHT_ELIGIBLE = 40
WEIGHT_TRAINED = 20
WEIGHT_IN_TRAINING = 10
WEIGHT_LOCAL_LANGUAGE = 20
WEIGHT_HOME_DISTRICT = 15
WEIGHT_PRIME_AGE = 5
PRIME_AGE = (25, 40)


@dataclass
class Suggestion:
    officer: Officer
    score: int
    eligible: bool
    reasons: list[tuple[int, str]] = field(default_factory=list)  # (points, words); negative = against


def officer_suggestions(*, commune: Commune, user, plan: PilotPlan, limit: int = 10) -> list[Suggestion]:
    """The best available officers for a post in ``commune``, best first, with the reasons of each score.

    Available: in the commune's province, visible to ``user``, vetted / in training / ready, and holding no
    active assignment. The score is the sum of:

    - eligible under the plan (age range, minimum rank, vetting): +40;
    - trained (a valid pass of every mandatory course): +20; otherwise in a class now: +10;
    - speaks a language of the commune's people: +20;
    - comes from the commune's district: +15;
    - aged 25–40: +5;
    - rank: +1 per step above *Hạ sĩ* (1–10).

    Ties go to the higher rank, then the younger officer. The score is computed by the database for the whole
    roster in one query (no Python loop over officers); two more queries fetch the winners' languages.
    """
    from training.selectors import mandatory_courses, mandatory_passed_count

    today = timezone.localdate()
    required = mandatory_courses().count()
    earliest, latest = birth_range(plan.min_age, plan.max_age, today)
    prime_earliest, prime_latest = birth_range(*PRIME_AGE, today)
    fully_vetted = Q(
        pk__in=Vetting.objects.filter(passed=True)
        .values("officer")
        .annotate(passed_criteria=Count("criterion", distinct=True))
        .filter(passed_criteria__gte=len(VettingCriterion.values))
        .values("officer")
    )
    eligible = Q(birth_date__range=(earliest, latest), rank__gte=plan.min_rank)
    if plan.requires_vetting:
        eligible &= fully_vetted
    speaks_local = Exists(
        Language.officers.through.objects.filter(officer_id=OuterRef("pk"), language__communes=commune)
    )
    officers = (
        Officer.objects.visible_to(user)
        .filter(province_id=commune.district.province_id, status__in=ASSIGNABLE_STATUSES)
        .exclude(Exists(Assignment.objects.filter(officer=OuterRef("pk"), ended_on__isnull=True)))
        .annotate(passed_mandatory=mandatory_passed_count(today))
        .annotate(
            is_eligible=Case(When(eligible, then=Value(True)), default=Value(False), output_field=BooleanField()),
            is_trained=Case(
                When(passed_mandatory__gte=required, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            speaks_local=speaks_local,
            is_local=Case(
                When(home_district_id=commune.district_id, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_prime_age=Case(
                When(birth_date__range=(prime_earliest, prime_latest), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .annotate(
            score=Case(When(is_eligible=True, then=Value(WEIGHT_ELIGIBLE)), default=Value(0))
            + Case(
                When(is_trained=True, then=Value(WEIGHT_TRAINED)),
                When(status=OfficerStatus.IN_TRAINING, then=Value(WEIGHT_IN_TRAINING)),
                default=Value(0),
            )
            + Case(When(speaks_local=True, then=Value(WEIGHT_LOCAL_LANGUAGE)), default=Value(0))
            + Case(When(is_local=True, then=Value(WEIGHT_HOME_DISTRICT)), default=Value(0))
            + Case(When(is_prime_age=True, then=Value(WEIGHT_PRIME_AGE)), default=Value(0))
            + F("rank")
            - Value(1),
        )
        .select_related("home_district")
        .prefetch_related(Prefetch("languages", queryset=Language.objects.only("name", "code")))
        .order_by("-score", "-rank", "-birth_date", "pk")[:limit]
    )
    return [_explain(officer, plan, today, required) for officer in officers]


def _explain(officer: Officer, plan: PilotPlan, today: datetime.date, required: int) -> Suggestion:
    reasons: list[tuple[int, str]] = []
    age = age_on(officer.birth_date, today)
    if officer.is_eligible:
        reasons.append((WEIGHT_ELIGIBLE, _("Eligible under the plan")))
    else:
        broken = []
        if not plan.min_age <= age <= plan.max_age:
            broken.append(
                _("age %(age)s outside %(min)s–%(max)s") % {"age": age, "min": plan.min_age, "max": plan.max_age}
            )
        if officer.rank < plan.min_rank:
            broken.append(_("rank below %(rank)s") % {"rank": Rank(plan.min_rank).label})
        if not broken:
            broken.append(_("vetting not complete"))
        reasons.append((0, _("Not eligible: %(rules)s") % {"rules": "; ".join(broken)}))
    missing = _("%(missing)s of %(required)s mandatory courses missing") % {
        "missing": required - officer.passed_mandatory,
        "required": required,
    }
    if officer.is_trained:
        reasons.append((WEIGHT_TRAINED, _("Trained: every mandatory course passed")))
    elif officer.status == OfficerStatus.IN_TRAINING:
        reasons.append((WEIGHT_IN_TRAINING, _("In training; %(missing)s") % {"missing": missing}))
    else:
        reasons.append((0, _("Not trained: %(missing)s") % {"missing": missing}))
    if officer.speaks_local:
        reasons.append((WEIGHT_LOCAL_LANGUAGE, _("Speaks a language of the commune's people")))
    if officer.is_local:
        reasons.append((WEIGHT_HOME_DISTRICT, _("From this district")))
    if officer.is_prime_age:
        reasons.append((WEIGHT_PRIME_AGE, _("Age %(age)s") % {"age": age}))
    reasons.append((officer.rank - 1, officer.get_rank_display()))
    return Suggestion(officer=officer, score=officer.score, eligible=officer.is_eligible, reasons=reasons)


@dataclass
class HistoryEntry:
    when: datetime.datetime
    user: object
    what: str  # the kind of record: officer, vetting, assignment
    action: str  # "+", "~" or "-"
    label: str
    changes: list[tuple[str, object, object]]


IDENTIFIER_FIELDS = {"birth_date", "phone", "police_number"}


def _history_entries(records, what: str, label_of, *, reveal: bool = True) -> list[HistoryEntry]:
    """Turn simple-history records (oldest first within each object) into entries with field changes."""
    entries = []
    previous: dict[int, object] = {}
    for record in records:
        prior = previous.get(record.id)
        changes = []
        if prior is not None:
            delta = record.diff_against(prior)
            for change in delta.changes:
                field = record.instance_type._meta.get_field(change.field)
                if not reveal and change.field in IDENTIFIER_FIELDS:
                    changes.append((str(field.verbose_name), mask(change.old), mask(change.new)))
                    continue
                changes.append(
                    (str(field.verbose_name), _display(record, field, change.old), _display(record, field, change.new))
                )
        previous[record.id] = record
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                what=what,
                action=record.history_type,
                label=label_of(record),
                changes=changes,
            )
        )
    return entries


def _display(record, field, value):
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        return f"#{value}"
    return value


def officer_history(officer: Officer, *, reveal_identifiers: bool) -> list[HistoryEntry]:
    """Every recorded change to the officer, their vetting and their assignments, newest first (three queries).
    Personal identifiers in the changes are masked unless ``reveal_identifiers``."""
    officer_records = officer.history.select_related("history_user").order_by("history_date", "history_id")
    vetting_records = (
        Vetting.history.filter(officer_id=officer.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    assignment_records = (
        Assignment.history.filter(officer_id=officer.pk)
        .select_related("history_user", "commune")
        .order_by("history_date", "history_id")
    )
    entries = [
        *_history_entries(officer_records, "officer", lambda r: r.full_name, reveal=reveal_identifiers),
        *_history_entries(vetting_records, "vetting", lambda r: r.get_criterion_display()),
        *_history_entries(assignment_records, "assignment", lambda r: f"{r.commune} — {r.get_post_display()}"),
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
