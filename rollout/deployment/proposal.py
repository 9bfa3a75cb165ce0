"""A deployment plan's proposal, computed from the data as it is now; it reads and writes nothing else.

``propose(...)`` finds the open posts of the scope (``open_posts``), the available officers of the province,
scores every officer for every post with the assign page's definition (``personnel.selectors.scored_candidates``
and ``commune_terms``: one definition, two uses) under the same hard rules (``personnel.eligibility``), and
solves the placement exactly (``rollout.deployment.solver``). Beside the optimum it computes the greedy
baseline: the posts taken one commune after another, each given its top suggestion.

Open posts (``open_posts``): the chief of every commune in scope without an active chief (communes covered
before the pilot are not the pilot's posts); with ``posts=norm`` also, up to the commune's staffing norm
(``communes.models.staffing_norm``), one deputy when the commune has none and the norm is two or more, then
officers. Priority tiers: the province plan's phases in order (communes of no phase last), and in each phase the
chiefs before the other posts.
"""

import datetime
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from communes.models import Commune, Coverage
from personnel.choices import ASSIGNABLE_STATUSES, Post
from personnel.eligibility import KEEPS_RULES, TRAINED_BY_THEN, broken_rules, hard_rules
from personnel.models import Assignment, Language, Officer
from personnel.selectors import (
    BASE_SCORE,
    WEIGHT_ELIGIBLE,
    WEIGHT_HOME_DISTRICT,
    WEIGHT_IN_TRAINING,
    WEIGHT_LOCAL_LANGUAGE,
    WEIGHT_PRIME_AGE,
    WEIGHT_TRAINED,
    scored_candidates,
)
from rollout.deployment import solver
from rollout.models import Phase, PlanPosts
from rollout.plan.selectors import plan_or_default

POST_ORDER = {Post.CHIEF: 0, Post.DEPUTY: 1, Post.OFFICER: 2}

# The reasons of a score, stored as codes (``DeploymentRow.reasons``) and shown in the reader's language.
REASON_ELIGIBLE = "eligible"
REASON_TRAINED = "trained"
REASON_IN_TRAINING = "in_training"
REASON_LOCAL_LANGUAGE = "local_language"
REASON_HOME_DISTRICT = "home_district"
REASON_PRIME_AGE = "prime_age"
REASON_RANK = "rank"


@dataclass(frozen=True)
class OpenPost:
    commune_id: int
    post: str
    slot: int  # 1, 2, ... among the commune's open posts of this kind
    tier: int


@dataclass(frozen=True)
class Lock:
    """A pair a clerk keeps through the next runs."""

    commune_id: int
    post: str
    slot: int
    officer_id: int


@dataclass
class ProposedRow:
    post: OpenPost
    officer_id: int | None = None
    score: int | None = None
    reasons: list = field(default_factory=list)  # [[points, code], ...]
    rule_violations: str = ""
    runner_up_id: int | None = None
    runner_up_score: int | None = None
    unfilled_reason: str = ""
    is_locked: bool = False


@dataclass
class Proposal:
    province_id: int
    rows: list[ProposedRow]
    total_score: int
    greedy_posts: int
    greedy_total_score: int
    seconds: float
    dropped_locks: list[Lock] = field(default_factory=list)  # locks whose officer or post is no longer open

    @property
    def filled(self) -> list[ProposedRow]:
        return [row for row in self.rows if row.officer_id is not None]

    @property
    def unfilled(self) -> list[ProposedRow]:
        return [row for row in self.rows if row.officer_id is None]


def scope_communes(*, province_id: int, phase: Phase | None = None, communes=None, excluded=()):
    """The communes a plan covers: those chosen, else the phase's, else the province's; less those left out."""
    if communes:
        queryset = Commune.objects.filter(pk__in=[getattr(c, "pk", c) for c in communes])
    elif phase is not None:
        queryset = phase.communes.all()
    else:
        queryset = Commune.objects.all()
    queryset = queryset.filter(district__province_id=province_id)
    if excluded:
        queryset = queryset.exclude(pk__in=[getattr(c, "pk", c) for c in excluded])
    return queryset


def _phase_rank(province_id: int) -> dict[int, int]:
    """``{commune code: index of its earliest phase}`` for the province plan's phases (0 first)."""
    plan = plan_or_default(province_id)
    if plan.pk is None:
        return {}
    numbers = sorted(Phase.objects.filter(plan=plan).values_list("number", flat=True))
    index = {number: position for position, number in enumerate(numbers)}
    ranks: dict[int, int] = {}
    for code, number in Phase.communes.through.objects.filter(phase__plan=plan).values_list(
        "commune_id", "phase__number"
    ):
        ranks[code] = min(ranks.get(code, len(numbers)), index[number])
    return ranks


def open_posts(communes, *, posts: str, province_id: int) -> list[OpenPost]:
    """The open posts of ``communes`` (see the module's docstring), in priority order then by commune."""
    active = Assignment.objects.filter(commune=OuterRef("pk"), ended_on__isnull=True)
    rows = (
        communes.exclude(coverage=Coverage.BASELINE)
        .with_staffing_norm()
        .annotate(
            has_chief=Exists(active.filter(post=Post.CHIEF)),
            has_deputy=Exists(active.filter(post=Post.DEPUTY)),
            holding=Count("assignments", filter=Q(assignments__ended_on__isnull=True), distinct=True),
        )
        .order_by("sort_key", "code")
        .values("code", "norm", "has_chief", "has_deputy", "holding")
    )
    ranks = _phase_rank(province_id)
    last = max(ranks.values(), default=-1) + 1
    result = []
    for row in rows:
        phase = ranks.get(row["code"], last)
        chief_tier, other_tier = 2 * phase, 2 * phase + 1
        wanted = []
        if not row["has_chief"]:
            wanted.append(Post.CHIEF)
        if posts == PlanPosts.NORM:
            room = row["norm"] - row["holding"] - len(wanted)
            if room > 0 and not row["has_deputy"] and row["norm"] >= 2:
                wanted.append(Post.DEPUTY)
                room -= 1
            wanted.extend([Post.OFFICER] * max(room, 0))
        counts: Counter = Counter()
        for post in wanted:
            counts[post] += 1
            tier = chief_tier if post == Post.CHIEF else other_tier
            result.append(OpenPost(row["code"], post, counts[post], tier))
    result.sort(key=lambda p: (p.tier, POST_ORDER[p.post]))  # stable: communes keep their order within a tier
    return result


def available_pool(province_id: int, *, user=None, excluded=()):
    """The province's officers who may be given a post now: an assignable status and no active assignment
    (``personnel.selectors.available_officers`` for a user; every one of the province for the command line)."""
    officers = Officer.objects.visible_to(user) if user is not None else Officer.objects.all()
    officers = officers.filter(province_id=province_id, status__in=ASSIGNABLE_STATUSES).exclude(
        Exists(Assignment.objects.filter(officer=OuterRef("pk"), ended_on__isnull=True))
    )
    if excluded:
        officers = officers.exclude(pk__in=[getattr(o, "pk", o) for o in excluded])
    return officers


def _reasons(officer, *, speaks: bool, local: bool) -> list:
    reasons = []
    if officer.is_eligible:
        reasons.append([WEIGHT_ELIGIBLE, REASON_ELIGIBLE])
    if officer.is_trained:
        reasons.append([WEIGHT_TRAINED, REASON_TRAINED])
    elif officer.status == "in_training":
        reasons.append([WEIGHT_IN_TRAINING, REASON_IN_TRAINING])
    if speaks:
        reasons.append([WEIGHT_LOCAL_LANGUAGE, REASON_LOCAL_LANGUAGE])
    if local:
        reasons.append([WEIGHT_HOME_DISTRICT, REASON_HOME_DISTRICT])
    if officer.is_prime_age:
        reasons.append([WEIGHT_PRIME_AGE, REASON_PRIME_AGE])
    reasons.append([officer.rank - 1, REASON_RANK])
    return reasons


def propose(
    *,
    province_id: int,
    posts: str = PlanPosts.CHIEFS,
    starts_on: datetime.date,
    phase: Phase | None = None,
    communes=None,
    excluded_communes=(),
    excluded_officers=(),
    allow_overrides: bool = False,
    locks: list[Lock] = (),
    user=None,
) -> Proposal:
    """The optimal proposal for the scope, with the greedy baseline beside it (see the module's docstring)."""
    started = time.perf_counter()
    rules_plan = plan_or_default(province_id)
    scope = scope_communes(province_id=province_id, phase=phase, communes=communes, excluded=excluded_communes)
    slots = open_posts(scope, posts=posts, province_id=province_id)
    pool = available_pool(province_id, user=user, excluded=excluded_officers)
    pool_ids = set(pool.values_list("pk", flat=True))

    # Locks first: a locked pair whose officer is still free and whose post is still open is kept as it is.
    by_key = {(s.commune_id, s.post, s.slot): s for s in slots}
    kept_locks, dropped = {}, []
    for lock in locks:
        key = (lock.commune_id, lock.post, lock.slot)
        if key in by_key and lock.officer_id in pool_ids and lock.officer_id not in kept_locks.values():
            kept_locks[key] = lock.officer_id
        else:
            dropped.append(lock)
    free_slots = [s for s in slots if (s.commune_id, s.post, s.slot) not in kept_locks]
    locked_officers = set(kept_locks.values())

    # Every officer of the pool, scored for each kind of post present (one query a kind), in one order.
    kinds = sorted({s.post for s in slots}, key=POST_ORDER.get)
    scored: dict[str, dict[int, Officer]] = {}
    rules_of: dict[str, tuple] = {}
    for kind in kinds:
        rules_of[kind] = hard_rules(rules_plan, kind, starts_on)
        scored[kind] = {
            officer.pk: officer
            for officer in scored_candidates(pool, rules=rules_of[kind], plan=rules_plan, on=starts_on).order_by("pk")
        }
    officer_ids = sorted(pool_ids)
    if not slots or not officer_ids:
        rows = [ProposedRow(post=slot) for slot in slots]
        for row in rows:
            row.unfilled_reason = _(
                "No officer of the province is available: each holds a post, is left out or is not yet vetted."
            )
        return Proposal(province_id, rows, 0, 0, 0, time.perf_counter() - started, list(locks))
    index = {pk: i for i, pk in enumerate(officer_ids)}
    free_officers = np.array([pk not in locked_officers for pk in officer_ids], dtype=bool)

    # The commune's terms: a language of its people, the officer's home district.
    commune_ids = sorted({s.commune_id for s in slots})
    commune_index = {code: c for c, code in enumerate(commune_ids)}
    districts = dict(Commune.objects.filter(pk__in=commune_ids).values_list("code", "district_id"))
    language_ids = sorted(Language.objects.values_list("pk", flat=True))
    language_index = {pk: k for k, pk in enumerate(language_ids)}
    speaks_matrix = np.zeros((len(officer_ids), len(commune_ids)), dtype=bool)
    if officer_ids and commune_ids and language_ids:
        officer_languages = np.zeros((len(officer_ids), len(language_ids)), dtype=np.int32)
        for officer_id, language_id in Language.officers.through.objects.filter(officer_id__in=officer_ids).values_list(
            "officer_id", "language_id"
        ):
            officer_languages[index[officer_id], language_index[language_id]] = 1
        commune_languages = np.zeros((len(language_ids), len(commune_ids)), dtype=np.int32)
        for commune_id, language_id in Language.communes.through.objects.filter(commune_id__in=commune_ids).values_list(
            "commune_id", "language_id"
        ):
            commune_languages[language_index[language_id], commune_index[commune_id]] = 1
        speaks_matrix = (officer_languages @ commune_languages) > 0
    any_kind = scored[kinds[0]] if kinds else {}
    home = np.array([any_kind[pk].home_district_id or 0 for pk in officer_ids], dtype=np.int64)
    local_matrix = home[:, np.newaxis] == np.array([districts[c] for c in commune_ids], dtype=np.int64)[np.newaxis, :]

    by_kind = {
        kind: (
            np.array([getattr(scored[kind][pk], BASE_SCORE) for pk in officer_ids], dtype=np.int64),
            np.array([getattr(scored[kind][pk], KEEPS_RULES) for pk in officer_ids], dtype=bool),
            np.array([getattr(scored[kind][pk], TRAINED_BY_THEN) for pk in officer_ids], dtype=bool),
        )
        for kind in kinds
    }

    def column(kind: str, commune_id: int):
        """Scores, rule flags and trained-by-then of every officer for one post (``commune_terms`` in numbers)."""
        base, keeps, trained = by_kind[kind]
        c = commune_index[commune_id]
        score = base + WEIGHT_LOCAL_LANGUAGE * speaks_matrix[:, c] + WEIGHT_HOME_DISTRICT * local_matrix[:, c]
        return score, keeps, trained

    n, m = len(officer_ids), len(free_slots)
    scores = np.zeros((n, m), dtype=np.int64)
    keeps = np.zeros((n, m), dtype=bool)
    order_key = np.zeros((n, m), dtype=np.float64)
    # the assign page's order: keeps every rule, trained by then, score, higher rank, younger, smaller pk
    ranks = np.array([any_kind[pk].rank for pk in officer_ids], dtype=np.float64) if n else np.zeros(0)
    births = np.array([any_kind[pk].birth_date.toordinal() for pk in officer_ids], dtype=np.float64) if n else ranks
    tie = ranks * 1e6 + (births - 700_000) - np.arange(n) * 1e-6
    columns_cache: dict[tuple[str, int], tuple] = {}
    for j, slot in enumerate(free_slots):
        key = (slot.post, slot.commune_id)
        if key not in columns_cache:
            columns_cache[key] = column(*key)
        score, keep, trained = columns_cache[key]
        scores[:, j], keeps[:, j] = score, keep
        order_key[:, j] = keep * 1e15 + trained * 1e14 + score * 1e10 + tie
    allowed = free_officers[:, np.newaxis] & (keeps | allow_overrides)
    override = allowed & ~keeps
    tiers = np.array([s.tier for s in free_slots], dtype=np.int64)

    best = solver.solve(scores, allowed, override, tiers)
    greedy_order = np.arange(m)  # slots come in priority order, communes in order within a tier
    baseline = solver.greedy(greedy_order, allowed, scores, order_key)

    # The rows: the locked pairs, the optimum's pairs and the posts left empty, each explained.
    rows: list[ProposedRow] = []
    chosen_officers = {officer_ids[i] for i in best.officer_of_slot.values()} | locked_officers
    position = {slot: j for j, slot in enumerate(free_slots)}
    for slot in slots:
        key = (slot.commune_id, slot.post, slot.slot)
        row = ProposedRow(post=slot)
        if key in kept_locks:
            officer_pk = kept_locks[key]
            score, keep, _trained = column(slot.post, slot.commune_id)
            i, c = index[officer_pk], commune_index[slot.commune_id]
            officer = scored[slot.post][officer_pk]
            rules = rules_of[slot.post]
            _fill(row, officer, int(score[i]), bool(keep[i]), rules, speaks_matrix[i, c], local_matrix[i, c])
            row.is_locked = True
        else:
            j = position[slot]
            i = best.officer_of_slot.get(j)
            if i is not None:
                officer = scored[slot.post][officer_ids[i]]
                c = commune_index[slot.commune_id]
                _fill(row, officer, int(scores[i, j]), bool(keeps[i, j]), rules_of[slot.post],
                      speaks_matrix[i, c], local_matrix[i, c])  # fmt: skip
            else:
                row.unfilled_reason = _unfilled_reason(
                    slot, j, allowed, keeps, free_officers, officer_ids, chosen_officers, scored, rules_of,
                    allow_overrides, speaks_matrix, commune_index,
                )  # fmt: skip
            # the runner-up: the best other candidate for this post by the assign page's order
            candidates = np.flatnonzero(allowed[:, j])
            if i is not None:
                candidates = candidates[candidates != i]
            if candidates.size:
                r = int(candidates[np.argmax(order_key[candidates, j])])
                row.runner_up_id, row.runner_up_score = officer_ids[r], int(scores[r, j])
        rows.append(row)
    locked_score = sum(row.score or 0 for row in rows if row.is_locked)
    return Proposal(
        province_id=province_id,
        rows=rows,
        total_score=best.total_score + locked_score,
        greedy_posts=baseline.filled + len(kept_locks),
        greedy_total_score=baseline.total_score + locked_score,
        seconds=time.perf_counter() - started,
        dropped_locks=dropped,
    )


def _fill(row: ProposedRow, officer: Officer, score: int, keeps: bool, rules, speaks, local) -> None:
    row.officer_id, row.score = officer.pk, score
    row.reasons = _reasons(officer, speaks=bool(speaks), local=bool(local))
    if not keeps:
        row.rule_violations = "\n".join(rule.explain(officer) for rule in broken_rules(officer, rules))


def _unfilled_reason(
    slot, j, allowed, keeps, free_officers, officer_ids, chosen, scored, rules_of, allow_overrides, speaks_matrix,
    commune_index,
) -> str:  # fmt: skip
    """Why nobody was proposed for a post, in words."""
    if not free_officers.any():
        return _("No officer of the province is available: each holds a post, is left out or is not yet vetted.")
    could = np.flatnonzero(allowed[:, j])
    if could.size == 0:
        officers = scored[slot.post]
        broken: Counter = Counter()
        for i in np.flatnonzero(free_officers & ~keeps[:, j]):
            for rule in broken_rules(officers[officer_ids[i]], rules_of[slot.post]):
                broken[str(rule.label)] += 1
        detail = "; ".join(f"{label}: {count}" for label, count in broken.most_common())
        return _("No available officer keeps every rule of this post (officers breaking each rule: %(detail)s).") % {
            "detail": detail
        }
    words = _("Every officer who could take this post (%(count)s) is proposed for a post of an earlier phase or a "
              "higher total score.") % {"count": could.size}  # fmt: skip
    languages = list(Language.objects.filter(communes=slot.commune_id).values_list("name", flat=True))
    if languages:
        c = commune_index[slot.commune_id]
        free_speakers = [i for i in np.flatnonzero(free_officers & speaks_matrix[:, c]) if officer_ids[i] not in chosen]
        if not free_speakers:
            words += " " + _("No officer left speaks %(languages)s.") % {"languages": ", ".join(languages)}
    return words
