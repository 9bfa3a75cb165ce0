from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        from personnel.services import register_training_reader

        from .selectors import training_facts

        register_training_reader(training_facts)
