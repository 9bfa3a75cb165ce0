"""Reads over administrative units: summaries with aggregates in the database."""

from django.db.models import Count, Q, QuerySet

from .models import Coverage


def commune_totals(communes: QuerySet) -> dict:
    """How many communes and districts ``communes`` spans, and how many are covered / uncovered (one query)."""
    totals = communes.order_by().aggregate(
        communes=Count("pk"),
        districts=Count("district", distinct=True),
        uncovered=Count("pk", filter=Q(coverage=Coverage.UNCOVERED)),
    )
    totals["covered"] = totals["communes"] - totals["uncovered"]
    return totals


def district_coverage_table(communes: QuerySet) -> list[dict]:
    """Per district: communes, covered, uncovered, key-area and border communes (one query)."""
    rows = (
        communes.order_by()
        .values("district_id", "district__name", "district__province__name")
        .annotate(
            communes=Count("pk"),
            uncovered=Count("pk", filter=Q(coverage=Coverage.UNCOVERED)),
            key_area=Count("pk", filter=Q(is_key_area=True)),
            border=Count("pk", filter=Q(is_border=True)),
        )
        .order_by("district_id")
    )
    table = []
    for row in rows:
        row["covered"] = row["communes"] - row["uncovered"]
        row["covered_percent"] = round(100 * row["covered"] / row["communes"]) if row["communes"] else 0
        table.append(row)
    return table
