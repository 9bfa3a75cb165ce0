"""Roles are groups. This module names them, says which permissions each holds, and which scope each gives.

The groups are created by a data migration; after every ``migrate`` they are re-created if missing and their
permissions synchronised from ``ROLE_PERMISSIONS``, so a permission added by a later migration reaches its roles.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from rollout.core.scoping import Scope


class Role(TextChoices):
    COMMITTEE = "Committee", _("Steering Committee")
    PROVINCIAL_CLERK = "Provincial clerk", _("Provincial clerk")
    DISTRICT_CLERK = "District clerk", _("District clerk")
    ADMINISTRATOR = "Administrator", _("Administrator")


_READ = [
    "communes.view_province",
    "communes.view_district",
    "communes.view_commune",
    "personnel.view_officer",
    "personnel.view_vetting",
    "personnel.view_assignment",
    "personnel.view_language",
    "rollout.view_pilotplan",
    "rollout.view_phase",
    "rollout.view_committeemember",
    "rollout.view_task",
    "rollout.view_progresssnapshot",
    "rollout.view_report",
    "rollout.view_deploymentplan",
    "rollout.view_deploymentrow",
    "training.view_course",
    "training.view_trainingsession",
    "training.view_enrollment",
    "equipment.view_equipmenttype",
    "equipment.view_allocationstandard",
    "equipment.view_warehouse",
    "equipment.view_equipmentitem",
    "equipment.view_stocklevel",
    "equipment.view_issuance",
    "equipment.view_handover",
]
# What clerks do in their area: register and edit officers, vet them, train them (enrol, record results and prior
# training of their own officers), assign them and end assignments.
_CLERK = [
    "personnel.add_officer",
    "personnel.change_officer",
    "personnel.view_personal_identifiers",
    "personnel.add_vetting",
    "personnel.change_vetting",
    "personnel.add_assignment",
    "personnel.change_assignment",
    "training.add_enrollment",
    "training.delete_enrollment",
    "training.record_results",
    "training.record_prior_training",
    "equipment.add_equipmentitem",
    "equipment.add_issuance",
    "equipment.change_issuance",
]
# Classes are provincial: provincial clerks and administrators open and close them.
_PROVINCIAL = [
    "personnel.override_eligibility",
    "training.add_trainingsession",
    "training.change_trainingsession",
    "training.change_enrollment",
    "rollout.add_task",
    "rollout.change_task",
    "rollout.add_report",
    "rollout.add_deploymentplan",
    "rollout.change_deploymentplan",
    "rollout.approve_deploymentplan",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMITTEE: [*_READ],
    Role.PROVINCIAL_CLERK: [*_READ, *_CLERK, *_PROVINCIAL],
    Role.DISTRICT_CLERK: [*_READ, *_CLERK],
    Role.ADMINISTRATOR: [
        *_READ,
        *_CLERK,
        *_PROVINCIAL,
        "personnel.import_officer",
        "training.add_course",
        "training.change_course",
        "equipment.add_equipmenttype",
        "equipment.change_equipmenttype",
        "equipment.add_allocationstandard",
        "equipment.change_allocationstandard",
        "equipment.delete_allocationstandard",
        "equipment.add_warehouse",
        "equipment.change_warehouse",
        "communes.change_commune",
        "communes.import_commune",
        "rollout.add_pilotplan",
        "rollout.change_pilotplan",
        "rollout.add_phase",
        "rollout.change_phase",
        "rollout.delete_phase",
        "rollout.add_committeemember",
        "rollout.change_committeemember",
        "rollout.delete_task",
        "rollout.view_reportsubscription",
        "rollout.view_reportdelivery",
        "accounts.view_user",
        "accounts.view_exportrecord",
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


def user_scope(user) -> Scope:
    """The part of the country a signed-in user's data access covers, by role: everything for the Committee and
    administrators, the own province for provincial clerks, the own district for district clerks, nothing for
    anyone else (a clerk without a unit included). Registered with ``rollout.core.scoping`` by ``AccountsConfig``."""
    roles = user_roles(user)
    if Role.ADMINISTRATOR in roles or Role.COMMITTEE in roles:
        return Scope(everything=True)
    if Role.PROVINCIAL_CLERK in roles and user.province_id:
        return Scope(province_code=user.province_id)
    if Role.DISTRICT_CLERK in roles and user.district_id:
        return Scope(province_code=user.province_id, district_code=user.district_id)
    return Scope()


def _last_app_with_models():
    from django.apps import apps

    # ``post_migrate`` is only sent for apps that have a models module: the last such app is the last sender.
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def sync_role_permissions(sender=None, using="default", **kwargs):
    """Make sure each role group exists and holds exactly the permissions listed in ``ROLE_PERMISSIONS``.

    Connected to ``post_migrate`` (which also follows a test database flush); acts once per run, when the last
    app with models has had its permissions created.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not None and sender is not with_models[-1]:
        return
    wanted = {tuple(code.split(".")) for codes in ROLE_PERMISSIONS.values() for code in codes}
    permissions = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.using(using)
        .select_related("content_type")
        .filter(codename__in=[codename for _app, codename in wanted])
    }
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([permissions[key] for key in (tuple(c.split(".")) for c in codes) if key in permissions])
