"""Personal API tokens: only a hash is kept, the key shown once; expired, revoked and unknown keys are refused."""

import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import token_authenticate, token_create, token_revoke
from tests.builders.users import user_with_role

pytestmark = pytest.mark.django_db


def _get(key, url="/api/v1/provinces/", keyword="Token"):
    return Client(headers={"Authorization": f"{keyword} {key}"}).get(url)


def test_only_the_hash_of_the_key_is_stored():
    user = user_with_role(Role.COMMITTEE, suffix="u1")
    token, key = token_create(user=user, name="  Bảng   điều khiển ", days=30)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in str(row)
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert row["name"] == "Bảng điều khiển"
    assert token_authenticate(key).pk == token.pk
    assert token_authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token"])
def test_a_valid_key_reads_with_either_keyword(keyword):
    _token, key = token_create(user=user_with_role(Role.COMMITTEE, suffix="u2"), name="x", days=1)
    assert _get(key, keyword=keyword).status_code == 200


def test_expired_revoked_and_unknown_keys_answer_401():
    user = user_with_role(Role.COMMITTEE, suffix="u3")
    expired, expired_key = token_create(user=user, name="cũ", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    revoked, revoked_key = token_create(user=user, name="thu hồi", days=1)
    token_revoke(token=revoked, user=user)
    for key in (expired_key, revoked_key, "cax_nothing", "garbage"):
        response = _get(key)
        assert response.status_code == 401, key
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"].startswith("Token")


def test_an_inactive_user_s_token_stops_working():
    user = user_with_role(Role.COMMITTEE, suffix="u4")
    _token, key = token_create(user=user, name="x", days=1)
    user.is_active = False
    user.save()
    assert _get(key).status_code == 401


def test_anonymous_requests_get_401_json_not_the_login_page():
    response = Client().get("/api/v1/officers/")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize("days", [0, 366])
def test_validity_is_bounded(days):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        token_create(user=user_with_role(Role.COMMITTEE, suffix="u5"), name="x", days=days)


def test_the_page_creates_shows_the_key_once_and_revokes(client):
    user = user_with_role(Role.COMMITTEE, suffix="u6")
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "Hệ thống GIS", "days": "30"})
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert _get(key).status_code == 200
    listed = client.get("/accounts/tokens/").content.decode()
    assert "Hệ thống GIS" in listed and key not in listed  # never shown again
    token = ApiToken.objects.get(user=user)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert _get(key).status_code == 401


def test_nobody_revokes_another_user_s_token(client):
    owner, other = user_with_role(Role.COMMITTEE, suffix="u7"), user_with_role(Role.COMMITTEE, suffix="u8")
    token, key = token_create(user=owner, name="x", days=1)
    client.force_login(other)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert _get(key).status_code == 200
