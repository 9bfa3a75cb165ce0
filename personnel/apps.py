from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = _("Personnel")

    def ready(self):
        # Communes sit below personnel: they read the coverage condition and the posts of a commune's page
        # through their readers, which personnel fills in here.
        from communes.readers import commune_page, register_pilot_holding

        from .selectors import commune_assignments, held_by_active_chief

        register_pilot_holding(held_by_active_chief)
        commune_page.register("assignments", commune_assignments)
