"""A person's name is written in letters: "-1", "123" or "..." is refused as an officer's or a committee member's
full name, or as a class's instructor, through every door (the services, the pages, the admin, the Excel import),
with one message next to the field, and nothing is written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from communes.models import District, Province
from personnel import services as personnel_services
from personnel.models import Officer
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from rollout.core.text import validate_person_name
from rollout.models import CommitteeMember, CommitteeRole, PilotPlan
from rollout.plan import services as plan_services
from tests.builders.spreadsheets import xlsx
from tests.factories import CourseFactory, OfficerFactory
from training import services as training_services
from training.models import TrainingSession

pytestmark = pytest.mark.django_db

NOT_NAMES = ["-1", "123", "0", "...", "- -", "1.", "#", "(?)", "“”", "²", "١٢", "  -1  "]
NAMES = ["Nguyễn Văn An", "A Thị Hoa", "Y Nhiên", "Rơ Mah H'Pui", "Ksor Y Bih", "Lê Thị Ánh-Tuyết", "Đinh Văn Út 2"]
VI_MESSAGE = "Họ tên phải viết bằng chữ (ví dụ: Nguyễn Văn An)"
EN_MESSAGE = "A name is written in letters (for example Nguyễn Văn An)"
TODAY = timezone.localdate()


@pytest.mark.parametrize("value", NOT_NAMES)
def test_a_value_without_letters_is_not_a_name(value):
    with pytest.raises(ValidationError) as refused:
        validate_person_name(value)
    assert refused.value.code == "not_a_name"
    with translation.override("vi"):
        assert refused.value.messages == [f"{VI_MESSAGE}: “{value}” không phải là họ tên."]


@pytest.mark.parametrize("value", NAMES)
def test_names_of_every_people_of_the_province_are_names(value):
    validate_person_name(value)  # no error


def _officer_fields(**changes):
    return {
        "police_number": "123-456", "full_name": "Nguyễn Văn An", "birth_date": datetime.date(1995, 5, 1),
        "gender": "male", "ethnicity": "kinh", "rank": 6, "current_unit": "Công an huyện Đắk Glei",
        "province": Province.objects.get(code=62), "district": District.objects.get(code=610),
        "education": "university", "political_theory": "none",
    } | changes  # fmt: skip


@pytest.mark.parametrize("value", ["-1", "123", "..."])
def test_the_officer_services_refuse_a_full_name_without_letters(users, value):
    with pytest.raises(ValidationError) as refused:
        personnel_services.officer_create(user=users["provincial_clerk"], **_officer_fields(full_name=value))
    assert "full_name" in refused.value.message_dict
    assert not Officer.objects.exists()

    officer = OfficerFactory(district_id=610)
    name = officer.full_name
    with pytest.raises(ValidationError):
        personnel_services.officer_update(officer=officer, user=users["provincial_clerk"], full_name=value)
    assert Officer.objects.get(pk=officer.pk).full_name == name


@pytest.fixture
def plan(kon_tum):
    return PilotPlan.objects.create(
        province_id=62, name="Kế hoạch thí điểm Kon Tum",
        started_on=datetime.date(2026, 1, 1), target_on=datetime.date(2027, 6, 30),
    )  # fmt: skip


def test_the_committee_services_refuse_a_member_named_minus_one(plan):
    with pytest.raises(ValidationError) as refused:
        plan_services.member_create(plan=plan, user=None, full_name="-1", unit="Bộ Công an", role=CommitteeRole.MEMBER)
    assert "full_name" in refused.value.message_dict
    assert not CommitteeMember.objects.exists()


def test_a_class_needs_an_instructor_with_a_name(users):
    with pytest.raises(ValidationError) as refused:
        training_services.session_create(
            course=CourseFactory(), province_id=62, starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=5),
            place="Trường Chính trị tỉnh Kon Tum", instructor="123", capacity=30, created_by=users["administrator"],
        )  # fmt: skip
    assert "instructor" in refused.value.message_dict
    assert not TrainingSession.objects.exists()


# --- the doors: the page, the admin, the import ------------------------------------------------------------------


def _page_data(**changes):
    return {
        "police_number": "123-456", "full_name": "Nguyễn Văn An", "birth_date": "01/05/1995", "gender": "male",
        "ethnicity": "kinh", "rank": 6, "current_unit": "Công an huyện Đắk Glei", "province": 62, "district": 610,
        "home_district": "", "education": "university", "political_theory": "none", "phone": "",
    } | changes  # fmt: skip


def test_the_officer_form_shows_the_message_next_to_the_name_in_vietnamese(client_as):
    http = client_as("district_clerk")
    response = http.post(reverse("personnel:officer_create"), _page_data(full_name="-1"))
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [f"{VI_MESSAGE}: “-1” không phải là họ tên."]
    assert VI_MESSAGE in response.content.decode()
    assert not Officer.objects.exists()
    # corrected, the same form is saved
    assert http.post(reverse("personnel:officer_create"), _page_data()).status_code == 302
    assert Officer.objects.get().full_name == "Nguyễn Văn An"


def test_the_committee_form_refuses_a_member_without_a_name(client_as, plan):
    http = client_as("administrator")
    data = {"plan": plan.pk, "full_name": "...", "unit": "Bộ Công an", "role": "member", "is_active": "on"}
    response = http.post(reverse("plan:member_create"), data)
    assert response.status_code == 200
    assert VI_MESSAGE in response.content.decode()
    assert not CommitteeMember.objects.exists()


def test_the_admin_refuses_an_officer_named_minus_one(client_as):
    http = client_as("administrator")
    data = {
        "police_number": "123-456", "full_name": "-1", "birth_date": "1995-05-01", "gender": "male",
        "ethnicity": "kinh", "rank": 6, "current_unit": "Công an huyện Đắk Glei", "province": 62, "district": "",
        "home_district": "", "education": "university", "political_theory": "none", "phone": "",
        "vettings-TOTAL_FORMS": 0, "vettings-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = http.post(reverse("admin:personnel_officer_add"), data)
    assert response.status_code == 200
    assert VI_MESSAGE in response.content.decode()
    assert not Officer.objects.exists()


def test_the_officer_import_reports_the_row_and_writes_nothing(client_as):
    headers = ["Số hiệu", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Cấp bậc", "Đơn vị công tác", "Mã tỉnh",
               "Mã huyện quản lý", "Trình độ học vấn", "Lý luận chính trị"]  # fmt: skip
    row = ["Nữ", "Xơ Đăng", "Thượng úy", "Công an huyện Đắk Glei", 62, 610, "Đại học", "Trung cấp"]
    content = xlsx(headers, [["202-001", "A Thị Hoa", "01/05/1995", *row], ["202-002", "-1", "01/05/1995", *row]])
    upload = SimpleUploadedFile("can-bo.xlsx", content, content_type=XLSX_CONTENT_TYPE)
    response = client_as("administrator").post(reverse("personnel:officer_import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert VI_MESSAGE in page
    assert not Officer.objects.exists()


def test_the_same_refused_post_twice_writes_nothing_and_a_csrf_only_post_names_the_missing_fields(client_as):
    http = client_as("district_clerk")
    url = reverse("personnel:officer_create")
    for _ in range(2):
        response = http.post(url, _page_data(full_name="-1"))
        assert response.status_code == 200
        assert "full_name" in response.context["form"].errors
    assert not Officer.objects.exists()
    # a partly filled form: the name refused, the other missing fields named, what was typed kept
    response = http.post(url, {"full_name": "...", "police_number": "123-456"})
    errors = response.context["form"].errors
    assert {"full_name", "birth_date", "rank"} <= set(errors)
    assert 'value="123-456"' in response.content.decode()
    # only the CSRF token (the test client adds none): every required field is named, nothing is written
    response = http.post(url, {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not Officer.objects.exists()


def test_an_officer_renamed_minus_one_on_a_stale_page_keeps_their_name(client_as):
    officer = OfficerFactory(district_id=610, full_name="Y Blông")
    http = client_as("district_clerk")
    url = reverse("personnel:officer_update", args=[officer.pk])
    form = http.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "languages"}
    Officer.objects.filter(pk=officer.pk).update(current_unit="Công an xã Đắk Man")  # changed meanwhile
    response = http.post(url, {**data, "birth_date": officer.birth_date.strftime("%d/%m/%Y"), "full_name": "-1"})
    assert response.status_code == 200
    assert VI_MESSAGE in response.content.decode()
    assert Officer.objects.get(pk=officer.pk).full_name == "Y Blông"
