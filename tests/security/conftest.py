"""The bad-input suites run hundreds of tests against one world: it is built once per module, in a transaction
rolled back after the module's last test, and each test runs in a savepoint inside it and is rolled back to it
(what Django's ``TestCase.setUpTestData`` does for a class). Each test gets its own copy of the Python objects."""

import copy
from dataclasses import dataclass

import pytest
from django.db import transaction

from communes.models import Province
from communes.services import KON_TUM
from tests.builders.divisions import kon_tum_load
from tests.builders.users import users_by_role
from tests.builders.world import World, build_world


@dataclass
class _Shared:
    users: dict
    world: World


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Kon Tum with the demo baseline, a user per role and the world, for every test of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        province = kon_tum_load(demo=True)
        users = users_by_role(province=province)
        yield _Shared(users=users, world=build_world(users))
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db) -> World:
    return copy.deepcopy(shared_world.world)


@pytest.fixture
def kon_tum(request, db):
    """Kon Tum; inside the module's world when the test has one."""
    if "shared_world" in request.fixturenames:
        return Province.objects.get(code=KON_TUM)
    return kon_tum_load(demo="demo_baseline" in request.fixturenames)


@pytest.fixture
def users(request, kon_tum):
    """The users of the module's world when the test has one, else new ones."""
    if "shared_world" in request.fixturenames:
        return copy.deepcopy(request.getfixturevalue("shared_world").users)
    return users_by_role(province=kon_tum)
