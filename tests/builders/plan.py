"""The plan tests' dates and helpers: communes to put in a phase, and every row the plan pages can write."""

import datetime

from django.utils import timezone

from communes.models import Commune
from rollout.models import CommitteeMember, Phase, PilotPlan, Task

TODAY = timezone.localdate()
START = datetime.date(2026, 10, 1)
TARGET = datetime.date(2027, 6, 30)


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def communes_of(province_code: int, n: int) -> list[Commune]:
    return list(Commune.objects.filter(district__province_id=province_code).order_by("code")[:n])


def db_state() -> tuple:
    """The plan, its phases and their communes, the committee and the tasks: any write shows up."""
    return (
        list(PilotPlan.objects.order_by("pk").values()),
        list(Phase.objects.order_by("pk").values()),
        sorted(Phase.communes.through.objects.values_list("phase_id", "commune_id")),
        list(CommitteeMember.objects.order_by("pk").values()),
        list(Task.objects.order_by("pk").values()),
    )
