"""The training step: the demo course catalogue, classes per province for cohorts of 40 officers, and the
enrolments (200,000 at full scale). Ready officers passed every mandatory course, about half of the deployed
ones too (mostly whole communes trained together, so some communes become operational), the others part of them
(some with a failed attempt); officers in training sit in a class running today. One officer's classes never
overlap (14-day slots); certificates ``N-CAX-01-2026-000001``."""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

from accounts.models import User
from communes.models import Province
from personnel.choices import OfficerStatus
from personnel.models import Assignment, Officer
from rollout.national.context import FLUSH_EVERY, POLICE_PREFIX, PREFIX, Run, Volumes, write
from rollout.national.regions import police_unit, short_name
from training.demo import demo_catalogue_create
from training.models import Course, Enrollment, TrainingSession, valid_until

CLASS_SIZE = 40
SLOT_DAYS = 14  # an officer takes at most one class per slot, and no class lasts longer than a slot
MAX_SLOT = 38  # the oldest classes started about 17 months ago


def training_seed(*, run: Run, rng: random.Random, volumes: Volumes, user: User, today: datetime.date) -> None:
    """Classes and enrolments for the synthetic officers ready, deployed or in training."""
    courses = sorted(demo_catalogue_create(), key=lambda c: c.code)
    mandatory = [c for c in courses if c.is_mandatory and c.is_active]
    optional = [c for c in courses if not c.is_mandatory and c.is_active]
    n_mandatory = len(mandatory)
    provinces = {p.code: p for p in Province.objects.all()}
    officers = list(
        Officer.objects.filter(
            police_number__startswith=POLICE_PREFIX,
            status__in=[OfficerStatus.READY, OfficerStatus.DEPLOYED, OfficerStatus.IN_TRAINING],
        )
        .order_by("pk")
        .values_list("pk", "status", "province_id")
    )
    if not n_mandatory or not officers:
        run.log("  no mandatory course or no officer to train")
        return

    share, plans = _progress_draw(rng=rng, officers=officers, n_mandatory=n_mandatory, n_optional=len(optional),
                                  enrolments=volumes.enrolments)  # fmt: skip
    sessions, members = _classes_draw(rng=rng, officers=officers, plans=plans, mandatory=mandatory,
                                      optional=optional, provinces=provinces, user=user, today=today)  # fmt: skip
    write(TrainingSession, list(sessions.values()), user, history=True)
    run.count("classes", len(sessions))
    written = _enrolments_write(rng=rng, courses=courses, sessions=sessions, members=members, user=user)
    run.count("enrolments", written)
    run.log(f"  (enrolments without history rows; {share:.0%} of deployed officers passed every mandatory course)")


def _progress_draw(
    *, rng: random.Random, officers: list[tuple], n_mandatory: int, n_optional: int, enrolments: int
) -> tuple[float, dict[int, list]]:
    """How far each officer got: passed mandatory courses, a failed attempt at the next one, a class running today,
    optional courses. About half the deployed officers passed everything; the share follows the volume asked.
    The share, and by officer ``[passed, failed_next, current, optional]``."""
    counts = Counter(status for _pk, status, _p in officers)
    partial_mean = (n_mandatory - 1) / 2 + 0.25
    base = n_mandatory * counts[OfficerStatus.READY] + ((n_mandatory - 1) / 2 + 1) * counts[OfficerStatus.IN_TRAINING]
    deployed = counts[OfficerStatus.DEPLOYED]
    share = ((enrolments - base) / deployed - partial_mean) / (n_mandatory - partial_mean) if deployed else 1
    share = min(max(share, 0.05), 0.95)
    # Training goes by post: in 70% of the share, whole communes were trained together (so some communes become
    # operational); the rest of the share is spread over the other communes' officers.
    posted = dict(
        Assignment.objects.filter(ended_on__isnull=True, officer__police_number__startswith=POLICE_PREFIX).values_list(
            "officer_id", "commune_id"
        )
    )
    whole = 0.7 * share
    spread = (share - whole) / (1 - whole) if whole < 1 else 1
    trained_communes = {commune for commune in sorted(set(posted.values())) if rng.random() < whole}
    plans: dict[int, list] = {}  # officer → [passed, failed_next, current, optional]
    for pk, status, _province in officers:
        if status == OfficerStatus.READY or (
            status == OfficerStatus.DEPLOYED and (posted.get(pk) in trained_communes or rng.random() < spread)
        ):
            plans[pk] = [n_mandatory, False, False, 0]
        elif status == OfficerStatus.DEPLOYED:
            plans[pk] = [rng.randint(1, max(n_mandatory - 2, 1)), rng.random() < 0.25, False, 0]
        else:
            plans[pk] = [rng.randint(0, n_mandatory - 1), False, True, 0]
    total = sum(p[0] + p[1] + p[2] for p in plans.values())
    trained = [pk for pk, p in plans.items() if p[0] == n_mandatory]
    rng.shuffle(trained)
    for _round in range(n_optional):
        for pk in trained:
            if total >= enrolments:
                break
            plans[pk][3] += 1
            total += 1
    failing = [p for p in plans.values() if p[1]]
    while total > enrolments and failing:
        failing.pop()[1] = False
        total -= 1
    return share, plans


def _classes_draw(
    *,
    rng: random.Random,
    officers: list[tuple],
    plans: dict[int, list],
    mandatory: list[Course],
    optional: list[Course],
    provinces: dict[int, Province],
    user: User,
    today: datetime.date,
) -> tuple[dict[tuple, TrainingSession], dict[tuple, list[tuple[int, str]]]]:
    """The classes, by (cohort, course position, slot), and who sits in each with what outcome."""
    n_mandatory = len(mandatory)

    def slot_start(slot: int) -> datetime.date:
        return today - datetime.timedelta(days=1 + SLOT_DAYS * slot)

    # Cohorts of officers of a province take their courses together, one slot after the other.
    cohorts = defaultdict(list)
    for pk, status, province in officers:
        cohorts[(province, status == OfficerStatus.IN_TRAINING)].append(pk)
    sessions: dict[tuple, TrainingSession] = {}
    members: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    cohort_number = 0
    for (province, _in_training), pks in sorted(cohorts.items()):
        rng.shuffle(pks)
        place = f"Trường Chính trị {short_name(provinces[province])}" if rng.random() < 0.5 else (
            police_unit(provinces[province]))  # fmt: skip
        for start in range(0, len(pks), CLASS_SIZE):
            cohort_number += 1
            group = pks[start : start + CLASS_SIZE]
            order = mandatory[:1] + rng.sample(mandatory[1:], len(mandatory) - 1) + rng.sample(optional, len(optional))
            first_slot = max(
                (plans[pk][0] + plans[pk][1] + plans[pk][3] for pk in group), default=1
            )  # the longest sequence ends in slot 1
            first_slot = rng.randint(max(first_slot, 1), max(MAX_SLOT, first_slot))
            for pk in group:
                passed, failed_next, current, extra = plans[pk]
                steps = [(j, "pass") for j in range(passed)]
                if failed_next:
                    steps.append((passed, "fail"))
                if current:
                    steps.append((passed, "current"))
                steps += [(n_mandatory + j, "pass") for j in range(extra)]
                for position, (j, outcome) in enumerate(steps):
                    slot = (len(steps) - 1 - position) if current else first_slot - position
                    key = (cohort_number, j, slot)
                    if key not in sessions:
                        course = order[j]
                        starts_on = slot_start(slot)
                        sessions[key] = TrainingSession(
                            course_id=course.pk, province_id=province, starts_on=starts_on,
                            ends_on=starts_on + datetime.timedelta(days=max(course.hours // 8, 1) - 1),
                            place=place, instructor=f"Phòng Tham mưu, {police_unit(provinces[province])}",
                            capacity=CLASS_SIZE, results_closed=slot > 0, created_by_id=user.pk,
                        )  # fmt: skip
                    members[key].append((pk, outcome))
    return sessions, members


def _enrolments_write(
    *,
    rng: random.Random,
    courses: list[Course],
    sessions: dict[tuple, TrainingSession],
    members: dict[tuple, list[tuple[int, str]]],
    user: User,
) -> int:
    """Write the enrolments of the written ``sessions`` with their results (without history rows); how many."""
    courses_by_pk = {c.pk: c for c in courses}
    numbers: Counter = Counter()
    buffer: list[Enrollment] = []
    written = 0
    for key, session in sessions.items():
        course = courses_by_pk[session.course_id]
        for pk, outcome in members[key]:
            enrollment = Enrollment(
                session_id=session.pk, officer_id=pk, course_id=course.pk, starts_on=session.starts_on,
                ends_on=session.ends_on, enrolled_by_id=user.pk,
            )  # fmt: skip
            if outcome == "pass":
                prefix = f"{PREFIX}-{course.code}-{session.ends_on.year}-"
                numbers[prefix] += 1
                enrollment.attended, enrollment.passed = True, True
                enrollment.score = Decimal(rng.randint(50, 100)) / 10
                enrollment.certificate_number = f"{prefix}{numbers[prefix]:06d}"
                enrollment.valid_until = valid_until(course, session.ends_on)
                enrollment.result_recorded_by_id = user.pk
            elif outcome == "fail":
                enrollment.passed = False
                enrollment.attended = rng.random() < 0.9
                enrollment.score = Decimal(rng.randint(20, 49)) / 10 if enrollment.attended else None
                enrollment.result_recorded_by_id = user.pk
            buffer.append(enrollment)
        if len(buffer) >= FLUSH_EVERY:
            written += len(write(Enrollment, buffer, user, history=False))
            buffer = []
    written += len(write(Enrollment, buffer, user, history=False))
    return written
