"""The error pages (DEBUG off, as in the test settings): 400, 403, 404 and the CSRF failure page in the app's
layout, in Vietnamese first (English when the user chose it), each saying what to do next; and a 500 page that
renders with no layout, no context processor and no database."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path
from django.utils import translation

from training.models import TrainingSession


def _server_fault(request):
    raise RuntimeError("a bug")


def _bad_request(request):
    raise SuspiciousOperation("a forged request")


def broken_context_processor(request):
    raise RuntimeError("the context processor failed")


urlpatterns = [
    path("test-fault/", _server_fault),
    path("test-bad-request/", _bad_request),
    path("", include("rollout.urls")),
]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _error_page(response, status: int) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert f'data-status="{status}"' in html
    return html


def test_403_is_in_the_layout_in_vietnamese_and_says_what_to_do(client_as):
    client = client_as("committee")
    html = _error_page(client.get("/training/classes/new/"), 403)
    assert "Bạn không có quyền mở trang này" in html
    assert "Không có gì bị thay đổi" in html
    assert "đề nghị quản trị viên cấp cho bạn vai trò" in html
    assert 'class="navbar' in html and "Về trang tổng quan" in html  # the layout, and a way on
    assert "403 Forbidden" not in html
    assert "Ban Chỉ đạo" in html  # the role the user has


def test_403_in_english_for_a_user_who_chose_english(client_as, settings):
    client = client_as("committee")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _error_page(client.get("/training/classes/new/"), 403)
    assert "You may not open this page" in html


@pytest.mark.parametrize("url", ["/no-such-page/", "/communes/99999999/", "/officers/99999999/"])
def test_404_is_in_the_layout_and_points_to_the_lists(client_as, url):
    html = _error_page(client_as("district_clerk").get(url), 404)
    assert "Không tìm thấy trang" in html
    assert "không thuộc địa bàn của bạn" in html
    assert 'href="/communes/"' in html and 'href="/officers/"' in html
    assert 'class="navbar' in html


@pytest.mark.urls(__name__)
def test_400_is_in_the_layout(client_as):
    html = _error_page(client_as("provincial_clerk").get("/test-bad-request/"), 400)
    assert "Không đọc được yêu cầu" in html
    assert "Quay lại, tải lại trang rồi thử lại." in html


@pytest.mark.urls(__name__)
def test_500_page_stands_alone(client_as):
    client = client_as("provincial_clerk")
    client.raise_request_exception = False
    html = _error_page(client.get("/test-fault/"), 500)
    assert "Máy chủ gặp sự cố" in html and "Chờ một phút rồi tải lại trang." in html
    assert "a bug" not in html  # nothing of the error itself


@pytest.mark.urls(__name__)
def test_500_page_renders_when_the_context_processors_fail(client_as, settings):
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"],
                          "context_processors": [*processors, f"{__name__}.broken_context_processor"]}}]  # fmt: skip
    client = client_as("provincial_clerk")
    client.raise_request_exception = False
    html = _error_page(client.get("/test-fault/"), 500)
    assert "Máy chủ gặp sự cố" in html


def test_500_template_needs_no_database_and_no_request(db, django_assert_num_queries):
    with django_assert_num_queries(0), translation.override("vi"):  # the language of the request that failed
        html = render_to_string("500.html")
    assert "Máy chủ gặp sự cố" in html and 'href="/"' in html


def test_csrf_failure_page_says_nothing_was_saved_and_offers_the_form_again(users, kon_tum):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["provincial_clerk"])
    before = TrainingSession.objects.count()
    response = client.post(
        "/training/classes/new/", {"capacity": "20"}, HTTP_REFERER="http://testserver/training/classes/new/"
    )
    html = _error_page(response, 403)
    assert "Biểu mẫu đã hết hạn" in html and "Chưa có gì được lưu" in html
    assert 'href="http://testserver/training/classes/new/"' in html  # back to the form
    assert 'class="navbar' in html
    assert TrainingSession.objects.count() == before


def test_csrf_failure_page_offers_no_link_to_another_site(users, kon_tum):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["provincial_clerk"])
    html = _error_page(client.post("/training/classes/new/", {}, HTTP_REFERER="https://elsewhere.example/x"), 403)
    assert "elsewhere.example" not in html
