"""The admin in Vietnamese: the lockout section (django-axes), import and export (django-import-export), history
(django-simple-history) and Django's own newer admin strings come from ``locale_vendor/`` where the apps ship no
Vietnamese; no main label stays in English."""

import re
from html import unescape

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone

from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

# English labels that showed in the Vietnamese admin (each one a whole text of an element).
ENGLISH = {
    "Axes", "Access attempts", "Access logs", "Access failures", "Access Attempt", "Attempt Time", "IP Address",
    "User Agent", "Username", "Path", "Form Data", "Meta Data", "GET Data", "POST Data", "Failed Logins",
    "Locked Out", "Logout Time", "Expires At", "Clean up expired attempts", "Import", "Export", "File to import",
    "Format", "Submit", "Resource", "Confirm import", "History", "Change history", "Date/time", "Changed by",
    "Change reason", "Object", "Comment", "Skip to main content", "Show counts", "Hide counts", "Add link",
    "Change or view list link", "Model name", "Toggle theme (current theme: auto)", "Change", "Select all",
}  # fmt: skip


def texts(response) -> set[str]:
    """The texts of the page's elements, as a reader sees them (no scripts, styles or attributes)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return {unescape(t).strip() for t in re.split(r"<[^>]+>", html)} - {""}


@pytest.fixture
def admin_client_vi(client, kon_tum):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "vi"
    return client


@pytest.fixture
def lockout_rows():
    attempt = AccessAttempt.objects.create(
        username="clerk", ip_address="127.0.0.1", user_agent="Mozilla", get_data="", post_data="username=clerk",
        http_accept="*/*", path_info="/accounts/login/", failures_since_start=5,
    )  # fmt: skip
    request = {"username": "clerk", "ip_address": "127.0.0.1", "user_agent": "Mozilla", "http_accept": "*/*",
               "path_info": "/accounts/login/"}  # fmt: skip
    log = AccessLog.objects.create(**request, logout_time=timezone.now())
    failure = AccessFailureLog.objects.create(**request, locked_out=True)
    return attempt, log, failure


def admin_pages(lockout_rows):
    attempt, log, failure = lockout_rows
    officer = OfficerFactory()
    return [
        "/admin/",
        "/admin/axes/",
        "/admin/axes/accessattempt/",
        f"/admin/axes/accessattempt/{attempt.pk}/change/",
        "/admin/axes/accesslog/",
        f"/admin/axes/accesslog/{log.pk}/change/",
        "/admin/axes/accessfailurelog/",
        f"/admin/axes/accessfailurelog/{failure.pk}/change/",
        "/admin/personnel/officer/",
        "/admin/personnel/officer/import/",
        "/admin/personnel/officer/export/",
        f"/admin/personnel/officer/{officer.pk}/change/",
        f"/admin/personnel/officer/{officer.pk}/history/",
        "/admin/communes/commune/",
        "/admin/communes/commune/import/",
        "/admin/communes/commune/23344/history/",
    ]


def test_the_admin_pages_have_no_english_label(admin_client_vi, lockout_rows):
    for url in admin_pages(lockout_rows):
        response = admin_client_vi.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == "vi"
        assert texts(response) & ENGLISH == set(), url


def test_the_lockout_section_speaks_vietnamese(admin_client_vi, lockout_rows):
    index = texts(admin_client_vi.get("/admin/"))
    assert {"Khóa đăng nhập", "Lần đăng nhập sai", "Nhật ký đăng nhập"} <= index
    attempts = texts(admin_client_vi.get("/admin/axes/accessattempt/"))
    assert {"Tên đăng nhập", "Địa chỉ IP", "Thời điểm đăng nhập", "Số lần đăng nhập sai"} <= attempts
    detail = texts(admin_client_vi.get(f"/admin/axes/accessattempt/{lockout_rows[0].pk}/change/"))
    assert {"Dữ liệu biểu mẫu", "Thông tin yêu cầu"} <= detail


def test_import_export_and_history_speak_vietnamese(admin_client_vi, lockout_rows):
    officer = OfficerFactory()
    listing = texts(admin_client_vi.get("/admin/personnel/officer/"))
    assert {"Nhập từ tệp", "Xuất ra tệp"} <= listing
    importing = texts(admin_client_vi.get("/admin/personnel/officer/import/"))
    assert {"Tệp cần nhập", "Định dạng"} <= {t.rstrip(":") for t in importing}
    history = texts(admin_client_vi.get(f"/admin/personnel/officer/{officer.pk}/history/"))
    assert {"Thời điểm", "Người sửa"} <= history


def test_the_change_link_says_sua_not_tang_giam(admin_client_vi):
    index = texts(admin_client_vi.get("/admin/"))
    assert "Tăng/giảm" not in index
    assert "Sửa" in index


def _vendor_messages():
    import importlib.util

    from django.conf import settings

    spec = importlib.util.spec_from_file_location(
        "vendor_messages", settings.BASE_DIR / "scripts" / "vendor_messages.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendor_catalogue_covers_the_installed_apps_and_is_compiled():
    import polib

    vendor = _vendor_messages()
    written = polib.pofile(str(vendor.CATALOGUE))
    translated = {e.msgid for e in written if e.translated()}
    for module in vendor.MODULES.values():
        assert vendor.installed_msgids(module) - translated == set(), module

    # the committed .po is what the script writes, and the committed .mo is compiled from it
    def entries(catalogue):
        return [(e.msgid, e.msgid_plural, e.msgstr, dict(e.msgstr_plural)) for e in catalogue]

    assert entries(written) == entries(vendor.build())
    compiled = polib.mofile(str(vendor.CATALOGUE.with_suffix(".mo")))
    assert {e.msgid for e in compiled if e.msgid} == {e.msgid for e in written}
