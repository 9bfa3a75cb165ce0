"""Reads of the subscriptions pages: the areas a user may subscribe to, and their subscriptions with the last
delivery of each."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from communes.models import District, Province
from rollout.core import scoping
from rollout.models import ReportDelivery, ReportSubscription

COUNTRY = "country"


def area_key(province_id: int | None, district_id: int | None) -> str:
    """The form's value for an area: ``country``, ``province:62`` or ``district:610``."""
    if district_id is not None:
        return f"district:{district_id}"
    return f"province:{province_id}" if province_id is not None else COUNTRY


def subscribable_areas(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The areas whose report ``user`` may subscribe to, grouped for a select: the whole country, then each
    province they may see (with its districts loaded) followed by its districts they may see. The same rule as
    the services' (``Report.scoped_by``); two queries."""
    country = [(COUNTRY, _("Whole country"))] if scoping.sees(user, ReportSubscription()) else []
    groups: list[tuple[str, list[tuple[str, str]]]] = [("", country)] if country else []
    provinces = Province.objects.visible_to(user).filter(districts__isnull=False).distinct().order_by("code")
    districts: dict[int, list[District]] = {}
    for district in District.objects.visible_to(user).order_by("province_id", "code"):
        districts.setdefault(district.province_id, []).append(district)
    for province in provinces:
        options = []
        if scoping.sees(user, ReportSubscription(province=province)):
            options.append((area_key(province.pk, None), _("%(province)s (whole province)") % {"province": province}))
        options += [
            (area_key(province.pk, district.pk), district.name)
            for district in districts.get(province.pk, [])
            if scoping.sees(user, ReportSubscription(province=province, district=district))
        ]
        if options:
            groups.append((province.name, options))
    return groups


def user_subscriptions(user):
    """``user``'s own subscriptions, each with its last delivery's period end, status and time (one query)."""
    last = ReportDelivery.objects.filter(subscription=OuterRef("pk")).order_by("-period_end", "-pk")
    return (
        ReportSubscription.objects.filter(user=user)
        .select_related("province", "district")
        .annotate(
            last_period_end=Subquery(last.values("period_end")[:1]),
            last_status=Subquery(last.values("status")[:1]),
            last_sent_at=Subquery(last.values("sent_at")[:1]),
        )
        .order_by("frequency", "province_id", "district_id", "pk")
    )


def committee_subscriptions_of(user):
    """The Steering Committee's default subscriptions sent to ``user``'s address (shown, not changed, on their
    page): none for an account without an address."""
    email = (user.email or "").strip().lower()
    if not email:
        return ReportSubscription.objects.none()
    return (
        ReportSubscription.objects.filter(user__isnull=True, email=email)
        .select_related("province")
        .order_by("province_id")
    )
