from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

# What the progress figures are computed from: a write to any of these forgets the cached figures.
PROGRESS_SOURCES = (
    "communes.Commune",
    "personnel.Assignment",
    "training.Enrollment",
    "training.Course",
    "equipment.Issuance",
    "equipment.AllocationStandard",
    "equipment.EquipmentType",
    "rollout.PilotPlan",
)


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = _("Rollout plan")

    def ready(self):
        from django.apps import apps

        from rollout.progress.figures import progress_changed

        for label in PROGRESS_SOURCES:
            model = apps.get_model(label)
            post_save.connect(progress_changed, sender=model, dispatch_uid=f"progress-save-{label}")
            post_delete.connect(progress_changed, sender=model, dispatch_uid=f"progress-delete-{label}")
