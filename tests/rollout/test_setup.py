"""The setup contract: seed_demo, the production configuration and docker-compose.yml."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from accounts.roles import Role, user_roles
from communes.models import Commune, CommuneKind, Coverage
from personnel.choices import OfficerStatus, Post
from personnel.models import Assignment, Officer
from rollout.models import DeploymentPlan, DeploymentPlanStatus, DeploymentRow, Report, ReportStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_keeps_the_baseline_and_puts_a_pilot_in_motion(kon_tum, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # idempotent  # noqa: SIM115

    assert Commune.objects.count() == 102
    # the article's baseline: 48 covered before the pilot, 54 not; since 01/10/2026 approved deployment plans of
    # phase 1 have placed 12 chiefs (two plans of 6)
    assert Commune.objects.filter(coverage=Coverage.BASELINE).count() == 48
    assert Commune.objects.filter(coverage=Coverage.PILOT).count() == 12
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 42
    pilot = Commune.objects.filter(coverage=Coverage.PILOT)
    assert set(pilot.values_list("phases__number", flat=True)) == {1}
    plans = DeploymentPlan.objects.filter(province_id=62, status=DeploymentPlanStatus.APPROVED)
    assert plans.count() == 2
    assert DeploymentRow.objects.filter(plan__in=plans, assignment__isnull=False).count() == 12
    assert Report.objects.filter(province_id=62, status=ReportStatus.DONE).count() == 1  # last week's, archived
    covered = Commune.objects.filter(coverage=Coverage.BASELINE)
    assert covered.filter(kind=CommuneKind.WARD).count() == 10
    assert covered.filter(kind=CommuneKind.TOWNSHIP).count() == 7
    assert covered.filter(kind=CommuneKind.COMMUNE, is_key_area=True).count() == 31
    assert not Commune.objects.filter(coverage=Coverage.UNCOVERED, kind__in=["ward", "township"]).exists()
    assert Commune.objects.filter(is_demo=True).count() == 102

    expected = {
        "admin": Role.ADMINISTRATOR,
        "clerk": Role.PROVINCIAL_CLERK,
        "district_clerk": Role.DISTRICT_CLERK,
        "committee": Role.COMMITTEE,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("demo-pass-123"), username
        assert role.value in user_roles(user)
    assert User.objects.get(username="district_clerk").district.name == "Huyện Đắk Glei"

    # The demo roster: about 300 officers in every status; chiefs, deputies and officers in the covered communes.
    statuses = dict(Officer.objects.values_list("status").annotate(n=Count("pk")))
    assert sum(statuses.values()) == 300
    assert set(statuses) == set(OfficerStatus.values)
    covered_codes = set(covered.values_list("code", flat=True))
    chiefs = Assignment.objects.filter(post=Post.CHIEF, ended_on__isnull=True)
    assert set(chiefs.values_list("commune_id", flat=True)) == covered_codes | set(pilot.values_list("code", flat=True))
    assert statuses[OfficerStatus.DEPLOYED] == Assignment.objects.filter(ended_on__isnull=True).count()
    assert Officer.history.filter(history_type="+").count() == 300
    assert not Officer.objects.filter(status=OfficerStatus.CANDIDATE, vettings__passed=False).exists()
    assert User.objects.get(username="clerk").province.name == "Tỉnh Kon Tum"


@pytest.mark.django_db
def test_seed_demo_needs_the_divisions_first():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_divisions"):
        call_command("seed_demo")


def _run(command: list[str], env_extra):
    dropped = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_extra)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _manage(*args, env_extra):
    return _run([sys.executable, "manage.py", *args], env_extra)


def _python(code: str, env_extra):
    return _run([sys.executable, "-c", code], env_extra)


def test_production_configuration_passes_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "rollout.settings",
            "DEBUG": "false",
            "SECRET_KEY": "x7#kq!2v9@pz$w4m&n8r^t1y*u3i(o5p)a6s_d0f+g=h-j[k]l;z:x,c.v/b?n<m>q" * 2,
            "ALLOWED_HOSTS": "rollout.example.vn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    production_without_key = {"DJANGO_SETTINGS_MODULE": "rollout.settings", "DEBUG": "false", "SECRET_KEY": ""}
    result = _python("import rollout.wsgi", env_extra=production_without_key)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_commands_that_sign_nothing_need_no_secret_key():
    result = _manage(
        "makemigrations", "--check", "--dry-run",
        env_extra={"DJANGO_SETTINGS_MODULE": "rollout.settings", "DEBUG": "false", "SECRET_KEY": ""},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_runs_web_worker_beat_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn" in " ".join(map(str, _command(services["web"])))
    # gunicorn waits as long as the proxy does: a long export is not cut at gunicorn's default 30 s
    command = [str(part) for part in _command(services["web"])]
    proxy = (ROOT / "deploy" / "nginx" / "proxy.conf").read_text()
    assert f"proxy_read_timeout {command[command.index('--timeout') + 1]}s;" in proxy
    assert "worker" in _command(services["worker"])
    assert "beat" in _command(services["beat"])
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis")
    assert "volumes" in compose and compose["volumes"]


def _command(service):
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


@pytest.mark.django_db
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("sqlite") or not os.environ.get("DATABASE_URL"),
                    reason="PostgreSQL's JIT")  # fmt: skip
def test_the_application_connects_to_postgresql_with_jit_off():
    # A bloated table made the shortage list's subqueries look dear: compiled at every request, 1.5 s a page.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


_PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "rollout.settings",
    "DEBUG": "false",
    "SECRET_KEY": "x7#kq!2v9@pz$w4m&n8r^t1y*u3i(o5p)a6s_d0f+g=h-j[k]l;z:x,c.v/b?n<m>q" * 2,
    "ALLOWED_HOSTS": "rollout.example.vn",
}
_TRANSPORT = (
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT",
)  # fmt: skip


def _transport_settings(**env_extra):
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {_TRANSPORT!r}}}))"
    )
    result = _python(code, env_extra={**_PRODUCTION, **env_extra})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_are_secure_by_default():
    assert _transport_settings() == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        # clients reach the application directly: no forwarded header is trusted
        "SECURE_PROXY_SSL_HEADER": None, "TRUSTED_PROXY_COUNT": 0,
    }  # fmt: skip


def test_allow_plain_http_turns_every_https_setting_off_together():
    # even when a variable of its own asks for the opposite: a Secure cookie over HTTP breaks the sign-in
    assert _transport_settings(ALLOW_PLAIN_HTTP="true", SESSION_COOKIE_SECURE="true", SECURE_HSTS_SECONDS="60") == {
        "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None, "TRUSTED_PROXY_COUNT": 0,
    }  # fmt: skip


def test_behind_the_proxy_its_scheme_and_one_forwarded_address_are_trusted():
    trusted = _transport_settings(BEHIND_PROXY="true")
    assert trusted["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert trusted["TRUSTED_PROXY_COUNT"] == 1
    assert trusted["SESSION_COOKIE_SECURE"] is True


def test_check_deploy_names_the_plain_http_switch_once():
    plain_http = {**_PRODUCTION, "ALLOW_PLAIN_HTTP": "true"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=plain_http)
    assert result.returncode != 0  # a warning: plain HTTP is never production
    output = result.stdout + result.stderr
    assert "rollout.W001" in output and "ALLOW_PLAIN_HTTP" in output
    assert "security.W0" not in output  # Django's four HTTPS warnings say the same: silenced while it is on
    assert "1 issue" in output


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_puts_web_behind_the_proxy_only():
    services = _compose()["services"]
    web, proxy = services["web"], services["proxy"]
    assert "ports" not in web  # nothing of gunicorn's on the host: a client cannot send its own X-Forwarded-Proto
    assert set(web["networks"]) == {"proxy", "backend"}
    assert proxy["networks"] == ["proxy"]
    for name, service in services.items():
        if name not in ("web", "proxy"):
            assert "ports" not in service, name
            assert "proxy" not in service.get("networks", []), name
    assert {str(port).split(":")[-1] for port in proxy["ports"]} == {"80", "443"}
    assert any("deploy/nginx" in volume for volume in proxy["volumes"])
    assert "web" in proxy["depends_on"]


def test_compose_tells_the_application_about_the_one_proxy():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["BEHIND_PROXY"] == "true", name
        assert environment["AXES_PROXY_COUNT"] == "1", name
        assert environment["ALLOW_PLAIN_HTTP"] == "${ALLOW_PLAIN_HTTP:-false}", name
        assert "SECURE_SSL_REDIRECT" not in environment, name  # ALLOW_PLAIN_HTTP is the one switch
    assert services["proxy"]["environment"]["ALLOW_PLAIN_HTTP"] == "${ALLOW_PLAIN_HTTP:-false}"
    assert "ALLOW_PLAIN_HTTP" in " ".join(services["proxy"]["command"])


def test_the_proxy_overwrites_the_headers_the_application_trusts():
    nginx = ROOT / "deploy" / "nginx"
    proxy = (nginx / "proxy.conf").read_text()
    assert "proxy_pass http://web:8000;" in proxy
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in proxy
    # the client's own X-Forwarded-For is dropped, not appended to ($proxy_add_x_forwarded_for)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in proxy
    assert 'proxy_set_header X-Forwarded-Host "";' in proxy
    https, plain = (nginx / "https.conf").read_text(), (nginx / "http.conf").read_text()
    assert "listen 443 ssl" in https and "return 301 https://" in https
    assert "listen 80" in plain and "443" not in plain and "return 301" not in plain
    assert "include /etc/nginx/rollout/proxy.conf;" in https and "include /etc/nginx/rollout/proxy.conf;" in plain


DOCKERIGNORED = {
    ".env",
    ".env.*",
    "db.sqlite3",
    "db.sqlite3-journal",
    "media",
    "staticfiles",
    ".test-media",
    "test-artifacts",
    ".venv",
    ".git",
    "node_modules",
    "**/__pycache__",
    ".pytest_cache",
    "deploy/certs",
    "**/*.pem",
    "**/*.key",
}


def test_dockerignore_keeps_secrets_and_local_data_out_of_the_image():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert patterns >= DOCKERIGNORED, DOCKERIGNORED - patterns
    assert not any(line.startswith("!") for line in patterns)  # nothing let back in
