"""The subscriptions pages: role × page × method, and what real use sends (a POST with only the CSRF token, the
same POST twice, an area the user may not see, another user's subscription), in Vietnamese."""

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.models import District
from rollout.models import ReportSubscription, SubscriptionFrequency
from rollout.subscriptions import services
from tests.factories import CommitteeMemberFactory, PilotPlanFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

ROLES = ("committee", "provincial_clerk", "district_clerk", "administrator", "no_role")
WEEKLY, MONTHLY = SubscriptionFrequency.WEEKLY, SubscriptionFrequency.MONTHLY


@pytest.fixture
def people(users):
    for role, user in users.items():
        user.email = f"{role.replace('_', '-')}@example.vn"
        user.save(update_fields=["email"])
    return users


@pytest.fixture
def own(people, kon_tum):
    """Each role's own weekly subscription to the country's report (the committee's for the user without a role)."""
    subscriptions = {
        role: services.subscription_create(user=people[role], frequency=WEEKLY, formats=["pdf"])
        for role in ROLES
        if role != "no_role"
    }
    subscriptions["no_role"] = subscriptions["committee"]
    return subscriptions


def _rows() -> list[dict]:
    return list(ReportSubscription.objects.order_by("pk").values())


# fmt: off
MATRIX = [
    # page       method  committee prov. clerk distr. clerk administrator no role
    ("list",     "get",  200,      200,        200,         200,          403),
    ("create",   "get",  200,      200,        200,         200,          403),
    ("create",   "post", 302,      302,        302,         302,          403),
    ("update",   "get",  200,      200,        200,         200,          403),
    ("update",   "post", 302,      302,        302,         302,          403),
    ("delete",   "get",  200,      200,        200,         200,          403),
    ("delete",   "post", 302,      302,        302,         302,          403),
]
# fmt: on


@pytest.mark.parametrize(("page", "method", *ROLES), MATRIX)
def test_role_page_method_matrix(client_as, own, page, method, committee, provincial_clerk, district_clerk,
                                 administrator, no_role):  # fmt: skip
    expected = dict(zip(ROLES, (committee, provincial_clerk, district_clerk, administrator, no_role), strict=True))
    data = {
        ("create", "post"): {"area": "province:62", "frequency": MONTHLY, "formats": ["xlsx"]},
        ("update", "post"): {"area": "country", "frequency": MONTHLY, "formats": ["xlsx", "pdf"]},
        ("delete", "post"): {"confirm": "yes"},
    }.get((page, method), {})
    for role, status in expected.items():
        url = {
            "list": reverse("subscriptions:list"),
            "create": reverse("subscriptions:create"),
            "update": reverse("subscriptions:update", args=[own[role].pk]),
            "delete": reverse("subscriptions:delete", args=[own[role].pk]),
        }[page]
        response = getattr(client_as(role), method)(url, data)
        assert response.status_code == status, (page, method, role, response.status_code)
        if status == 302:
            assert response["Location"] == reverse("subscriptions:list")
    written = {
        ("create", "post"): ReportSubscription.objects.filter(province_id=62, frequency=MONTHLY).count() == 4,
        ("update", "post"): ReportSubscription.objects.filter(user__isnull=False, frequency=MONTHLY).count() == 4,
        ("delete", "post"): not ReportSubscription.objects.filter(user__isnull=False).exists(),
    }
    assert written.get((page, method), True)


def test_anonymous_users_are_sent_to_sign_in(client, own):
    urls = [reverse("subscriptions:list"), reverse("subscriptions:create"),
            reverse("subscriptions:update", args=[own["committee"].pk]),
            reverse("subscriptions:delete", args=[own["committee"].pk])]  # fmt: skip
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_menu_leads_to_the_subscriptions_of_whoever_may_read_reports(client_as, own):
    for role in ROLES:
        page = client_as(role).get(reverse("home")).content.decode()
        assert ('data-testid="menu-subscriptions"' in page) == (role != "no_role"), role
    page = client_as("district_clerk").get(reverse("subscriptions:list")).content.decode()
    assert "Đăng ký nhận báo cáo" in page and "Toàn quốc" in page and "Hằng tuần" in page


def test_a_post_with_only_the_csrf_token_writes_nothing_and_says_what_is_missing(client_as, own):
    http = client_as("provincial_clerk")
    before = _rows()
    response = http.post(reverse("subscriptions:create"), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hãy chọn địa bàn của báo cáo." in page
    assert "Hãy chọn tần suất: hằng tuần hoặc hằng tháng." in page
    assert "Hãy chọn ít nhất một định dạng: Excel hoặc PDF." in page
    response = http.post(reverse("subscriptions:update", args=[own["provincial_clerk"].pk]), {})
    assert response.status_code == 200 and "Hãy chọn địa bàn của báo cáo." in response.content.decode()
    response = http.post(reverse("subscriptions:delete", args=[own["provincial_clerk"].pk]), {})
    assert response.status_code == 200 and 'data-testid="confirm-page"' in response.content.decode()
    assert _rows() == before


def test_the_same_post_twice_subscribes_once(client_as, own):
    http = client_as("district_clerk")
    data = {"area": "district:610", "frequency": WEEKLY, "formats": ["pdf"]}
    first = http.post(reverse("subscriptions:create"), data, follow=True)
    assert "Đã đăng ký: Huyện Đắk Glei, Tỉnh Kon Tum, Hằng tuần." in first.content.decode()
    before = _rows()
    again = http.post(reverse("subscriptions:create"), data)
    assert again.status_code == 200
    assert "Bạn đã đăng ký nhận báo cáo này với tần suất này." in again.content.decode()
    assert _rows() == before


def test_stopping_twice_says_it_is_stopped_already(client_as, own):
    http = client_as("committee")
    url = reverse("subscriptions:delete", args=[own["committee"].pk])
    assert "Dừng nhận “Toàn quốc, Hằng tuần”?" in http.get(url).content.decode()
    assert http.post(url, {"confirm": "yes"}).status_code == 302
    again = http.post(url, {"confirm": "yes"}, follow=True)
    assert "Đăng ký này đã được dừng trước đó." in again.content.decode()
    assert not ReportSubscription.objects.filter(pk=own["committee"].pk).exists()


def test_an_area_the_user_may_not_see_is_refused(client_as, own, people):
    elsewhere = ProvinceFactory()
    District.objects.create(code=980, province=elsewhere, name="Huyện Xa", kind="rural_district")
    refused = [
        ("provincial_clerk", f"province:{elsewhere.code}"),
        ("provincial_clerk", "district:980"),
        ("district_clerk", f"province:{elsewhere.code}"),
        ("district_clerk", "district:614"),  # Kon Rẫy: the same province, another district
        ("district_clerk", "district:abc"),
        ("district_clerk", "district:99999999999999999999"),
    ]
    before = _rows()
    for role, area in refused:
        response = client_as(role).post(reverse("subscriptions:create"), {"area": area, "frequency": WEEKLY,
                                                                          "formats": ["pdf"]})  # fmt: skip
        assert response.status_code == 200, (role, area)
        assert "Hãy chọn một địa bàn trong danh sách" in response.content.decode(), (role, area)
        response = client_as(role).post(reverse("subscriptions:update", args=[own[role].pk]),
                                        {"area": area, "frequency": WEEKLY, "formats": ["pdf"]})  # fmt: skip
        assert response.status_code == 200, (role, area)
    assert _rows() == before
    form = client_as("district_clerk").get(reverse("subscriptions:create")).content.decode()
    assert 'value="district:610"' in form and 'value="district:614"' not in form and "Huyện Xa" not in form


def test_another_users_subscription_is_not_found_and_not_stopped(client_as, own):
    others = own["administrator"]
    http = client_as("provincial_clerk")
    assert http.get(reverse("subscriptions:update", args=[others.pk])).status_code == 404
    change = {"area": "country", "frequency": MONTHLY, "formats": ["pdf"]}
    assert http.post(reverse("subscriptions:update", args=[others.pk]), change).status_code == 404
    assert http.get(reverse("subscriptions:delete", args=[others.pk])).status_code == 404
    http.post(reverse("subscriptions:delete", args=[others.pk]), {"confirm": "yes"})
    others.refresh_from_db()
    assert others.frequency == WEEKLY  # unchanged, and still there
    page = http.get(reverse("subscriptions:list")).content.decode()
    assert f'data-subscription="{others.pk}"' not in page


def test_an_account_without_an_address_is_told_why_it_cannot_subscribe(client_as, users, kon_tum):
    http = client_as("committee")
    page = http.get(reverse("subscriptions:list")).content.decode()
    assert 'data-testid="no-email"' in page and 'data-testid="new-subscription"' not in page
    response = http.post(reverse("subscriptions:create"), {"area": "country", "frequency": WEEKLY, "formats": ["pdf"]})
    assert "Tài khoản của bạn chưa có địa chỉ thư điện tử" in response.content.decode()
    assert not ReportSubscription.objects.exists()


def test_the_change_form_shows_the_subscription_and_saves_it(client_as, own):
    http = client_as("provincial_clerk")
    url = reverse("subscriptions:update", args=[own["provincial_clerk"].pk])
    form = http.get(url).content.decode()
    assert '<option value="country" selected>' in form
    response = http.post(url, {"area": "district:610", "frequency": MONTHLY, "formats": ["xlsx", "pdf"]})
    assert response.status_code == 302
    changed = ReportSubscription.objects.get(pk=own["provincial_clerk"].pk)
    assert (changed.district_id, changed.frequency, changed.formats) == (610, MONTHLY, ["xlsx", "pdf"])


def test_the_committees_defaults_are_shown_to_their_address_and_cannot_be_changed(client_as, people, kon_tum):
    CommitteeMemberFactory(plan=PilotPlanFactory(province=kon_tum), email=people["committee"].email)
    default = ReportSubscription.objects.filter(user__isnull=True).first()
    http = client_as("committee")
    page = http.get(reverse("subscriptions:list")).content.decode()
    assert 'data-testid="committee-subscriptions"' in page and "Tỉnh Kon Tum" in page
    assert http.get(reverse("subscriptions:update", args=[default.pk])).status_code == 404
    http.post(reverse("subscriptions:delete", args=[default.pk]), {"confirm": "yes"})
    assert ReportSubscription.objects.filter(pk=default.pk).exists()
    assert (
        'data-testid="committee-subscriptions"'
        not in client_as("provincial_clerk").get(reverse("subscriptions:list")).content.decode()
    )


def test_the_list_takes_a_constant_number_of_queries(client_as, people, kon_tum, django_assert_max_num_queries):
    from tests.factories import ReportDeliveryFactory

    clerk = people["provincial_clerk"]
    http = client_as("provincial_clerk")
    services.subscription_create(user=clerk, frequency=WEEKLY, formats=["pdf"])
    with django_assert_max_num_queries(50) as few:
        http.get(reverse("subscriptions:list"))
    for district in District.objects.filter(province=kon_tum):
        subscription = services.subscription_create(user=clerk, frequency=MONTHLY, formats=["pdf"], district=district)
        ReportDeliveryFactory(subscription=subscription, status="sent", sent_at=timezone.now())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = http.get(reverse("subscriptions:list")).content.decode()
    assert page.count("data-subscription=") == 11


def test_the_admin_shows_subscriptions_and_deliveries_read_only(client_as, own):
    from tests.factories import ReportDeliveryFactory

    delivery = ReportDeliveryFactory(subscription=own["provincial_clerk"], error="SMTPDataError: 451")
    http = client_as("administrator")
    for model in ("reportsubscription", "reportdelivery"):
        page = http.get(reverse(f"admin:rollout_{model}_changelist"))
        assert page.status_code == 200, model
        assert http.get(reverse(f"admin:rollout_{model}_add")).status_code == 403, model
    assert "SMTPDataError: 451" in http.get(reverse("admin:rollout_reportdelivery_changelist")).content.decode()
    detail = http.get(reverse("admin:rollout_reportdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
