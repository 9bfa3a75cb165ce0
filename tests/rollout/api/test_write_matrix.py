"""Role × endpoint × method for the API's writes, against the pages: for every write, each role's token gets the
answer the role gets from the page that does the same thing. The page is asked with a POST carrying nothing (the
CSRF token only, which writes nothing): 403 there means the API refuses the role (403, nothing written), 404 means
the object is outside the role's area (404, nothing written), and a form shown again with its errors means the role
may write: the API then takes a valid request and records it through the service, with the user in the history.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from equipment.models import Issuance
from personnel.models import Assignment, Officer, Vetting
from tests.builders.equipment import TT_DAK_GLEI
from tests.builders.world import CITY, DAK_GLEI, DAK_MAN, assert_unchanged, db_state
from tests.factories import OfficerFactory, vet_fully
from training.models import Enrollment

pytestmark = pytest.mark.usefixtures("shared_world")
ROLES = ["committee", "provincial_clerk", "district_clerk", "administrator", "no_role"]
TODAY = timezone.localdate()


@dataclass
class Write:
    name: str
    method: str
    api: Callable  # world -> the API's path
    page: Callable  # world -> the page's path
    body: Callable  # world -> a valid JSON body
    written: Callable  # (world, body) -> whether the write is in the database


def _vetted_officer():
    """A vetted officer of Đắk Glei in no class: one that a class takes."""
    return vet_fully(OfficerFactory(district_id=DAK_GLEI), User.objects.get(username="administrator_user"))


def _officer_body(world):
    return {
        "police_number": "987-111", "full_name": "A  Phiên   Y", "birth_date": "1994-03-08", "gender": "male",
        "ethnicity": "xo_dang", "rank": 6, "current_unit": "Công an huyện Đắk Glei", "province": 62, "district": 610,
        "education": "university", "political_theory": "intermediate",
    }  # fmt: skip


def _update(officer: str, unit: str, where: str = "") -> Write:
    """Change the current unit of the world's ``officer``."""
    pk = lambda w: getattr(w, officer).pk  # noqa: E731
    return Write(
        f"update an officer{where}", "patch", lambda w: f"/api/v1/officers/{pk(w)}/",
        lambda w: reverse("personnel:officer_update", args=[pk(w)]), lambda w: {"current_unit": unit},
        lambda w, b: Officer.objects.get(pk=pk(w)).current_unit == unit,
    )  # fmt: skip


def _vetting(officer: str, where: str = "") -> Write:
    """Record the health criterion of the world's ``officer``."""
    pk = lambda w: getattr(w, officer).pk  # noqa: E731
    return Write(
        f"record vetting{where}", "post", lambda w: f"/api/v1/officers/{pk(w)}/vetting/",
        lambda w: reverse("personnel:officer_vetting", args=[pk(w)]),
        lambda w: {"decided_on": TODAY.isoformat(), "decisions": [{"criterion": "health", "passed": True}]},
        lambda w, b: Vetting.objects.filter(officer_id=pk(w), criterion="health", passed=True).exists(),
    )  # fmt: skip


def _end(assignment: str, where: str = "") -> Write:
    """End the world's ``assignment`` today."""
    pk = lambda w: getattr(w, assignment).pk  # noqa: E731
    return Write(
        f"end an assignment{where}", "post", lambda w: f"/api/v1/assignments/{pk(w)}/end/",
        lambda w: reverse("personnel:assignment_end", args=[pk(w)]),
        lambda w: {"ended_on": TODAY.isoformat(), "reason": "transfer"},
        lambda w, b: Assignment.objects.get(pk=pk(w)).ended_on == TODAY,
    )  # fmt: skip


def _return(issuance: str, where: str = "") -> Write:
    """Take back the world's ``issuance`` in good condition."""
    pk = lambda w: getattr(w, issuance).pk  # noqa: E731
    return Write(
        f"return equipment{where}", "post", lambda w: f"/api/v1/issuances/{pk(w)}/return/",
        lambda w: reverse("equipment:issuance_return", args=[pk(w)]),
        lambda w: {"returned_on": TODAY.isoformat(), "condition": "good"},
        lambda w, b: Issuance.objects.get(pk=pk(w)).status == "returned",
    )  # fmt: skip


WRITES = [
    Write(
        "register an officer",
        "post",
        lambda w: "/api/v1/officers/",
        lambda w: reverse("personnel:officer_create"),
        _officer_body,
        lambda w, b: Officer.objects.filter(police_number="987-111", full_name="A Phiên Y").exists(),
    ),
    _update("glei", "Công an xã Đắk Pék"),
    _vetting("glei"),
    Write(
        "assign an officer",
        "post",
        lambda w: "/api/v1/assignments/",
        lambda w: reverse("personnel:assign", args=[DAK_MAN]),
        lambda w: {
            "officer": w.free.pk,
            "commune": DAK_MAN,
            "post": "chief",
            "decision_number": "15/QĐ-CAT",
            "decision_date": TODAY.isoformat(),
            "started_on": TODAY.isoformat(),
        },  # fmt: skip
        lambda w, b: Assignment.objects.filter(officer=w.free, commune_id=DAK_MAN, ended_on=None).exists(),
    ),
    _end("assignment"),
    Write(
        "enrol officers",
        "post",
        lambda w: f"/api/v1/classes/{w.open_session.pk}/enrol/",
        lambda w: reverse("training:session_enrol", args=[w.open_session.pk]),
        lambda w: {"officers": [_vetted_officer().pk]},
        lambda w, b: Enrollment.objects.filter(session=w.open_session, officer_id__in=b["officers"]).exists(),
    ),
    Write(
        "record results",
        "post",
        lambda w: f"/api/v1/classes/{w.session.pk}/results/",
        lambda w: reverse("training:session_results", args=[w.session.pk]),
        lambda w: {"results": [{"enrolment": w.enrollment.pk, "attended": True, "score": 8.5, "passed": True}]},
        lambda w, b: Enrollment.objects.get(pk=w.enrollment.pk).passed is True,
    ),
    Write(
        "issue equipment",
        "post",
        lambda w: "/api/v1/issuances/",
        lambda w: reverse("equipment:commune_equipment", args=[TT_DAK_GLEI]),
        lambda w: {
            "commune": TT_DAK_GLEI,
            "equipment_type": w.cat.baton.pk,
            "warehouse": w.cat.glei_store.pk,
            "issued_on": TODAY.isoformat(),
            "quantity": 2,
        },  # fmt: skip
        lambda w, b: Issuance.objects.filter(commune_id=TT_DAK_GLEI, equipment_type=w.cat.baton, quantity=2).exists(),
    ),
    _return("issuance"),
]
# The same writes on objects of the provincial city (608), outside the district clerk's district.
ELSEWHERE = [
    _update("city", "Công an phường Quang Trung", " elsewhere"), _vetting("city", " elsewhere"),
    _end("city_assignment", " elsewhere"), _return("city_issuance", " elsewhere"),
]  # fmt: skip


def _page_verdict(client_as, role: str, url: str) -> int:
    """What the page answers the role's POST of nothing, which writes nothing: 403, 404, or 200 for the form again
    with its errors (or back to the class with a message: nothing was chosen)."""
    before = db_state()
    response = client_as(role).post(url, {})
    assert response.status_code in (200, 302, 400, 403, 404), (url, response.status_code)
    assert_unchanged(before, db_state())
    return 200 if response.status_code in (302, 400) else response.status_code


@pytest.mark.parametrize("write", [*WRITES, *ELSEWHERE], ids=lambda w: w.name)
@pytest.mark.parametrize("role", ROLES)
def test_a_token_writes_exactly_what_the_role_s_pages_allow(api_as, client_as, world, role, write):
    page = _page_verdict(client_as, role, write.page(world))
    body = write.body(world)
    before = db_state()
    answer = getattr(api_as(role), write.method)(write.api(world), body, content_type="application/json")
    if page in (403, 404):
        assert answer.status_code == page, (answer.status_code, answer.content[:300])
        assert_unchanged(before, db_state())
        assert not write.written(world, body)
        return
    assert answer.status_code in (200, 201), (answer.status_code, answer.content[:500])
    assert write.written(world, body)


def test_the_matrix_is_not_trivial(api_as, client_as, world):
    """The pages' verdicts the matrix compares against: the Committee and users without a role may write nothing,
    clerks and administrators every write, the district clerk nothing of another district."""
    verdicts = {
        (role, write.name): _page_verdict(client_as, role, write.page(world)) for role in ROLES for write in WRITES
    }
    assert {v for (role, _name), v in verdicts.items() if role in ("committee", "no_role")} == {403}
    assert {v for (role, _name), v in verdicts.items() if role not in ("committee", "no_role")} == {200}
    assert {_page_verdict(client_as, "district_clerk", w.page(world)) for w in ELSEWHERE} == {404}
    assert {_page_verdict(client_as, "provincial_clerk", w.page(world)) for w in ELSEWHERE} == {200}
    assert world.city.district_id == CITY


def test_the_history_names_the_token_s_user(api_as, world, users):
    answer = api_as("district_clerk").patch(
        f"/api/v1/officers/{world.glei.pk}/", {"current_unit": "Công an xã Đắk Man"}, content_type="application/json"
    )
    assert answer.status_code == 200
    latest = Officer.objects.get(pk=world.glei.pk).history.latest()
    assert latest.history_user == users["district_clerk"] and latest.current_unit == "Công an xã Đắk Man"


def test_a_write_in_the_past_is_dated_as_sent(api_as, world):
    """A day the clerk gives is kept (an assignment ended yesterday), not replaced by today."""
    yesterday = TODAY - datetime.timedelta(days=1)
    answer = api_as("provincial_clerk").post(
        f"/api/v1/assignments/{world.assignment.pk}/end/", {"ended_on": yesterday.isoformat(), "reason": "transfer"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert Assignment.objects.get(pk=world.assignment.pk).ended_on == yesterday


@pytest.mark.parametrize("write", [w for w in WRITES if w.name != "issue equipment"], ids=lambda w: w.name)
def test_the_same_write_twice_writes_once(api_as, world, write):
    """The second of two identical requests writes nothing: unchanged (200) or refused with a message (400).
    (Issuing twice is answered by the Idempotency-Key: tests/rollout/api/test_views.py.)"""
    http, body = api_as("provincial_clerk"), write.body(world)
    first = getattr(http, write.method)(write.api(world), body, content_type="application/json")
    assert first.status_code in (200, 201), first.content[:300]
    before = db_state()
    second = getattr(http, write.method)(write.api(world), body, content_type="application/json")
    assert second.status_code in (200, 400), second.content[:300]
    if second.status_code == 400:
        assert all(isinstance(messages, list) and messages for messages in second.json().values()), second.json()
    assert_unchanged(before, db_state())


def test_an_override_is_the_provincial_clerk_s_as_on_the_assign_page(api_as, world):
    """Assigning an officer who breaks a rule (vetted, not trained) needs a written reason, and a role that may
    override."""
    officer = _vetted_officer()
    body = {"officer": officer.pk, "commune": DAK_MAN, "post": "chief", "decision_number": "16/QĐ-CAT",
            "decision_date": TODAY.isoformat(), "started_on": TODAY.isoformat()}  # fmt: skip
    without = api_as("provincial_clerk").post("/api/v1/assignments/", body, content_type="application/json")
    assert without.status_code == 400 and "override_reason" in without.json()
    reason = {**body, "override_reason": "Cán bộ người dân tộc tại chỗ, đang hoàn thiện hồ sơ xét duyệt."}
    district = api_as("district_clerk").post("/api/v1/assignments/", reason, content_type="application/json")
    assert district.status_code == 400
    assert district.json()["override_reason"] == [
        "Chỉ quản trị hệ thống hoặc cán bộ nghiệp vụ tỉnh mới được quyết định bố trí ngoại lệ."
    ]
    assert not Assignment.objects.filter(officer=officer).exists()
    provincial = api_as("provincial_clerk").post("/api/v1/assignments/", reason, content_type="application/json")
    assert provincial.status_code == 201, provincial.content
    assignment = Assignment.objects.get(officer=officer)
    assert assignment.override_reason.startswith("Cán bộ người dân tộc") and assignment.rule_violations


def test_the_browser_s_session_writes_only_with_its_csrf_token(client, users, world):
    from django.test import Client

    http = Client(enforce_csrf_checks=True)
    http.force_login(users["district_clerk"])
    url = f"/api/v1/officers/{world.glei.pk}/"
    refused = http.patch(url, {"current_unit": "Công an xã Đắk Man"}, content_type="application/json")
    assert refused.status_code == 403
    http.get("/accounts/tokens/")  # a page sets the CSRF cookie
    accepted = http.patch(url, {"current_unit": "Công an xã Đắk Man"}, content_type="application/json",
                          headers={"X-CSRFToken": http.cookies["csrftoken"].value})  # fmt: skip
    assert accepted.status_code == 200, accepted.content
