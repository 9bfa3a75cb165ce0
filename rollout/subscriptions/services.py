"""Writes of the report subscriptions: a user's own (subscribe, change, stop) and the Steering Committee's defaults.

Rules:

- a user subscribes to the report of an area they may see (``Report.scoped_by``: the country, their province, a
  district of it, or their own district; the Committee and administrators anywhere), weekly or monthly, as Excel,
  PDF or both, once per area and frequency; the report goes to their account's e-mail address, so an account
  without one cannot subscribe;
- a user changes and stops only their own subscriptions; the committee's defaults follow the committee's list;
- the committee's defaults: each active member with an address gets the weekly report of their plan's province
  and the national one (Excel and PDF), each address once — what the weekly e-mail to the committee always sent.
  An address whose user subscribes to the same report weekly themselves gets it through that subscription only.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from communes.models import District, Province
from personnel.services import constraint_error
from rollout.core import scoping
from rollout.core.text import nfc
from rollout.models import CommitteeMember, ReportSubscription, SubscriptionFrequency

FORMATS = ("xlsx", "pdf")


def may_subscribe(user) -> bool:
    """Whether ``user`` may subscribe to reports: signed in, active, allowed to read reports."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm("rollout.view_report"))


def _check_owner(user, subscription: ReportSubscription) -> None:
    if subscription.is_committee_default:
        raise PermissionDenied(
            _("This subscription comes from the Steering Committee's list; the administrators change it there.")
        )
    if subscription.user_id != user.pk:
        raise PermissionDenied(_("This is not your subscription."))


def _apply(subscription: ReportSubscription, *, province, district, frequency, formats) -> None:
    """Set the area, frequency and formats, refusing what does not make sense with a message per field."""
    if district is not None:
        if not isinstance(district, District):
            district = District.objects.select_related("province").get(pk=district)
        if province is not None and getattr(province, "pk", province) != district.province_id:
            raise ValidationError({"area": _("This district is not in the chosen province.")})
        province = district.province
    elif province is not None and not isinstance(province, Province):
        province = Province.objects.get(pk=province)
    if frequency not in SubscriptionFrequency.values:
        raise ValidationError({"frequency": _("Choose how often: weekly or monthly.")})
    formats = set(formats or ())
    if not formats or formats - set(FORMATS):
        raise ValidationError({"formats": _("Choose at least one format: Excel or PDF.")})
    subscription.province, subscription.district, subscription.frequency = province, district, frequency
    subscription.send_xlsx, subscription.send_pdf = "xlsx" in formats, "pdf" in formats


def _check_recipient(user) -> None:
    if not may_subscribe(user):
        raise PermissionDenied(_("You may not subscribe to reports."))
    if not (user.email or "").strip():
        raise ValidationError(_("Your account has no e-mail address: ask an administrator to add one, then subscribe."))


def _save(subscription: ReportSubscription) -> None:
    """Check the row and save it in a savepoint: a twin saved at the same moment reads as the constraint's own
    message ("You already receive this report at this frequency.")."""
    subscription.full_clean()
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError as exc:
        raise constraint_error(ReportSubscription, exc) from exc


@transaction.atomic
def subscription_create(
    *, user, frequency: str, formats, province: Province | int | None = None, district: District | int | None = None
) -> ReportSubscription:
    """Subscribe ``user`` to the report of the area (``district``, else ``province``, else the whole country) at
    ``frequency``, in ``formats`` ("xlsx", "pdf"). Refused outside the user's area, without an e-mail address, and
    when they already have this subscription."""
    _check_recipient(user)
    subscription = ReportSubscription(user=user)
    _apply(subscription, province=province, district=district, frequency=frequency, formats=formats)
    scoping.check_visible(user, subscription)
    _save(subscription)
    committee_subscriptions_sync()
    return subscription


@transaction.atomic
def subscription_update(
    *, subscription: ReportSubscription, user, frequency: str, formats, province=None, district=None
) -> ReportSubscription:
    """Change one of ``user``'s subscriptions (area, frequency, formats) under the rules of a new one."""
    _check_recipient(user)
    subscription = ReportSubscription.objects.select_for_update().get(pk=subscription.pk)
    _check_owner(user, subscription)
    _apply(subscription, province=province, district=district, frequency=frequency, formats=formats)
    scoping.check_visible(user, subscription)
    _save(subscription)
    committee_subscriptions_sync()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: ReportSubscription, user) -> bool:
    """Stop one of ``user``'s subscriptions (its delivery records go with it). Returns False when it was already
    stopped (the same request sent twice)."""
    current = ReportSubscription.objects.select_for_update().filter(pk=subscription.pk).first()
    if current is None:
        return False
    _check_owner(user, current)
    current.delete()
    committee_subscriptions_sync()
    return True


def committee_subscriptions_sync() -> dict[str, int]:
    """Bring the Steering Committee's default subscriptions in line with the committee as it is now: each active
    member's address gets the weekly report (Excel and PDF) of their plan's province and of the whole country,
    each address once; defaults of addresses that left are removed (with their pending deliveries). An address
    whose user subscribes weekly to the same report themselves gets no default for it. Idempotent; a handful of
    queries whatever the size of the committee. Returns how many were created and removed."""
    wanted: set[tuple[str, int | None]] = set()
    members = CommitteeMember.objects.filter(is_active=True).exclude(email="")
    for email, province_id in members.values_list("email", "plan__province_id"):
        address = nfc(email.strip().lower())
        wanted |= {(address, province_id), (address, None)}
    own = ReportSubscription.objects.filter(
        user__isnull=False, user__is_active=True, frequency=SubscriptionFrequency.WEEKLY, district__isnull=True
    ).values_list(Lower("user__email"), "province_id")
    wanted -= set(own)
    defaults = ReportSubscription.objects.filter(user__isnull=True)
    existing = {
        (email, province_id): pk
        for pk, email, province_id, district_id, frequency in defaults.values_list(
            "pk", "email", "province_id", "district_id", "frequency"
        )
        if district_id is None and frequency == SubscriptionFrequency.WEEKLY
    }
    stale = set(defaults.values_list("pk", flat=True)) - {existing[key] for key in wanted & existing.keys()}
    if stale:
        ReportSubscription.objects.filter(pk__in=stale).delete()
    missing = sorted(wanted - existing.keys(), key=lambda key: (key[0], key[1] or 0))
    ReportSubscription.objects.bulk_create(
        [
            ReportSubscription(email=address, province_id=province_id, frequency=SubscriptionFrequency.WEEKLY,
                               send_xlsx=True, send_pdf=True)
            for address, province_id in missing
        ],
        ignore_conflicts=True,  # a sync running at the same moment made it: the constraint keeps one
    )  # fmt: skip
    return {"created": len(missing), "removed": len(stale)}


def committee_changed(sender, instance=None, raw=False, **kwargs) -> None:
    """A committee member saved or deleted (any door: the plan pages, the admin, the demo data): the defaults follow
    in the same transaction. Fixtures loaded raw are left alone."""
    if not raw:
        committee_subscriptions_sync()
