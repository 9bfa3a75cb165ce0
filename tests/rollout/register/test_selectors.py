"""The register as of any day, and the service record, read from the records' dates: they agree with what the
history (simple-history) says was in force at the end of each day, with the progress figures of that day, and
they cost a constant number of queries."""

import datetime

import pytest
from django.db.models import OuterRef

from communes.models import Commune, Province
from personnel.choices import AssignmentEndReason, Post
from personnel.models import Assignment, Officer
from personnel.services import assignment_create, assignment_end
from rollout.core.scoping import Scope
from rollout.progress.figures import with_progress
from rollout.register.selectors import HeldSince, HeldUntil, Section, register_on, service_record
from tests.builders.clock import clock, end_of
from tests.builders.register import DAK_GLEI, DAK_MAN, DAK_PEK, OVERRIDE, build_postings
from tests.factories import OfficerFactory, vet_fully
from training.models import Enrollment
from training.selectors import mandatory_courses, mandatory_passed_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def postings(demo_baseline, users):
    return build_postings(users["administrator"])


def _register_rows(user, day, **area):
    register = register_on(user=user, province=Province.objects.get(code=62), day=day, **area)
    rows = {
        (h.assignment.commune_id, h.assignment.post, h.officer.pk, h.assignment.started_on,
         h.assignment.decision_number, h.assignment.decision_date, h.trained)
        for h in register.posts
    }  # fmt: skip
    return register, rows


def _history_rows(day, commune_codes, mandatory_ids):
    """What the history says was in force at the end of ``day``: the assignments as they stood then and not ended,
    each holder trained when the passes recorded by then, valid that day, cover every mandatory course."""
    moment = end_of(day)
    passes: dict[int, set[int]] = {}
    for enrollment in Enrollment.history.as_of(moment):
        if enrollment.passed and (enrollment.valid_until is None or enrollment.valid_until >= day):
            passes.setdefault(enrollment.officer_id, set()).add(enrollment.course_id)
    return {
        (a.commune_id, a.post, a.officer_id, a.started_on, a.decision_number, a.decision_date,
         passes.get(a.officer_id, set()) >= mandatory_ids)
        for a in Assignment.history.as_of(moment)
        if a.ended_on is None and a.commune_id in commune_codes
    }  # fmt: skip


def test_the_register_of_each_past_day_is_what_the_history_says(postings, users):
    admin = users["administrator"]
    glei = set(Commune.objects.filter(district_id=DAK_GLEI).values_list("code", flat=True))
    mandatory = set(mandatory_courses().values_list("pk", flat=True))
    days = postings.every_day()
    compared = 0
    for day in days:
        register, rows = _register_rows(admin, day, district=Commune.objects.get(code=DAK_MAN).district)
        assert rows == _history_rows(day, glei, mandatory), day
        chiefless_by_history = glei - {row[0] for row in _history_rows(day, glei, mandatory) if row[1] == Post.CHIEF}
        assert {row.commune.code for row in register.without_chief} == chiefless_by_history, day
        compared += 1
    assert compared == len(days) > 80


def test_who_held_which_post_on_the_days_of_the_story(postings, users):
    admin = users["administrator"]
    a, b, c, d = (postings.officers[k] for k in "ABCD")
    d0, d1, d2, d3, d4, d5, d6 = postings.days

    def man(day):
        register, _rows = _register_rows(admin, day, commune=Commune.objects.get(code=DAK_MAN))
        return [(h.assignment.post, h.officer.pk, h.assignment.decision_number, h.trained) for h in register.posts]

    assert man(d0) == []
    assert man(d1) == [(Post.CHIEF, a.pk, "01/QĐ-CAH", True), (Post.OFFICER, b.pk, "02/QĐ-CAH", False)]
    assert man(d2) == [(Post.CHIEF, a.pk, "01/QĐ-CAH", True)]  # B's post ended that day
    assert man(d3) == [(Post.CHIEF, c.pk, "03/QĐ-CAH", True)]  # handed over that day: the successor's
    assert man(d4) == [(Post.CHIEF, c.pk, "03/QĐ-CAH", True), (Post.DEPUTY, b.pk, "04/QĐ-CAH", False)]
    assert man(d5) == [(Post.DEPUTY, b.pk, "04/QĐ-CAH", False)]
    assert man(d6) == [(Post.CHIEF, d.pk, "06/QĐ-CAH", False), (Post.DEPUTY, b.pk, "04/QĐ-CAH", False)]
    register, _rows = _register_rows(admin, d5, commune=Commune.objects.get(code=DAK_MAN))
    assert [row.commune.code for row in register.without_chief] == [DAK_MAN]


def test_trained_that_day_follows_the_certificates_validity(postings, users):
    admin = users["administrator"]
    a = postings.officers["A"]
    law = Enrollment.objects.get(officer=a, course__code="CAX-02")
    expired = law.valid_until + datetime.timedelta(days=1)

    def a_at_pek(day):
        register, _rows = _register_rows(admin, day, commune=Commune.objects.get(code=DAK_PEK))
        return [(h.officer.pk, h.trained, h.passed, h.required) for h in register.posts]

    assert postings.days[5] <= law.valid_until  # A took Đắk Pék trained …
    assert a_at_pek(law.valid_until) == [(a.pk, True, 2, 2)]
    assert a_at_pek(expired) == [(a.pk, False, 1, 2)]  # … and is untrained once the law certificate expired


def test_a_pass_of_a_class_that_began_after_the_day_does_not_count_for_it(postings, users):
    admin, d = users["administrator"], postings.officers["D"]
    day = postings.days[6]
    later = day + datetime.timedelta(days=5)
    with clock(later):
        from training.services import prior_training_record

        prior_training_record(officer=d, course=postings.courses[1], completed_on=later, provider="Trường Công an",
                              certificate_number="D-late", recorded_by=admin)  # fmt: skip
    register, _rows = _register_rows(admin, day, commune=Commune.objects.get(code=DAK_MAN))
    chief = register.communes[0].chief
    assert (chief.officer.pk, chief.trained) == (d.pk, False)
    register, _rows = _register_rows(admin, later, commune=Commune.objects.get(code=DAK_MAN))
    assert register.communes[0].chief.trained


def test_the_register_reads_the_decisions_dates_not_the_day_they_were_typed(postings, users):
    """An assignment typed in weeks late holds its post from its own start date, which the history cannot know."""
    admin = users["administrator"]
    late = vet_fully(OfficerFactory(full_name="Y Sơn", district_id=DAK_GLEI), admin)
    d2, d6 = postings.days[2], postings.days[6]
    with clock(d6):
        assignment_create(
            officer=late, commune=Commune.objects.get(code=DAK_PEK), post=Post.OFFICER, decision_number="07/QĐ-CAH",
            decision_date=d2, started_on=d2, created_by=admin, override_reason=OVERRIDE,
        )  # fmt: skip
    register, _rows = _register_rows(admin, d2, commune=Commune.objects.get(code=DAK_PEK))
    assert [h.officer.pk for h in register.posts] == [late.pk]
    assert not Assignment.history.as_of(end_of(d2)).filter(officer_id=late.pk).exists()


def test_the_register_agrees_with_the_progress_figures_of_each_day(postings, users):
    admin = users["administrator"]
    communes = Commune.objects.filter(district_id=DAK_GLEI)
    for day in postings.every_day(after=35)[::3]:
        register, _rows = _register_rows(admin, day, district=communes.first().district)
        figures = {
            c["code"]: (c["officers_deployed"], c["officers_untrained"])
            for c in with_progress(communes, day).values("code", "officers_deployed", "officers_untrained")
        }
        mine = {row.commune.code: (len(row.posts), sum(not h.trained for h in row.posts)) for row in register.communes}
        assert mine == figures, day


def test_a_district_clerk_reads_only_their_district(postings, users, kon_tum):
    city_chief = vet_fully(OfficerFactory(district_id=608), users["administrator"])
    assignment_create(
        officer=city_chief, commune=Commune.objects.get(code=23281), post=Post.CHIEF, decision_number="09/QĐ",
        decision_date=postings.days[1], started_on=postings.days[1], created_by=users["administrator"],
        override_reason=OVERRIDE,
    )  # fmt: skip
    register = register_on(user=users["district_clerk"], province=kon_tum, day=postings.days[4])
    assert {row.commune.district_id for row in register.communes} == {DAK_GLEI}
    assert city_chief.pk not in {h.officer.pk for h in register.posts}
    everything = register_on(user=users["provincial_clerk"], province=kon_tum, day=postings.days[4])
    assert city_chief.pk in {h.officer.pk for h in everything.posts} and len(everything.communes) == 102


def _many_posts(admin, communes: int):
    """A chief and an officer in each of ``communes`` communes of Kon Tum, each with a pass of one course."""
    from training.services import prior_training_record

    start = datetime.date(2026, 3, 2)
    for number, commune in enumerate(Commune.objects.filter(district__province_id=62).order_by("code")[:communes]):
        for post in (Post.CHIEF, Post.OFFICER):
            officer = vet_fully(OfficerFactory(district_id=commune.district_id), admin)
            prior_training_record(
                officer=officer, course=mandatory_courses().first(), completed_on=start, provider="Trường Công an",
                certificate_number=f"Q-{officer.pk}", recorded_by=admin,
            )  # fmt: skip
            assignment_create(
                officer=officer, commune=commune, post=post, decision_number=f"{number}-{post}/QĐ",
                decision_date=start, started_on=start, created_by=admin, override_reason=OVERRIDE,
            )  # fmt: skip


@pytest.mark.parametrize("communes", [2, 30])
def test_the_register_of_a_province_or_district_takes_three_queries(demo_baseline, users, django_assert_max_num_queries,
                                                                    communes):  # fmt: skip
    from tests.factories import CourseFactory

    CourseFactory(is_mandatory=True)
    _many_posts(users["administrator"], communes)
    province = Province.objects.get(code=62)
    for role in ("provincial_clerk", "district_clerk"):
        Scope.of(users[role])  # the user's roles are read once per request, before any page
    with django_assert_max_num_queries(3):
        register = register_on(user=users["provincial_clerk"], province=province, day=datetime.date(2026, 11, 1))
        assert len(register.posts) == 2 * communes and register.trained_count == 2 * communes
    district = Commune.objects.filter(district__province_id=62).order_by("code").first().district
    with django_assert_max_num_queries(3):
        register_on(user=users["district_clerk"], province=province, district=district, day=datetime.date(2026, 11, 1))


# --- The service record -----------------------------------------------------------------------------------------


def test_the_service_record_lists_the_posts_vetting_training_and_equipment_in_order(postings, users):
    a = postings.officers["A"]
    d0, d1, d2, d3, d4, d5, d6 = postings.days
    record = service_record(a)
    assert [(x.commune_id, x.post, x.started_on, x.ended_on) for x in record.assignments] == [
        (DAK_MAN, Post.CHIEF, d1, d3), (DAK_PEK, Post.CHIEF, d5, None),
    ]  # fmt: skip
    days = [e.day for e in record.events]
    assert days == sorted(days)
    sections = [(e.day, e.section) for e in record.events]
    assert (d0, Section.VETTING) in sections and (d0, Section.TRAINING) in sections
    assert (d1, Section.ASSIGNMENT) in sections and (d3, Section.ASSIGNMENT) in sections
    # the radio: issued to A on d1, passed to C with the post on d3 (the issuance's row now names C only)
    assert [(h.serial_number, h.since, h.since_how, h.until, h.until_how) for h in record.holdings] == [
        ("BD-001", d1, HeldSince.ISSUED, d3, HeldUntil.HANDED_OVER)
    ]
    # the law certificate (one month) expired, and nothing renewed it
    law = Enrollment.objects.get(officer=a, course__code="CAX-02")
    expired = [e for e in record.events if e.section == Section.TRAINING and "CAX-02" in e.text and e.day > d0]
    assert [e.day for e in expired] == [law.valid_until + datetime.timedelta(days=1)]
    assert not record.trained and (record.passed, record.required) == (1, 2)
    # on the day of the hand-over, leaving the post and handing the radio over come before anything else of A's
    hand_over_day = [e.section for e in record.events if e.day == d3]
    assert hand_over_day == [Section.ASSIGNMENT, Section.EQUIPMENT]


def test_the_successor_holds_what_was_handed_over_until_they_return_it(postings):
    c = postings.officers["C"]
    d3, d5 = postings.days[3], postings.days[5]
    record = service_record(c)
    assert [(h.since, h.since_how, h.until, h.until_how) for h in record.holdings] == [
        (d3, HeldSince.HANDED_OVER, d5, HeldUntil.RETURNED)
    ]
    ended = [x for x in record.assignments if x.ended_on == d5]
    assert ended and ended[0].end_reason == AssignmentEndReason.OTHER and ended[0].end_note == "Đi học"


def test_a_changed_vetting_decision_keeps_the_earlier_one(demo_baseline, users):
    from personnel.choices import VettingCriterion
    from personnel.services import VettingDecision, vetting_record

    admin = users["administrator"]
    officer = OfficerFactory()
    first, second = datetime.date(2026, 5, 4), datetime.date(2026, 6, 1)
    with clock(first):
        vetting_record(officer=officer, decided_by=admin, decisions=[
            VettingDecision(criterion=VettingCriterion.HEALTH, passed=False, note="Chờ khám lại")])  # fmt: skip
    with clock(second):
        vetting_record(officer=officer, decided_by=admin, decisions=[
            VettingDecision(criterion=VettingCriterion.HEALTH, passed=True)])  # fmt: skip
    label = str(VettingCriterion.HEALTH.label)
    health = [(v.decided_on, v.passed, v.note) for v in service_record(officer).vettings if v.criterion == label]
    assert health == [(first, False, "Chờ khám lại"), (second, True, "")]


def test_the_service_record_takes_a_fixed_number_of_queries(postings, django_assert_max_num_queries):
    officer = Officer.objects.get(pk=postings.officers["A"].pk)
    with django_assert_max_num_queries(6):
        record = service_record(officer)
        assert len(record.events) >= 8


def test_the_trained_flag_is_the_training_apps_definition_for_the_day(postings, users):
    """The register's trained holders are those ``mandatory_passed_by`` counts for the day, nothing else."""
    admin = users["administrator"]
    required = mandatory_courses().count()
    for day in postings.every_day()[::5]:
        register, _rows = _register_rows(admin, day, district=Commune.objects.get(code=DAK_MAN).district)
        ids = [h.officer.pk for h in register.posts]
        counted = dict(
            Officer.objects.filter(pk__in=ids)
            .annotate(n=mandatory_passed_by(OuterRef("pk"), day))
            .values_list("pk", "n")
        )
        assert {h.officer.pk: h.trained for h in register.posts} == {k: n >= required for k, n in counted.items()}


def test_ending_on_the_start_day_never_holds_the_post(demo_baseline, users):
    admin = users["administrator"]
    officer = vet_fully(OfficerFactory(district_id=DAK_GLEI), admin)
    day = datetime.date(2026, 6, 1)
    with clock(day):
        held = assignment_create(
            officer=officer, commune=Commune.objects.get(code=DAK_MAN), post=Post.OFFICER, decision_number="1/QĐ",
            decision_date=day, started_on=day, created_by=admin,
        )  # fmt: skip
        assignment_end(assignment=held, ended_on=day, reason=AssignmentEndReason.OTHER, user=admin)
    register, _rows = _register_rows(admin, day, commune=Commune.objects.get(code=DAK_MAN))
    assert register.posts == []
