"""The application as production runs it: gunicorn in its own process, on the production settings
(``rollout.settings``, ``DEBUG=false``), reading the test database. For what only a real server shows: the
cookie flags and redirects a browser obeys over plain HTTP.

The test that starts one must commit what the server should see: mark it ``django_db(transaction=True)``.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# Mark of the tests that start a server: it reads the test database from another process, which PostgreSQL's
# is and SQLite's, in memory, is not.
needs_shared_database = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="gunicorn reads the test database: SQLite's is in this process's memory"
)
SECRET_KEY = "x7#kq!2v9@pz$w4m&n8r^t1y*u3i(o5p)a6s_d0f+g=h-j[k]l;z:x,c.v/b?n<m>q" * 2

# The production settings, except that static files are served from the source folders without a manifest
# (collectstatic is not run for the tests); every security setting is the production module's own.
_SETTINGS = """\
from rollout.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
"""


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log_path.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen within 30 s:\n{log_path.read_text(errors='replace')}")


@contextlib.contextmanager
def production_server(**env_extra: str):
    """A gunicorn serving the application on a free port of 127.0.0.1 over plain HTTP, with the production
    settings and ``env_extra`` in its environment (``ALLOW_PLAIN_HTTP="true"``); stopped on leaving."""
    if connection.vendor != "postgresql":  # pragma: no cover - the suite runs on PostgreSQL
        raise RuntimeError("production_server needs the PostgreSQL test database")
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "production_server_settings.py").write_text(_SETTINGS)
        dropped = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
        env = {key: value for key, value in os.environ.items() if key not in dropped}
        env.update(
            DJANGO_SETTINGS_MODULE="production_server_settings",
            PYTHONPATH=os.pathsep.join([directory, str(ROOT)]),
            DEBUG="false",
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=_database_url(),
            CONN_MAX_AGE="0",
        )
        env.update(env_extra)
        log_path = Path(directory, "server.log")
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "rollout.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--timeout", "60"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait_until_listening(port, process, log_path)
            yield Server(url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                process.kill()
                process.wait()
