from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "equipment"
    verbose_name = _("Equipment")

    def ready(self):
        # Personnel sits below equipment: the officer's pages show what the officer holds through its readers.
        from personnel.readers import officer_page

        from .selectors import officer_equipment

        officer_page.register("equipment", officer_equipment)
