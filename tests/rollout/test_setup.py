"""The setup contract: seed_demo, the production configuration and docker-compose.yml."""

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

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_leaves_exactly_54_uncovered_communes_in_kon_tum(kon_tum, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # idempotent  # noqa: SIM115

    assert Commune.objects.count() == 102
    assert Commune.objects.filter(coverage=Coverage.UNCOVERED).count() == 54
    covered = Commune.objects.exclude(coverage=Coverage.UNCOVERED)
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
    assert set(chiefs.values_list("commune_id", flat=True)) == covered_codes
    assert statuses[OfficerStatus.DEPLOYED] == Assignment.objects.filter(ended_on__isnull=True).count()
    assert Officer.history.count() == 300
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
