"""Roles are groups. This module names them, says which permissions each holds, and tells what a user may see.

The groups themselves are created by a data migration; their permissions are synchronised after every
``migrate`` from ``ROLE_PERMISSIONS``, so a permission added by a later migration reaches its roles.
"""

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    COMMITTEE = "Committee", _("Steering Committee")
    PROVINCIAL_CLERK = "Provincial clerk", _("Provincial clerk")
    DISTRICT_CLERK = "District clerk", _("District clerk")
    ADMINISTRATOR = "Administrator", _("Administrator")


_READ = ["communes.view_province", "communes.view_district", "communes.view_commune"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMITTEE: [*_READ],
    Role.PROVINCIAL_CLERK: [*_READ],
    Role.DISTRICT_CLERK: [*_READ],
    Role.ADMINISTRATOR: [
        *_READ,
        "communes.change_commune",
        "communes.import_commune",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
    ],
}


def user_roles(user) -> set[str]:
    """The role names of ``user``, cached on the instance for the request."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_role_names"):
        user._role_names = {group.name for group in user.groups.all()}
        if user.is_superuser:
            user._role_names.add(Role.ADMINISTRATOR.value)
    return user._role_names


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & {str(role) for role in roles})


@dataclass(frozen=True)
class Scope:
    """What part of the country a user's data access covers."""

    everything: bool = False
    province_code: int | None = None
    district_code: int | None = None

    @classmethod
    def of(cls, user) -> "Scope":
        roles = user_roles(user)
        if Role.ADMINISTRATOR in roles or Role.COMMITTEE in roles:
            return cls(everything=True)
        if Role.PROVINCIAL_CLERK in roles and user.province_id:
            return cls(province_code=user.province_id)
        if Role.DISTRICT_CLERK in roles and user.district_id:
            return cls(province_code=user.province_id, district_code=user.district_id)
        return cls()


def sync_role_permissions(sender=None, using="default", **kwargs):
    """Give each role group exactly the permissions listed in ``ROLE_PERMISSIONS``.

    Connected to ``post_migrate``; acts once per ``migrate``, after the last app's permissions exist.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    if sender is not None and sender is not list(apps.get_app_configs())[-1]:
        return
    wanted = {tuple(code.split(".")) for codes in ROLE_PERMISSIONS.values() for code in codes}
    permissions = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.using(using)
        .select_related("content_type")
        .filter(codename__in=[codename for _app, codename in wanted])
    }
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        codes = [tuple(code.split(".")) for code in ROLE_PERMISSIONS[group.name]]
        group.permissions.set([permissions[code] for code in codes if code in permissions])
