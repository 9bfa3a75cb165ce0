from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        from rollout.core.scoping import register_scope_resolver

        from .roles import sync_role_permissions, user_scope

        register_scope_resolver(user_scope)
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
