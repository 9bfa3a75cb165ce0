"""The subscriptions' rules, whatever door the request comes by: the user's area (one mechanism with the reports,
``Report.scoped_by``), one subscription per area and frequency, an e-mail address, only one's own; and the Steering
Committee's default subscriptions following its list."""

import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from communes.models import District, Province
from rollout.core.scoping import OutsideScope
from rollout.models import CommitteeMember, CommitteeRole, ReportSubscription, SubscriptionFrequency
from rollout.plan import services as plan_services
from rollout.subscriptions import services
from tests.factories import CommitteeMemberFactory, PilotPlanFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

WEEKLY, MONTHLY = SubscriptionFrequency.WEEKLY, SubscriptionFrequency.MONTHLY
DAK_GLEI, KON_RAY = 610, 614


@pytest.fixture(autouse=True)
def _english():
    """The services' messages asserted in English (the pages' tests read them in Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(users):
    """The users of each role, each with an e-mail address."""
    for role, user in users.items():
        user.email = f"{role.replace('_', '-')}@example.vn"
        user.save(update_fields=["email"])
    return users


def _subscribe(user, frequency=WEEKLY, formats=("xlsx", "pdf"), **area):
    return services.subscription_create(user=user, frequency=frequency, formats=formats, **area)


def _defaults() -> set[tuple[str, int | None]]:
    return set(ReportSubscription.objects.filter(user__isnull=True).values_list("email", "province_id"))


# --- the user's own ----------------------------------------------------------------------------------------------


def test_each_role_subscribes_to_the_areas_it_may_see(people, kon_tum):
    dak_glei = District.objects.get(code=DAK_GLEI)
    for role in ("committee", "administrator", "provincial_clerk", "district_clerk"):
        user = people[role]
        country = _subscribe(user)
        province = _subscribe(user, province=kon_tum)
        district = _subscribe(user, district=dak_glei, formats=["pdf"])
        assert (country.province, country.district) == (None, None)
        assert (province.province, province.district) == (kon_tum, None)
        assert (district.province, district.district) == (kon_tum, dak_glei)  # the district's province, filled in
        assert district.formats == ["pdf"]
    assert ReportSubscription.objects.filter(user__isnull=False).count() == 12


def test_an_area_the_user_may_not_see_is_refused_and_nothing_is_written(people, kon_tum):
    elsewhere = ProvinceFactory()
    kon_ray = District.objects.get(code=KON_RAY)
    refusals = [
        ("provincial_clerk", {"province": elsewhere}, "This is outside your province."),
        ("district_clerk", {"province": elsewhere}, "This is outside your province."),
        ("district_clerk", {"district": kon_ray}, "This is outside your district."),
    ]
    for role, area, message in refusals:
        with pytest.raises(OutsideScope) as refused:
            _subscribe(people[role], **area)
        assert str(refused.value) == message
    with pytest.raises(PermissionDenied, match="You may not subscribe to reports."):
        _subscribe(people["no_role"])
    assert not ReportSubscription.objects.filter(user__isnull=False).exists()


def test_the_same_subscription_twice_is_refused_with_a_clear_message(people, kon_tum):
    clerk = people["provincial_clerk"]
    _subscribe(clerk, province=kon_tum)
    with pytest.raises(ValidationError) as twice:
        _subscribe(clerk, province=kon_tum, formats=["pdf"])
    assert twice.value.messages == ["You already receive this report at this frequency."]
    _subscribe(clerk, province=kon_tum, frequency=MONTHLY)  # another frequency is another subscription
    assert clerk.report_subscriptions.count() == 2


def test_the_database_keeps_one_subscription_per_area_and_frequency(people, kon_tum):
    clerk = people["provincial_clerk"]
    ReportSubscription.objects.create(user=clerk, province=kon_tum, frequency=WEEKLY)
    for area in ({"province": kon_tum}, {}):  # a province's, and the country's (no province: its own constraint)
        if area:
            with pytest.raises(IntegrityError), transaction.atomic():
                ReportSubscription.objects.create(user=clerk, frequency=WEEKLY, **area)
        else:
            ReportSubscription.objects.create(user=clerk, frequency=WEEKLY)
            with pytest.raises(IntegrityError), transaction.atomic():
                ReportSubscription.objects.create(user=clerk, frequency=WEEKLY)
    with pytest.raises(IntegrityError), transaction.atomic():  # neither a format
        ReportSubscription.objects.create(user=clerk, frequency=MONTHLY, send_xlsx=False, send_pdf=False)
    with pytest.raises(IntegrityError), transaction.atomic():  # neither a user nor an address
        ReportSubscription.objects.create(frequency=MONTHLY)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"formats": []}, "formats", "Choose at least one format: Excel or PDF."),
        ({"formats": ["docx"]}, "formats", "Choose at least one format: Excel or PDF."),
        ({"frequency": "daily"}, "frequency", "Choose how often: weekly or monthly."),
    ],
)
def test_bad_input_is_refused_next_to_its_field(people, kon_tum, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        services.subscription_create(
            user=people["provincial_clerk"], **{"frequency": WEEKLY, "formats": ["pdf"], "province": kon_tum, **fields}
        )
    assert refused.value.message_dict == {field: [message]}
    assert not ReportSubscription.objects.exists()


def test_a_district_of_another_province_than_the_one_named_is_refused(people, kon_tum):
    elsewhere = ProvinceFactory()
    with pytest.raises(ValidationError) as refused:
        _subscribe(people["committee"], province=elsewhere, district=District.objects.get(code=DAK_GLEI))
    assert refused.value.message_dict == {"area": ["This district is not in the chosen province."]}


def test_an_account_without_an_address_cannot_subscribe(users, kon_tum):
    with pytest.raises(ValidationError) as refused:
        _subscribe(users["committee"])
    assert refused.value.messages == [
        "Your account has no e-mail address: ask an administrator to add one, then subscribe."
    ]


def test_only_the_owner_changes_or_stops_a_subscription(people, kon_tum):
    own = _subscribe(people["provincial_clerk"], province=kon_tum)
    for other in (people["administrator"], people["committee"]):
        with pytest.raises(PermissionDenied, match="This is not your subscription."):
            services.subscription_update(subscription=own, user=other, frequency=MONTHLY, formats=["pdf"])
        with pytest.raises(PermissionDenied):
            services.subscription_delete(subscription=own, user=other)
    changed = services.subscription_update(
        subscription=own, user=people["provincial_clerk"], frequency=MONTHLY, formats=["pdf"],
        district=District.objects.get(code=DAK_GLEI),
    )  # fmt: skip
    assert (changed.frequency, changed.district_id, changed.formats) == (MONTHLY, DAK_GLEI, ["pdf"])
    assert services.subscription_delete(subscription=own, user=people["provincial_clerk"]) is True
    assert services.subscription_delete(subscription=own, user=people["provincial_clerk"]) is False  # twice
    assert not ReportSubscription.objects.filter(user__isnull=False).exists()


def test_a_change_keeps_the_rules_of_a_new_subscription(people, kon_tum):
    clerk = people["district_clerk"]
    own = _subscribe(clerk, district=District.objects.get(code=DAK_GLEI))
    _subscribe(clerk, province=kon_tum)
    with pytest.raises(OutsideScope):
        services.subscription_update(subscription=own, user=clerk, frequency=WEEKLY, formats=["pdf"],
                                     district=District.objects.get(code=KON_RAY))  # fmt: skip
    with pytest.raises(ValidationError, match="You already receive this report at this frequency."):
        services.subscription_update(subscription=own, user=clerk, frequency=WEEKLY, formats=["pdf"], province=kon_tum)
    own.refresh_from_db()
    assert (own.district_id, own.formats) == (DAK_GLEI, ["xlsx", "pdf"])


# --- the committee's defaults ------------------------------------------------------------------------------------


def test_the_committee_gets_default_weekly_subscriptions_of_its_province_and_the_country(kon_tum):
    plan = PilotPlanFactory(province=kon_tum)
    CommitteeMemberFactory(plan=plan, email="Son@Example.vn", role=CommitteeRole.HEAD)
    CommitteeMemberFactory(plan=plan, email="ha@example.vn")
    CommitteeMemberFactory(plan=plan, email="")  # no address: nothing to send to
    CommitteeMemberFactory(plan=plan, email="cu@example.vn", is_active=False)
    assert _defaults() == {("son@example.vn", 62), ("son@example.vn", None), ("ha@example.vn", 62),
                           ("ha@example.vn", None)}  # fmt: skip
    for subscription in ReportSubscription.objects.filter(user__isnull=True):
        assert subscription.frequency == WEEKLY and subscription.formats == ["xlsx", "pdf"]
    assert services.committee_subscriptions_sync() == {"created": 0, "removed": 0}  # idempotent


def test_an_address_on_two_committees_gets_the_national_report_once(kon_tum):
    other = ProvinceFactory()
    CommitteeMemberFactory(plan=PilotPlanFactory(province=kon_tum), email="chung@example.vn")
    CommitteeMemberFactory(plan=PilotPlanFactory(province=other), email="chung@example.vn")
    assert _defaults() == {("chung@example.vn", 62), ("chung@example.vn", other.code), ("chung@example.vn", None)}


def test_the_defaults_follow_the_committee_through_its_services(kon_tum, users):
    plan = PilotPlanFactory(province=kon_tum)
    member = plan_services.member_create(
        plan=plan, user=users["administrator"], full_name="Nguyễn Văn Sơn", unit="Bộ Công an",
        role=CommitteeRole.MEMBER, email="son@example.vn",
    )  # fmt: skip
    assert _defaults() == {("son@example.vn", 62), ("son@example.vn", None)}
    plan_services.member_update(member=member, user=users["administrator"], email="son.nv@example.vn")
    assert _defaults() == {("son.nv@example.vn", 62), ("son.nv@example.vn", None)}
    plan_services.member_update(member=member, user=users["administrator"], is_active=False)
    assert _defaults() == set()
    plan_services.member_update(member=member, user=users["administrator"], is_active=True)
    CommitteeMember.objects.filter(pk=member.pk).delete()
    assert _defaults() == set()


def test_a_users_own_weekly_subscription_replaces_the_committees_default(people, kon_tum):
    committee = people["committee"]
    CommitteeMemberFactory(plan=PilotPlanFactory(province=kon_tum), email=committee.email.upper())
    assert _defaults() == {(committee.email, 62), (committee.email, None)}
    own = _subscribe(committee, province=kon_tum, formats=["pdf"])
    assert _defaults() == {(committee.email, None)}  # the province's report comes once, as a PDF only
    _subscribe(committee, province=kon_tum, frequency=MONTHLY)  # a monthly one is another report
    assert _defaults() == {(committee.email, None)}
    services.subscription_delete(subscription=own, user=committee)
    assert _defaults() == {(committee.email, 62), (committee.email, None)}  # back to the committee's


def test_a_committee_default_is_changed_by_nobody_on_the_pages(people, kon_tum):
    CommitteeMemberFactory(plan=PilotPlanFactory(province=kon_tum), email=people["committee"].email)
    default = ReportSubscription.objects.filter(user__isnull=True).first()
    with pytest.raises(PermissionDenied, match="Steering Committee's list"):
        services.subscription_delete(subscription=default, user=people["committee"])
    with pytest.raises(PermissionDenied, match="Steering Committee's list"):
        services.subscription_update(subscription=default, user=people["administrator"], frequency=MONTHLY,
                                     formats=["pdf"])  # fmt: skip


def test_the_defaults_store_addresses_in_nfc(kon_tum):
    member = CommitteeMemberFactory(plan=PilotPlanFactory(province=kon_tum), email="ha@congan.vn")
    decomposed = unicodedata.normalize("NFD", "hà@bộcôngan.vn")
    CommitteeMember.objects.filter(pk=member.pk).update(email=decomposed)  # past the save's NFC, as a bulk write
    services.committee_subscriptions_sync()
    assert _defaults() == {("hà@bộcôngan.vn", 62), ("hà@bộcôngan.vn", None)}
    assert all(unicodedata.is_normalized("NFC", email) for email, _province in _defaults())


def test_the_subscribable_areas_are_those_the_user_may_see(people, kon_tum):
    from rollout.subscriptions.selectors import subscribable_areas

    ProvinceFactory()  # without districts: nobody is offered it
    other = Province.objects.create(code=98, name="Tỉnh Xa", kind="province")
    District.objects.create(code=980, province=other, name="Huyện Xa", kind="rural_district")

    def keys(role):
        return {key for _group, options in subscribable_areas(people[role]) for key, _label in options}

    kon_tum_districts = {f"district:{code}" for code in kon_tum.districts.values_list("code", flat=True)}
    assert keys("committee") == {"country", "province:62", "province:98", "district:980", *kon_tum_districts}
    assert keys("provincial_clerk") == {"country", "province:62", *kon_tum_districts}
    assert keys("district_clerk") == {"country", "province:62", "district:610"}
    assert keys("no_role") == set()


def test_one_report_per_district_and_period_beside_the_provinces(kon_tum):
    import datetime

    from rollout.models import Report

    week = {"period_start": datetime.date(2026, 11, 23), "period_end": datetime.date(2026, 11, 29)}
    dak_glei, kon_ray = District.objects.get(code=DAK_GLEI), District.objects.get(code=KON_RAY)
    Report.objects.create(province=kon_tum, **week)
    Report.objects.create(province=kon_tum, district=dak_glei, **week)  # the district's beside the province's
    Report.objects.create(province=kon_tum, district=kon_ray, **week)
    twin = Report(province=kon_tum, district=dak_glei, **week)
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert refused.value.messages == ["A report for this period already exists."]
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    with pytest.raises(IntegrityError), transaction.atomic():  # a district's report names its province
        Report.objects.create(district=dak_glei, period_start=week["period_start"], period_end=week["period_end"])
    elsewhere = ProvinceFactory()
    with pytest.raises(ValidationError) as refused:
        Report(province=elsewhere, district=dak_glei, **week).full_clean()
    assert refused.value.message_dict == {"district": ["This district is not in the chosen province."]}
