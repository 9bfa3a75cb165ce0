"""The classic bad inputs on every POST form and list page of communes, personnel, training, equipment and the
plan: text too long or with a NUL byte, SQL and script fragments, impossible and out-of-range dates, negative,
huge and non-numeric numbers, ids of objects elsewhere (another district or province), ids that do not exist or
are not numbers. Each must get a clear message (the form's error next to the field, or a flashed error) and
write nothing; none may answer 500 (the test client re-raises a server error, so a 500 fails the test).

Text that a form accepts as plain text (a name, a note) is stored verbatim and shown escaped, never run.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import constants as levels
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils.html import escape

from communes.models import Commune
from equipment.models import EquipmentItem, StockLevel
from personnel.models import Officer
from personnel.readers import officer_page
from personnel.selectors import assignment_end_state
from rollout.models import CommitteeMember, Phase, PilotPlan, Task
from tests.builders.equipment import QUANG_TRUNG, TT_DAK_GLEI
from tests.builders.world import (
    CITY,
    DAK_GLEI,
    DAK_MAN,
    DAK_PEK,
    HUGE,
    NOWHERE,
    SCRIPT_FRAGMENTS,
    SQL_FRAGMENTS,
    TODAY,
    YESTERDAY,
    World,
    assert_unchanged,
    db_state,
    dmy,
)
from training.models import TrainingSession

pytestmark = pytest.mark.django_db

BIRTH = dmy(TODAY.replace(year=TODAY.year - 30) - datetime.timedelta(days=10))
BAD_DATES = ["31/02/2026", "2026-13-01", "01/01/1800", "01/01/2999", "31/12/9999", "abc", "0"]
BAD_NUMBERS = ["-1", "0", str(10**12), HUGE, "abc", "1e5", "1.5", "NaN", "Infinity", "²"]
BAD_IDS = [str(NOWHERE), HUGE, "abc", "1;DROP TABLE personnel_officer", "-1", "1.0", "\x00"]


# --- the forms -------------------------------------------------------------------------------------------------


@dataclass
class FormSpec:
    """A POST form: who fills it in, where, with which valid data; its text fields (name → max length), dates
    that must be plausible, numbers, and choice fields whose values are ids (or codes)."""

    role: str
    url: object  # world → url
    valid: object  # world → dict
    text: dict[str, int] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    redirects: bool = False  # a POST-only action: answers with a redirect and a flashed message


def _end_state(w: World) -> str:
    """What the end page's confirmation carries (the page shows it before anything is written)."""
    held = list(officer_page.read_one("equipment", w.assignment.officer) or [])
    return assignment_end_state(w.assignment, successor=None, held=held)


def _officer_data(w: World, **extra) -> dict:
    return {
        "police_number": "555-001", "full_name": "Nguyễn Văn Mới", "birth_date": BIRTH, "gender": "male",
        "ethnicity": "kinh", "rank": "6", "current_unit": "Công an huyện Đắk Glei", "province": "62",
        "district": str(DAK_GLEI), "home_district": "", "education": "university", "political_theory": "intermediate",
        "phone": "0912345678", **extra,
    }  # fmt: skip


def _officer_edit_data(w: World) -> dict:
    return _officer_data(w, police_number=w.glei.police_number, full_name=w.glei.full_name)


def _vetting_data(w: World) -> dict:
    data = {"decided_on": dmy(YESTERDAY)}
    for criterion in ("political_quality", "professional_capacity", "age", "health", "background"):
        data[f"{criterion}_result"] = "pass"
        data[f"{criterion}_note"] = ""
    return data


def _results_data(w: World) -> dict:
    """Both trainees present and passed, each row posted with what the page showed: nothing recorded ("||")."""
    data = {}
    for enrollment, score in ((w.enrollment, "8,5"), (w.city_enrollment, "7")):
        pk = enrollment.pk
        data.update({f"attended_{pk}": "yes", f"score_{pk}": score, f"passed_{pk}": "yes", f"shown_{pk}": "||"})
    return data


FORMS = {
    "officer_create": FormSpec(
        "provincial_clerk",
        lambda w: reverse("personnel:officer_create"),
        _officer_data,
        text={"full_name": 100, "current_unit": 200, "police_number": 7, "phone": 13},
        dates=["birth_date"],
        numbers=["rank"],
        ids=["province", "district", "home_district", "languages"],
    ),
    "officer_update": FormSpec(
        "provincial_clerk",
        lambda w: reverse("personnel:officer_update", args=[w.glei.pk]),
        _officer_edit_data,
        text={"full_name": 100, "current_unit": 200},
        dates=["birth_date"],
        ids=["district", "home_district"],
    ),
    "officer_vetting": FormSpec(
        "provincial_clerk",
        lambda w: reverse("personnel:officer_vetting", args=[w.glei.pk]),
        _vetting_data,
        text={"health_note": 2000},
        dates=["decided_on"],
    ),
    "assign": FormSpec(
        "provincial_clerk",
        lambda w: reverse("personnel:assign", args=[DAK_MAN]),
        lambda w: {
            "officer": w.free.police_number,
            "post": "chief",
            "decision_number": "12/QĐ-CAT",
            "decision_date": dmy(YESTERDAY),
            "started_on": dmy(TODAY),
            "override_reason": "",
        },
        text={"decision_number": 50, "override_reason": 2000},
        dates=["decision_date", "started_on"],
        ids=["officer"],
    ),
    "assignment_end": FormSpec(
        "provincial_clerk",
        lambda w: reverse("personnel:assignment_end", args=[w.assignment.pk]),
        lambda w: {
            "mode": "recall",
            "ended_on": dmy(TODAY),
            "end_reason": "transfer",
            "end_note": "Điều động",
            "confirmed": "1",
            "state": _end_state(w),
        },  # fmt: skip
        text={"end_note": 500},
        dates=["ended_on"],
    ),
    "session_create": FormSpec(
        "provincial_clerk",
        lambda w: reverse("training:session_create"),
        lambda w: {
            "course": w.course.pk,
            "province": 62,
            "starts_on": dmy(TODAY + datetime.timedelta(days=10)),
            "ends_on": dmy(TODAY + datetime.timedelta(days=14)),
            "place": "Trường Chính trị",
            "instructor": "Thượng tá Y Nhiên",
            "capacity": "40",
        },
        text={"place": 200, "instructor": 200},
        dates=["starts_on", "ends_on"],
        numbers=["capacity"],
        ids=["course", "province"],
    ),
    "session_results": FormSpec(
        "provincial_clerk",
        lambda w: reverse("training:session_results", args=[w.session.pk]),
        _results_data,
        numbers=["score_{enrollment}"],
    ),
    "stock_receive": FormSpec(
        "provincial_clerk",
        lambda w: reverse("equipment:stock"),
        lambda w: {
            "warehouse": w.cat.glei_store.pk,
            "equipment_type": w.cat.baton.pk,
            "received_on": dmy(YESTERDAY),
            "serial_numbers": "",
            "quantity": "5",
        },
        dates=["received_on"],
        numbers=["quantity"],
        ids=["warehouse", "equipment_type"],
    ),
    "stock_receive_serials": FormSpec(
        "provincial_clerk",
        lambda w: reverse("equipment:stock"),
        lambda w: {
            "warehouse": w.cat.glei_store.pk,
            "equipment_type": w.cat.radio.pk,
            "received_on": dmy(YESTERDAY),
            "serial_numbers": "R-100\nR-101",
            "quantity": "",
        },
        text={"serial_numbers": 60},
    ),
    "issue": FormSpec(
        "provincial_clerk",
        lambda w: reverse("equipment:commune_equipment", args=[TT_DAK_GLEI]),
        lambda w: {
            "warehouse": w.cat.glei_store.pk,
            "stock": f"item-{EquipmentItem.objects.get(serial_number='R-002').pk}",
            "quantity": "1",
            "officer": w.chief.pk,
            "issued_on": dmy(YESTERDAY),
            "note": "Cấp mới",
            "token": "",
        },
        text={"stock": 60, "note": 500},
        dates=["issued_on"],
        ids=["warehouse", "officer"],
    ),
    "issue_quantity": FormSpec(
        "provincial_clerk",
        lambda w: reverse("equipment:commune_equipment", args=[TT_DAK_GLEI]),
        lambda w: {
            "warehouse": w.cat.glei_store.pk,
            "stock": f"level-{StockLevel.objects.get(warehouse=w.cat.glei_store, equipment_type=w.cat.baton).pk}",
            "quantity": "2",
            "officer": "",
            "issued_on": dmy(YESTERDAY),
            "note": "",
            "token": "",
        },
        numbers=["quantity"],
    ),
    "issuance_return": FormSpec(
        "provincial_clerk",
        lambda w: reverse("equipment:issuance_return", args=[w.issuance.pk]),
        lambda w: {"returned_on": dmy(TODAY), "condition": "good", "note": "Trả lại"},
        text={"note": 500},
        dates=["returned_on"],
    ),
    "issuance_lost": FormSpec(
        "provincial_clerk",
        lambda w: reverse("equipment:issuance_lost", args=[w.issuance.pk]),
        lambda w: {"lost_on": dmy(TODAY), "note": "Mất khi tuần tra"},
        text={"note": 500},
        dates=["lost_on"],
    ),
    "plan_edit": FormSpec(
        "administrator",
        lambda w: reverse("plan:plan_edit", args=[w.plan.pk]),
        lambda w: {
            "name": "Kế hoạch mới",
            "started_on": "01/01/2026",
            "target_on": "30/06/2027",
            "default_staffing_norm": "5",
            "min_age": "22",
            "max_age": "45",
            "min_rank": "3",
            "requires_vetting": "on",
            "training_required_chief": "on",
            "training_required_deputy": "on",
            "training_grace_days": "30",
        },
        text={"name": 200},
        dates=["started_on", "target_on"],
        numbers=["default_staffing_norm", "min_age", "max_age", "min_rank", "training_grace_days"],
    ),
    "phase_create": FormSpec(
        "administrator",
        lambda w: reverse("plan:phase_create"),
        lambda w: {
            "plan": w.plan.pk,
            "number": "2",
            "name": "Đợt 2",
            "target_on": "30/06/2027",
            "note": "",
            "communes": [DAK_PEK],
        },
        text={"name": 200, "note": 2000},
        dates=["target_on"],
        numbers=["number"],
        ids=["plan", "communes"],
    ),
    "phase_edit": FormSpec(
        "administrator",
        lambda w: reverse("plan:phase_edit", args=[w.phase.pk]),
        lambda w: {"number": "1", "name": "Đợt 1 (sửa)", "target_on": "30/06/2027", "note": "", "communes": [DAK_PEK]},
        text={"name": 200, "note": 2000},
        dates=["target_on"],
        numbers=["number"],
        ids=["communes"],
    ),
    "member_create": FormSpec(
        "administrator",
        lambda w: reverse("plan:member_create"),
        lambda w: {
            "plan": w.plan.pk,
            "full_name": "Lê Văn Tuấn",
            "unit": "Công an tỉnh Kon Tum",
            "role": "deputy_head",
            "email": "tuan@example.vn",
            "is_active": "on",
        },
        text={"full_name": 120, "unit": 200, "email": 254},
        ids=["plan"],
    ),
    "member_edit": FormSpec(
        "administrator",
        lambda w: reverse("plan:member_edit", args=[w.member.pk]),
        lambda w: {"full_name": "Nguyễn Văn Sơn", "unit": "Thứ trưởng Bộ Công an", "role": "head", "is_active": "on"},
        text={"full_name": 120, "unit": 200},
    ),
    "task_create": FormSpec(
        "provincial_clerk",
        lambda w: reverse("plan:task_create"),
        lambda w: {
            "plan": w.plan.pk,
            "title": "Tập huấn",
            "unit": "Cục Đào tạo",
            "deadline": "30/06/2027",
            "status": "open",
            "notes": "",
        },
        text={"title": 300, "unit": 200, "notes": 5000},
        dates=["deadline"],
        ids=["plan"],
    ),
    "task_edit": FormSpec(
        "provincial_clerk",
        lambda w: reverse("plan:task_edit", args=[w.task.pk]),
        lambda w: {
            "title": "Lập danh sách xã",
            "unit": "Phòng Tổ chức cán bộ",
            "deadline": "31/01/2027",
            "status": "done",
            "completed_on": dmy(TODAY),
            "notes": "",
        },
        text={"title": 300, "unit": 200, "notes": 5000},
        dates=["deadline", "completed_on"],
    ),
}


def _post(client, url, data, **kwargs):
    return client.post(url, data, **kwargs)


def _field_key(spec_name: str, name: str, w: World) -> str:
    return name.format(enrollment=w.enrollment.pk)


def assert_form_refused(response, field_name: str | None) -> None:
    """The form came back (200, or 400 for an import) with the error next to ``field_name`` (None: any field
    or the top of the form), and the page shows each message, escaped."""
    assert response.status_code in (200, 400), response.status_code
    form = response.context["form"]
    errors = form.errors
    assert errors, "no error shown"
    if field_name is not None:
        key = field_name if field_name in form.fields else NON_FIELD_ERRORS
        assert key in errors, f"expected an error on {field_name}, got {dict(errors)}"
    html = response.content.decode()
    shown = errors[field_name] if field_name in errors else next(iter(errors.values()))
    for message in shown:
        assert escape(message) in html, message


def _control(name):
    return pytest.param(name, id=name)


@pytest.mark.parametrize("name", [_control(n) for n in FORMS])
def test_the_valid_data_of_each_form_is_accepted(world, client_as, name):
    """The baseline of every case below: the valid data saves, so a refusal is the bad value's doing."""
    spec = FORMS[name]
    response = _post(client_as(spec.role), spec.url(world), spec.valid(world))
    assert response.status_code == 302, response.context["form"].errors if response.context else response


# --- text: too long, NUL byte ----------------------------------------------------------------------------------


def _cases(kind):
    return [
        pytest.param(name, field_name, id=f"{name}-{field_name}")
        for name, spec in FORMS.items()
        for field_name in getattr(spec, kind)
    ]


def each_refused(world, client_as, name, field_name, values, *, as_list=False):
    """Post the form's valid data with ``field_name`` set to each of ``values``: every one must be refused with
    an error next to the field, and nothing written. Collects every failing value before failing."""
    spec = FORMS[name]
    client = client_as(spec.role)
    url = spec.url(world)
    key = _field_key(name, field_name, world)
    failures = []
    for value in values:
        before = db_state()
        response = _post(client, url, {**spec.valid(world), key: [value] if as_list else value})
        try:
            assert_form_refused(response, key)
            assert_unchanged(before, db_state())
        except AssertionError as error:
            failures.append((value[:40] if isinstance(value, str) else value, str(error)[:300]))
    assert not failures, failures


@pytest.mark.parametrize(("name", "field_name"), _cases("text"))
def test_overlong_text_and_nul_bytes_are_refused(world, client_as, name, field_name):
    limit = FORMS[name].text[field_name]
    each_refused(world, client_as, name, field_name, ["x" * (limit + 1), "Ab\x00cd", "\x00"])


# --- text kept as text: SQL and script fragments are stored verbatim and shown escaped --------------------------


def _officer_page(w: World, value: str) -> str:
    return Officer.objects.get(full_name=value).get_absolute_url()


TEXT_KEPT = [
    # (form, field, the object's stored value, the page that shows it)
    ("officer_create", "full_name", lambda w, v: Officer.objects.get(police_number="555-001").full_name,
     lambda w: reverse("personnel:officer_list")),
    ("officer_create", "current_unit", lambda w, v: Officer.objects.get(police_number="555-001").current_unit,
     lambda w: Officer.objects.get(police_number="555-001").get_absolute_url()),
    ("session_create", "place", lambda w, v: TrainingSession.objects.latest("pk").place,
     lambda w: TrainingSession.objects.latest("pk").get_absolute_url()),
    ("session_create", "instructor", lambda w, v: TrainingSession.objects.latest("pk").instructor,
     lambda w: TrainingSession.objects.latest("pk").get_absolute_url()),
    ("plan_edit", "name", lambda w, v: PilotPlan.objects.get(pk=w.plan.pk).name, lambda w: reverse("plan:index")),
    ("phase_create", "name", lambda w, v: Phase.objects.get(number=2).name,
     lambda w: reverse("plan:phase_detail", args=[Phase.objects.get(number=2).pk])),
    ("member_create", "full_name", lambda w, v: CommitteeMember.objects.latest("pk").full_name,
     lambda w: reverse("plan:index")),
    ("member_create", "unit", lambda w, v: CommitteeMember.objects.latest("pk").unit, lambda w: reverse("plan:index")),
    ("task_create", "title", lambda w, v: Task.objects.latest("pk").title, lambda w: reverse("plan:task_list")),
    ("task_create", "unit", lambda w, v: Task.objects.latest("pk").unit, lambda w: reverse("plan:task_list")),
    ("task_edit", "notes", lambda w, v: Task.objects.get(pk=w.task.pk).notes,
     lambda w: reverse("plan:task_edit", args=[w.task.pk])),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "field_name", "stored", "page"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in TEXT_KEPT],
)
@pytest.mark.parametrize("value", [*SQL_FRAGMENTS, *SCRIPT_FRAGMENTS], ids=["sql-drop", "sql-or", "script", "img"])
def test_sql_and_script_fragments_are_plain_text_stored_verbatim_and_shown_escaped(
    world, client_as, name, field_name, stored, page, value
):
    spec = FORMS[name]
    client = client_as(spec.role)
    response = _post(client, spec.url(world), {**spec.valid(world), field_name: value})

    assert response.status_code == 302, response.context["form"].errors
    assert stored(world, value) == value
    assert Officer.objects.exists()  # the table is still there
    html = client.get(page(world)).content.decode()
    assert escape(value) in html
    if escape(value) != value:
        assert value not in html


# --- dates -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "field_name"), _cases("dates"))
def test_impossible_and_out_of_range_dates_are_refused(world, client_as, name, field_name):
    # The completion date may be empty (it means today).
    values = BAD_DATES if field_name == "completed_on" else [*BAD_DATES, ""]
    each_refused(world, client_as, name, field_name, values)


TOMORROW = dmy(TODAY + datetime.timedelta(days=1))
FUTURE_FORBIDDEN = [
    ("officer_vetting", "decided_on"),
    ("assign", "decision_date"),
    ("assignment_end", "ended_on"),
    ("stock_receive", "received_on"),
    ("issue", "issued_on"),
    ("issuance_return", "returned_on"),
    ("issuance_lost", "lost_on"),
    ("task_edit", "completed_on"),
]


@pytest.mark.parametrize(("name", "field_name"), FUTURE_FORBIDDEN, ids=[f"{n}-{f}" for n, f in FUTURE_FORBIDDEN])
def test_future_dates_are_refused_where_the_event_has_happened(world, client_as, name, field_name):
    spec = FORMS[name]
    data = {**spec.valid(world), field_name: TOMORROW}
    before = db_state()

    response = _post(client_as(spec.role), spec.url(world), data)

    assert_form_refused(response, field_name)
    assert_unchanged(before, db_state())


# --- numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "field_name"), _cases("numbers"))
def test_negative_zero_huge_and_non_numeric_numbers_are_refused(world, client_as, name, field_name):
    # A score of 0 or 1.5 is a real score; a grace period of 0 days is none.
    values = [
        v
        for v in BAD_NUMBERS
        if not (field_name.startswith("score") and v in ("0", "1.5"))
        and not (field_name in ZERO_IS_A_VALUE and v == "0")
    ]
    each_refused(world, client_as, name, field_name, values)


ZERO_IS_A_VALUE = {"training_grace_days"}


def test_a_grace_period_beyond_a_year_is_refused_and_zero_or_empty_is_none(world, client_as):
    spec = FORMS["plan_edit"]
    each_refused(world, client_as, "plan_edit", "training_grace_days", ["366", "-0.5", "30 ngày"])
    for value in ("0", ""):
        response = _post(client_as(spec.role), spec.url(world), {**spec.valid(world), "training_grace_days": value})
        assert response.status_code == 302, value
        assert PilotPlan.objects.get(pk=world.plan.pk).training_grace_days == 0


def test_full_width_digits_are_read_as_the_same_number(world, client_as):
    """Full-width "１２" (a keyboard in full-width mode) is twelve: read as 12, never as garbage."""
    spec = FORMS["session_create"]
    response = _post(client_as(spec.role), spec.url(world), {**spec.valid(world), "capacity": "１２"})
    assert response.status_code == 302
    assert TrainingSession.objects.latest("pk").capacity == 12


# --- ids: nonexistent, not numbers, of another district or province --------------------------------------------


@pytest.mark.parametrize(("name", "field_name"), _cases("ids"))
def test_unknown_and_malformed_ids_in_choices_are_refused(world, client_as, name, field_name):
    each_refused(world, client_as, name, field_name, BAD_IDS, as_list=field_name in ("communes", "languages"))


ELSEWHERE = [
    # (form, role, field, value: world → id of an object outside the user's area)
    ("officer_create", "district_clerk", "district", lambda w: CITY),
    ("officer_create", "provincial_clerk", "province", lambda w: w.other_province.pk),
    ("assign", "district_clerk", "officer", lambda w: w.city_free.police_number),
    ("stock_receive", "district_clerk", "warehouse", lambda w: w.cat.ngoc_hoi_store.pk),
    ("issue", "district_clerk", "warehouse", lambda w: w.cat.ngoc_hoi_store.pk),
    ("issue", "provincial_clerk", "officer", lambda w: w.city_chief.pk),
    ("session_create", "provincial_clerk", "province", lambda w: w.other_province.pk),
    ("phase_create", "administrator", "communes", lambda w: [w.other_commune.pk]),
    ("phase_edit", "administrator", "communes", lambda w: [w.other_commune.pk]),
    ("task_create", "provincial_clerk", "plan", lambda w: w.other_plan.pk),
    ("member_create", "provincial_clerk", None, lambda w: w.other_plan.pk),
]


@pytest.mark.parametrize(
    ("name", "role", "field_name", "value"), ELSEWHERE, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in ELSEWHERE]
)
def test_ids_of_objects_outside_the_users_area_are_refused(world, client_as, name, role, field_name, value):
    spec = FORMS[name]
    data = {**spec.valid(world), field_name or "plan": value(world)}
    before = db_state()

    response = _post(client_as(role), spec.url(world), data)

    if field_name is None:
        assert response.status_code == 403  # the page itself is not the user's
    else:
        assert_form_refused(response, field_name)
    assert_unchanged(before, db_state())


OBJECT_URLS = [
    # (url name, role, world → args): objects of another district or province answer 404
    ("personnel:officer_update", "district_clerk", lambda w: [w.city.pk]),
    ("personnel:officer_vetting", "district_clerk", lambda w: [w.city.pk]),
    ("personnel:officer_status", "district_clerk", lambda w: [w.city.pk]),
    ("personnel:assign", "district_clerk", lambda w: [QUANG_TRUNG]),
    ("personnel:assign", "provincial_clerk", lambda w: [w.other_commune.pk]),
    ("personnel:assignment_end", "district_clerk", lambda w: [w.city_assignment.pk]),
    ("training:enrollment_remove", "district_clerk", lambda w: [w.city_enrollment.pk]),
    ("equipment:commune_equipment", "district_clerk", lambda w: [QUANG_TRUNG]),
    ("equipment:issuance_return", "district_clerk", lambda w: [w.city_issuance.pk]),
    ("equipment:issuance_lost", "district_clerk", lambda w: [w.city_issuance.pk]),
    ("plan:task_edit", "provincial_clerk", lambda w: [w.other_task.pk]),
    ("plan:task_status", "provincial_clerk", lambda w: [w.other_task.pk]),
    ("plan:plan_edit", "administrator", lambda w: [NOWHERE]),
    ("plan:phase_edit", "administrator", lambda w: [NOWHERE]),
    ("plan:member_edit", "administrator", lambda w: [NOWHERE]),
    ("training:session_enrol", "provincial_clerk", lambda w: [NOWHERE]),
    ("training:session_results", "provincial_clerk", lambda w: [NOWHERE]),
    ("personnel:officer_update", "provincial_clerk", lambda w: [HUGE]),
    ("equipment:issuance_return", "provincial_clerk", lambda w: [HUGE]),
    ("communes:commune_detail", "provincial_clerk", lambda w: [HUGE]),
]


@pytest.mark.parametrize(
    ("url_name", "role", "args"), OBJECT_URLS, ids=[f"{u}-{r}-{i}" for i, (u, r, _a) in enumerate(OBJECT_URLS)]
)
def test_objects_elsewhere_or_nonexistent_in_the_url_answer_404_and_nothing_is_written(
    world, client_as, url_name, role, args
):
    client = client_as(role)
    url = reverse(url_name, args=args(world))
    before = db_state()

    assert client.get(url).status_code in (404, 405)
    data = {"status": "withdrawn", "ended_on": dmy(TODAY), "end_reason": "transfer"}
    assert client.post(url, data).status_code in (404, 405)  # 405: a page that takes no POST at all
    assert_unchanged(before, db_state())


# --- POST-only actions: a flashed error, nothing written ---------------------------------------------------------


def flashed_errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level == levels.ERROR]


def _open_class(w: World) -> list:
    """The class that still takes officers: a refused enrolment there is the bad input's doing, not the dates'."""
    return [w.open_session.pk]


ACTIONS = [
    # (url name, role, world → args, data)
    ("personnel:officer_status", "provincial_clerk", lambda w: [w.glei.pk], {"status": "unknown"}),
    ("personnel:officer_status", "provincial_clerk", lambda w: [w.glei.pk], {"status": "\x00"}),
    ("personnel:officer_status", "provincial_clerk", lambda w: [w.glei.pk], {"status": "deployed"}),
    ("personnel:officer_status", "provincial_clerk", lambda w: [w.glei.pk], {}),
    ("plan:task_status", "provincial_clerk", lambda w: [w.task.pk], {"status": "unknown"}),
    ("plan:task_status", "provincial_clerk", lambda w: [w.task.pk], {"status": "'; DROP TABLE rollout_task; --"}),
    ("plan:task_status", "provincial_clerk", lambda w: [w.task.pk], {"status": "\x00"}),
    ("training:session_enrol", "provincial_clerk", _open_class, {}),
    ("training:session_enrol", "provincial_clerk", _open_class, {"status": "unknown"}),
    ("training:session_enrol", "provincial_clerk", _open_class, {"status": "vetted", "district": "abc"}),
    ("training:session_enrol", "provincial_clerk", _open_class, {"status": "vetted", "district": HUGE}),
    ("training:session_enrol", "district_clerk", _open_class, {"status": "vetted", "district": CITY}),
    ("training:session_enrol", "provincial_clerk", _open_class, {"police_numbers": "\x00"}),
    ("training:session_enrol", "provincial_clerk", _open_class,
     {"police_numbers": "x" * 100_000}),
    # a class that has ended takes nobody, whoever is chosen
    ("training:session_enrol", "provincial_clerk", lambda w: [w.session.pk], {"status": "vetted"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url_name", "role", "args", "data"), ACTIONS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ACTIONS)]
)
def test_bad_actions_flash_an_error_and_write_nothing(world, client_as, url_name, role, args, data):
    before = db_state()

    response = client_as(role).post(reverse(url_name, args=args(world)), data, follow=True)

    assert response.status_code == 200
    assert flashed_errors(response) or [m for m in response.context["messages"] if m.level == levels.WARNING]
    assert_unchanged(before, db_state())


def test_enrolling_police_numbers_of_another_district_enrols_nobody(world, client_as):
    """A district clerk pasting the police number of a provincial-city officer: named as unknown, not enrolled."""
    before = db_state()
    response = client_as("district_clerk").post(
        reverse("training:session_enrol", args=[world.open_session.pk]),
        {"police_numbers": f"{world.city_free.police_number}, 1;DROP, <script>"},
        follow=True,
    )
    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level == levels.WARNING]
    assert any(world.city_free.police_number in m for m in warnings)
    assert "<script>" not in response.content.decode()
    assert_unchanged(before, db_state())


# --- list pages: URL parameters ----------------------------------------------------------------------------------

LIST_URLS = [
    "communes:commune_list",
    "communes:commune_export",
    "personnel:officer_list",
    "personnel:officer_export",
    "training:session_list",
    "training:course_list",
    "training:untrained",
    "training:refreshers",
    "equipment:overview",
    "equipment:shortages",
    "equipment:stock",
    "equipment:stock_export",
    "plan:index",
    "plan:task_list",
    "plan:phase_create",
    "plan:member_create",
    "plan:task_create",
    "register:index",
    "register:xlsx",
]
BAD_PARAMS = [
    {"page": "abc"}, {"page": "-1"}, {"page": "0"}, {"page": "99999"}, {"page": HUGE}, {"page": "1e3"},
    {"page": "\x00"}, {"page": ["1", "2"]},
    {"district": "abc"}, {"district": str(NOWHERE)}, {"district": HUGE}, {"district": str(CITY)},
    {"district": "\x00"},
    {"status": "unknown"}, {"status": "\x00"}, {"status": "'; DROP TABLE personnel_officer; --"},
    {"sort": "unknown"}, {"sort": "-"}, {"sort": "\x00"}, {"sort": "name;DROP"},
    {"q": "'; DROP TABLE personnel_officer; --"}, {"q": "1 OR 1=1"}, {"q": "<script>alert(1)</script>"},
    {"q": "\x00"}, {"q": "x" * 10_000}, {"q": "%"}, {"q": "_"}, {"q": "\\"},
    {"course": "abc"}, {"course": "²"}, {"course": "١٢"}, {"course": HUGE}, {"course": "-1"},
    {"when": "unknown"}, {"plan": "abc"}, {"plan": "\x00"}, {"plan": HUGE}, {"plan": str(NOWHERE)},
    {"language": "abc"}, {"language": HUGE}, {"age": "abc"}, {"rank": "abc"}, {"rank": HUGE},
    {"kind": "unknown"}, {"coverage": "\x00"}, {"is_key_area": "maybe"}, {"is_border": "\x00"},
    {"overdue": "abc"}, {"format": "exe"}, {"format": "\x00"},
]  # fmt: skip


@pytest.mark.parametrize("url_name", LIST_URLS)
def test_bad_url_parameters_on_list_pages_give_a_sensible_page(world, client_as, url_name):
    # The district clerk: the narrowest area, where a district of elsewhere must not leak; the plan's forms are
    # the administrator's.
    client = client_as("administrator" if url_name.endswith("_create") else "district_clerk")
    url = reverse(url_name)
    assert client.get(url).status_code == 200
    before = db_state()
    for params in BAD_PARAMS:
        response = client.get(url, params)
        assert response.status_code == 200, (params, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert "<script>alert(1)</script>" not in html, params
    assert_unchanged(before, db_state())


@pytest.mark.parametrize(
    ("url_name", "args"),
    [
        ("personnel:assign", [DAK_MAN]),
        ("equipment:commune_equipment", [TT_DAK_GLEI]),
        ("communes:commune_detail", [DAK_MAN]),
    ],
)
@pytest.mark.parametrize(
    "params",
    [{"officer": "\x00"}, {"officer": "<script>alert(1)</script>"}, {"officer": HUGE}, {"next": "//evil.example"}],
    ids=["nul", "script", "huge", "next"],
)
def test_bad_url_parameters_on_object_pages_give_the_page(world, client_as, url_name, args, params):
    response = client_as("provincial_clerk").get(reverse(url_name, args=args), params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_task_form_does_not_send_the_user_to_another_site(world, client_as):
    spec = FORMS["task_edit"]
    response = client_as(spec.role).post(spec.url(world), {**spec.valid(world), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == reverse("plan:task_list")


def test_the_commune_admin_form_refuses_bad_numbers_and_writes_nothing(world, client_as):
    """The one admin form of the communes app that writes: the commune's attributes."""
    client = client_as("administrator")
    url = reverse("admin:communes_commune_change", args=[DAK_MAN])
    commune = Commune.objects.get(code=DAK_MAN)
    valid = {
        "is_key_area": "", "is_border": "", "border_country": "", "population": "1000", "staffing_norm": "5",
        "baseline_covered_on": "", "is_demo": "",
    }  # fmt: skip
    before = db_state()
    for overrides in [
        {"population": "-1"}, {"population": HUGE}, {"population": "abc"}, {"staffing_norm": "-5"},
        {"staffing_norm": "99999"}, {"baseline_covered_on": "31/02/2026"}, {"baseline_covered_on": "\x00"},
        {"border_country": "\x00"}, {"border_country": "unknown"},
    ]:  # fmt: skip
        response = client.post(url, {**valid, **overrides})
        assert response.status_code == 200, overrides
        assert response.context["adminform"].form.errors, overrides
    assert_unchanged(before, db_state())
    assert Commune.objects.get(code=DAK_MAN) == commune
