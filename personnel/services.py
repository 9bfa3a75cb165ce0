"""Writes to personnel: officers, their status pipeline, vetting and assignments. Every rule is checked here,
whichever door the data comes through (page, admin, import); the database constraints are the last line."""

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import NON_FIELD_ERRORS as NON_FIELD
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import Commune
from communes.services import coverage_recompute
from rollout.core import scoping
from rollout.core.bulk import bulk_history_insert, bulk_insert_rows, bulk_update_rows, value_in
from rollout.core.text import collation_key, fold, nfc, normalise_text_fields

from .ages import age_on
from .choices import (
    ASSIGNABLE_STATUSES,
    STATUS_TRANSITIONS,
    AssignmentEndReason,
    OfficerStatus,
    Post,
    VettingCriterion,
)
from .eligibility import rule_violations
from .hooks import hand_over_steps
from .models import Assignment, Officer, Vetting
from .readers import DeploymentRules, plan_for, training_facts

OFFICER_FIELDS = (
    "police_number",
    "full_name",
    "birth_date",
    "gender",
    "ethnicity",
    "rank",
    "current_unit",
    "province",
    "district",
    "home_district",
    "education",
    "political_theory",
    "phone",
)


@transaction.atomic
def officer_create(*, user, languages=(), **fields) -> Officer:
    """Register an officer as a *candidate*."""
    officer = Officer(**{name: fields[name] for name in OFFICER_FIELDS if name in fields})
    officer.status = OfficerStatus.CANDIDATE
    scoping.check_writable(user, officer)
    officer.full_clean()
    officer._history_user = user
    officer.save()
    officer.languages.set(languages)
    return officer


@transaction.atomic
def officer_update(*, officer: Officer, user, languages=None, **fields) -> Officer:
    """Change an officer's particulars (not the status: see ``officer_change_status``). Particulars sent as they
    already are write nothing: no save, no history entry (a form saved twice, an API request repeated)."""
    scoping.check_writable(user, officer)
    attnames = [Officer._meta.get_field(name).attname for name in OFFICER_FIELDS]
    before = [getattr(officer, attname) for attname in attnames]
    for name in OFFICER_FIELDS:
        if name in fields:
            setattr(officer, name, fields[name])
    scoping.check_writable(user, officer)
    officer.full_clean()
    languages_change = languages is not None and (
        {getattr(language, "pk", language) for language in languages}
        != set(officer.languages.values_list("pk", flat=True))
    )
    if officer.pk and not languages_change and [getattr(officer, attname) for attname in attnames] == before:
        return officer
    officer._history_user = user
    officer.save()
    if languages_change:
        officer.languages.set(languages)
    return officer


@transaction.atomic
def officers_import_write(*, new: list[tuple[dict, list[int]]], changed: list[tuple[Officer, list[int]]], user):
    """Write an import's officers in bulk, with their languages (ids) and history (``user`` as who changed them):
    ``new`` officers (their ``OFFICER_FIELDS`` by attribute name, foreign keys as ids) registered as candidates
    (``officer_create``), ``changed`` ones (locked rows, their particulars set) updated (``officer_update``). Their
    rows were checked one by one by the import's preview, through those two services; here the user's area is
    checked again, and the keys, text and times the model's ``save`` would set are set. Rows are written without a
    query per row or a model per new officer (``rollout.core.bulk``)."""
    now = timezone.now()
    # the user's area: each changed officer's, and once per province and district of the new ones
    for officer, _languages in changed:
        scoping.check_writable(user, officer)
    for province_id, district_id in {(values["province_id"], values["district_id"]) for values, _languages in new}:
        scoping.check_writable(user, Officer(province_id=province_id, district_id=district_id))
    keys: dict[str, tuple[str, str]] = {}  # many officers share a name: its keys computed once

    def name_keys(full_name: str) -> tuple[str, str]:
        if full_name not in keys:
            keys[full_name] = (fold(full_name), collation_key(full_name, person=True))
        return keys[full_name]

    fields = [field.attname for field in Officer._meta.concrete_fields if not field.primary_key]
    created = []
    for values, _languages in new:
        record = SimpleNamespace(**values, status=OfficerStatus.CANDIDATE, created_at=now, updated_at=now)
        record.full_name = nfc(record.full_name)
        record.search_key, record.sort_key = name_keys(record.full_name)
        created.append(record)
    if created:
        ids = bulk_insert_rows(
            Officer, fields, [tuple(getattr(r, name) for name in fields) for r in created], returning="id"
        )
        for record, pk in zip(created, ids, strict=True):
            record.id = record.pk = pk
        bulk_history_insert(Officer, created, history_type="+", user=user)
    if changed:
        written = [*OFFICER_FIELDS, "search_key", "sort_key", "updated_at"]
        attnames = [Officer._meta.get_field(name).attname for name in written]
        for officer, _languages in changed:
            normalise_text_fields(officer)  # a bulk write sends no pre_save (rollout.core.text)
            officer.search_key, officer.sort_key = name_keys(officer.full_name)
            officer.updated_at = now
        rows = [(officer.pk, *(getattr(officer, name) for name in attnames)) for officer, _languages in changed]
        bulk_update_rows(Officer, written, rows)
        bulk_history_insert(Officer, [officer for officer, _languages in changed], history_type="~", user=user)
    through = Officer.languages.through
    if changed:
        through.objects.filter(value_in("officer_id", [officer.pk for officer, _languages in changed])).delete()
    languages = [
        *((record.pk, pk) for record, (_values, ids) in zip(created, new, strict=True) for pk in ids),
        *((officer.pk, pk) for officer, ids in changed for pk in ids),
    ]
    bulk_insert_rows(through, ["officer_id", "language_id"], languages)


PIPELINE_STATUSES = (OfficerStatus.VETTED, OfficerStatus.IN_TRAINING, OfficerStatus.READY)


def officer_statuses_settle(*, officers, user) -> list[Officer]:
    """Put officers of the training pipeline (vetted, in training, ready) where the facts leave them
    (``TrainingFacts.pipeline_status``). Candidates, deployed and withdrawn officers keep their status.
    ``officers`` are locked rows; returns those that moved."""
    officers = [o for o in officers if o.status in PIPELINE_STATUSES]
    if not officers:
        return []
    facts = training_facts(o.pk for o in officers)
    moved = []
    for officer in officers:
        wanted = facts.pipeline_status(officer.pk)
        if wanted != officer.status:
            officer.status = wanted
            officer._history_user = user
            officer.save(update_fields=["status", "updated_at"])
            moved.append(officer)
    return moved


def _check_transition(officer: Officer, status: str) -> None:
    if status != officer.status and status not in STATUS_TRANSITIONS[officer.status]:
        raise ValidationError(
            {
                "status": _("An officer cannot go from “%(current)s” to “%(new)s”.")
                % {"current": officer.get_status_display(), "new": OfficerStatus(status).label}
            }
        )


def _set_status(officer: Officer, status: str, user, *, also_save: tuple[str, ...] = ()) -> None:
    """Move ``officer`` to ``status`` if the pipeline allows it, saving one history entry."""
    _check_transition(officer, status)
    if status == officer.status and not also_save:
        return
    officer.status = status
    officer._history_user = user
    officer.save(update_fields=["status", "updated_at", *also_save])


@transaction.atomic
def officer_change_status(*, officer: Officer, status: str, user) -> Officer:
    """Move an officer along the pipeline. Vetting, deployment and return have their own services, which check
    more than the pipeline: a clerk cannot mark someone vetted or deployed by hand."""
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    scoping.check_writable(user, officer)
    if status == OfficerStatus.VETTED and not vetting_all_passed(officer):
        raise ValidationError({"status": _("An officer becomes vetted only when every vetting criterion passes.")})
    if status == OfficerStatus.DEPLOYED:
        raise ValidationError({"status": _("An officer is deployed by assigning them to a commune.")})
    if status == OfficerStatus.READY and status != officer.status:
        missing = training_facts([officer.pk]).missing.get(officer.pk)
        if missing:
            raise ValidationError(
                {
                    "status": _("An officer becomes ready once trained. Missing mandatory courses: %(courses)s.")
                    % {"courses": "; ".join(str(course) for course in missing)}
                }
            )
    if officer.status == OfficerStatus.DEPLOYED and officer.assignments.active().exists():
        raise ValidationError({"status": _("End the officer's assignment first.")})
    _set_status(officer, status, user)
    return officer


def vetting_all_passed(officer: Officer) -> bool:
    passed = set(officer.vettings.filter(passed=True).values_list("criterion", flat=True))
    return passed >= set(VettingCriterion.values)


@dataclass
class VettingDecision:
    criterion: str
    passed: bool
    note: str = ""


def vetting_age_decision(officer: Officer, on: datetime.date) -> VettingDecision:
    """The age criterion follows from the birth date: passed when the officer's age on ``on`` lies within the
    age range of the province's plan. The note says the age and the range, so the record reads on its own."""
    plan = plan_for(officer.province_id)
    age = age_on(officer.birth_date, on)
    passed = plan.min_age <= age <= plan.max_age
    words = {"age": age, "date": f"{on:%d/%m/%Y}", "min": plan.min_age, "max": plan.max_age}
    if passed:
        note = _("Aged %(age)s on %(date)s, within the plan's %(min)s–%(max)s.") % words
    else:
        note = _("Aged %(age)s on %(date)s, outside the plan's %(min)s–%(max)s.") % words
    return VettingDecision(criterion=VettingCriterion.AGE, passed=passed, note=note)


@transaction.atomic
def vetting_record(
    *, officer: Officer, decisions: list[VettingDecision], decided_by, decided_on: datetime.date | None = None
) -> Officer:
    """Record decisions on selection criteria. When every criterion has passed, a candidate becomes *vetted*
    (and at once *ready* or *in training* if their training says so); a failed criterion sends an officer of
    the training pipeline who is not yet deployed back to *candidate*.

    The age criterion is not typed: when ``decisions`` give none, it is derived from the birth date on the day
    of the decision (``vetting_age_decision``). Only a caller that records an earlier decision as it was (an
    import, a fixture) gives it."""
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    scoping.check_writable(decided_by, officer)
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("A decision cannot be dated in the future.")})
    if decisions and not any(d.criterion == VettingCriterion.AGE for d in decisions):
        decisions = [*decisions, vetting_age_decision(officer, decided_on)]
    for decision in decisions:
        if decision.criterion not in VettingCriterion.values:
            raise ValidationError({"criterion": _("Unknown vetting criterion.")})
        vetting = Vetting.objects.filter(officer=officer, criterion=decision.criterion).first() or Vetting(
            officer=officer, criterion=decision.criterion
        )
        if vetting.pk and vetting.passed == decision.passed and vetting.note == decision.note:
            continue
        vetting.passed = decision.passed
        vetting.note = decision.note
        vetting.decided_by = decided_by
        vetting.decided_on = decided_on
        vetting.full_clean()
        vetting._history_user = decided_by
        vetting.save()
    all_passed = vetting_all_passed(officer)
    if all_passed and officer.status == OfficerStatus.CANDIDATE:
        _set_status(officer, OfficerStatus.VETTED, decided_by)
        officer_statuses_settle(officers=[officer], user=decided_by)
    elif not all_passed and officer.status in PIPELINE_STATUSES:
        _set_status(officer, OfficerStatus.CANDIDATE, decided_by)
    return officer


def _sqlite_names_unique(model, constraint, text: str) -> bool:
    """SQLite names a unique index's columns, not the constraint: "UNIQUE constraint failed: table.a, table.b"."""
    if not isinstance(constraint, UniqueConstraint) or not constraint.fields or "UNIQUE constraint failed:" not in text:
        return False
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in constraint.fields]
    failed = text.split("UNIQUE constraint failed:", 1)[1].strip()
    return failed == ", ".join(f"{table}.{column}" for column in columns)


def constraint_error(model, exc: IntegrityError) -> ValidationError:
    """The violated constraint's own message, for an ``IntegrityError`` raised by ``model``'s table."""
    text = str(exc)
    for constraint in model._meta.constraints:
        if constraint.name in text or _sqlite_names_unique(model, constraint, text):
            return ValidationError(constraint.get_violation_error_message())
    return ValidationError(_("The change conflicts with data saved at the same moment; try again."))


def eligibility_violations(
    officer: Officer, plan: DeploymentRules, on: datetime.date | None = None, *, post: str | None = None
) -> list[str]:
    """The hard rules the officer breaks, in words (empty when none): the plan's eligibility rules and, for
    ``post``, its readiness rule; one definition with the suggestions (``personnel.eligibility``)."""
    return rule_violations(officer, plan, post, on or timezone.localdate())


def can_override_eligibility(user) -> bool:
    return user.has_perm("personnel.override_eligibility")


@transaction.atomic
def assignment_create(
    *,
    officer: Officer,
    commune: Commune,
    post: str,
    decision_number: str,
    decision_date: datetime.date,
    started_on: datetime.date,
    created_by,
    override_reason: str = "",
) -> Assignment:
    """Give an officer a post in a commune.

    The officer row (and, for a chief, the commune row) is locked, so two clerks assigning the same officer or
    two chiefs to one commune at the same moment are serialised: the second one sees the first assignment and
    gets a clear message. An assignment that breaks an eligibility rule needs an override with a written
    reason by a user allowed to override; so does one that breaks the plan's readiness rule (training required
    before deployment for the post, see ``personnel.eligibility``). The officer becomes *deployed* and is managed
    by the commune's district; the commune's coverage is recomputed in the same transaction.
    """
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    commune = Commune.objects.select_related("district").select_for_update(of=("self",)).get(pk=commune.pk)
    scoping.check_writable(created_by, commune)
    scoping.check_writable(created_by, officer)
    if officer.province_id != commune.district.province_id:
        raise ValidationError({"officer": _("The officer belongs to another province.")})
    if officer.assignments.active().exists():
        raise ValidationError({"officer": _("This officer already holds an active assignment.")})
    if officer.status not in ASSIGNABLE_STATUSES:
        raise ValidationError(
            {
                "officer": _("An officer with status “%(status)s” cannot be assigned.")
                % {"status": officer.get_status_display()}
            }
        )
    if post == Post.CHIEF and commune.assignments.active().filter(post=Post.CHIEF).exists():
        raise ValidationError({"post": _("This commune already has an active chief.")})

    violations = eligibility_violations(officer, plan_for(commune.district.province_id), started_on, post=post)
    override_reason = (override_reason or "").strip()
    if violations and not override_reason:
        raise ValidationError(
            {
                "override_reason": [
                    _("The officer breaks eligibility rules:"),
                    *violations,
                    _("Assigning anyway needs an override with a written reason."),
                ]
            }
        )
    if violations and not can_override_eligibility(created_by):
        raise ValidationError(
            {"override_reason": _("Only an administrator or a provincial clerk may override eligibility rules.")}
        )
    assignment = Assignment(
        officer=officer,
        commune=commune,
        province_id=commune.district.province_id,
        post=post,
        decision_number=(decision_number or "").strip(),
        decision_date=decision_date,
        started_on=started_on,
        created_by=created_by,
        rule_violations="\n".join(violations),
        override_reason=override_reason if violations else "",
        overridden_by=created_by if violations else None,
    )
    if started_on and decision_date and started_on < decision_date:
        raise ValidationError({"started_on": _("The start date cannot be before the decision date.")})
    assignment.full_clean()
    assignment._history_user = created_by
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:  # a constraint caught what the checks above could not see
        raise constraint_error(Assignment, exc) from exc
    officer.district_id = commune.district_id
    _set_status(officer, OfficerStatus.DEPLOYED, created_by, also_save=("district",))
    coverage_recompute(commune_codes=[commune.pk])  # one UPDATE, in this transaction: never stale
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment, ended_on: datetime.date, reason: str, note: str = "", user) -> Assignment:
    """End an assignment; it stays in history. A withdrawal makes the officer *withdrawn*; otherwise they return
    to the pipeline where their training leaves them (*ready* when trained). The commune's coverage is
    recomputed."""
    assignment = Assignment.objects.select_for_update().select_related("commune__district").get(pk=assignment.pk)
    scoping.check_writable(user, assignment)
    if assignment.ended_on is not None:
        raise ValidationError(_("This assignment has already ended."))
    if reason not in AssignmentEndReason.values:
        raise ValidationError({"end_reason": _("Choose why the assignment ends.")})
    # the officer's row before the write, as every writer of their assignments and enrolments locks it
    # (rollout.progress.states: an enrolment at the same moment refreshes the communes this one leaves)
    officer = Officer.objects.select_for_update().get(pk=assignment.officer_id)
    assignment.ended_on = ended_on
    assignment.end_reason = reason
    assignment.end_note = note
    assignment.full_clean()
    assignment._history_user = user
    assignment.save()
    if officer.status == OfficerStatus.DEPLOYED:
        # One status change (one history entry): withdrawn, or back where the officer's training leaves them.
        if reason == AssignmentEndReason.WITHDRAWAL:
            next_status = OfficerStatus.WITHDRAWN
        else:
            next_status = training_facts([officer.pk]).pipeline_status(officer.pk)
        _set_status(officer, next_status, user)
    coverage_recompute(commune_codes=[assignment.commune_id])
    return assignment


# A hand-over's fields, under the names the successor's assignment gives them.
_SUCCESSOR_FIELDS = {"officer": "successor", "started_on": "ended_on", NON_FIELD: NON_FIELD}


@transaction.atomic
def assignment_hand_over(
    *,
    assignment: Assignment,
    successor: Officer,
    ended_on: datetime.date,
    reason: str,
    decision_number: str,
    decision_date: datetime.date,
    user,
    note: str = "",
    override_reason: str = "",
) -> Assignment:
    """End ``assignment`` and give the same post in the same commune to ``successor`` from the same day, by
    their own decision; what the outgoing officer holds in the commune passes to the successor (the steps the
    apps above register, ``personnel.hooks``: equipment's ``issuances_hand_over``). One transaction: when any
    part is refused (the successor became unavailable, breaks a rule without an override, ...), nothing is
    written. Returns the successor's assignment."""
    # both officers locked first, in one order, so that two hand-overs between the same two officers cannot wait
    # for each other
    list(Officer.objects.select_for_update().filter(pk__in=[assignment.officer_id, successor.pk]).order_by("pk"))
    ended = assignment_end(assignment=assignment, ended_on=ended_on, reason=reason, note=note, user=user)
    try:
        taken = assignment_create(
            officer=successor,
            commune=ended.commune,
            post=ended.post,
            decision_number=decision_number,
            decision_date=decision_date,
            started_on=ended_on,
            created_by=user,
            override_reason=override_reason,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {_SUCCESSOR_FIELDS.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from error
    outgoing = Officer.objects.get(pk=ended.officer_id)
    for step in hand_over_steps():
        step(outgoing=outgoing, successor=taken.officer, commune=ended.commune, handed_on=ended_on, user=user)
    return taken
