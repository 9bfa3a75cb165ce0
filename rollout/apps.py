from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save
from django.utils.translation import gettext_lazy as _

# What the progress figures are computed from: a write to any of these refreshes the states of the communes it
# touches (rollout.progress.states) and forgets the cached figures.
PROGRESS_SOURCES = (
    "communes.Commune",
    "communes.District",  # its province: the communes' stored states keep it (rollout.models.CommuneState)
    "personnel.Assignment",
    "training.Enrollment",
    "training.Course",
    "equipment.Issuance",
    "equipment.AllocationStandard",
    "equipment.EquipmentType",
    "rollout.PilotPlan",
)

# The project's apps: their models' text fields are stored in NFC.
NFC_APPS = ("accounts", "communes", "personnel", "training", "equipment", "rollout")


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = _("Rollout plan")

    def ready(self):
        from django.apps import apps

        from personnel.readers import register_plan_reader
        from rollout import checks  # noqa: F401 - registers the project's system checks
        from rollout.core.figures_cache import figures_forget, register_states_refresher
        from rollout.core.text import store_text_in_nfc
        from rollout.plan.selectors import plan_or_default
        from rollout.progress.states import source_before, source_changed, states_after_migrate, states_changed

        # Every text the project's models store is in Unicode NFC (docs/architecture.md, "Text is stored in NFC").
        store_text_in_nfc(NFC_APPS)
        for label in PROGRESS_SOURCES:
            model = apps.get_model(label)
            # the communes' stored states first (in the writer's transaction), then the cached figures; before the
            # write, where the row counted as stored (a row moved to another commune refreshes both)
            pre_save.connect(source_before, sender=model, dispatch_uid=f"states-before-save-{label}")
            pre_delete.connect(source_before, sender=model, dispatch_uid=f"states-before-delete-{label}")
            post_save.connect(source_changed, sender=model, dispatch_uid=f"states-save-{label}")
            post_delete.connect(source_changed, sender=model, dispatch_uid=f"states-delete-{label}")
            post_save.connect(figures_forget, sender=model, dispatch_uid=f"progress-save-{label}")
            post_delete.connect(figures_forget, sender=model, dispatch_uid=f"progress-delete-{label}")
        register_states_refresher(states_changed)
        # a deployment may change what the states depend on (settings, definition): rows of another basis refreshed
        post_migrate.connect(states_after_migrate, sender=self, dispatch_uid="states-after-migrate")
        # The committee's default report subscriptions follow its list (rollout.subscriptions.services).
        from rollout.subscriptions.services import committee_changed

        member = apps.get_model("rollout.CommitteeMember")
        post_save.connect(committee_changed, sender=member, dispatch_uid="subscriptions-committee-save")
        post_delete.connect(committee_changed, sender=member, dispatch_uid="subscriptions-committee-delete")
        # The apps below read what sits up here through hooks (imports go one way: the import-linter contracts in
        # pyproject.toml): personnel the province's deployment rules.
        register_plan_reader(plan_or_default)
