"""Roles are groups: they exist after migrate, hold the permissions of ``ROLE_PERMISSIONS``, and scope data."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.test import RequestFactory

from accounts.context_processors import roles as roles_context
from accounts.roles import ROLE_PERMISSIONS, Role, has_role, sync_role_permissions, user_roles
from communes.models import Commune
from rollout.core.scoping import Scope
from tests.factories import user_with_role


def _group_permissions(name: str) -> set[str]:
    permissions = Group.objects.get(name=name).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


@pytest.mark.django_db
def test_migrate_creates_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_every_permission_a_role_names_exists():
    # The sync skips unknown names silently; a typo in ROLE_PERMISSIONS must fail here instead.
    for codes in ROLE_PERMISSIONS.values():
        for code in codes:
            app_label, codename = code.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), code


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_after_migrate_each_role_holds_exactly_its_permissions(role):
    assert _group_permissions(role.value) == set(ROLE_PERMISSIONS[role])


@pytest.mark.django_db
def test_the_sync_restores_drifted_groups_and_recreates_missing_ones():
    Group.objects.get(name=Role.COMMITTEE).permissions.add(Permission.objects.get(codename="import_commune"))
    Group.objects.get(name=Role.ADMINISTRATOR).permissions.clear()
    Group.objects.filter(name=Role.DISTRICT_CLERK).delete()

    sync_role_permissions()

    for role in Role:
        assert _group_permissions(role.value) == set(ROLE_PERMISSIONS[role]), role


@pytest.mark.django_db
def test_the_sync_acts_once_per_migrate_on_the_last_app_that_receives_post_migrate():
    senders = [config for config in apps.get_app_configs() if config.models_module is not None]
    Group.objects.get(name=Role.COMMITTEE).permissions.clear()

    sync_role_permissions(sender=senders[0])
    assert _group_permissions(Role.COMMITTEE) == set()

    sync_role_permissions(sender=senders[-1])
    assert _group_permissions(Role.COMMITTEE) == set(ROLE_PERMISSIONS[Role.COMMITTEE])


def test_the_committee_only_reads_and_only_the_administrator_imports():
    assert all(code.split(".")[1].startswith("view_") for code in ROLE_PERMISSIONS[Role.COMMITTEE])
    for role in Role:
        imports = {code for code in ROLE_PERMISSIONS[role] if code.split(".")[1].startswith("import_")}
        assert bool(imports) == (role == Role.ADMINISTRATOR), role
    assert "communes.import_commune" in ROLE_PERMISSIONS[Role.ADMINISTRATOR]


@pytest.mark.django_db
def test_user_roles_and_has_role(users):
    assert user_roles(AnonymousUser()) == set()
    assert user_roles(users["no_role"]) == set()
    assert user_roles(users["district_clerk"]) == {Role.DISTRICT_CLERK.value}
    assert has_role(users["committee"], Role.COMMITTEE)
    assert has_role(users["committee"], Role.ADMINISTRATOR, Role.COMMITTEE)
    assert not has_role(users["committee"], Role.ADMINISTRATOR)
    superuser = user_with_role(None, suffix="root", is_superuser=True)
    assert has_role(superuser, Role.ADMINISTRATOR)


@pytest.mark.django_db
def test_scope_of_each_role(users, kon_tum):
    assert Scope.of(AnonymousUser()) == Scope()
    assert Scope.of(users["committee"]) == Scope(everything=True)
    assert Scope.of(users["administrator"]) == Scope(everything=True)
    assert Scope.of(users["provincial_clerk"]) == Scope(province_code=62)
    assert Scope.of(users["district_clerk"]) == Scope(province_code=62, district_code=610)
    assert Scope.of(users["no_role"]) == Scope()


@pytest.mark.django_db
def test_a_clerk_without_a_unit_sees_nothing_not_everything(kon_tum):
    provincial = user_with_role(Role.PROVINCIAL_CLERK, suffix="nounit")
    district = user_with_role(Role.DISTRICT_CLERK, suffix="nounit", province=kon_tum)
    for user in (provincial, district, AnonymousUser()):
        assert Scope.of(user) == Scope()
        assert Commune.objects.visible_to(user).count() == 0


@pytest.mark.django_db
def test_visible_to_counts(users, kon_tum):
    assert Commune.objects.visible_to(users["committee"]).count() == 102
    assert Commune.objects.visible_to(users["administrator"]).count() == 102
    assert Commune.objects.visible_to(users["provincial_clerk"]).count() == 102
    in_district = Commune.objects.visible_to(users["district_clerk"])
    assert in_district.count() == 12
    assert set(in_district.values_list("district_id", flat=True)) == {610}
    assert Commune.objects.visible_to(users["no_role"]).count() == 0


@pytest.mark.django_db
def test_the_role_names_shown_in_the_menu(users):
    request = RequestFactory().get("/")
    request.user = users["district_clerk"]
    context = roles_context(request)
    assert context["user_role_names"] == {Role.DISTRICT_CLERK.value}
    assert [str(label) for label in context["user_role_labels"]] == [str(Role.DISTRICT_CLERK.label)]

    request.user = AnonymousUser()
    assert roles_context(request)["user_role_labels"] == []
