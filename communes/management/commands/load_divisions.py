import time

from django.core.management.base import BaseCommand, CommandError

from communes.services import KON_TUM, coverage_recompute_on_commit, divisions_load


class Command(BaseCommand):
    help = (
        "Load provinces, districts and communes from vietnam-provinces 0.6.0 (GSO codes). "
        "Kon Tum (62) by default; --province CODE (repeatable) or --all for more. Idempotent."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--province",
            dest="provinces",
            type=int,
            action="append",
            metavar="CODE",
            help="GSO code of a province to load (repeatable). Default: 62 (Kon Tum).",
        )
        group.add_argument("--all", action="store_true", help="Load all 63 provinces.")

    def handle(self, *args, provinces=None, all=False, **options):
        started = time.monotonic()
        codes = None if all else (provinces or [KON_TUM])
        try:
            counts = divisions_load(province_codes=codes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if counts.changed:
            coverage_recompute_on_commit()
        for kind in ("provinces", "districts", "communes"):
            self.stdout.write(
                f"{kind}: {counts.created[kind]} created, {counts.updated[kind]} updated, "
                f"{counts.unchanged[kind]} unchanged"
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
