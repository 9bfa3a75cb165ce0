"""Brute-force protection on sign-in, and the headers every page carries (CSP, framing, sniffing)."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_repeated_wrong_passwords_lock_the_user_name_out(client, users):
    username = users["provincial_clerk"].username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, username, "wrong").status_code == 200
    locked = _sign_in(client, username, "wrong")
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()
    # even the right password is refused while locked, and nobody is signed in
    assert _sign_in(client, username, PASSWORD).status_code == 429
    assert client.get("/").status_code == 302
    assert AccessAttempt.objects.filter(username=username).exists()


def test_a_lockout_is_per_user_name_and_a_success_resets_the_count(client, users):
    clerk, committee = users["provincial_clerk"].username, users["committee"].username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, clerk, "wrong")
    assert _sign_in(client, clerk, PASSWORD).status_code == 302  # under the limit: signs in, count reset
    client.post("/accounts/logout/")
    assert not AccessAttempt.objects.filter(username=clerk, failures_since_start__gt=0).exists()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, clerk, "wrong")
    assert _sign_in(client, committee, PASSWORD).status_code == 302  # another user from the same address


def test_pages_carry_a_content_security_policy_without_inline_script(client_as):
    response = client_as("committee").get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/", "/communes/", "/officers/", "/training/", "/equipment/", "/accounts/login/"])
def test_no_page_has_inline_script(client_as, demo_baseline, url):
    """Every <script> loads a file from this server: the policy would block anything else."""
    html = client_as("administrator").get(url, follow=True).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        is_data = 'type="application/json"' in attributes  # json_script: data, never executed
        assert is_data or ('src="/static/' in attributes and not body.strip()), attributes
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def _sign_in_through_proxy(client, username, password, forwarded_for):
    # what the compose proxy passes on: the connection comes from the proxy, X-Forwarded-For names the client
    return client.post(
        "/accounts/login/", {"username": username, "password": password},
        REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR=forwarded_for,
    )  # fmt: skip


def test_behind_the_proxy_the_lockout_is_per_client_address_and_a_forged_header_does_not_escape_it(
    client, users, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    username = users["provincial_clerk"].username
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # the guesser writes a new address of its own each time; the proxy's entry (the last) stays its own
        _sign_in_through_proxy(client, username, "wrong", f"10.9.9.{attempt}, 203.0.113.7")
    assert _sign_in_through_proxy(client, username, PASSWORD, "203.0.113.7").status_code == 429
    # the same user name from another office is not locked out with it
    assert _sign_in_through_proxy(client, username, PASSWORD, "203.0.113.8").status_code == 302


def test_without_a_proxy_a_forwarded_header_is_ignored(client, users, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    username = users["provincial_clerk"].username
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in_through_proxy(client, username, "wrong", f"10.9.9.{attempt}")
    assert _sign_in_through_proxy(client, username, PASSWORD, "10.1.1.1").status_code == 429
