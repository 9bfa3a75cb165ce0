"""The reports archive pages: permissions and scope, asking for a report, the progress page and downloads."""

import datetime

import pytest
from django.core.files.base import ContentFile

from communes.models import Province
from rollout.models import Report, ReportStatus
from tests.builders.reports import TODAY

pytestmark = pytest.mark.django_db

WEEK_START = TODAY - datetime.timedelta(days=6)


@pytest.fixture
def reports(kon_tum):
    """A ready Kon Tum report with files, a national one, and one of another province."""
    ha_noi = Province.objects.create(code=1, name="Thành phố Hà Nội", kind="municipality")
    own = Report.objects.create(
        province=kon_tum, period_start=WEEK_START, period_end=TODAY, status=ReportStatus.DONE, progress=100
    )
    own.xlsx.save("own.xlsx", ContentFile(b"PK\x03\x04 xlsx"), save=False)
    own.pdf.save("own.pdf", ContentFile(b"%PDF-1.7 pdf"), save=True)
    national = Report.objects.create(province=None, period_start=WEEK_START, period_end=TODAY, progress=40,
                                     status=ReportStatus.RUNNING)  # fmt: skip
    other = Report.objects.create(
        province=ha_noi, period_start=WEEK_START, period_end=TODAY, status=ReportStatus.DONE, progress=100
    )
    other.pdf.save("other.pdf", ContentFile(b"%PDF-1.7 other"), save=True)
    return {"own": own, "national": national, "other": other}


def _urls(report):
    return [
        "/reports/",
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/status/",
        f"/reports/{report.pk}/pdf/",
        "/reports/new/",
    ]


def test_anonymous_users_are_sent_to_the_login(client, reports):
    for url in _urls(reports["own"]):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert client.post("/reports/new/", {}).status_code == 302
    assert not Report.objects.filter(requested_by__isnull=False).exists()


def test_a_user_without_a_role_gets_403(client_as, reports):
    client = client_as("no_role")
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{reports['own'].pk}/pdf/").status_code == 403


def test_the_committee_lists_and_downloads_every_report(client_as, reports):
    client = client_as("committee")
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    for report in reports.values():
        assert f'data-report="{report.pk}"' in html
    assert 'data-status="done"' in html and 'data-status="running"' in html
    response = client.get(f"/reports/{reports['own'].pk}/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    expected = f"bao-cao-tien-do_62_{WEEK_START:%Y-%m-%d}_{TODAY:%Y-%m-%d}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert b"".join(response.streaming_content) == b"PK\x03\x04 xlsx"
    pdf = client.get(f"/reports/{reports['other'].pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_committee_cannot_ask_for_a_report(client_as, kon_tum):
    client = client_as("committee")
    assert client.get("/reports/new/").status_code == 403
    response = client.post("/reports/new/", {"scope": "62", "period_start": f"{WEEK_START:%d/%m/%Y}",
                                             "period_end": f"{TODAY:%d/%m/%Y}"})  # fmt: skip
    assert response.status_code == 403
    assert not Report.objects.exists()
    assert "/reports/new/" not in client.get("/reports/").content.decode()


@pytest.mark.parametrize("role", ["provincial_clerk", "district_clerk"])
def test_clerks_see_their_province_and_the_country_only(client_as, reports, role):
    client = client_as(role)
    html = client.get("/reports/").content.decode()
    assert f'data-report="{reports["own"].pk}"' in html
    assert f'data-report="{reports["national"].pk}"' in html
    assert f'data-report="{reports["other"].pk}"' not in html
    other = reports["other"].pk
    for url in (f"/reports/{other}/", f"/reports/{other}/status/", f"/reports/{other}/pdf/"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/reports/{reports['own'].pk}/pdf/").status_code == 200


def test_unknown_file_kind_or_missing_file_is_404(client_as, reports):
    client = client_as("committee")
    assert client.get(f"/reports/{reports['own'].pk}/docx/").status_code == 404
    assert client.get(f"/reports/{reports['national'].pk}/pdf/").status_code == 404  # not produced yet
    assert client.get(f"/reports/{reports['other'].pk}/xlsx/").status_code == 404


def test_the_page_of_a_report_in_progress_follows_it_without_inline_script(client_as, reports):
    client = client_as("committee")
    html = client.get(f"/reports/{reports['national'].pk}/").content.decode()
    assert f'data-report-status-url="/reports/{reports["national"].pk}/status/"' in html
    assert 'src="/static/js/report_status.js"' in html
    assert "<script>" not in html
    status = client.get(f"/reports/{reports['national'].pk}/status/").json()
    assert status["status"] == "running" and status["progress"] == 40 and status["finished"] is False
    done = client.get(f"/reports/{reports['own'].pk}/").content.decode()
    assert "report_status.js" not in done and 'data-testid="download-pdf"' in done


def test_a_clerk_asks_for_a_report_and_it_is_produced(client_as, demo_baseline, django_capture_on_commit_callbacks):
    client = client_as("provincial_clerk")
    assert client.get("/reports/new/").status_code == 200
    data = {"scope": "62", "period_start": f"{WEEK_START:%d/%m/%Y}", "period_end": f"{TODAY:%d/%m/%Y}"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/reports/new/", data)
    report = Report.objects.get()
    assert len(callbacks) == 1  # queued after the commit
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    report.refresh_from_db()
    assert (report.province_id, report.period_start, report.period_end) == (62, WEEK_START, TODAY)
    assert report.status == ReportStatus.DONE and report.requested_by.username == "provincial_clerk_user"
    assert client.get(f"/reports/{report.pk}/pdf/").status_code == 200
    # asking again reuses the ready report
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post("/reports/new/", data, follow=True)
    assert Report.objects.count() == 1 and not callbacks
    assert again.redirect_chain[-1][0] == f"/reports/{report.pk}/"


def test_a_failed_report_is_queued_again(client_as, kon_tum, django_capture_on_commit_callbacks):
    report = Report.objects.create(province=None, period_start=WEEK_START, period_end=TODAY,
                                   status=ReportStatus.FAILED, error="ValueError: boom")  # fmt: skip
    client = client_as("administrator")
    data = {"scope": "country", "period_start": f"{WEEK_START:%d/%m/%Y}", "period_end": f"{TODAY:%d/%m/%Y}"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post("/reports/new/", data)
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == ""


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"period_start": "10/01/2026", "period_end": "01/01/2026"}, "period_end", "order"),
        ({"period_start": "01/01/2026", "period_end": f"{TODAY + datetime.timedelta(days=1):%d/%m/%Y}"},
         "period_end", "future"),
        ({"period_start": "01/01/2024", "period_end": "31/01/2025"}, "period_end", "too_long"),
        ({"period_start": "01/01/1999", "period_end": "02/01/1999"}, "period_start", "too_early"),
        ({"period_start": "31/02/2026", "period_end": "01/03/2026"}, "period_start", "invalid"),
        ({"period_start": "", "period_end": ""}, "period_start", "required"),
        ({"scope": "1"}, "scope", "invalid_choice"),  # Hà Nội is not the clerk's province
        ({"scope": "<script>"}, "scope", "invalid_choice"),
    ],
)  # fmt: skip
def test_bad_input_says_what_is_wrong_and_writes_nothing(client_as, kon_tum, data, field, code):
    Province.objects.create(code=1, name="Thành phố Hà Nội", kind="municipality")
    client = client_as("provincial_clerk")
    payload = {"scope": "62", "period_start": "01/01/2026", "period_end": "07/01/2026", **data}
    response = client.post("/reports/new/", payload)
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert code in [e.code for e in errors.get(field, [])], errors
    assert 'class="invalid-feedback d-block"' in response.content.decode()  # said next to the field
    assert not Report.objects.exists()


def test_the_archive_takes_a_constant_number_of_queries(client_as, kon_tum, django_assert_max_num_queries):
    client = client_as("committee")
    client.get("/reports/")
    for n in range(30):
        Report.objects.create(province=kon_tum if n % 2 else None, period_start=WEEK_START - datetime.timedelta(days=n),
                              period_end=TODAY)  # fmt: skip
    with django_assert_max_num_queries(12):
        page = client.get("/reports/")
    assert page.content.decode().count("data-report=") == 25  # paginated
    assert client.get("/reports/?page=2").content.decode().count("data-report=") == 5
