import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rollout.progress.snapshots import backfill_default_start, snapshots_backfill


def _date(value: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31.") from None


class Command(BaseCommand):
    help = (
        "Rebuild the daily progress snapshots (every loaded province and the whole country) from the dated records."
        " Idempotent: days already recorded are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: the earliest plan's start)")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args, start=None, end=None, **options):
        today = timezone.localdate()
        end_day = _date(end, "--to") if end else today
        start_day = _date(start, "--from") if start else backfill_default_start(today)
        if end_day > today:
            raise CommandError(f"--to {end_day:%Y-%m-%d} is in the future; snapshots exist up to today ({today}).")
        if start_day > end_day:
            raise CommandError(f"--from {start_day:%Y-%m-%d} is after --to {end_day:%Y-%m-%d}.")
        result = snapshots_backfill(start_day, end_day)
        days = (end_day - start_day).days + 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshots {start_day:%d/%m/%Y}–{end_day:%d/%m/%Y}: {days} days, "
                f"{result.created} created, {result.updated} updated."
            )
        )
