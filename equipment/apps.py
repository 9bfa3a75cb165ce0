from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "equipment"
    verbose_name = _("Equipment")

    def ready(self):
        # Personnel sits below equipment: the officer's pages show what the officer holds through its readers,
        # and a post handed over to a successor passes the equipment on through its hand-over hook.
        from personnel.hooks import register_hand_over_step
        from personnel.readers import officer_page

        from .selectors import officer_equipment
        from .services import issuances_hand_over

        officer_page.register("equipment", officer_equipment)
        register_hand_over_step(issuances_hand_over)
