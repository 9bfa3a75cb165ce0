"""The database refuses connections (a port where nothing listens): a page answers at once with the page that
says so (503, standalone, in Vietnamese), not a hang and not a bare error; ``/healthz`` says the database failed.
Once the database is back, the same client is served again."""

import time

import pytest
from django.db import connection
from django.test import Client

from tests.builders.redis_server import FAULTS_GROUP, free_port

pytestmark = [pytest.mark.xdist_group(FAULTS_GROUP), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def refused_database():
    """The default connection pointed at a closed port for the test's body, then back."""

    def refuse():
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", str(free_port())

    saved = (connection.settings_dict["HOST"], connection.settings_dict["PORT"])

    def restore():
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved

    yield refuse, restore
    restore()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a refused TCP connection needs PostgreSQL")
def test_a_refused_database_answers_a_clear_503_page_at_once(client_as, refused_database):
    client = client_as("provincial_clerk")
    assert client.get("/officers/").status_code == 200
    refuse, restore = refused_database
    client.raise_request_exception = False
    refuse()
    for url in ("/", "/officers/", "/reports/"):
        started = time.monotonic()
        response = client.get(url)
        assert time.monotonic() - started < 5, url
        assert response.status_code == 503, url
        assert response["Retry-After"] == "30"
        html = response.content.decode()
        assert 'data-status="503"' in html
        assert "Không kết nối được cơ sở dữ liệu" in html
    started = time.monotonic()
    health = Client().get("/healthz")  # as a load balancer asks: no session to look up
    assert time.monotonic() - started < 5
    assert health.status_code == 503 and health.json()["database"].startswith("error")

    restore()
    assert client.get("/officers/").status_code == 200
