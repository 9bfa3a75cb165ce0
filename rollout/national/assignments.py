"""Assignments of the national data: who holds which post where, since when. 90% of them active — a chief, a
deputy and officers per commune, first the communes the pilot covers, then the baseline ones — and 10% ended
(transfers and withdrawals); decision numbers ``N000001/QĐ-CAT``."""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from accounts.models import User
from communes.models import Coverage
from personnel.choices import AssignmentEndReason, OfficerStatus, Post, Rank
from personnel.models import Assignment, Officer
from rollout.national.context import PREFIX, Run, Volumes, write
from rollout.national.draws import later, within
from rollout.national.officers import Roster

PILOT_SHARE = 0.6  # of the communes uncovered at the start, those the pilot has reached (volumes permitting)
ACTIVE_SHARE = 0.9  # of the assignments, those still active
TRANSFER_SHARE = 2 / 3  # of the ended assignments, an earlier post of an officer now deployed elsewhere


@dataclass
class Posting:
    """An assignment to be written, held by an officer of the roster (their key comes when they are written)."""

    officer: Officer
    commune: int
    district: int
    province: int
    post: str
    started_on: datetime.date
    ended_on: datetime.date | None = None
    end_reason: str = ""


def postings_draw(
    *,
    rng: random.Random,
    roster: Roster,
    communes: list[tuple],
    occupied: set[int],
    volumes: Volumes,
    today: datetime.date,
    plan_start: datetime.date,
) -> tuple[list[Posting], list[Posting]]:
    """The active postings and the ended ones, adding their officers to ``roster``. ``communes`` are rows (code,
    district, province, coverage, baseline covered on); the ``occupied`` ones (with an active assignment) get no
    new post."""
    n_active = round(volumes.assignments * ACTIVE_SHARE)
    n_ended = volumes.assignments - n_active
    n_transfers = min(round(n_ended * TRANSFER_SHARE), n_active)
    n_withdrawn = n_ended - n_transfers

    # Posts: the communes the pilot covers first (they need their chief), then the baseline communes.
    uncovered = [c for c in communes if c[3] == Coverage.UNCOVERED and c[0] not in occupied]
    baseline = [c for c in communes if c[3] == Coverage.BASELINE and c[0] not in occupied]
    rng.shuffle(uncovered)
    rng.shuffle(baseline)
    order = uncovered[: round(PILOT_SHARE * len(uncovered))] + baseline
    postings: list[Posting] = []
    budget = n_active
    for code, district, province, coverage, baseline_on in order:
        if budget <= 0:
            break
        posts = [Post.CHIEF, Post.DEPUTY] + [Post.OFFICER] * rng.choices([1, 2, 3, 4], weights=[2, 3, 3, 2])[0]
        posts = posts[:budget]
        budget -= len(posts)
        if coverage == Coverage.UNCOVERED:  # covered by the pilot during the year
            chief_on = later(rng, plan_start + datetime.timedelta(days=10), today - datetime.timedelta(days=1))
        else:
            chief_on = max(baseline_on or plan_start, plan_start - datetime.timedelta(days=rng.randint(30, 1000)))
        for post in posts:
            if post == Post.CHIEF:
                started = chief_on
            elif coverage == Coverage.UNCOVERED:
                started = within(rng, chief_on, 60 if post == Post.DEPUTY else 120, today)
            elif rng.random() < (0.7 if post == Post.DEPUTY else 0.35):
                started = max(chief_on, plan_start - datetime.timedelta(days=rng.randint(1, 700)))
            else:
                started = later(rng, plan_start, today)
            officer = roster.add(
                province_code=province, district_code=district, status=OfficerStatus.DEPLOYED,
                age=(30, 45) if post == Post.CHIEF else (23, 45),
                min_rank=Rank.THIEU_UY if post == Post.CHIEF else Rank.TRUNG_SI,
            )  # fmt: skip
            postings.append(Posting(officer, code, district, province, post, started))
    if budget > 0:  # more assignments than posts in the communes: extra officers where posts already exist
        filled = list(postings)
        for _ in range(budget):
            host = rng.choice(filled)
            officer = roster.add(province_code=host.province, district_code=host.district,
                                 status=OfficerStatus.DEPLOYED, age=(23, 45), min_rank=Rank.TRUNG_SI)  # fmt: skip
            postings.append(Posting(officer, host.commune, host.district, host.province, Post.OFFICER,
                                    later(rng, plan_start, today)))  # fmt: skip

    # Ended assignments: an earlier post of an officer now deployed elsewhere, or of an officer withdrawn.
    by_province: dict[int, list[tuple]] = defaultdict(list)
    for row in communes:
        by_province[row[2]].append(row)
    ended: list[Posting] = []
    for current in rng.sample(postings, n_transfers):
        before = rng.choice(by_province[current.province])
        started = current.started_on - datetime.timedelta(days=rng.randint(180, 1400))
        ended_on = max(started, current.started_on - datetime.timedelta(days=rng.randint(0, 7)))
        ended.append(Posting(current.officer, before[0], before[1], current.province,
                             rng.choice([Post.DEPUTY, Post.OFFICER, Post.OFFICER]), started, ended_on,
                             AssignmentEndReason.TRANSFER))  # fmt: skip
    for _ in range(n_withdrawn):
        code, district, province, _coverage, _baseline = rng.choice(communes)
        officer = roster.add(province_code=province, district_code=district, status=OfficerStatus.WITHDRAWN,
                             age=(24, 50))  # fmt: skip
        started = today - datetime.timedelta(days=rng.randint(200, 1500))
        ended_on = max(started, later(rng, plan_start, today - datetime.timedelta(days=1)))
        reason = rng.choice([AssignmentEndReason.WITHDRAWAL, AssignmentEndReason.OTHER])
        post = rng.choice([Post.DEPUTY, Post.OFFICER])
        ended.append(Posting(officer, code, district, province, post, started, ended_on, reason))
    return postings, ended


def assignments_write(*, run: Run, rng: random.Random, postings: list[Posting], user: User) -> None:
    """Write the postings as assignments (with history rows), decision numbers in order of their start."""
    assignments = []
    for number, posting in enumerate(sorted(postings, key=lambda p: (p.started_on, p.commune)), start=1):
        decided = posting.started_on - datetime.timedelta(days=rng.randint(0, 14))
        assignments.append(
            Assignment(
                officer_id=posting.officer.pk,
                commune_id=posting.commune,
                province_id=posting.province,
                post=posting.post,
                decision_number=f"{PREFIX}{number:06d}/QĐ-CAT",
                decision_date=decided,
                started_on=posting.started_on,
                ended_on=posting.ended_on,
                end_reason=posting.end_reason,
                created_by_id=user.pk,
            )  # fmt: skip
        )
    write(Assignment, assignments, user, history=True)
    run.count("assignments", len(assignments))
