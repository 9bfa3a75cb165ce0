"""schemathesis against the OpenAPI schema, in-process (WSGI): every read operation, a few generated examples each,
with an administrator's token: no server error, and every response as the schema says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from rollout.wsgi import application

pytestmark = pytest.mark.usefixtures("shared_world")

EXAMPLES = 5
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


def _checker(operation, token: str, excluded: list):
    """A hypothesis test of one operation: generated requests, our token, the schema's checks less ``excluded``."""

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def check(case):
        case.headers = {**(case.headers or {}), "Authorization": token}  # not a generated credential
        case.call_and_validate(excluded_checks=excluded)

    return check


def test_every_read_operation_conforms_to_the_schema(shared_world, db, wsgi_keeps_the_test_connection):
    token = f"Token {shared_world.keys['administrator']}"
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers={"Authorization": token})
    failures, checked = [], 0
    for result in schema.include(method="GET").get_all_operations():
        operation = result.ok()
        excluded = [ignored_auth]  # the token is ours, not generated
        if operation.path in DOMAIN_RULES:
            excluded.append(positive_data_acceptance)
        checked += 1
        try:
            _checker(operation, token, excluded)()
        except BaseException as error:  # noqa: BLE001  (collect every operation's failure, then report them all)
            if isinstance(error, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    assert checked >= 20
    assert not failures, "\n\n".join(failures)
