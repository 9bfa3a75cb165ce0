"""Reads over personnel, with the work done in the database."""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Exists, F, OuterRef, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Commune

from .ages import age_on, birth_range
from .choices import ASSIGNABLE_STATUSES, OfficerStatus, Post
from .eligibility import (
    KEEPS_RULES,
    KIND_ELIGIBILITY,
    MANDATORY_REQUIRED,
    TRAINED_BY_THEN,
    all_kept,
    broken_rules,
    hard_rules,
    with_readiness,
    with_rules,
)
from .identifiers import mask
from .models import Assignment, Language, Officer, Vetting
from .readers import DeploymentRules, training_reader

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
    eligible: bool  # keeps every hard rule for the post (``personnel.eligibility``)
    reasons: list[tuple[int, str]] = field(default_factory=list)  # (points, words); negative = against
    broken: list[tuple[str, str]] = field(default_factory=list)  # the hard rules broken: (rule's name, why)
    trained_by_then: bool = False


def held_by_active_chief() -> Exists:
    """A condition on a ``Commune`` queryset: the commune has an active chief's assignment, so it is held under
    the pilot (registered with ``communes.readers`` for the stored coverage)."""
    return Exists(Assignment.objects.filter(commune=OuterRef("pk"), post=Post.CHIEF, ended_on__isnull=True))


def commune_assignments(commune: Commune):
    """The commune's posts as its page lists them: current ones first, then the ended ones, most recent first
    (registered with ``communes.readers.commune_page``)."""
    return (
        Assignment.objects.filter(commune=commune)
        .select_related("officer", "overridden_by")
        .order_by("ended_on", "post", "-started_on")
    )


def available_officers(*, user, province_id: int):
    """Officers ``user`` may assign in the province: vetted, in training or ready, holding no active assignment
    (the assign page's officers and an end page's successors)."""
    return (
        Officer.objects.visible_to(user)
        .filter(province_id=province_id, status__in=ASSIGNABLE_STATUSES)
        .exclude(Exists(Assignment.objects.filter(officer=OuterRef("pk"), ended_on__isnull=True)))
    )


def assignment_end_state(assignment: Assignment, *, successor: Officer | None, held: Iterable) -> str:
    """A short fingerprint of what an end page's confirmation describes: the assignment, the commune's current
    posts, what the outgoing officer holds (``held``), and the successor's status and posts. A confirmation
    whose fingerprint no longer matches is stale and is shown again instead of being carried out."""
    parts = [
        assignment.pk,
        assignment.ended_on,
        sorted(
            Assignment.objects.filter(commune_id=assignment.commune_id, ended_on__isnull=True).values_list(
                "pk", "officer_id", "post"
            )
        ),
        sorted(item.pk for item in held),
    ]
    if successor is not None:
        current = Officer.objects.filter(pk=successor.pk).values_list("status", flat=True).first()
        parts += [
            successor.pk,
            current,
            list(Assignment.objects.filter(officer=successor, ended_on__isnull=True).values_list("pk", flat=True)),
        ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def default_post(commune: Commune) -> str:
    """The post the assign page offers first: chief while the commune has no active chief, else officer."""
    has_chief = commune.assignments.active().filter(post=Post.CHIEF).exists()
    return Post.OFFICER if has_chief else Post.CHIEF


BASE_SCORE = "base_score"


def scored_candidates(officers: QuerySet, *, rules, plan: DeploymentRules, on: datetime.date) -> QuerySet:
    """``officers`` annotated with what their suggestion score for a post under ``rules`` (``hard_rules``) starting
    on ``on`` is made of, except the commune's own terms: each rule's flag and ``keeps_rules``, ``trained_by_then``,
    ``is_eligible`` (the eligibility rules), ``is_trained``, ``is_prime_age`` and ``base_score`` (eligible +40,
    trained +20 or in training +10, aged 25–40 +5, rank +1 per step above *Hạ sĩ*). The commune adds its terms:
    a language of its people +20, from its district +15 (``commune_terms``). One definition for the assign
    page's suggestions (in the database) and the deployment planner (``rollout.deployment``)."""
    today = timezone.localdate()
    eligibility = [rule for rule in rules if rule.kind == KIND_ELIGIBILITY]
    prime_earliest, prime_latest = birth_range(*PRIME_AGE, today)
    officers = officers.annotate(passed_mandatory=training_reader().passed_count(today))
    officers = with_rules(with_readiness(officers, plan.training_deadline(on)), rules)
    return officers.annotate(
        is_eligible=Case(
            When(all_kept(eligibility), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        is_trained=Case(
            When(passed_mandatory__gte=F(MANDATORY_REQUIRED), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_prime_age=Case(
            When(birth_date__range=(prime_earliest, prime_latest), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).annotate(
        **{
            BASE_SCORE: Case(When(is_eligible=True, then=Value(WEIGHT_ELIGIBLE)), default=Value(0))
            + Case(
                When(is_trained=True, then=Value(WEIGHT_TRAINED)),
                When(status=OfficerStatus.IN_TRAINING, then=Value(WEIGHT_IN_TRAINING)),
                default=Value(0),
            )
            + Case(When(is_prime_age=True, then=Value(WEIGHT_PRIME_AGE)), default=Value(0))
            + F("rank")
            - Value(1)
        }
    )


def commune_terms(*, speaks_local: bool, is_local: bool) -> int:
    """The commune's part of a suggestion score (see ``scored_candidates``)."""
    return WEIGHT_LOCAL_LANGUAGE * bool(speaks_local) + WEIGHT_HOME_DISTRICT * bool(is_local)


def officer_suggestions(
    *,
    commune: Commune,
    user,
    plan: DeploymentRules,
    post: str = Post.CHIEF,
    on: datetime.date | None = None,
    limit: int = 10,
) -> list[Suggestion]:
    """The best available officers for ``post`` in ``commune`` starting on ``on`` (today by default), best first,
    with the reasons of each score and the hard rules each breaks.

    Available: in the commune's province, visible to ``user``, vetted / in training / ready, and holding no
    active assignment. The order is: every officer who keeps the hard rules of the post (``hard_rules``: age,
    rank, vetting, and training before deployment when the plan requires it) before any who breaks one; then
    trained by then (by the start plus the plan's grace period) before untrained; then the score, the sum of:

    - eligible under the plan (age range, minimum rank, vetting): +40;
    - trained (a valid pass of every mandatory course): +20; otherwise in a class now: +10;
    - speaks a language of the commune's people: +20;
    - comes from the commune's district: +15;
    - aged 25–40: +5;
    - rank: +1 per step above *Hạ sĩ* (1–10);

    then the higher rank, then the younger officer. The rules and the score are computed by the database for the
    whole roster in one query (no Python loop over officers); one more query fetches the winners' languages.
    """
    today = timezone.localdate()
    on = on or today
    rules = hard_rules(plan, post, on)
    speaks_local = Exists(
        Language.officers.through.objects.filter(officer_id=OuterRef("pk"), language__communes=commune)
    )
    officers = scored_candidates(
        available_officers(user=user, province_id=commune.district.province_id), rules=rules, plan=plan, on=on
    )
    officers = (
        officers.annotate(
            speaks_local=speaks_local,
            is_local=Case(
                When(home_district_id=commune.district_id, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .annotate(
            score=F(BASE_SCORE)
            + Case(When(speaks_local=True, then=Value(WEIGHT_LOCAL_LANGUAGE)), default=Value(0))
            + Case(When(is_local=True, then=Value(WEIGHT_HOME_DISTRICT)), default=Value(0)),
        )
        .select_related("home_district")
        .prefetch_related(Prefetch("languages", queryset=Language.objects.only("name", "code")))
        .order_by(f"-{KEEPS_RULES}", f"-{TRAINED_BY_THEN}", "-score", "-rank", "-birth_date", "pk")[:limit]
    )
    return [_explain(officer, rules, today) for officer in officers]


def _explain(officer: Officer, rules, today: datetime.date) -> Suggestion:
    reasons: list[tuple[int, str]] = []
    age = age_on(officer.birth_date, today)
    broken = broken_rules(officer, rules)
    if officer.is_eligible:
        reasons.append((WEIGHT_ELIGIBLE, _("Eligible under the plan")))
    else:
        reasons.extend((0, rule.explain(officer)) for rule in broken if rule.kind == KIND_ELIGIBILITY)
    required = getattr(officer, MANDATORY_REQUIRED)
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
    return Suggestion(
        officer=officer,
        score=officer.score,
        eligible=getattr(officer, KEEPS_RULES),
        reasons=reasons,
        broken=[(rule.label, rule.explain(officer)) for rule in broken],
        trained_by_then=getattr(officer, TRAINED_BY_THEN),
    )


@dataclass
class HistoryEntry:
    when: datetime.datetime
    user: object
    what: str  # the kind of record: officer, vetting, assignment
    action: str  # "+", "~" or "-"
    label: str
    changes: list[tuple[str, object, object]]


IDENTIFIER_FIELDS = {"birth_date", "phone", "police_number"}


def history_entries(records, what: str, label_of, *, reveal: bool = True) -> list[HistoryEntry]:
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
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        return f"#{value}"
    return value


def officer_history(
    officer: Officer, *, reveal_identifiers: bool, also: Iterable[HistoryEntry] = ()
) -> list[HistoryEntry]:
    """Every recorded change to the officer, their vetting and their assignments, newest first (three queries),
    with ``also`` (entries of higher layers: training, equipment) merged in. Personal identifiers in the changes
    are masked unless ``reveal_identifiers``."""
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
        *history_entries(officer_records, "officer", lambda r: r.full_name, reveal=reveal_identifiers),
        *history_entries(vetting_records, "vetting", lambda r: r.get_criterion_display()),
        *history_entries(assignment_records, "assignment", lambda r: f"{r.commune} — {r.get_post_display()}"),
    ]
    entries.extend(also)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
