"""Personnel pages through the test client: forms, rules, scoping, history and query counts."""

import datetime

import pytest
from django.urls import reverse

from communes.models import Commune, Coverage
from personnel.choices import OfficerStatus, Post, Rank
from personnel.models import Assignment, Officer
from tests.factories import CourseFactory, OfficerFactory, _years_ago, vet_fully

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
UNCOVERED = 23347  # Xã Đắk Man, Huyện Đắk Glei (610)


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def officer_form(**overrides):
    data = {
        "police_number": "234-567",
        "full_name": "  A   Thút ",
        "birth_date": dmy(_years_ago(27)),
        "gender": "male",
        "ethnicity": "xo_dang",
        "languages": [],
        "rank": Rank.TRUNG_UY,
        "current_unit": "Công an huyện Đắk Glei",
        "province": 62,
        "district": 610,
        "home_district": 610,
        "education": "university",
        "political_theory": "elementary",
        "phone": "0912345678",
    }
    data.update(overrides)
    return data


def test_clerk_registers_an_officer(client_as):
    client = client_as("provincial_clerk")
    response = client.post(reverse("personnel:officer_create"), officer_form())
    officer = Officer.objects.get(police_number="234-567")
    assert response.status_code == 302
    assert response["Location"] == officer.get_absolute_url()
    assert officer.full_name == "A Thút"
    assert officer.status == OfficerStatus.CANDIDATE


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"police_number": "12345"}, "police_number"),
        ({"birth_date": dmy(TODAY + datetime.timedelta(days=1))}, "birth_date"),
        ({"birth_date": "31/02/1990"}, "birth_date"),
        ({"birth_date": "1990-13-01"}, "birth_date"),
        ({"rank": 99}, "rank"),
        ({"phone": "12ab"}, "phone"),
        ({"full_name": ""}, "full_name"),
        ({"district": 9999}, "district"),
        ({"full_name": "<script>alert(1)</script>' OR 1=1 --", "police_number": "bad"}, "police_number"),
    ],
)
def test_bad_officer_input_is_refused_and_nothing_written(client_as, overrides, field):
    response = client_as("provincial_clerk").post(reverse("personnel:officer_create"), officer_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Officer.objects.exists()
    assert b"<script>alert(1)</script>" not in response.content


def test_police_number_is_unique(client_as):
    OfficerFactory(police_number="234-567")
    response = client_as("provincial_clerk").post(reverse("personnel:officer_create"), officer_form())
    assert "police_number" in response.context["form"].errors
    assert Officer.objects.count() == 1


def test_district_clerk_registers_only_in_their_district(client_as):
    client = client_as("district_clerk")
    response = client.post(reverse("personnel:officer_create"), officer_form(district=611))
    assert "district" in response.context["form"].errors
    assert not Officer.objects.exists()
    assert client.post(reverse("personnel:officer_create"), officer_form()).status_code == 302


def test_edit_records_history_shown_on_the_detail_page(client_as, users):
    officer = OfficerFactory(district_id=610)
    client = client_as("provincial_clerk")
    data = officer_form(police_number=officer.police_number, rank=Rank.DAI_UY)
    assert client.post(reverse("personnel:officer_update", args=[officer.pk]), data).status_code == 302
    officer.refresh_from_db()
    assert officer.rank == Rank.DAI_UY
    record = officer.history.first()
    assert record.history_user == users["provincial_clerk"]

    page = client.get(officer.get_absolute_url())
    history = page.context["history"]
    rank_changes = [c for entry in history for c in entry.changes if str(c[0]).lower().startswith(("rank", "cấp"))]
    assert rank_changes, history
    assert rank_changes[0][2] == Rank.DAI_UY.label


def test_vetting_form_makes_the_officer_vetted(client_as):
    CourseFactory()  # a mandatory course the officer has not taken: vetted, not yet ready
    officer = OfficerFactory()
    client = client_as("provincial_clerk")
    url = reverse("personnel:officer_vetting", args=[officer.pk])
    criteria = ["political_quality", "professional_capacity", "age", "health", "background"]
    data = {f"{c}_result": "pass" for c in criteria} | {"decided_on": dmy(TODAY)}
    data["health_result"] = "fail"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "health_note" in response.context["form"].errors  # a failure needs a reason
    assert not officer.vettings.exists()

    data["health_result"] = "pass"
    assert client.post(url, data).status_code == 302
    officer.refresh_from_db()
    assert officer.status == OfficerStatus.VETTED
    assert officer.vettings.filter(passed=True).count() == 5


def test_assign_page_assigns_a_chief_and_covers_the_commune(demo_baseline, client_as, users):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    client = client_as("provincial_clerk")
    url = reverse("personnel:assign", args=[UNCOVERED])
    page = client.get(url)
    assert [s.officer for s in page.context["suggestions"]] == [officer]

    response = client.post(
        url,
        {"officer": officer.police_number, "post": Post.CHIEF, "decision_number": "15/QĐ-CAT",
         "decision_date": dmy(TODAY), "started_on": dmy(TODAY)},
    )  # fmt: skip
    assert response.status_code == 302
    assert Commune.objects.get(code=UNCOVERED).coverage == Coverage.PILOT
    listing = client.get(reverse("communes:commune_list"), {"coverage": "uncovered"})
    assert listing.context["totals"]["uncovered"] == 53


def test_assign_page_asks_for_an_override_reason(demo_baseline, client_as, users):
    old = vet_fully(OfficerFactory(birth_date=_years_ago(55)), users["administrator"])
    client = client_as("provincial_clerk")
    url = reverse("personnel:assign", args=[UNCOVERED])
    data = {"officer": old.police_number, "post": Post.CHIEF, "decision_number": "16/QĐ-CAT",
            "decision_date": dmy(TODAY), "started_on": dmy(TODAY)}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "override_reason" in response.context["form"].errors
    assert not Assignment.objects.exists()

    response = client.post(url, data | {"override_reason": "Cán bộ người địa phương, thạo tiếng Xơ Đăng"})
    assert response.status_code == 302
    detail = client.get(old.get_absolute_url())
    assert "Cán bộ người địa phương, thạo tiếng Xơ Đăng" in detail.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"officer": "000-000"}, "officer"),
        ({"decision_date": dmy(TODAY + datetime.timedelta(days=5))}, "decision_date"),
        ({"started_on": dmy(TODAY - datetime.timedelta(days=30))}, "started_on"),
        ({"post": "general"}, "post"),
        ({"decision_number": ""}, "decision_number"),
    ],
)
def test_bad_assignment_input(demo_baseline, client_as, users, overrides, field):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    data = {"officer": officer.police_number, "post": Post.CHIEF, "decision_number": "17/QĐ",
            "decision_date": dmy(TODAY - datetime.timedelta(days=2)), "started_on": dmy(TODAY)} | overrides  # fmt: skip
    response = client_as("provincial_clerk").post(reverse("personnel:assign", args=[UNCOVERED]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Assignment.objects.exists()


def test_district_clerk_is_scoped_on_every_personnel_page(demo_baseline, client_as, users):
    mine = vet_fully(OfficerFactory(district_id=610), users["administrator"])
    theirs = vet_fully(OfficerFactory(district_id=611), users["administrator"])
    client = client_as("district_clerk")

    assert list(client.get(reverse("personnel:officer_list")).context["object_list"]) == [mine]
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("personnel:officer_update", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("personnel:officer_vetting", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("personnel:officer_status", args=[theirs.pk]), {"status": "withdrawn"}).status_code == 404
    )
    assert client.get(reverse("personnel:assign", args=[23377])).status_code == 404  # Ngọc Hồi
    response = client.post(
        reverse("personnel:assign", args=[UNCOVERED]),
        {"officer": theirs.police_number, "post": Post.CHIEF, "decision_number": "1", "decision_date": dmy(TODAY),
         "started_on": dmy(TODAY)},
    )  # fmt: skip
    assert "officer" in response.context["form"].errors
    assert not Assignment.objects.exists()
    assert client.get(mine.get_absolute_url()).status_code == 200


def test_end_assignment_page(demo_baseline, client_as, users):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    client = client_as("provincial_clerk")
    client.post(
        reverse("personnel:assign", args=[UNCOVERED]),
        {"officer": officer.police_number, "post": Post.CHIEF, "decision_number": "18/QĐ",
         "decision_date": dmy(TODAY), "started_on": dmy(TODAY)},
    )  # fmt: skip
    assignment = Assignment.objects.get()
    url = reverse("personnel:assignment_end", args=[assignment.pk])
    data = {"mode": "recall", "ended_on": dmy(TODAY - datetime.timedelta(days=3)), "end_reason": "transfer"}
    bad = client.post(url, data)
    assert "ended_on" in bad.context["form"].errors
    data["ended_on"] = dmy(TODAY)
    confirmation = client.post(url, data)  # a confirmation first: nothing is written yet
    assert Assignment.objects.get().is_active
    assert client.post(url, data | {"confirmed": "1", "state": confirmation.context["state"]}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_on == TODAY
    assert Commune.objects.get(code=UNCOVERED).coverage == Coverage.UNCOVERED
    assert client.get(url)["Location"] == reverse("communes:commune_detail", args=[UNCOVERED])  # already ended


ROLE_CODES = {
    # role: (list/detail, create/vetting/assign)
    "committee": (200, 403),
    "provincial_clerk": (200, 200),
    "district_clerk": (200, 200),
    "administrator": (200, 200),
    "no_role": (403, 403),
}


@pytest.mark.parametrize("role", ROLE_CODES)
def test_personnel_role_matrix(demo_baseline, client_as, users, role):
    officer = OfficerFactory(district_id=610)
    read, write = ROLE_CODES[role]
    client = client_as(role)
    assert client.get(reverse("personnel:officer_list")).status_code == read
    assert client.get(officer.get_absolute_url()).status_code == read
    assert client.get(reverse("personnel:officer_create")).status_code == write
    assert client.get(reverse("personnel:officer_vetting", args=[officer.pk])).status_code == write
    assert client.get(reverse("personnel:assign", args=[UNCOVERED])).status_code == write
    posted = client.post(reverse("personnel:officer_create"), officer_form(police_number="345-678"))
    assert posted.status_code in ((302,) if write == 200 else (403,))


def test_anonymous_is_sent_to_login(db, client):
    for name, args in [("officer_list", []), ("officer_create", []), ("assign", [UNCOVERED])]:
        response = client.get(reverse(f"personnel:{name}", args=args))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_assign_page_query_count_does_not_grow(demo_baseline, client_as, users, django_assert_max_num_queries):
    client = client_as("provincial_clerk")
    url = reverse("personnel:assign", args=[UNCOVERED])
    for _ in range(5):
        vet_fully(OfficerFactory(), users["administrator"])
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for _ in range(40):
        vet_fully(OfficerFactory(), users["administrator"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_officer_detail_query_count_does_not_grow(demo_baseline, client_as, users, django_assert_max_num_queries):
    officer = vet_fully(OfficerFactory(), users["administrator"])
    client = client_as("provincial_clerk")
    with django_assert_max_num_queries(25) as small:
        client.get(officer.get_absolute_url())
    for number in range(6):
        assignment = Assignment.objects.create(
            officer=officer, commune_id=23353 + number * 3, province_id=62, post=Post.OFFICER,
            decision_number=f"H{number}", decision_date=TODAY, started_on=TODAY, ended_on=TODAY,
            created_by=users["administrator"],
        )  # fmt: skip
        assignment.save()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(officer.get_absolute_url())


def test_committee_cannot_find_officers_by_police_number(demo_baseline, client_as):
    OfficerFactory(police_number="555-123", full_name="Trần Văn Kín")
    url = reverse("personnel:officer_list")
    assert [o.full_name for o in client_as("provincial_clerk").get(url, {"q": "555-1"}).context["object_list"]] == [
        "Trần Văn Kín"
    ]
    committee = client_as("committee")
    assert list(committee.get(url, {"q": "555-1"}).context["object_list"]) == []
    assert [o.full_name for o in committee.get(url, {"q": "tran van kin"}).context["object_list"]] == ["Trần Văn Kín"]


def test_choosing_a_suggestion_lands_on_the_form_preselected(demo_baseline, client_as, users):
    officer = vet_fully(OfficerFactory(full_name="A Thút"), users["administrator"])
    client = client_as("provincial_clerk")
    url = reverse("personnel:assign", args=[UNCOVERED])
    html = client.get(url).content.decode()
    assert f'officer={officer.police_number}#assign-form" data-choose-officer="{officer.police_number}"' in html
    assert 'id="assign-form"' in html and "js/choose.js" in html
    chosen = client.get(url, {"officer": officer.police_number})
    assert chosen.context["form"]["officer"].value() == officer.police_number
    assert chosen.context["chosen"] == officer
