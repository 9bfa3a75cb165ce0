import importlib

import pytest
from django.core.cache import cache

from accounts.roles import Role
from communes.demo import demo_baseline_apply
from communes.models import District, Province
from communes.services import KON_TUM, divisions_load
from tests.factories import user_with_role

DEMO_DISTRICT = 610  # Huyện Đắk Glei


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the local-memory cache outlives a test's rolled-back data)."""
    cache.clear()
    yield
    cache.clear()


def _restore_migration_data():
    """Rows that data migrations create (languages); a transactional test's flush removes them."""
    from django.apps import apps as django_apps

    languages = importlib.import_module("personnel.migrations.0002_languages")
    languages.add_languages(django_apps, None)


@pytest.fixture
def kon_tum(db):
    """Kon Tum's 10 districts and 102 communes, loaded from the package like `load_divisions` does."""
    _restore_migration_data()
    divisions_load(province_codes=[KON_TUM])
    return Province.objects.get(code=KON_TUM)


@pytest.fixture
def demo_baseline(kon_tum):
    """Kon Tum with the demo baseline: 48 communes covered, 54 uncovered."""
    demo_baseline_apply()
    return kon_tum


@pytest.fixture
def users(kon_tum):
    """One user per role (and one without a role), scoped as the demo users are."""
    district = District.objects.get(code=DEMO_DISTRICT)
    return {
        "committee": user_with_role(Role.COMMITTEE),
        "provincial_clerk": user_with_role(Role.PROVINCIAL_CLERK, province=kon_tum),
        "district_clerk": user_with_role(Role.DISTRICT_CLERK, province=kon_tum, district=district),
        "administrator": user_with_role(Role.ADMINISTRATOR, is_staff=True),
        "no_role": user_with_role(None),
    }


@pytest.fixture
def client_as(client, users):
    """``client_as("committee")``: the test client signed in as that role's user."""

    def sign_in(role: str):
        client.force_login(users[role])
        return client

    return sign_in
