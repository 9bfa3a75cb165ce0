"""django-axes under a Vietnamese name in the admin: its own AppConfig has no ``verbose_name``, so the admin showed
the bare label "Axes"."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login lockout")
