"""The API reads what each role's pages show and writes what they allow, through the same services."""

import pytest
from django.urls import reverse

from accounts.models import ExportRecord
from personnel.identifiers import mask
from personnel.models import Assignment, Officer
from tests.builders.world import world_urls

pytestmark = pytest.mark.usefixtures("shared_world")
ROLES = ["committee", "provincial_clerk", "district_clerk", "administrator", "no_role"]
READS = [
    "province-list", "district-list", "commune-list", "officer-list", "assignment-list", "course-list", "class-list",
    "enrolment-list", "equipment_type-list", "item-list", "issuance-list", "plan-list", "phase-list", "task-list",
    "report-list", "alert-list", "alert-detail", "progress", "officer-detail", "commune-detail",
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_read_answers_each_role_as_its_pages(api_as, world, role):
    urls = world_urls(world)
    http = api_as(role)
    for name in READS:
        response = http.get(urls[f"api:{name}"])
        expected = 403 if role == "no_role" else 404 if (role, name) == ("district_clerk", "x") else 200
        assert response.status_code == expected, (name, response.status_code, response.content[:300])


@pytest.mark.parametrize("role", ["committee", "provincial_clerk", "district_clerk", "administrator"])
def test_a_token_reads_exactly_the_officers_its_pages_show(api_as, users, role):
    http = api_as(role)
    ids, url = [], "/api/v1/officers/?page_size=500"
    while url:
        body = http.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(ids) == sorted(Officer.objects.visible_to(users[role]).values_list("pk", flat=True))
    assert len(ids) == len(set(ids))


def test_identifiers_are_masked_for_the_roles_the_pages_mask_them_for(api_as, world):
    chief = Officer.objects.get(pk=world.chief.pk)
    seen = api_as("committee").get(f"/api/v1/officers/{chief.pk}/").json()
    assert seen["police_number"] == mask(chief.police_number)
    assert seen["birth_date"] == mask(chief.birth_date)
    clear = api_as("district_clerk").get(f"/api/v1/officers/{chief.pk}/").json()
    assert clear["police_number"] == chief.police_number
    assert clear["birth_date"] == chief.birth_date.isoformat()


def test_outside_the_area_is_404(api_as, world):
    http = api_as("district_clerk")
    assert http.get(f"/api/v1/officers/{world.city_chief.pk}/").status_code == 404
    assert http.get(f"/api/v1/communes/{world.other_commune.pk}/").status_code == 404
    assert http.get("/api/v1/progress/?district=608").status_code == 403


def test_a_list_of_officers_is_recorded_as_an_export(api_as, users):
    before = ExportRecord.objects.count()
    api_as("provincial_clerk").get("/api/v1/officers/")
    record = ExportRecord.objects.latest("pk")
    assert ExportRecord.objects.count() == before + 1
    assert record.user == users["provincial_clerk"] and record.identifiers_shown and record.rows > 0


def test_reads_carry_an_etag_and_answer_304(api_as):
    http = api_as("committee")
    first = http.get("/api/v1/communes/?district=610")
    assert first.status_code == 200 and first["ETag"]
    again = http.get("/api/v1/communes/?district=610", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def _officer(**extra):
    return {"police_number": "987-001", "full_name": "Nguyễn  Văn   Tùng", "birth_date": "1995-04-02",
            "gender": "male", "ethnicity": "kinh", "rank": 6, "current_unit": "Công an huyện Đắk Glei",
            "province": 62, "district": 610, "education": "university", "political_theory": "intermediate",
            **extra}  # fmt: skip


def test_writes_follow_the_roles(api_as):
    assert api_as("committee").post("/api/v1/officers/", _officer(), content_type="application/json").status_code == 403
    created = api_as("district_clerk").post("/api/v1/officers/", _officer(), content_type="application/json")
    assert created.status_code == 201, created.content
    officer = Officer.objects.get(pk=created.json()["id"])
    assert officer.full_name == "Nguyễn Văn Tùng" and officer.status == "candidate"
    assert officer.history.latest().history_user.username.startswith("district")
    outside = api_as("district_clerk").post(
        "/api/v1/officers/", _officer(police_number="987-002", district=608), content_type="application/json"
    )
    assert outside.status_code == 400 and "district" in outside.json()


def test_the_service_s_messages_in_the_client_s_language(api_as, world):
    url = f"/api/v1/assignments/{world.assignment.pk}/end/"
    body = {"ended_on": "1990-01-01", "reason": "transfer"}
    vi = api_as("district_clerk").post(url, body, content_type="application/json")
    en = api_as("district_clerk", **{"Accept-Language": "en"}).post(url, body, content_type="application/json")
    assert vi.status_code == en.status_code == 400
    assert vi.json() != en.json()
    assert Assignment.objects.get(pk=world.assignment.pk).ended_on is None


def test_ending_an_assignment_and_returning_equipment_go_through_the_services(api_as, world):
    http = api_as("district_clerk")
    returned = http.post(f"/api/v1/issuances/{world.issuance.pk}/return/",
                         {"returned_on": world.issuance.issued_on.isoformat(), "condition": "good"},
                         content_type="application/json")  # fmt: skip
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] != "active"
    assert api_as("committee").post(f"/api/v1/issuances/{world.issuance.pk}/return/", {}).status_code == 403


def test_the_throttle_counts_per_token(api_as, settings):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    SimpleRateThrottle.THROTTLE_RATES = {"token": "3/min"}
    try:
        http = api_as("committee")
        codes = [http.get("/api/v1/provinces/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert api_as("administrator").get("/api/v1/provinces/").status_code == 200
    finally:
        from rest_framework.settings import api_settings

        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()


def test_the_schema_and_the_docs_page_are_served_without_external_assets(api_as, client_as_admin):
    schema = api_as("committee").get(reverse("api:schema") + "?format=json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    page = client_as_admin.get(reverse("api:docs")).content.decode()
    assert "swagger-ui" in page and "http://" not in page.replace("http://testserver", "") and "https://" not in page


def _baton(world, **extra):
    return {"commune": 23341, "equipment_type": world.cat.baton.pk, "warehouse": world.cat.glei_store.pk,
            "issued_on": world.issuance.issued_on.isoformat(), "quantity": 2, **extra}  # fmt: skip


def test_the_same_issue_sent_twice_with_its_key_issues_once(api_as, world):
    from equipment.models import Issuance

    http, key = api_as("district_clerk"), "5b0f1c3e-8f1a-4c55-9a36-0d3e2a7b6c11"
    first = http.post("/api/v1/issuances/", _baton(world), content_type="application/json",
                      headers={"Idempotency-Key": key})  # fmt: skip
    again = http.post("/api/v1/issuances/", _baton(world), content_type="application/json",
                      headers={"Idempotency-Key": key})  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200), (first.content, again.content)
    assert first.json()["id"] == again.json()["id"]
    assert Issuance.objects.filter(equipment_type=world.cat.baton).count() == 1


def test_a_key_that_is_not_a_uuid_is_refused_and_nothing_is_issued(api_as, world):
    from tests.builders.world import assert_unchanged, db_state

    before = db_state()
    answer = api_as("district_clerk").post("/api/v1/issuances/", _baton(world), content_type="application/json",
                                           headers={"Idempotency-Key": "lần-1"})  # fmt: skip
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()
    assert_unchanged(before, db_state())


def test_a_key_used_in_another_area_tells_nothing_of_it(api_as, world):
    """A key another user's request recorded, outside the caller's area: refused, the issuance not shown."""
    key = "0c8d0f52-5e4b-4a1e-9b7e-2b7e61f0a9d4"
    city = {"commune": 23281, "equipment_type": world.cat.baton.pk, "warehouse": world.cat.store.pk,
            "issued_on": world.issuance.issued_on.isoformat()}  # fmt: skip
    from equipment.models import StockLevel

    StockLevel.objects.update_or_create(warehouse=world.cat.store, equipment_type=world.cat.baton,
                                        defaults={"quantity": 5})  # fmt: skip
    first = api_as("provincial_clerk").post("/api/v1/issuances/", city, content_type="application/json",
                                            headers={"Idempotency-Key": key})  # fmt: skip
    assert first.status_code == 201, first.content
    reused = api_as("district_clerk").post("/api/v1/issuances/", _baton(world), content_type="application/json",
                                           headers={"Idempotency-Key": key})  # fmt: skip
    assert reused.status_code == 400 and str(first.json()["id"]) not in reused.content.decode()


def test_field_messages_are_vietnamese_by_default(api_as):
    answer = api_as("district_clerk").post("/api/v1/assignments/", {"officer": "x", "started_on": "hôm qua"},
                                           content_type="application/json")  # fmt: skip
    body = answer.json()
    assert answer.status_code == 400
    assert body["commune"] == ["Trường này là bắt buộc."]
    assert body["officer"] == ["Kiểu dữ liệu không đúng: cần mã số, nhận được str."]
    assert body["started_on"][0].startswith("Ngày sai định dạng")
    english = api_as("district_clerk", **{"Accept-Language": "en"}).post(
        "/api/v1/assignments/", {}, content_type="application/json"
    )
    assert english.json()["commune"] == ["This field is required."]


def test_the_schema_is_a_valid_openapi_3_document_without_warnings(api_as, tmp_path):
    from django.core.management import call_command
    from openapi_spec_validator import validate

    schema = api_as("district_clerk").get("/api/schema/?format=json").json()
    validate(schema)  # raises on any breach of the OpenAPI 3 specification
    assert {"/api/v1/classes/{id}/results/", "/api/v1/vettings/", "/api/v1/snapshots/"} <= set(schema["paths"])
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_an_unknown_endpoint_is_a_json_404(api_as):
    answer = api_as("committee").get("/api/v1/khong-co/")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Không có điểm truy cập này: xem /api/schema/."}
    assert b"<html" in api_as("committee").get("/khong-co/").content.lower()  # a page's 404 stays a page


@pytest.mark.parametrize(
    ("error", "status"), [(RuntimeError("lỗi"), 500), (None, 503)], ids=["a bug", "the database is down"]
)
def test_a_server_error_of_the_api_is_json(api_as, monkeypatch, error, status):
    from django.db import OperationalError

    from rollout.api import views

    def fail(*args, **kwargs):
        raise error or OperationalError("connection refused")

    monkeypatch.setattr(views.ProvinceViewSet, "list", fail)
    http = api_as("committee")
    http.raise_request_exception = False
    answer = http.get("/api/v1/provinces/")
    assert answer.status_code == status and answer["Content-Type"] == "application/json"
    assert answer.json()["detail"]
    assert (answer.get("Retry-After") == "30") == (status == 503)


def test_an_officer_s_home_district_may_lie_outside_the_clerk_s_area(api_as):
    """As on the officer form: the district of the post is the clerk's, the home district any in the country."""
    created = api_as("district_clerk").post(
        "/api/v1/officers/", _officer(police_number="987-003", home_district=608), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert Officer.objects.get(pk=created.json()["id"]).home_district_id == 608


def test_a_relation_outside_the_area_does_not_exist_for_the_caller(api_as, world):
    answer = api_as("district_clerk").post(
        "/api/v1/assignments/",
        {"officer": world.city_free.pk, "commune": 23347, "post": "chief", "decision_number": "17/QĐ-CAT",
         "decision_date": "2026-11-30", "started_on": "2026-11-30"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["officer"] == [f"Mã “{world.city_free.pk}” không hợp lệ: không có đối tượng này."]
    assert not Assignment.objects.filter(officer=world.city_free).exists()
