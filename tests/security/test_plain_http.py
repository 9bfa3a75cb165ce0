"""Signing in over plain HTTP, on the production settings served by gunicorn: ``ALLOW_PLAIN_HTTP=true`` is the one
switch for a trial on a closed network; without it the cookies stay Secure and HTTP is redirected to HTTPS.

A real HTTP client is needed: Django's test client sends Secure cookies over HTTP, a browser (and
``http.cookiejar``) does not, which is how the trial failed with a CSRF error.
"""

import html
import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.roles import Role
from tests.builders.server import ROOT, needs_shared_database, production_server
from tests.factories import PASSWORD, user_with_role

pytestmark = [pytest.mark.django_db(transaction=True), needs_shared_database]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _browser():
    """An HTTP client that keeps cookies as a browser does (a Secure cookie goes back over HTTPS only) and shows
    redirects instead of following them."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    return opener, jar


def _open(opener, url, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        response = opener.open(urllib.request.Request(url, data=body), timeout=30)  # noqa: S310 - http://127.0.0.1
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
        return error.code, dict(error.headers), error.read().decode(errors="replace")
    return response.status, dict(response.headers), response.read().decode(errors="replace")


def _committee_member():
    # The server runs the production password hashers (the tests' settings use MD5): a PBKDF2 hash it can check.
    user = user_with_role(Role.COMMITTEE)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "plainhttptrial", iterations=1_000)
    user.save(update_fields=["password"])
    return user


def _sign_in(server, username):
    """Open the login page, post the form with its CSRF token; the status of the post and the client."""
    opener, jar = _browser()
    status, _, page = _open(opener, f"{server.url}/accounts/login/")
    assert status == 200, page
    token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    status, headers, _ = _open(
        opener, f"{server.url}/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
    )  # fmt: skip
    return status, headers, opener, jar


def test_with_allow_plain_http_a_clerk_signs_in_over_http():
    user = _committee_member()
    with production_server(ALLOW_PLAIN_HTTP="true") as server:
        status, headers, opener, jar = _sign_in(server, user.username)
        assert status == 302, server.log
        assert headers["Location"] == "/"
        assert {cookie.name for cookie in jar} >= {"csrftoken", "sessionid"}
        assert not any(cookie.secure for cookie in jar)
        status, headers, page = _open(opener, f"{server.url}/")
        assert status == 200
        assert "Strict-Transport-Security" not in headers
        assert (user.get_full_name() or user.username) in page  # the top bar names who is signed in
        # the operator is told, once the server starts
        assert "ALLOW_PLAIN_HTTP is on" in server.log


def test_without_it_plain_http_is_redirected_to_https():
    with production_server() as server:
        opener, _ = _browser()
        status, headers, _ = _open(opener, f"{server.url}/accounts/login/")
        assert status == 301
        assert headers["Location"].startswith("https://")
        assert "ALLOW_PLAIN_HTTP" not in server.log


def test_turning_only_the_redirect_off_keeps_the_cookies_secure_and_sign_in_refused():
    """What the README used to advise (SECURE_SSL_REDIRECT=false): the login page opens, but its CSRF cookie is
    Secure and never comes back over HTTP, so the sign-in is refused."""
    user = _committee_member()
    with production_server(SECURE_SSL_REDIRECT="false") as server:
        status, _, _, jar = _sign_in(server, user.username)
        assert status == 403
        assert all(cookie.secure for cookie in jar)


def test_the_compose_healthcheck_passes_with_the_production_host_names():
    # ALLOWED_HOSTS names the site only: the container's own check must send one of its names, or Django answers
    # 400 (and the web service would never be healthy)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    code = compose["services"]["web"]["healthcheck"]["test"][-1]
    with production_server(ALLOWED_HOSTS="rollout.congan.kontum.gov.vn,.congan.kontum.gov.vn") as server:
        check = subprocess.run(
            [sys.executable, "-c", code.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")],
            env={**os.environ, "ALLOWED_HOSTS": "rollout.congan.kontum.gov.vn,.congan.kontum.gov.vn"},
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert check.returncode == 0, check.stderr + server.log
