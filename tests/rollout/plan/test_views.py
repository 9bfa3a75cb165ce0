"""The plan pages: who may do what, bad input through the forms refused with nothing written, the index, task
list and phase pages, query counts that do not grow, the admin pages and the training rules on the plan page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from communes.models import Commune
from rollout.models import CommitteeMember, CommitteeRole, Phase, PilotPlan, Task, TaskStatus
from rollout.plan import services
from tests.builders.divisions import DEMO_DISTRICT
from tests.builders.plan import START, TARGET, TODAY, communes_of, db_state, dmy

pytestmark = pytest.mark.django_db


# --- permissions -----------------------------------------------------------------------------------------------

READ_PAGES = ["index", "phase_detail", "task_list"]
ADMIN_PAGES = ["plan_edit", "phase_create", "phase_edit", "member_create", "member_edit"]
TASK_PAGES = ["task_create", "task_edit"]


def url_for(name: str, objects) -> str:
    args = {
        "plan_edit": [objects["plan"].pk],
        "phase_edit": [objects["phase"].pk],
        "phase_detail": [objects["phase"].pk],
        "member_edit": [objects["member"].pk],
        "task_edit": [objects["task"].pk],
        "task_status": [objects["task"].pk],
    }.get(name, [])
    return reverse(f"plan:{name}", args=args)


GET_MATRIX = {
    # role: (read pages, admin pages, task pages, task_status GET)
    "committee": (200, 403, 403, 403),
    "district_clerk": (200, 403, 403, 403),
    "provincial_clerk": (200, 403, 200, 405),
    "administrator": (200, 200, 200, 405),
    "no_role": (403, 403, 403, 403),
}


@pytest.mark.parametrize("role", list(GET_MATRIX))
def test_get_permission_matrix(role, objects, client_as):
    client = client_as(role)
    read, admin, task, status = GET_MATRIX[role]
    for name in READ_PAGES:
        assert client.get(url_for(name, objects)).status_code == read, name
    for name in ADMIN_PAGES:
        assert client.get(url_for(name, objects)).status_code == admin, name
    for name in TASK_PAGES:
        assert client.get(url_for(name, objects)).status_code == task, name
    assert client.get(url_for("task_status", objects)).status_code == status


def test_anonymous_is_sent_to_login(objects, client):
    for name in [*READ_PAGES, *ADMIN_PAGES, *TASK_PAGES, "task_status"]:
        url = url_for(name, objects)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name
        assert client.post(url, {}).status_code == 302, name


def valid_posts(objects):
    plan = objects["plan"]
    return {
        "plan_edit": {"name": "Kế hoạch mới", "started_on": dmy(START), "target_on": dmy(TARGET),
                      "default_staffing_norm": "5", "min_age": "22", "max_age": "45", "min_rank": "3",
                      "requires_vetting": "on"},
        "phase_create": {"plan": plan.pk, "number": "2", "name": "Đợt 2", "target_on": dmy(TARGET), "note": ""},
        "phase_edit": {"number": "1", "name": "Đợt 1 (sửa)", "target_on": dmy(TARGET), "note": ""},
        "member_create": {"plan": plan.pk, "full_name": "Lê Văn Tuấn", "unit": "Công an tỉnh Kon Tum",
                          "role": "deputy_head", "is_active": "on"},
        "member_edit": {"full_name": "Nguyễn Văn Sơn", "unit": "Thứ trưởng Bộ Công an", "role": "head",
                        "is_active": "on"},
        "task_create": {"plan": plan.pk, "title": "Tập huấn", "unit": "Cục Đào tạo", "deadline": dmy(TARGET),
                        "status": "open"},
        "task_edit": {"title": "Lập danh sách xã (sửa)", "unit": "Phòng Tổ chức cán bộ", "deadline": dmy(TARGET),
                      "status": "in_progress"},
        "task_status": {"status": "done"},
    }  # fmt: skip


@pytest.mark.parametrize("role", ["committee", "district_clerk", "no_role"])
def test_read_only_roles_cannot_post(role, objects, client_as):
    client = client_as(role)
    before = db_state()
    for name, data in valid_posts(objects).items():
        assert client.post(url_for(name, objects), data).status_code == 403, name
    assert db_state() == before


def test_provincial_clerk_writes_tasks_only(objects, client_as):
    client = client_as("provincial_clerk")
    posts = valid_posts(objects)
    before = db_state()
    for name in ADMIN_PAGES:
        assert client.post(url_for(name, objects), posts[name]).status_code == 403, name
    assert db_state() == before
    for name in ["task_create", "task_edit", "task_status"]:
        response = client.post(url_for(name, objects), posts[name])
        assert response.status_code == 302, (name, response.content[:2000])
    assert Task.objects.count() == 2
    task = Task.objects.get(pk=objects["task"].pk)
    assert (task.title, task.status, task.completed_on) == ("Lập danh sách xã (sửa)", TaskStatus.DONE, TODAY)
    assert Task.objects.get(title="Tập huấn").created_by == task.created_by.__class__.objects.get(
        username="provincial_clerk_user"
    )


def test_administrator_writes_everything(objects, client_as):
    client = client_as("administrator")
    for name, data in valid_posts(objects).items():
        response = client.post(url_for(name, objects), data)
        assert response.status_code == 302, (name, response.content[:3000])
    plan = PilotPlan.objects.get(pk=objects["plan"].pk)
    assert (plan.name, plan.default_staffing_norm, plan.min_rank) == ("Kế hoạch mới", 5, 3)
    assert Phase.objects.filter(plan=plan).count() == 2
    assert CommitteeMember.objects.get(full_name="Nguyễn Văn Sơn").unit == "Thứ trưởng Bộ Công an"
    assert CommitteeMember.objects.filter(role=CommitteeRole.DEPUTY_HEAD).count() == 1
    assert Phase.objects.get(pk=objects["phase"].pk).communes.count() == 0  # the edit sent no commune


def test_provincial_clerk_cannot_reach_another_provinces_tasks(objects, elsewhere, users, client_as):
    foreign = services.task_create(plan=elsewhere["plan"], user=users["administrator"], title="Việc tỉnh khác",
                                   unit="Công an tỉnh khác", deadline=TARGET)  # fmt: skip
    client = client_as("provincial_clerk")
    before = db_state()
    assert client.get(reverse("plan:task_edit", args=[foreign.pk])).status_code == 404
    edit = {"title": "x", "unit": "y", "deadline": dmy(TARGET), "status": "open"}
    assert client.post(reverse("plan:task_edit", args=[foreign.pk]), edit).status_code == 404
    assert client.post(reverse("plan:task_status", args=[foreign.pk]), {"status": "done"}).status_code == 404
    # Creating a task in the other province's plan: the plan is not a choice.
    data = {"plan": elsewhere["plan"].pk, "title": "x", "unit": "y", "deadline": dmy(TARGET), "status": "open"}
    response = client.post(reverse("plan:task_create"), data)
    assert response.status_code == 200
    assert "Unknown plan" in response.content.decode()
    assert db_state() == before
    # The list shows only the own province's tasks.
    page = client.get(reverse("plan:task_list")).content.decode()
    assert "Lập danh sách xã" in page and "Việc tỉnh khác" not in page
    with pytest.raises(PermissionDenied):
        services.task_create(plan=elsewhere["plan"], user=users["provincial_clerk"], title="x", unit="y",
                             deadline=TARGET)  # fmt: skip


# --- bad input through the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"deadline": "01/01/1999"}, "deadline", "out of range"),
        ({"deadline": "31/02/2026"}, "deadline", ""),  # Django's own message, translated
        ({"deadline": "01/01/3000"}, "deadline", "out of range"),
        ({"title": "  "}, "title", ""),
        ({"status": "finished"}, "status", "Unknown status"),
        ({"plan": "987654"}, "plan", "Unknown plan"),
        ({"plan": "abc"}, "plan", "Unknown plan"),
        ({"status": "open", "completed_on": dmy(TODAY)}, "completed_on", "Only a done task"),
    ],
)
def test_task_form_bad_input_writes_nothing(objects, client_as, override, field, message):
    client = client_as("administrator")
    before = db_state()
    data = valid_posts(objects)["task_create"] | override
    response = client.post(reverse("plan:task_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert db_state() == before


def test_task_status_bad_input_writes_nothing(objects, client_as):
    client = client_as("provincial_clerk")
    before = db_state()
    url = reverse("plan:task_status", args=[objects["task"].pk])
    response = client.post(url, {"status": "finished"}, follow=True)
    assert "Unknown status" in response.content.decode()
    assert db_state() == before
    assert client.post(reverse("plan:task_status", args=[999999]), {"status": "done"}).status_code == 404


def test_cancelling_a_task_from_the_list_asks_first(objects, client_as):
    client = client_as("provincial_clerk")
    task = objects["task"]
    url = reverse("plan:task_status", args=[task.pk])
    back = reverse("plan:task_list") + "?status=open"
    before = db_state()

    response = client.post(url, {"status": "cancelled", "next": back})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="confirm-page"' in page and "Lập danh sách xã" in page and "Phòng Tổ chức cán bộ" in page
    assert 'name="status" value="cancelled"' in page and 'name="confirm" value="yes"' in page
    assert f'href="{back}"' in page.replace("&amp;", "&")  # "No, go back" returns to the filtered list
    assert db_state() == before

    # A POST with only the CSRF token writes nothing either (no status: refused with a message).
    client.post(url, {})
    assert db_state() == before

    confirmed = {"status": "cancelled", "next": back, "confirm": "yes"}
    response = client.post(url, confirmed, follow=True)
    assert response.redirect_chain == [(back, 302)]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CANCELLED
    # The same POST again: already cancelled, nothing asked, nothing else changes.
    after = db_state()
    response = client.post(url, confirmed, follow=True)
    assert response.redirect_chain == [(back, 302)] and db_state() == after
    # Other status changes are not asked about.
    assert client.post(url, {"status": "done", "next": back}).status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_plan_edit_bad_input_writes_nothing(objects, client_as):
    client = client_as("administrator")
    before = db_state()
    url = reverse("plan:plan_edit", args=[objects["plan"].pk])
    good = valid_posts(objects)["plan_edit"]
    cases = [
        ({"target_on": "01/01/2026"}, "target_on"),
        ({"min_age": "17"}, "min_age"),
        ({"max_age": "70"}, "max_age"),
        ({"min_age": "40", "max_age": "30"}, "max_age"),
        ({"min_rank": "99"}, "min_rank"),
        ({"default_staffing_norm": "-1"}, "default_staffing_norm"),
        ({"started_on": "hôm qua"}, "started_on"),
        ({"training_grace_days": "-1"}, "training_grace_days"),
        ({"training_grace_days": "366"}, "training_grace_days"),
        ({"training_grace_days": "abc"}, "training_grace_days"),
        ({"training_grace_days": "1.5"}, "training_grace_days"),
    ]
    for override, field in cases:
        response = client.post(url, good | override)
        assert response.status_code == 200, override
        assert field in response.context["form"].errors, (override, response.context["form"].errors)
    assert db_state() == before
    assert client.get(reverse("plan:plan_edit", args=[999999])).status_code == 404


def test_phase_form_refuses_foreign_commune(objects, elsewhere, client_as):
    client = client_as("administrator")
    before = db_state()
    data = valid_posts(objects)["phase_create"] | {"communes": [communes_of(62, 5)[4].pk, elsewhere["commune"].pk]}
    response = client.post(reverse("plan:phase_create"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["communes"])
    assert "99001" in errors and "plan's province" in errors
    assert db_state() == before


def test_phase_form_groups_communes_by_district(objects, client_as):
    response = client_as("administrator").get(reverse("plan:phase_create") + f"?plan={objects['plan'].pk}")
    groups = response.context["form"].commune_groups()
    assert len(groups) == 10
    assert sum(len(boxes) for _district, boxes in groups) == 102
    assert "Huyện Đắk Glei" in response.content.decode()


def test_member_form_second_head_is_refused(objects, client_as):
    client = client_as("administrator")
    before = db_state()
    data = valid_posts(objects)["member_create"] | {"role": "head"}
    response = client.post(reverse("plan:member_create"), data)
    assert response.status_code == 200
    assert "already has a head" in " ".join(response.context["form"].errors["role"])
    data = valid_posts(objects)["member_create"] | {"email": "not-an-address", "full_name": ""}
    response = client.post(reverse("plan:member_create"), data)
    assert {"email", "full_name"} <= set(response.context["form"].errors)
    assert db_state() == before


# --- pages -----------------------------------------------------------------------------------------------------


def test_index_shows_phase_coverage_and_overdue(objects, demo_baseline, client_as, users):
    plan = objects["plan"]
    free = Commune.objects.filter(district__province_id=62).exclude(phases__isnull=False).order_by("code")
    covered = free.exclude(coverage="uncovered")[:2]
    uncovered = free.filter(coverage="uncovered")[:1]
    late = services.phase_create(plan=plan, user=None, number=2, name="Đợt trễ", target_on=START,
                                 communes=[*covered, *uncovered])  # fmt: skip
    Phase.objects.filter(pk=late.pk).update(target_on=TODAY - datetime.timedelta(days=1))
    response = client_as("committee").get(reverse("plan:index"))
    assert response.status_code == 200
    (shown,) = response.context["plans"]
    phases = {p.number: p for p in shown.phases.all()}
    assert (phases[2].communes_total, phases[2].communes_covered, phases[2].is_overdue) == (3, 2, True)
    assert phases[1].communes_total == 3
    page = response.content.decode()
    assert 'data-testid="phase-overdue"' in page and "Overdue" in page
    assert "Nguyễn Văn Sơn" in page
    assert shown.tasks_total == 1 and shown.tasks_overdue == (1 if objects["task"].deadline < TODAY else 0)


def test_task_list_filters(objects, users, client_as):
    plan, admin = objects["plan"], users["administrator"]
    services.task_create(plan=plan, user=admin, title="Mua xe máy", unit="Phòng Hậu cần", deadline=TARGET,
                         status=TaskStatus.DONE)  # fmt: skip
    services.task_create(plan=plan, user=admin, title="Quá hạn", unit="Phòng Hậu cần",
                         deadline=TODAY - datetime.timedelta(days=3))  # fmt: skip
    client = client_as("committee")

    def titles(**params):
        response = client.get(reverse("plan:task_list"), params)
        assert response.status_code == 200
        return {task.title for task in response.context["object_list"]}

    assert titles(q="phong to chuc") == {"Lập danh sách xã"}
    assert titles(q="PHÒNG HẬU CẦN") == {"Mua xe máy", "Quá hạn"}
    assert titles(q="hau can", status="done") == {"Mua xe máy"}
    assert "Quá hạn" in titles(overdue="yes")
    assert "Mua xe máy" not in titles(overdue="yes")
    response = client.get(reverse("plan:task_list"), {"status": "bogus"})
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    assert client.get(reverse("plan:task_list"), {"page": "999"}).status_code == 200
    page = client.get(reverse("plan:task_list")).content.decode()
    assert 'data-testid="overdue-badge"' in page
    assert reverse("plan:task_status", args=[objects["task"].pk]) not in page  # read only: no status form


def test_phase_detail_lists_communes_with_coverage(objects, client_as):
    response = client_as("provincial_clerk").get(reverse("plan:phase_detail", args=[objects["phase"].pk]))
    assert response.status_code == 200
    assert len(response.context["communes"]) == 3
    assert 'data-testid="coverage-badge"' in response.content.decode()
    assert 'data-testid="phase-communes-elsewhere"' not in response.content.decode()


def test_a_district_clerk_sees_only_the_phase_communes_of_their_district(objects, client_as):
    # A phase of 20 communes, 3 of them in Đắk Glei (the district clerk's): the page lists those 3, and says that
    # the others are elsewhere without naming them.
    phase = objects["phase"]
    glei = list(Commune.objects.filter(district_id=DEMO_DISTRICT).order_by("code")[:3])
    others = list(Commune.objects.filter(district__province_id=62).exclude(district_id=DEMO_DISTRICT)[:17])
    phase.communes.set([*glei, *others])
    response = client_as("district_clerk").get(reverse("plan:phase_detail", args=[phase.pk]))
    assert response.status_code == 200
    assert [row["code"] for row in response.context["communes"]] == [c.code for c in glei]
    page = response.content.decode()
    for commune in others:
        assert reverse("communes:commune_detail", args=[commune.code]) not in page
    assert 'data-testid="phase-communes-elsewhere"' in page
    assert "The list shows the communes of your area; 17 communes of this phase are in other districts." in page
    assert response.context["phase"].communes_total == 20  # the phase's own figures stay the phase's


def test_a_district_clerk_with_none_of_the_phase_communes_is_told_so(objects, client_as):
    phase = objects["phase"]
    phase.communes.set(Commune.objects.filter(district__province_id=62).exclude(district_id=DEMO_DISTRICT)[:4])
    page = client_as("district_clerk").get(reverse("plan:phase_detail", args=[phase.pk])).content.decode()
    assert "None of this phase's communes is in your area." in page


# --- query counts ----------------------------------------------------------------------------------------------


def _grow(plan, admin, n: int) -> None:
    """Phases, members and tasks up to ``n`` of each."""
    communes = list(Commune.objects.filter(district__province_id=62).order_by("code"))
    start = Phase.objects.filter(plan=plan).count() + 1
    for i in range(start, n + 1):
        services.phase_create(plan=plan, user=None, number=i, name=f"Đợt {i}", target_on=TARGET,
                              communes=communes[3 * i: 3 * i + 3])  # fmt: skip
    for i in range(CommitteeMember.objects.filter(plan=plan).count(), n):
        services.member_create(plan=plan, user=None, full_name=f"Thành viên {i}", unit="Đơn vị", role="member")
    for i in range(Task.objects.filter(plan=plan).count(), n):
        status = [TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED][i % 4]
        services.task_create(plan=plan, user=admin, title=f"Việc {i}", unit=f"Đơn vị {i % 5}",
                             deadline=TODAY + datetime.timedelta(days=i - 10), status=status)  # fmt: skip


@pytest.mark.parametrize("page", ["plan:index", "plan:task_list"])
@pytest.mark.parametrize("role", ["administrator", "provincial_clerk"])
def test_query_count_does_not_grow(objects, users, client_as, django_assert_max_num_queries, page, role):
    plan, admin = objects["plan"], users["administrator"]
    client = client_as(role)
    _grow(plan, admin, 3)
    params = {"q": "don vi"} if page == "plan:task_list" else {}
    client.get(reverse(page), params)  # warm the session and caches
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse(page), params).status_code == 200
    _grow(plan, admin, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(page), params)
        assert response.status_code == 200
    if page == "plan:task_list":
        assert len(response.context["object_list"]) == 25  # a full page: 30 tasks match


def test_phase_detail_query_count_does_not_grow(objects, client_as, django_assert_max_num_queries):
    client = client_as("committee")
    phase = objects["phase"]
    url = reverse("plan:phase_detail", args=[phase.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    phase.communes.set(communes_of(62, 40))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_phase_form_with_several_plans_asks_for_the_plan_first(objects, elsewhere, client_as):
    client = client_as("administrator")
    response = client.get(reverse("plan:phase_create"))
    assert response.context["form"].selected_plan is None
    assert f"?plan={elsewhere['plan'].pk}" in response.content.decode()
    response = client.get(reverse("plan:phase_create"), {"plan": objects["plan"].pk})
    groups = response.context["form"].commune_groups()
    taken = [number for _district, boxes in groups for _commune, _box, number in boxes if number]
    assert taken == [1, 1, 1]  # the communes of phase 1 are marked
    response = client.get(reverse("plan:phase_create"), {"plan": elsewhere["plan"].pk})
    assert [c.pk for _d, boxes in response.context["form"].commune_groups() for c, _b, _n in boxes] == [99001]


def test_task_status_redirects_only_within_the_site(objects, client_as):
    client = client_as("provincial_clerk")
    url = reverse("plan:task_status", args=[objects["task"].pk])
    response = client.post(url, {"status": "in_progress", "next": "https://example.com/"})
    assert response.url == reverse("plan:task_list")
    response = client.post(url, {"status": "open", "next": reverse("plan:index")})
    assert response.url == reverse("plan:index")
    assert Task.objects.get(pk=objects["task"].pk).status == TaskStatus.OPEN


@pytest.mark.parametrize("model", ["phase", "committeemember", "task"])
def test_admin_pages(objects, client_as, model):
    client = client_as("administrator")
    assert client.get(reverse(f"admin:rollout_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:rollout_{model}_add")).status_code == 200


def test_admin_phase_refuses_foreign_communes(objects, elsewhere, client_as):
    client = client_as("administrator")
    phase = objects["phase"]
    data = {"plan": phase.plan_id, "number": 1, "name": "Đợt 1", "target_on": TARGET.isoformat(),
            "communes": [elsewhere["commune"].pk], "note": ""}  # fmt: skip
    response = client.post(reverse("admin:rollout_phase_change", args=[phase.pk]), data)
    assert response.status_code == 200
    assert "Not in Tỉnh Kon Tum" in response.content.decode()
    assert phase.communes.count() == 3


def test_plan_edit_saves_the_training_rules_and_the_index_shows_them(objects, client_as):
    client = client_as("administrator")
    url = reverse("plan:plan_edit", args=[objects["plan"].pk])
    page = client.get(url).content.decode()
    for name in ("training_required_chief", "training_required_deputy", "training_required_officer",
                 "training_grace_days"):  # fmt: skip
        assert f'name="{name}"' in page, name
    data = valid_posts(objects)["plan_edit"] | {"training_required_chief": "on", "training_required_officer": "on",
                                                 "training_grace_days": "30"}  # fmt: skip

    assert client.post(url, data).status_code == 302

    plan = PilotPlan.objects.get(pk=objects["plan"].pk)
    assert (plan.training_required_chief, plan.training_required_deputy, plan.training_required_officer) == (
        True, False, True,
    )  # fmt: skip
    assert plan.training_grace_days == 30
    index = client.get(reverse("plan:index")).content.decode()
    assert "Training required before deployment" in index
    assert "chief, officer" in index and "30 days" in index

    # An empty grace period is none; no post ticked is shown as such.
    data = valid_posts(objects)["plan_edit"] | {"training_grace_days": ""}
    assert client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert plan.training_grace_days == 0
    assert not (plan.training_required_chief or plan.training_required_deputy or plan.training_required_officer)
    index = client.get(reverse("plan:index")).content.decode()
    assert "for no post" in index and "none: trained by the start" in index


def test_admin_plan_page_shows_the_training_rules(plan, client_as):
    page = client_as("administrator").get(reverse("admin:rollout_pilotplan_change", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Training before deployment" in html and 'name="training_grace_days"' in html
