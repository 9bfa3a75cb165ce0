"""``manage.py verify_progress``: recompute every commune's state from the sources and compare it with the stored
one (``rollout.progress.states``). Prints how many communes differ and the first few; exit status 1 when any."""

import sys

from django.core.management.base import BaseCommand

from rollout.progress.states import commune_states_differences, commune_states_refresh


class Command(BaseCommand):
    help = (
        "Recompute every commune's state from the sources and report the communes whose stored state differs "
        "(exit status 1 when any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--show", type=int, default=10, help="How many differences to print (default 10).")
        parser.add_argument("--fix", action="store_true", help="After reporting, refresh every commune's stored state.")

    def handle(self, *args, show, fix, **options):
        count, first = commune_states_differences(limit=show)
        self.stdout.write(f"verify_progress: {count} difference(s).")
        for difference in first:
            stored, computed = difference["stored"], difference["computed"]
            if stored is None or computed is None:
                what = "no stored state" if stored is None else "a stored state for no commune"
            else:
                what = ", ".join(
                    f"{name} {stored[name]!r} → {computed[name]!r}"
                    for name in computed
                    if stored[name] != computed[name]
                )
            self.stdout.write(f"  commune {difference['code']}: {what}")
        if fix and count:
            written = commune_states_refresh(None)
            self.stdout.write(f"Refreshed {written} commune state(s).")
        if count:
            sys.exit(1)
