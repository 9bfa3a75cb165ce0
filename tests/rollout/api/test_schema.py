"""schemathesis against the OpenAPI schema, in-process (WSGI): every operation, a few generated examples each
(``SCHEMATHESIS_EXAMPLES``, 5 by default), with an administrator's token: no server error, and every response as
the schema says. Writes are sent to the world's own objects (a generated id would only ever be 404), inside the
test's transaction."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from rollout.wsgi import application

pytestmark = pytest.mark.usefixtures("shared_world")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
# Rules a schema cannot say, refused with a 400 and the form's message although the value has the right type:
# the progress figures' day lies between 2000 and today.
DOMAIN_RULES = {"/api/v1/progress/"}


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The WSGI handler closes the database connection after each request, as a server does; the test's connection
    holds the shared world in its transaction, so keep it open meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _checker(operation, token: str, excluded: list, path_parameters: dict | None = None):
    """A hypothesis test of one operation: generated requests, our token, the schema's checks less ``excluded``;
    ``path_parameters`` replace the generated ones."""

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def check(case):
        case.headers = {**(case.headers or {}), "Authorization": token}  # not a generated credential
        if path_parameters:
            case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
        case.call_and_validate(excluded_checks=excluded)

    return check


def _run(operations, token: str, *, excluded=(), path_parameters=None) -> tuple[int, list[str]]:
    failures, checked = [], 0
    for result in operations:
        operation = result.ok()
        skipped = [ignored_auth, *excluded]  # the token is ours, not generated
        if operation.path in DOMAIN_RULES:
            skipped.append(positive_data_acceptance)
        checked += 1
        try:
            _checker(operation, token, skipped, (path_parameters or {}).get(operation.path))()
        except BaseException as error:  # noqa: BLE001  (collect every operation's failure, then report them all)
            if isinstance(error, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    return checked, failures


def _schema(token: str):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers={"Authorization": token})


def test_every_read_operation_conforms_to_the_schema(shared_world, db, wsgi_keeps_the_test_connection):
    token = f"Token {shared_world.keys['administrator']}"
    checked, failures = _run(_schema(token).include(method="GET").get_all_operations(), token)
    assert checked >= 24
    assert not failures, "\n\n".join(failures)


def test_every_write_operation_conforms_to_the_schema(shared_world, world, db, wsgi_keeps_the_test_connection):
    """Generated bodies for every write, sent to the world's objects: refusals are 400s with messages, never a
    server error, and what is answered is what the schema says. A schema-valid body may still break a rule the
    schema cannot say (a date in the future, an officer not eligible), so a 400 is a right answer here."""
    token = f"Token {shared_world.keys['administrator']}"
    objects = {
        "/api/v1/officers/{id}/": world.glei.pk, "/api/v1/officers/{id}/vetting/": world.glei.pk,
        "/api/v1/assignments/{id}/end/": world.assignment.pk, "/api/v1/classes/{id}/enrol/": world.open_session.pk,
        "/api/v1/classes/{id}/results/": world.session.pk, "/api/v1/issuances/{id}/return/": world.issuance.pk,
    }  # fmt: skip
    writes = _schema(token).exclude(method=["GET", "HEAD", "OPTIONS"]).get_all_operations()
    checked, failures = _run(
        writes, token, excluded=[positive_data_acceptance],
        path_parameters={path: {"id": pk} for path, pk in objects.items()},
    )  # fmt: skip
    assert checked >= 10
    assert not failures, "\n\n".join(failures)
