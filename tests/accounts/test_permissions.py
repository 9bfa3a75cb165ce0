"""Who may open which page: the role × page × method matrix, checked on the server."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

ROLES = ("anonymous", "committee", "provincial_clerk", "district_clerk", "administrator", "no_role")
COMMUNE = 23344  # Xã Đắk Blô, in the district clerk's district (610 Huyện Đắk Glei)

# What a response should be. An int is a plain status code; the names are redirects to a known place.
LOGIN = "→ login"  # 302 to the app's login page, with ?next=
ADM_LOGIN = "→ admin login"  # 302 to the admin's own login page
ADM_HOME = "→ admin home"  # 302 from the admin's login page to the admin's index (already staff)
HOME = "→ home"  # 302 to the start page (already signed in)
BACK = "→ back"  # 302 to the ``next`` given to the language switch

# fmt: off
MATRIX = [
    # method url                               anonymous  committee  prov. clerk distr. clerk administrator no role
    ("get",  "/",                              LOGIN,     200,       200,        200,        200,          403),
    ("get",  "/communes/",                     LOGIN,     200,       200,        200,        200,          403),
    ("get",  f"/communes/{COMMUNE}/",          LOGIN,     200,       200,        200,        200,          403),
    ("get",  "/communes/export.xlsx",          LOGIN,     200,       200,        200,        200,          403),
    ("get",  "/communes/import/",              LOGIN,     403,       403,        403,        200,          403),
    ("post", "/communes/import/",              LOGIN,     403,       403,        403,        400,          403),
    ("get",  "/communes/import/template.xlsx", LOGIN,     403,       403,        403,        200,          403),
    ("get",  "/admin/",                        ADM_LOGIN, ADM_LOGIN, ADM_LOGIN,  ADM_LOGIN,  200,          ADM_LOGIN),
    ("get",  "/admin/login/",                  200,       200,       200,        200,        ADM_HOME,     200),
    ("get",  "/accounts/login/",               200,       HOME,      HOME,       HOME,       HOME,         HOME),
    ("get",  "/healthz",                       200,       200,       200,        200,        200,          200),
    ("post", "/i18n/setlang/",                 BACK,      BACK,      BACK,       BACK,       BACK,         BACK),
    # Only the methods a page means: 405 for everyone, before the sign-in and CSRF checks (rollout.middleware)
    ("put",    "/communes/import/",            405,       405,       405,        405,        405,          405),
    ("patch",  f"/communes/{COMMUNE}/",        405,       405,       405,        405,        405,          405),
    ("delete", f"/communes/{COMMUNE}/",        405,       405,       405,        405,        405,          405),
    ("put",    "/officers/new/",               405,       405,       405,        405,        405,          405),
    ("delete", "/communes/export.xlsx",        405,       405,       405,        405,        405,          405),
    ("put",    "/accounts/login/",             405,       405,       405,        405,        405,          405),
    ("delete", "/",                            405,       405,       405,        405,        405,          405),
    ("options", "/communes/",                  405,       405,       405,        405,        405,          405),
    ("put",    "/i18n/setlang/",               405,       405,       405,        405,        405,          405),
    ("delete", "/healthz",                     405,       405,       405,        405,        405,          405),
    ("get",    "/accounts/logout/",            LOGIN,     405,       405,        405,        405,          405),
]
# fmt: on

CASES = [
    pytest.param(method, url, role, expected, id=f"{method.upper()} {url} as {role}")
    for method, url, *expected_by_role in MATRIX
    for role, expected in zip(ROLES, expected_by_role, strict=True)
]


def _assert_outcome(response, url, expected):
    if isinstance(expected, int):
        assert response.status_code == expected, response.get("Location")
        return
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    if expected == LOGIN:
        assert location.path == reverse(settings.LOGIN_URL)
        assert f"next={url}" in response["Location"]
    elif expected == ADM_LOGIN:
        assert location.path == reverse("admin:login")
    elif expected == ADM_HOME:
        assert location.path == reverse("admin:index")
    elif expected == HOME:
        assert location.path == "/"
    elif expected == BACK:
        assert location.path == "/communes/"
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(expected)


@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES)
def test_role_page_method_matrix(client, client_as, method, url, role, expected):
    http = client if role == "anonymous" else client_as(role)
    data = {"language": "vi", "next": "/communes/"} if url.startswith("/i18n/") else {}
    response = getattr(http, method)(url, data)
    _assert_outcome(response, url, expected)


def test_the_matrix_names_every_role_once_per_row():
    assert all(len(row) == 2 + len(ROLES) for row in MATRIX)
    assert len({(method, url) for method, url, *_ in MATRIX}) == len(MATRIX)


def _app_urls(patterns, prefix=""):
    """Every URL of the project outside the admin, with a sample value for its arguments."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _app_urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route.replace("^", "").replace("$", ""))  # the API's router
            yield "/" + re.sub(r"<(\w+:)?\w+>", "1", route.replace("<int:pk>", str(COMMUNE)))


PUBLIC_URLS = {"/accounts/login/", "/healthz", "/i18n/setlang/"}


def test_anonymous_is_sent_to_login_from_every_page_but_the_public_ones(client, kon_tum):
    urls = set(_app_urls(get_resolver().url_patterns))
    assert {"/", "/communes/", f"/communes/{COMMUNE}/", "/communes/export.xlsx"} <= urls  # the walk found them
    for url in sorted(urls - PUBLIC_URLS):
        response = client.get(url)
        if url.startswith("/api/") and url != "/api/docs/":  # a machine's door: 401 and how to authenticate
            try:
                resolve(url)
            except Resolver404:  # a router pattern the sample value does not fit (an alert's kind)
                continue
            assert response.status_code == 401 and response.has_header("WWW-Authenticate"), url
            continue
        assert response.status_code == 302, url
        assert urlsplit(response["Location"]).path == reverse(settings.LOGIN_URL), url


def test_a_user_without_a_role_is_refused_every_app_page(client_as):
    http = client_as("no_role")
    urls = set(_app_urls(get_resolver().url_patterns)) - PUBLIC_URLS - {"/accounts/logout/"}
    assert "/communes/" in urls
    for url in sorted(urls):
        status = http.get(url).status_code
        if url.startswith("/api/") and status == 405:  # an API action meant for POST only: refused before the role
            continue
        if re.search(r"/\d+/", url):  # an object page may hide the object first (404) or refuse (403)
            assert status in (403, 404), url
        else:
            assert status == 403, url


def test_only_the_administrator_sees_the_import_button(client_as):
    import_url = reverse("communes:commune_import")
    assert import_url not in client_as("committee").get("/communes/").content.decode()
    assert import_url in client_as("administrator").get("/communes/").content.decode()


def test_only_staff_see_the_administration_link(client_as):
    admin_url = reverse("admin:index")
    assert f'href="{admin_url}"' not in client_as("provincial_clerk").get("/").content.decode()
    assert f'href="{admin_url}"' in client_as("administrator").get("/").content.decode()


def test_sign_in_with_a_password_then_out(client, users):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": users["committee"].username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200

    assert client.post("/accounts/logout/").status_code == 302
    assert urlsplit(client.get("/")["Location"]).path == reverse(settings.LOGIN_URL)


def test_a_wrong_password_stays_on_the_login_page(client, users):
    response = client.post("/accounts/login/", {"username": users["committee"].username, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/").status_code == 302


# The language switch (Tiếng Việt / English) works before signing in.


def _html_lang(response) -> str:
    html = response.content.decode()
    start = html.index("<html lang=")
    return html[start : html.index(">", start)]


@pytest.mark.django_db
def test_the_login_page_is_vietnamese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert _html_lang(response) == '<html lang="vi"'
    assert 'data-testid="language-switch"' in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_turns_the_login_page_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert _html_lang(client.get("/accounts/login/")) == '<html lang="en"'

    client.post("/i18n/setlang/", {"language": "vi", "next": "/accounts/login/"})
    assert _html_lang(client.get("/accounts/login/")) == '<html lang="vi"'


@pytest.mark.django_db
def test_the_language_switch_ignores_an_unknown_language_and_an_outside_next(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")
    assert _html_lang(client.get("/accounts/login/")) == '<html lang="vi"'


def test_the_language_choice_carries_to_the_pages_after_sign_in(client_as):
    http = client_as("committee")
    http.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert _html_lang(http.get("/communes/")) == '<html lang="en"'
