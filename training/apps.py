from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        # Personnel sits below training: it reads officers' training and shows it on the officer's page through
        # its readers, which training fills in here.
        from personnel.readers import TrainingReader, officer_history_entries, officer_page, register_training_reader

        from .selectors import (
            mandatory_course_count,
            mandatory_covered_by,
            mandatory_passed_count,
            officer_training,
            officer_training_history,
            training_facts,
        )

        register_training_reader(
            TrainingReader(
                facts=training_facts,
                mandatory_count=mandatory_course_count,
                passed_count=mandatory_passed_count,
                covered_by=mandatory_covered_by,
            )
        )
        officer_page.register("training", officer_training)
        officer_history_entries.register("training", officer_training_history)
