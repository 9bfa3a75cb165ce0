"""The hard rules of an assignment, defined once: who may take a post under the province's plan on a given day.

``hard_rules(plan, post, on)`` names each rule with a condition the database evaluates on an ``Officer`` queryset
and the words that explain a breach. The assignment service checks them for one officer (one query), the
suggestions for the whole roster (one query), and the deployment planner will match officers to posts under the
same rules. Breaking any of them needs a written override (``personnel.services.assignment_create``).

The rules: the plan's age range and minimum rank; every vetting criterion passed when the plan requires
vetting; and, when the plan requires training before deployment for the post, *trained by then*: by the start
date plus the plan's grace period, every mandatory course passed and valid, or taught in a class that ends
before that day and has no result yet.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from .ages import age_on, birth_range
from .choices import Post, Rank, VettingCriterion
from .models import Officer, Vetting
from .readers import DeploymentRules, training_reader

RULE_AGE = "age"
RULE_RANK = "rank"
RULE_VETTING = "vetting"
RULE_TRAINING = "training"

KIND_ELIGIBILITY = "eligibility"  # the plan's selection rules: who may hold a post at all
KIND_READINESS = "readiness"  # trained before deployment

# The annotations ``with_readiness`` adds (and the training rule reads).
MANDATORY_REQUIRED = "mandatory_required"
MANDATORY_COVERED = "mandatory_covered"
TRAINED_BY_THEN = "trained_by_then"
KEEPS_RULES = "keeps_rules"


@dataclass(frozen=True)
class Rule:
    """One hard rule. ``condition`` holds for an officer who keeps it, on an ``Officer`` queryset annotated with
    ``annotations``; ``explain`` says, for an officer of such a queryset who breaks it, why (translated)."""

    name: str
    kind: str
    label: str
    condition: Q
    explain: Callable[[Officer], str]
    annotations: Mapping[str, object] = field(default_factory=dict)

    @property
    def field(self) -> str:
        """The annotation ``with_rules`` gives the officer: True when the officer keeps the rule."""
        return f"keeps_rule_{self.name}"


def fully_vetted() -> Exists:
    """Officers with a passed decision on every vetting criterion. Correlated with the officer (an index scan of
    their few decisions), so that mentioning it in several annotations stays cheap; an uncorrelated
    ``pk__in`` would aggregate the whole vetting table once per mention."""
    return Exists(
        Vetting.objects.filter(officer=OuterRef("pk"), passed=True)
        .order_by()
        .values("officer")
        .annotate(passed_criteria=Count("criterion", distinct=True))
        .filter(passed_criteria__gte=len(VettingCriterion.values))
    )


def readiness_annotations(deadline: datetime.date) -> dict:
    """Expressions for an ``Officer`` queryset: the number of mandatory courses (``mandatory_required``), how many
    of them the officer is trained in by ``deadline`` (``mandatory_covered``, as the training app counts it:
    ``personnel.readers.TrainingReader``) and whether that is all of them (``trained_by_then``)."""
    training = training_reader()
    required = training.mandatory_count()
    covered = training.covered_by(OuterRef("pk"), deadline)
    return {
        MANDATORY_REQUIRED: required,
        MANDATORY_COVERED: covered,
        TRAINED_BY_THEN: Case(
            When(Q(**{f"{MANDATORY_COVERED}__gte": F(MANDATORY_REQUIRED)}), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def with_readiness(officers: QuerySet, deadline: datetime.date) -> QuerySet:
    """``officers`` annotated with ``readiness_annotations(deadline)``."""
    return _annotate_missing(officers, readiness_annotations(deadline))


def hard_rules(plan: DeploymentRules, post: str | None, on: datetime.date) -> tuple[Rule, ...]:
    """The hard rules for taking ``post`` (a ``Post`` value; None: the eligibility rules only) under ``plan``
    (the province's deployment rules: ``personnel.readers.plan_for``) on the day ``on``, in the order they are
    shown."""
    earliest, latest = birth_range(plan.min_age, plan.max_age, on)
    rules = [
        Rule(
            name=RULE_AGE,
            kind=KIND_ELIGIBILITY,
            label=_("age range"),
            condition=Q(birth_date__range=(earliest, latest)),
            explain=lambda officer: (
                _("Age %(age)s is outside %(min)s–%(max)s.")
                % {"age": age_on(officer.birth_date, on), "min": plan.min_age, "max": plan.max_age}
            ),
        ),
        Rule(
            name=RULE_RANK,
            kind=KIND_ELIGIBILITY,
            label=_("minimum rank"),
            condition=Q(rank__gte=plan.min_rank),
            explain=lambda officer: _("Rank is below %(rank)s.") % {"rank": Rank(plan.min_rank).label},
        ),
    ]
    if plan.requires_vetting:
        rules.append(
            Rule(
                name=RULE_VETTING,
                kind=KIND_ELIGIBILITY,
                label=_("vetting"),
                condition=fully_vetted(),
                explain=lambda officer: _("Not every vetting criterion has passed."),
            )
        )
    if post is not None and plan.training_required_for(post):
        deadline = plan.training_deadline(on)

        def explain_training(officer: Officer) -> str:
            required = getattr(officer, MANDATORY_REQUIRED)
            return _(
                "Not trained for the post of %(post)s by %(date)s: %(missing)s of %(required)s mandatory courses "
                "neither passed nor taught in a class ending before then."
            ) % {
                "post": Post(post).label,
                "date": f"{deadline:%d/%m/%Y}",
                "missing": required - getattr(officer, MANDATORY_COVERED),
                "required": required,
            }

        rules.append(
            Rule(
                name=RULE_TRAINING,
                kind=KIND_READINESS,
                label=_("training before deployment"),
                condition=Q(**{TRAINED_BY_THEN: True}),
                explain=explain_training,
                annotations=readiness_annotations(deadline),
            )
        )
    return tuple(rules)


def _annotate_missing(officers: QuerySet, annotations: Mapping[str, object]) -> QuerySet:
    """Annotate, in order, the expressions ``officers`` does not have yet (rules may share annotations)."""
    for name, expression in annotations.items():
        if name not in officers.query.annotations:
            officers = officers.annotate(**{name: expression})
    return officers


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def all_kept(rules: Iterable[Rule]) -> Q:
    """A condition on a queryset annotated by ``with_rules``: the officer keeps every rule of ``rules``."""
    return Q(**{rule.field: True for rule in rules})


def with_rules(officers: QuerySet, rules: Iterable[Rule]) -> QuerySet:
    """``officers`` annotated with each rule's boolean (``rule.field``) and ``keeps_rules`` (every rule kept),
    all computed by the database in the same query."""
    rules = tuple(rules)
    for rule in rules:
        officers = _annotate_missing(officers, rule.annotations)
    officers = officers.annotate(**{rule.field: _flag(rule.condition) for rule in rules})
    return officers.annotate(**{KEEPS_RULES: _flag(all_kept(rules)) if rules else Value(True)})


def broken_rules(officer: Officer, rules: Iterable[Rule]) -> list[Rule]:
    """The rules an officer of a ``with_rules`` queryset breaks."""
    return [rule for rule in rules if not getattr(officer, rule.field)]


def rule_violations(officer: Officer, plan: DeploymentRules, post: str | None, on: datetime.date) -> list[str]:
    """The hard rules ``officer`` breaks for ``post`` under ``plan`` on ``on``, in words (empty: none); one
    query."""
    rules = hard_rules(plan, post, on)
    if not rules:
        return []
    annotated = with_rules(Officer.objects.filter(pk=officer.pk), rules).get()
    return [rule.explain(annotated) for rule in broken_rules(annotated, rules)]
