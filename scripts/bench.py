"""Benchmark the pages and jobs that must stay fast at national scale, and print a table.

Run through `make bench` (PostgreSQL, national data from `seed_national`). Each page is requested REPEAT times
through Django's test client as a signed-in administrator, after one warm-up request; the table shows the
median and the 90th percentile of the server time and the number of SQL queries of one request (the API's
busiest reads among them). Then the commune import of every commune in the country and of a roster of 20,000 new
officers (the app's own preview, then its confirm step timed) against a plain ``bulk_create`` of as many rows, the
weekly report for the whole country, a short load test (``scripts/loadtest``, when locust is installed: ``make
loadtest`` installs it) and, last, after every write, ``verify_progress``.

``BENCH_ONLY``: a comma-separated subset of ``GROUPS`` (e.g. ``BENCH_ONLY=dashboard,report``); ``BENCH_REPEAT``
requests per page (15); ``BENCH_LOAD_USERS`` and ``BENCH_LOAD_SECONDS``: the load test's users and run time
(20 and 30; ``make loadtest`` runs the full 50 users for 60 s); ``BENCH_LOCUST``: the locust command (by default
the one next to this Python, which ``make loadtest`` installs).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rollout.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
# The targets of issue 14, as medians on the project's 2-core machine.
TARGETS_MS = {"dashboard": 20, "province": 10, "list": 30, "suggestions": 50, "register": 500}
REPORT_TARGET_S = 3
LOAD_P95_TARGET_MS = 300
GROUPS = ("dashboard", "lists", "api", "suggestions", "register", "import", "report", "planner", "load", "verify")
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
if ONLY - set(GROUPS):
    raise SystemExit(f"BENCH_ONLY: unknown group(s) {sorted(ONLY - set(GROUPS))}; choose among {', '.join(GROUPS)}")


def wanted(group: str) -> bool:
    return not ONLY or group in ONLY


def _admin():
    from accounts.models import User
    from accounts.roles import Role

    user, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    return user


def _uncovered_commune_code(province_code: int) -> int:
    from communes.models import Commune, Coverage

    commune = (
        Commune.objects.filter(district__province_id=province_code, coverage=Coverage.UNCOVERED)
        .order_by("code")
        .first()
        or Commune.objects.filter(district__province_id=province_code).order_by("code").first()
    )
    return commune.code


def measure_page(client: Client, label: str, url: str, kind: str) -> dict:
    response = client.get(url)  # warm-up: connections, caches, templates
    if response.status_code != 200:
        raise SystemExit(f"{label}: {url} answered {response.status_code}")
    times = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    median = statistics.median(times)
    p90 = times[max(int(len(times) * 0.9) - 1, 0)]
    target = TARGETS_MS[kind]
    return {
        "what": label,
        "median": f"{median:.0f} ms",
        "p90": f"{p90:.0f} ms",
        "queries": str(len(queries)),
        "target": f"≤ {target} ms",
        "ok": "yes" if median <= target else "NO",
    }


def _upload(dataset, name: str):
    """``dataset`` as the XLSX file a user uploads."""
    from io import BytesIO

    upload = BytesIO(dataset.export("xlsx"))
    upload.name = name
    upload.size = upload.getbuffer().nbytes
    return upload


def commune_import_file():
    """The commune attributes of the whole country as exported, with one attribute changed on every row (so every
    row is written): the upload."""
    from communes.models import Commune
    from communes.resources import CommuneResource

    exported = CommuneResource().export(queryset=Commune.objects.order_by("code"))
    population = exported.headers.index("Dân số")
    for index in range(len(exported)):
        row = list(exported[index])
        row[population] = (int(row[population] or 0) + 1) if str(row[population] or "0").isdigit() else 1
        exported[index] = row
    return _upload(exported, "communes.xlsx")


ROSTER_ROWS = int(os.environ.get("BENCH_ROSTER_ROWS", "20000"))


def officer_roster_file(rows: int = ROSTER_ROWS):
    """A roster of ``rows`` new officers (police numbers 100-000 upwards, unused: the national data numbers its
    officers 800-001…), each with the particulars and languages of an officer of the national data, in the
    columns and labels of the import template: the upload."""
    import tablib

    from personnel.models import Officer
    from personnel.resources import OfficerResource

    resource = OfficerResource()
    headers = [f.column_name for f in resource.get_import_fields() if not f.readonly]
    widgets = {f.attribute: f.widget for f in resource.get_import_fields()}
    languages: dict[int, list[str]] = {}
    through = Officer.languages.through.objects.order_by("language__name")
    for officer_id, name in through.values_list("officer_id", "language__name"):
        languages.setdefault(officer_id, []).append(name)
    fields = ["pk", "full_name", "birth_date", "gender", "ethnicity", "rank", "current_unit", "province_id",
              "district_id", "home_district_id", "education", "political_theory", "phone"]  # fmt: skip
    dataset = tablib.Dataset(headers=headers)
    for index, values in enumerate(Officer.objects.order_by("pk").values(*fields)[:rows]):
        dataset.append(
            [
                f"{100 + index // 1000:03d}-{index % 1000:03d}",
                values["full_name"],
                values["birth_date"].strftime("%d/%m/%Y"),
                widgets["gender"].render(values["gender"]),
                widgets["ethnicity"].render(values["ethnicity"]),
                ", ".join(languages.get(values["pk"], [])),
                widgets["rank"].render(values["rank"]),
                values["current_unit"],
                values["province_id"],
                values["district_id"],
                values["home_district_id"],
                widgets["education"].render(values["education"]),
                widgets["political_theory"].render(values["political_theory"]),
                values["phone"],
            ]
        )
    return _upload(dataset, "can-bo.xlsx")


def _floor_seconds(model, instances, *, shift: int, renumber=None) -> float:
    """A plain ``bulk_create`` of ``instances`` (copies under new primary keys, and ``renumber``'s unique values),
    rolled back: the write floor."""
    for instance in instances:
        instance.pk = instance.pk + shift
        if renumber is not None:
            renumber(instance)
    started = time.perf_counter()
    with transaction.atomic():
        model.objects.bulk_create(instances, batch_size=2000)
        transaction.set_rollback(True)
    return time.perf_counter() - started


IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))


def measure_confirm(what: str, view_class, upload, floor) -> list[dict]:
    """An import's confirmation through the app's own path (``import_confirm``, what the page's confirm button
    runs) after its preview (what the background job runs, timed once), against ``floor()``: the medians of
    ``IMPORT_RUNS`` runs. Each step is a transaction of its own, rolled back (one transaction around them all
    would keep every step's dead rows from the vacuum, and slow the next steps down)."""
    import tempfile

    from django.test.utils import override_settings

    from rollout.core.import_jobs import import_confirm, import_job_keep, import_view

    admin = _admin()
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        view = import_view(view_class, user=admin)
        started = time.perf_counter()
        with transaction.atomic():
            dataset = view.read(upload)
            report = view.preview(dataset)
            transaction.set_rollback(True)
        preview_seconds = time.perf_counter() - started
        if not report.ok:
            first = [(row.number, row.errors) for row in report.errors[:3]]
            raise SystemExit(f"{what}: the import refused the file: {first}")
        confirms, floors = [], []
        for _ in range(IMPORT_RUNS):
            with transaction.atomic():
                job = import_job_keep(view=view, upload=upload, report=report)  # what the preview's job holds
                started = time.perf_counter()
                outcome = import_confirm(job=job, view=view)
                confirms.append(time.perf_counter() - started)
                transaction.set_rollback(True)  # leave the benchmark data as it was
            if outcome.result != "written":
                raise SystemExit(f"{what}: the confirmation did not write ({outcome.result})")
            floors.append(floor())
    rows = len(dataset)
    confirm, floor_median = statistics.median(confirms), statistics.median(floors)
    ratio = confirm / floor_median if floor_median else float("inf")
    return [
        {
            "what": f"{what}, {rows:,} rows",
            "median": f"{confirm:.2f} s",
            "p90": f"{rows / confirm:,.0f} rows/s",
            "queries": "",
            "target": "≤ 2× floor",
            "ok": f"yes ({ratio:.1f}×)" if ratio <= 2 else f"NO ({ratio:.1f}×)",
        },
        {
            "what": f"bulk_create floor, {rows:,} {'rows' if what.startswith('commune') else 'officers'}",
            "median": f"{floor_median:.2f} s",
            "p90": f"{rows / floor_median:,.0f} rows/s",
            "queries": "",
            "target": "",
            "ok": "",
        },
        {
            "what": f"{what} preview (background job), {rows:,} rows",
            "median": f"{preview_seconds:.1f} s",
            "p90": f"{rows / preview_seconds:,.0f} rows/s",
            "queries": "",
            "target": "",
            "ok": "",
        },
    ]


def measure_imports() -> list[dict]:
    """The commune attributes of the whole country, and a roster of new officers, through the import's preview
    and confirmation, each against a plain ``bulk_create`` of as many rows."""
    from communes.models import Commune
    from communes.views import CommuneImportView
    from personnel.models import Officer
    from personnel.views import OfficerImportView

    def commune_floor():
        return _floor_seconds(Commune, list(Commune.objects.order_by("code")), shift=10_000_000)

    def officer_floor():
        def renumber(officer):
            officer.police_number = f"X{officer.pk % 1_000_000:06d}"

        officers = list(Officer.objects.order_by("pk")[:ROSTER_ROWS])
        return _floor_seconds(Officer, officers, shift=10_000_000, renumber=renumber)

    return [
        *measure_confirm("commune import", CommuneImportView, commune_import_file(), commune_floor),
        *measure_confirm("officer roster import", OfficerImportView, officer_roster_file(), officer_floor),
    ]


def print_table(rows: list[dict]) -> None:
    columns = ["what", "median", "p90", "queries", "target", "ok"]
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-|-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(row[c].ljust(widths[c]) for c in columns))


def main() -> None:
    from communes.models import Commune
    from personnel.models import Officer

    province = int(os.environ.get("BENCH_PROVINCE", "62"))
    print(
        f"Data: {Commune.objects.count():,} communes, {Officer.objects.count():,} officers; "
        f"{REPEAT} requests per page after a warm-up; database {connection.vendor}."
    )
    client = Client()
    client.force_login(_admin())
    rows = []
    if wanted("dashboard"):
        rows += [
            measure_page(client, "dashboard, whole country", reverse("home") + "?province=", "dashboard"),
            *measure_cold_dashboard(client),
            measure_page(
                client, f"dashboard, province {province}", reverse("home") + f"?province={province}", "province"
            ),
        ]
    if wanted("lists"):
        rows += [
            measure_page(client, "commune list", reverse("communes:commune_list"), "list"),
            measure_page(client, "officer list", reverse("personnel:officer_list"), "list"),
        ]
    if wanted("api"):
        rows += measure_api(client, province)
    if wanted("suggestions"):
        rows.append(
            measure_page(
                client,
                "assign page with suggestions",
                reverse("personnel:assign", args=[_uncovered_commune_code(province)]),
                "suggestions",
            )
        )
    if wanted("register"):
        rows += measure_register(client, province)
    if wanted("import"):
        rows += measure_imports()
    if wanted("report"):
        rows += measure_report()
    if wanted("planner"):
        rows += measure_planner()
    if wanted("load"):
        rows += measure_load()
    if wanted("verify"):
        rows.append(measure_verify())  # last: after every write above
    print_table(rows)


def measure_api(client: Client, province: int) -> list[dict]:
    """The API's busiest reads at national scale, as a system polling it asks them (the session's user is the
    administrator: the whole country): the first page of a list counts every row it pages over."""
    api = "/api/v1"
    return [
        measure_page(client, "API communes, whole country", f"{api}/communes/", "list"),
        measure_page(client, f"API communes, province {province}", f"{api}/communes/?province={province}", "list"),
        measure_page(client, "API officers, whole country", f"{api}/officers/", "list"),
        measure_page(client, "API assignments, in force", f"{api}/assignments/?active=true", "list"),
        measure_page(client, "API progress, whole country", f"{api}/progress/", "list"),
        measure_page(client, f"API progress, province {province}", f"{api}/progress/?province={province}", "list"),
    ]


def measure_register(client: Client, province: int) -> list[dict]:
    """The register of posts on a past day: of ``province``, of the province with the most communes (its first
    page), of one of its districts, and an officer's service record."""
    from django.db.models import Count

    from communes.models import Commune
    from personnel.models import Assignment

    largest = Commune.objects.values("district__province").annotate(n=Count("pk")).order_by("-n").first()
    code = largest["district__province"]
    district = Commune.objects.filter(district__province_id=code).order_by("code").first().district_id
    officer = Assignment.objects.filter(province_id=province).order_by("pk").first().officer_id
    page = reverse("register:index")
    return [
        measure_page(client, f"register, province {province}, a past day", f"{page}?province={province}&day=01/10/2026",
                     "register"),
        measure_page(client, f"register, province {code} ({largest['n']} communes), first page",
                     f"{page}?province={code}&day=01/10/2026", "register"),
        measure_page(client, f"register, district {district}", f"{page}?province={code}&district={district}",
                     "register"),
        measure_page(client, "service record", reverse("register:service_record", args=[officer]), "register"),
    ]  # fmt: skip


def measure_report() -> list[dict]:
    """The weekly report of the whole country: its figures, the workbook and the PDF (what the task does,
    without storage and e-mail), with the figures' cache empty as after a night of changes."""
    import datetime

    from django.utils import timezone

    from rollout.core.figures_cache import figures_changed
    from rollout.reports.content import report_content, report_pdf, report_xlsx

    today = timezone.localdate()
    end = today - datetime.timedelta(days=today.weekday() + 1)
    start = end - datetime.timedelta(days=6)
    figures_changed()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        content = report_content(province=None, period_start=start, period_end=end)
        xlsx, pdf = report_xlsx(content), report_pdf(content)
    seconds = time.perf_counter() - started
    return [
        {
            "what": "weekly report, whole country",
            "median": f"{seconds:.1f} s",
            "p90": f"{len(xlsx) // 1024} KB xlsx, {len(pdf) // 1024} KB pdf",
            "queries": str(len(queries)),
            "target": f"≤ {REPORT_TARGET_S} s",
            "ok": "yes" if seconds <= REPORT_TARGET_S else "NO",
        }
    ]


def measure_cold_dashboard(client: Client) -> list[dict]:
    """The dashboard right after a change: before each request an active assignment is saved (the signals every
    service's save sends: its commune's stored state refreshed, the figures' cache forgotten), the worst case a
    user meets. Also what that write costs: the save with its state refresh, in its transaction."""
    from personnel.models import Assignment

    assignment = Assignment.objects.filter(ended_on__isnull=True).order_by("pk").first()
    original = assignment.decision_number
    times, writes, count = [], [], 0
    for index in range(max(REPEAT // 3, 3)):
        started = time.perf_counter()
        with transaction.atomic():
            assignment.decision_number = f"{original[:40]}-{index}" if index % 2 == 0 else original
            assignment.save()
        writes.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(reverse("home") + "?province=")
            times.append((time.perf_counter() - started) * 1000)
        count = len(queries)
    assignment.decision_number = original
    assignment.save()
    median = statistics.median(times)
    return [
        {
            "what": "dashboard, whole country, after a change",
            "median": f"{median:.0f} ms",
            "p90": f"{max(times):.0f} ms",
            "queries": str(count),
            "target": "≤ 20 ms",
            "ok": "yes" if median <= 20 else "NO",
        },
        {
            "what": "a write's state refresh (assignment saved, one commune)",
            "median": f"{statistics.median(writes):.0f} ms",
            "p90": f"{max(writes):.0f} ms",
            "queries": "",
            "target": "",
            "ok": "",
        },
    ]


def measure_planner() -> list[dict]:
    """The deployment planner (``rollout.deployment.proposal.propose``, what ``propose_deployment`` prints): Kon
    Tum's plan of chiefs and of the full norm, then every province's plan of chiefs, in all. It only reads."""
    from django.utils import timezone

    from communes.models import Province
    from rollout.deployment.proposal import propose
    from rollout.models import PlanPosts

    today = timezone.localdate()
    rows = []
    for posts, target in ((PlanPosts.CHIEFS, 2), (PlanPosts.NORM, 2)):
        times, proposal = [], None
        for _ in range(3):
            started = time.perf_counter()
            proposal = propose(province_id=62, posts=posts, starts_on=today)
            times.append(time.perf_counter() - started)
        seconds = statistics.median(times)
        rows.append(
            {
                "what": f"deployment plan, Kon Tum, {posts}",
                "median": f"{seconds:.2f} s",
                "p90": f"{len(proposal.filled)}/{len(proposal.rows)} posts, greedy {proposal.greedy_posts}",
                "queries": "",
                "target": f"≤ {target} s",
                "ok": "yes" if seconds <= target else "NO",
            }
        )
    codes = list(Province.objects.order_by("code").values_list("code", flat=True))
    for posts in (PlanPosts.CHIEFS, PlanPosts.NORM):
        started, filled, open_posts, largest = time.perf_counter(), 0, 0, 0.0
        for code in codes:
            proposal = propose(province_id=code, posts=posts, starts_on=today)
            filled, open_posts = filled + len(proposal.filled), open_posts + len(proposal.rows)
            largest = max(largest, proposal.seconds)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "what": f"deployment plans, every province, {posts}",
                "median": f"{seconds:.1f} s",
                "p90": f"{filled:,}/{open_posts:,} posts; slowest province {largest:.2f} s",
                "queries": "",
                "target": "≤ 60 s",
                "ok": "yes" if seconds <= 60 else "NO",
            }
        )
    return rows


def measure_verify() -> dict:
    """``manage.py verify_progress`` after the benchmark's writes: every commune's state recomputed and compared."""
    from rollout.progress.states import commune_states_differences

    started = time.perf_counter()
    differences, _first = commune_states_differences(limit=0)
    seconds = time.perf_counter() - started
    return {
        "what": "verify_progress",
        "median": f"{seconds:.1f} s",
        "p90": f"{differences} difference(s)",
        "queries": "",
        "target": "0 differences",
        "ok": "yes" if differences == 0 else "NO",
    }


def measure_load() -> list[dict]:
    """A short load test through ``scripts/loadtest`` (locust against gunicorn on this database, then the database
    rules), when locust is installed in this Python's environment; otherwise a row that says so."""
    locust = Path(os.environ.get("BENCH_LOCUST") or Path(sys.executable).parent / "locust")
    users = int(os.environ.get("BENCH_LOAD_USERS", "20"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    label = f"load test, {users} users for {seconds} s"
    if not locust.exists():
        return [{"what": label, "median": "not run: make loadtest", "p90": "(installs locust)", "queries": "",
                 "target": "", "ok": ""}]  # fmt: skip
    connection.close()  # gunicorn's workers and the checks open their own
    with tempfile.TemporaryDirectory() as work:
        summary_path = Path(work) / "summary.json"
        env = {
            **os.environ,
            "PY": sys.executable,
            "LOCUST": str(locust),
            "LOAD_USERS": str(users),
            "LOAD_SECONDS": str(seconds),
            "LOAD_SUMMARY_JSON": str(summary_path),
            "DATABASE_URL": os.environ["DATABASE_URL"],
        }
        run = subprocess.run(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "loadtest")], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    if "requests" not in summary:
        tail = " / ".join((run.stdout + run.stderr).strip().splitlines()[-3:])
        return [{"what": label, "median": "FAILED", "p90": tail[:80], "queries": "", "target": "", "ok": "NO"}]
    p95, failures, violations = summary["p95_ms"], summary["failures"], summary.get("violations")
    met = p95 is not None and p95 <= LOAD_P95_TARGET_MS

    def ms(value) -> str:
        return "—" if value is None else f"{value:,.0f} ms"

    return [
        {
            "what": f"{label}: all pages",
            "median": ms(summary["median_ms"]),
            "p90": f"p95 {ms(p95)}, {summary['requests_per_second']:.1f} req/s",
            "queries": f"{summary['requests']:,} req",
            "target": f"p95 ≤ {LOAD_P95_TARGET_MS} ms",
            "ok": "yes" if met else "NO",
        },
        {
            "what": "load test: failures",
            "median": str(failures),
            "p90": "",
            "queries": "",
            "target": "0",
            "ok": "yes" if failures == 0 else "NO",
        },
        {
            "what": "load test: rule violations (database rules after the run)",
            "median": "not checked" if violations is None else str(violations),
            "p90": "",
            "queries": "",
            "target": "0",
            "ok": "yes" if violations == 0 else "NO",
        },
    ]


if __name__ == "__main__":
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):  # no collectstatic manifest needed
        main()
