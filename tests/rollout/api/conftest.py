"""One world per module (as the security suites'), a token per role, and an API client sending it."""

import copy
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from accounts.tokens import token_create
from communes.models import Province
from communes.services import KON_TUM
from tests.builders.divisions import kon_tum_load
from tests.builders.users import users_by_role
from tests.builders.world import World, build_world


@dataclass
class _Shared:
    users: dict
    world: World
    keys: dict


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        province = kon_tum_load(demo=True)
        users = users_by_role(province=province)
        world = build_world(users)
        keys = {role: token_create(user=user, name=f"Thử {role}", days=30)[1] for role, user in users.items()}
        yield _Shared(users=users, world=world, keys=keys)
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db) -> World:
    return copy.deepcopy(shared_world.world)


@pytest.fixture
def users(shared_world, db):
    return copy.deepcopy(shared_world.users)


@pytest.fixture
def kon_tum(shared_world, db):
    return Province.objects.get(code=KON_TUM)


@pytest.fixture
def api_as(shared_world, db):
    """``api_as("committee")``: a client sending that role's token (``Authorization: Token …``)."""

    def client(role: str, **headers):
        return Client(headers={"Authorization": f"Token {shared_world.keys[role]}", **headers})

    return client


@pytest.fixture
def client_as_admin(client, users):
    client.force_login(users["administrator"])
    return client
