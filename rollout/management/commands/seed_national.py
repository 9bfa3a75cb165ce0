from django.core.management.base import BaseCommand, CommandError

from rollout.core.figures_cache import figures_changed, figures_deferred
from rollout.national.context import SEED, Volumes
from rollout.national.seed import seed_national, synthetic_counts


class Command(BaseCommand):
    help = (
        "Load all 63 provinces and synthetic national-scale data for benchmarks: 50,000 officers, 45,000 "
        "assignments, 200,000 enrolments, 100,000 equipment items with their issuances and a year of daily "
        "snapshots (see rollout/national/). Deterministic and idempotent; --scale 0.01 for a small run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply every volume (default 1.0).")
        parser.add_argument("--officers", type=int, help="Officers (default 50,000 × scale).")
        parser.add_argument("--assignments", type=int, help="Assignments (default 45,000 × scale).")
        parser.add_argument("--enrolments", type=int, help="Training enrolments (default 200,000 × scale).")
        parser.add_argument("--items", type=int, help="Serial-numbered equipment items (default 100,000 × scale).")
        parser.add_argument("--days", type=int, help="Days of progress snapshots (default 365).")
        parser.add_argument("--seed", type=int, default=SEED, help=f"Random seed (default {SEED}).")

    def handle(self, *args, scale, seed, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        try:
            volumes = Volumes.scaled(
                scale,
                **{name: options.get(name) for name in ("officers", "assignments", "enrolments", "items", "days")},
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"National data: {volumes.officers:,} officers, {volumes.assignments:,} assignments, "
            f"{volumes.enrolments:,} enrolments, {volumes.items:,} items, {volumes.days} days of snapshots."
        )
        with figures_deferred():  # types and standards saved one by one: every commune's state once, at the end
            result = seed_national(volumes, seed=seed, log=self.stdout.write)
            figures_changed()  # written in bulk, past the signals
        if not any(n for what, n in result.created.items() if what not in ("provinces", "districts", "communes")):
            self.stdout.write("Nothing to do: the national data is already there.")
        self.stdout.write("In the database: " + ", ".join(f"{n:,} {what}" for what, n in synthetic_counts().items()))
        timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items() if name != "total")
        self.stdout.write(f"Steps: {timings}.")
        self.stdout.write(self.style.SUCCESS(f"Done in {result.timings['total']:.1f} s."))
