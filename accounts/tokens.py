"""Personal API tokens: created, found by their key, revoked. The key is ``PREFIX`` and 40 random URL-safe
characters; only its SHA-256 is stored, so a copy of the database gives no working key."""

import datetime
import hashlib
import secrets
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User

PREFIX = "cax_"
MAX_DAYS = 365
ACTIVE_PER_USER = 20
LAST_USED_EVERY = datetime.timedelta(minutes=5)  # how often a token's last use is written (not every request)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token of ``user`` named ``name``, valid ``days`` days (1 to ``MAX_DAYS``); returns it and its key,
    which is never shown again."""
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the token a name (what it is for).")})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("A token is valid from 1 to %(days)s days.") % {"days": MAX_DAYS}})
    User.objects.select_for_update().get(pk=user.pk)  # two requests at once cannot pass the limit
    now = timezone.now()
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= ACTIVE_PER_USER:
        raise ValidationError(_("You have %(count)s active tokens: revoke one first.") % {"count": active})
    key = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        user=user, name=name, key_hash=key_hash(key), prefix=key[: len(PREFIX) + 4],
        expires_at=now + datetime.timedelta(days=days),
    )  # fmt: skip
    token.full_clean()
    token.save()
    return token, key


def token_authenticate(key: str) -> ApiToken | None:
    """The active token whose key is ``key`` (its owner active too), None otherwise; notes its use."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is not None and (token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, user) -> ApiToken:
    """Revoke ``token`` (its owner's only); a revoked token stays listed, and cannot be used again."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != user.pk:
        raise PermissionDenied(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
