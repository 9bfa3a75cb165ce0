from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.demo import demo_password, demo_users_create
from communes.demo import demo_baseline_apply
from communes.models import Province
from communes.services import KON_TUM
from equipment.demo import demo_equipment_create
from personnel.demo import demo_roster_create
from rollout.core.figures_cache import figures_changed, figures_deferred
from rollout.deployment.demo import demo_deployment_create
from rollout.models import ProgressSnapshot
from rollout.plan.demo import demo_plan_apply, demo_plan_create
from rollout.progress.snapshots import backfill_default_start, snapshots_backfill
from rollout.reports.services import demo_report_create
from training.demo import demo_training_create


class Command(BaseCommand):
    help = (
        "Create the demo users, Kon Tum's demo baseline (54 uncovered communes), roster, training, equipment, plan, "
        "the approved deployment plans of phase 1 and last week's report."
        " Idempotent."
    )

    def handle(self, *args, **options):
        if not Province.objects.filter(code=KON_TUM).exists():
            raise CommandError("Kon Tum is not loaded: run `python manage.py load_divisions` first.")
        with figures_deferred():  # the communes' states once, at the end (courses and types are saved one by one)
            uncovered = demo_baseline_apply()
            users = demo_users_create()
            admin = next(u for u in users if u.username == "admin")
            pilot = demo_plan_apply()
            officers = demo_roster_create(
                decided_by=admin, pilot_started_on=pilot.started_on, pilot_target_on=pilot.target_on
            )
            enrolments = demo_training_create(created_by=admin)
            issuances = demo_equipment_create(user=admin)
            plan = demo_plan_create(user=admin)
            deployed = demo_deployment_create(user=next(u for u in users if u.username == "clerk"))
            figures_changed()  # much of the demo is written in bulk, past the signals
        snapshots = self._snapshots()
        report = demo_report_create(today=timezone.localdate(), requested_by=admin)
        self.stdout.write(f"Kon Tum demo baseline: {uncovered} communes uncovered.")
        self.stdout.write(f"Demo roster: {officers} officers created." if officers else "Demo roster: already there.")
        self.stdout.write(f"Demo training: {enrolments} enrolments." if enrolments else "Demo training: already there.")
        self.stdout.write(f"Demo equipment: {issuances} issuances." if issuances else "Demo equipment: already there.")
        if any(plan.values()):
            self.stdout.write("Demo plan: " + ", ".join(f"{n} {what}" for what, n in plan.items()) + ".")
        else:
            self.stdout.write("Demo plan: already there.")
        self.stdout.write(
            f"Demo deployment: {deployed} chiefs placed by approved plans of phase 1."
            if deployed
            else "Demo deployment: already there."
        )
        self.stdout.write(
            f"Demo snapshots: {snapshots} days recorded." if snapshots else "Demo snapshots: already there."
        )
        self.stdout.write(f"Demo report: {report}.")
        self.stdout.write("Demo users: " + ", ".join(u.username for u in users) + f" (password: {demo_password()})")

    def _snapshots(self) -> int:
        """The daily snapshots since the demo plan began, rebuilt from the records, so the trends have a past."""
        today = timezone.localdate()
        if ProgressSnapshot.objects.filter(province_id=KON_TUM).exists():
            return 0
        start = min(backfill_default_start(today), today)
        snapshots_backfill(start, today)
        return (today - start).days + 1
