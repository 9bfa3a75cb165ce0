"""Recording results through the API: the results page's rules (training.services.results_record), and only what
the client sends is written."""

from decimal import Decimal

import pytest

from tests.builders.world import assert_unchanged, db_state
from training.models import Enrollment

pytestmark = pytest.mark.usefixtures("shared_world")


def _post(http, session, rows, **headers):
    return http.post(
        f"/api/v1/classes/{session.pk}/results/", {"results": rows}, content_type="application/json", headers=headers
    )


def test_a_result_is_recorded_with_its_certificate(api_as, world):
    answer = _post(api_as("district_clerk"), world.session,
                   [{"enrolment": world.enrollment.pk, "attended": True, "score": 8.5, "passed": True}])  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"saved": [world.enrollment.pk], "unchanged": 0}
    enrollment = Enrollment.objects.get(pk=world.enrollment.pk)
    assert (enrollment.attended, enrollment.score, enrollment.passed) == (True, Decimal("8.50"), True)
    assert enrollment.certificate_number.startswith("CAX-01-")
    other = Enrollment.objects.get(pk=world.city_enrollment.pk)
    assert (other.attended, other.score, other.passed) == (None, None, None)  # not sent: left as it is


def test_a_part_left_out_keeps_what_is_recorded(api_as, world):
    http = api_as("provincial_clerk")
    _post(http, world.session, [{"enrolment": world.enrollment.pk, "attended": True, "score": 7}])
    answer = _post(http, world.session, [{"enrolment": world.enrollment.pk, "passed": True}])
    assert answer.status_code == 200, answer.content
    enrollment = Enrollment.objects.get(pk=world.enrollment.pk)
    assert (enrollment.attended, enrollment.score, enrollment.passed) == (True, Decimal("7.00"), True)


def test_the_same_request_twice_writes_once(api_as, world):
    http = api_as("provincial_clerk")
    row = {"enrolment": world.enrollment.pk, "attended": True, "score": 9, "passed": True}
    assert _post(http, world.session, [row]).json()["saved"] == [world.enrollment.pk]
    history = Enrollment.history.count()
    again = _post(http, world.session, [row])
    assert again.status_code == 200 and again.json() == {"saved": [], "unchanged": 1}
    assert Enrollment.history.count() == history


def test_a_result_changed_since_the_client_read_it_is_refused(api_as, world):
    _post(api_as("provincial_clerk"), world.session, [{"enrolment": world.enrollment.pk, "attended": False}])
    before = db_state()
    stale = _post(api_as("district_clerk"), world.session, [{
        "enrolment": world.enrollment.pk, "attended": True, "passed": True,
        "was": {"attended": None, "score": None, "passed": None},
    }])  # fmt: skip
    assert stale.status_code == 400
    assert "thay đổi" in stale.json()[str(world.enrollment.pk)][0]
    assert_unchanged(before, db_state())


@pytest.mark.parametrize(
    "body",
    [{}, {"results": []}, {"results": [{}]}, {"results": "x"}, {"results": [{"enrolment": "a"}]}],
    ids=["nothing", "no rows", "a row without its enrolment", "not a list", "not an id"],
)
def test_a_request_without_results_writes_nothing(api_as, world, body):
    before = db_state()
    answer = api_as("district_clerk").post(
        f"/api/v1/classes/{world.session.pk}/results/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert_unchanged(before, db_state())


def test_one_bad_row_refuses_the_whole_save(api_as, world):
    before = db_state()
    answer = _post(api_as("provincial_clerk"), world.session, [
        {"enrolment": world.enrollment.pk, "attended": True, "score": 8, "passed": True},
        {"enrolment": world.city_enrollment.pk, "attended": False, "passed": True},
    ])  # fmt: skip
    assert answer.status_code == 400
    assert answer.json() == {str(world.city_enrollment.pk): ["Cán bộ không có mặt thì không thể đạt."]}
    assert_unchanged(before, db_state())


def test_a_district_clerk_records_only_their_officers(api_as, world):
    before = db_state()
    answer = _post(api_as("district_clerk"), world.session,
                   [{"enrolment": world.city_enrollment.pk, "attended": True}])  # fmt: skip
    assert answer.status_code == 400
    assert answer.json() == {str(world.city_enrollment.pk): ["Cán bộ này không thuộc huyện phụ trách."]}
    assert_unchanged(before, db_state())


def test_the_messages_are_the_results_page_s(api_as, world):
    row = [{"enrolment": world.enrollment.pk, "score": 11}]
    vi = _post(api_as("provincial_clerk"), world.session, row).json()
    en = _post(api_as("provincial_clerk", **{"Accept-Language": "en"}), world.session, row).json()
    assert en == {str(world.enrollment.pk): ["A score lies between 0 and 10."]}
    assert vi == {str(world.enrollment.pk): ["Điểm phải từ 0 đến 10."]}


def test_an_enrolment_sent_twice_is_refused(api_as, world):
    row = {"enrolment": world.enrollment.pk, "attended": True}
    answer = _post(api_as("provincial_clerk"), world.session, [row, row])
    assert answer.status_code == 400 and "results" in answer.json()
