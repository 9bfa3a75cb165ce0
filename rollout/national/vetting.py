"""Vetting decisions of the national data: the five decisions of every officer past the candidate stage, taken
before their first post (a withdrawn officer who never held one failed a criterion half the time), and the
first one or two of a quarter of the candidates (half-way through vetting)."""

import datetime
import random

from accounts.models import User
from personnel.choices import OfficerStatus, VettingCriterion
from personnel.models import Officer, Vetting
from rollout.national.assignments import Posting
from rollout.national.context import FLUSH_EVERY, Run, write


def vettings_write(
    *,
    run: Run,
    rng: random.Random,
    officers: list[Officer],
    postings: list[Posting],
    user: User,
    today: datetime.date,
) -> None:
    """Write the decisions of ``officers`` (without history rows: ~237,000 of them at full scale)."""
    first_post = {}
    for posting in postings:
        known = first_post.get(posting.officer.pk)
        first_post[posting.officer.pk] = min(known, posting.started_on) if known else posting.started_on
    vettings = []
    for officer in officers:
        if officer.status == OfficerStatus.CANDIDATE:
            if rng.random() < 0.25:  # half-way through vetting
                decided = today - datetime.timedelta(days=rng.randint(0, 60))
                for criterion in VettingCriterion.values[: rng.randint(1, 2)]:
                    vettings.append(Vetting(officer_id=officer.pk, criterion=criterion, passed=True,
                                            decided_by_id=user.pk, decided_on=decided))  # fmt: skip
            continue
        before = first_post.get(officer.pk)
        decided = (before - datetime.timedelta(days=rng.randint(10, 120))) if before else (
            today - datetime.timedelta(days=rng.randint(10, 400)))  # fmt: skip
        failed = (
            rng.choice(VettingCriterion.values)
            if officer.status == OfficerStatus.WITHDRAWN and before is None and rng.random() < 0.5
            else None
        )
        for criterion in VettingCriterion.values:
            vettings.append(Vetting(officer_id=officer.pk, criterion=criterion, passed=criterion != failed,
                                    decided_by_id=user.pk, decided_on=decided,
                                    note="Không đạt yêu cầu" if criterion == failed else ""))  # fmt: skip
        if len(vettings) >= FLUSH_EVERY:
            write(Vetting, vettings, user, history=False)
            run.result.created["vettings"] += len(vettings)
            vettings = []
    write(Vetting, vettings, user, history=False)
    run.result.created["vettings"] += len(vettings)
    run.log(f"  vettings: {run.result.created['vettings']:,} created (without history rows)")
