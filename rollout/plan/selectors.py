"""Reads over the plan shared by its pages and the dashboard."""

from django.db.models import Count, Q

from communes.models import Coverage


def with_phase_coverage(phases):
    """Annotate phases with ``communes_total`` and ``communes_covered`` (covered now: baseline or pilot)."""
    return phases.annotate(
        communes_total=Count("communes"),
        communes_covered=Count("communes", filter=~Q(communes__coverage=Coverage.UNCOVERED)),
    )
