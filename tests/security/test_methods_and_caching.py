"""Every page answers only the methods it means (405 for PUT, PATCH, DELETE, OPTIONS…), and the pages and downloads
that show personal data are never kept by the browser or a proxy (``Cache-Control: private, no-store``)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from rollout.middleware import PERSONAL_DATA_PAGES, shows_personal_data
from tests.builders.world import world_urls

pytestmark = pytest.mark.usefixtures("shared_world")

REFUSED_METHODS = ("put", "patch", "delete", "options", "trace")


def _url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


SIGN_IN_AND_PUBLIC = {"healthz", "login", "logout", "set_language"}


def test_the_table_of_pages_names_every_page_of_the_application(world):
    assert set(world_urls(world)) == set(_url_names(get_resolver().url_patterns)) - SIGN_IN_AND_PUBLIC


def _generic(client, method, url):
    return client.generic(method.upper(), url)


def test_no_page_accepts_put_patch_delete_or_options(client_as, world):
    http = client_as("administrator")
    accepted = []
    for name, url in world_urls(world).items():
        if name.startswith("api:"):  # the API answers its own methods: the next test
            continue
        for method in REFUSED_METHODS:
            response = _generic(http, method, url)
            if response.status_code != 405 or not response.has_header("Allow"):
                accepted.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert not accepted, "\n".join(accepted)


def test_the_api_answers_only_the_methods_each_endpoint_means(client_as, world):
    # PUT and PATCH of an officer are meant (rollout.api); every other unsafe method of the API is refused with
    # 405 and the methods it means in Allow, by the API itself (not by MethodsMeantMiddleware).
    http = client_as("administrator")
    urls = world_urls(world)
    meant = {("api:officer-detail", "put"), ("api:officer-detail", "patch")}
    accepted = []
    for name, url in urls.items():
        if not name.startswith("api:"):
            continue
        for method in ("put", "patch", "delete", "trace"):
            if (name, method) in meant:
                continue
            response = _generic(http, method, url)
            if response.status_code != 405 or not response.has_header("Allow"):
                accepted.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert not accepted, "\n".join(accepted)
    assert http.delete(urls["api:officer-detail"])["Allow"] == "GET, PUT, PATCH, HEAD, OPTIONS"
    assert (
        http.patch(urls["api:officer-detail"], {"full_name": "Y Blô"}, content_type="application/json").status_code
        == 200
    )


def test_a_put_is_refused_before_the_sign_in_and_the_csrf_checks(client, world):
    # a form page (Django's FormView answers PUT as POST): 405 and nothing else, signed in or not
    url = world_urls(world)["personnel:officer_update"]
    response = client.put(url, "full_name=-1")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    for method in ("put", "patch", "delete"):
        assert _generic(client, method, "/healthz").status_code == 405


def test_the_allow_header_names_the_methods_the_page_means(client_as, world):
    http = client_as("administrator")
    urls = world_urls(world)
    assert http.put(urls["plan:task_status"])["Allow"] == "POST"  # a button's target: POST only
    assert http.get(urls["plan:task_status"]).status_code == 405
    assert http.delete(urls["personnel:officer_export"])["Allow"] == "GET, HEAD"  # a download
    assert http.head(urls["personnel:officer_list"]).status_code == 200
    assert http.delete(urls["personnel:officer_list"]).status_code == 405


def test_a_put_changes_nothing(client_as, world):
    from personnel.models import Officer

    http = client_as("administrator")
    before = Officer.objects.get(pk=world.chief.pk).full_name
    url = world_urls(world)["personnel:officer_update"]
    assert http.put(url, "full_name=Ai+Khac", content_type="application/x-www-form-urlencoded").status_code == 405
    assert Officer.objects.get(pk=world.chief.pk).full_name == before


# --- Cache-Control ------------------------------------------------------------------------------------------------

# What the issue names, at least: officers (list, detail, exports), assignments, class rosters, imports' previews,
# report downloads, receipts.
MUST_NOT_BE_STORED = {
    "personnel:officer_list", "personnel:officer_detail", "personnel:officer_export", "personnel:officer_update",
    "personnel:officer_import", "personnel:assign", "personnel:assignment_end",
    "training:session_detail", "training:session_roster", "training:session_results",
    "training:session_results_import", "training:certificate_file", "training:untrained",
    "communes:commune_detail", "communes:commune_import", "equipment:items_import", "equipment:commune_equipment",
    "equipment:issuance_receipt", "equipment:handover_receipt", "reports:detail", "reports:download",
    "plan:member_edit",
}  # fmt: skip


def test_the_pages_with_personal_data_include_what_the_issue_names(world):
    names = set(world_urls(world))
    personal = {name for name in names if shows_personal_data(name)}
    assert personal >= MUST_NOT_BE_STORED, MUST_NOT_BE_STORED - personal
    for pattern in PERSONAL_DATA_PAGES:  # no entry of the list is stale
        assert any(re.fullmatch(pattern.replace("*", ".*"), name) for name in names), pattern


def test_every_page_and_download_with_personal_data_is_never_stored(client_as, world):
    http = client_as("administrator")
    stored = []
    for name, url in world_urls(world).items():
        if not shows_personal_data(name):
            continue
        response = http.get(url)
        cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        if not {"no-store", "private"} <= cache_control:
            stored.append(f"{url} ({name}, {response.status_code}): {response.get('Cache-Control')!r}")
    assert not stored, "\n".join(stored)


@pytest.mark.parametrize("name", ["personnel:officer_list", "personnel:officer_export", "training:session_roster"])
def test_personal_data_answers_200_and_is_not_stored(client_as, world, name):
    response = client_as("provincial_clerk").get(world_urls(world)[name])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_pages_without_personal_data_keep_the_browser_cache(client_as, world):
    response = client_as("administrator").get(world_urls(world)["communes:commune_list"])
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
