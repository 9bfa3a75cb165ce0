"""Fixtures of the plan tests: messages in English, the Kon Tum plan with a phase, a member and a task, and another
province with its own plan."""

import datetime

import pytest
from django.utils import translation

from communes.models import Commune, CommuneKind, District, Province
from rollout.models import CommitteeRole, PilotPlan
from rollout.plan import services
from tests.builders.plan import START, TARGET, communes_of


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages asserted in English: the services' in this thread, the pages' through the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def plan(kon_tum):
    return PilotPlan.objects.create(province=kon_tum, name="Kế hoạch thí điểm Kon Tum", started_on=START,
                                    target_on=TARGET)  # fmt: skip


@pytest.fixture
def elsewhere(db):
    """Another province with one district, one commune and its own plan."""
    province = Province.objects.create(code=99, name="Tỉnh Thử Nghiệm", kind="province")
    district = District.objects.create(code=990, province=province, name="Huyện Thử", kind="rural_district")
    commune = Commune.objects.create(code=99001, district=district, name="Xã Ngoài Tỉnh", kind=CommuneKind.COMMUNE)
    other_plan = PilotPlan.objects.create(province=province, name="Kế hoạch tỉnh khác", started_on=START,
                                          target_on=TARGET)  # fmt: skip
    return {"province": province, "commune": commune, "plan": other_plan}


@pytest.fixture
def objects(plan, users):
    """One phase, one member and one task of the Kon Tum plan."""
    phase = services.phase_create(plan=plan, user=None, number=1, name="Đợt 1", target_on=TARGET,
                                  communes=communes_of(62, 3))  # fmt: skip
    member = services.member_create(plan=plan, user=None, full_name="Nguyễn Văn Sơn", unit="Bộ Công an",
                                    role=CommitteeRole.HEAD)  # fmt: skip
    task = services.task_create(plan=plan, user=users["administrator"], title="Lập danh sách xã",
                                unit="Phòng Tổ chức cán bộ", deadline=START + datetime.timedelta(days=30))  # fmt: skip
    return {"plan": plan, "phase": phase, "member": member, "task": task}
