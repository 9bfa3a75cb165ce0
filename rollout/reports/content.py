"""The progress report: its content for a scope (a district, a province or the whole country) and a period, and
the two files built from it, an XLSX workbook (one sheet per section) and a PDF (WeasyPrint, with an SVG chart).
A district's report also lists its communes, and draws its trend from the records (snapshots are kept for
provinces and the country only).

The content takes a constant number of queries whatever the scope (grouped aggregates of ``rollout.progress.figures``):
the national report costs the same number of queries as a province's. The files are official Vietnamese
documents: they are rendered in Vietnamese whatever the language of whoever asked for them.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from communes.models import Commune, District, Province
from rollout.core.spreadsheets import Sheet, workbook_bytes
from rollout.models import TASK_CLOSED, Phase, ProgressSnapshot, Report, Task, area_name
from rollout.progress.figures import (
    Figures,
    commune_rows,
    district_table,
    figures,
    figures_by,
)

REPORT_TITLE = "BÁO CÁO TIẾN ĐỘ TRIỂN KHAI CÔNG AN XÃ CHÍNH QUY"  # the document type: always Vietnamese
PDF_CONTENT_TYPE = "application/pdf"

# The headline rows: (key, label). A key is a ``Figures`` attribute; the test suite checks them against it.
HEADLINE = [
    ("communes", gettext_lazy("Communes")),
    ("covered", gettext_lazy("Communes covered")),
    ("uncovered", gettext_lazy("Communes not yet covered")),
    ("covered_percent", gettext_lazy("Covered (%)")),
    ("staffing_norm", gettext_lazy("Staffing norm (officers)")),
    ("deployed", gettext_lazy("Officers deployed")),
    ("staffed_percent", gettext_lazy("Deployed against the norm (%)")),
    ("trained_deployed", gettext_lazy("Deployed officers trained")),
    ("trained_percent", gettext_lazy("Deployed officers trained (%)")),
    ("equipped", gettext_lazy("Covered communes equipped")),
    ("equipped_percent", gettext_lazy("Covered communes equipped (%)")),
    ("operational", gettext_lazy("Operational communes")),
    ("operational_percent", gettext_lazy("Operational communes (%)")),
]
TREND_FIGURES = ("communes", "covered", "uncovered", "deployed", "trained_deployed", "equipped", "operational")


@dataclass
class ReportContent:
    """What a report says: headline figures before and at the end of the period, the district table, the
    trend of the period, the open tasks and the phases of the plans in scope."""

    province: Province | None
    period_start: datetime.date
    period_end: datetime.date
    before: Figures
    at_end: Figures
    districts: list[dict] = field(default_factory=list)
    snapshots: list[ProgressSnapshot] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)
    generated_at: datetime.datetime | None = None
    district: District | None = None
    communes: list[dict] = field(default_factory=list)  # a district's report: one row per commune

    @property
    def day_before(self) -> datetime.date:
        """The figures "before" are those of the day before the period: the changes are the period's own."""
        return self.period_start - datetime.timedelta(days=1)

    @property
    def scope_name(self) -> str:
        return area_name(self.province, self.district)

    def headline_rows(self) -> list[dict]:
        rows = []
        for key, label in HEADLINE:
            before, end = getattr(self.before, key), getattr(self.at_end, key)
            change = round(end - before, 1) if before is not None and end is not None else None
            rows.append({"key": key, "label": str(label), "before": before, "end": end, "change": change})
        return rows


def scope_communes(province: Province | None, district: District | None = None):
    communes = Commune.objects.all()
    if district is not None:
        return communes.filter(district=district)
    return communes if province is None else communes.filter(district__province=province)


def _plans_filter(province: Province | None) -> Q:
    return Q() if province is None else Q(plan__province=province)


# A district's trend is computed from the records day by day: at most this many days of a longer period.
DISTRICT_TREND_POINTS = 31


def _district_trend(communes, period_start: datetime.date, period_end: datetime.date) -> list[ProgressSnapshot]:
    """The district's figures on days of the period (every day of a week or a month), as unsaved snapshots."""
    days = (period_end - period_start).days + 1
    step = -(-days // DISTRICT_TREND_POINTS)
    dates = [period_start + datetime.timedelta(days=offset) for offset in range(0, days, step)]
    if dates[-1] != period_end:
        dates.append(period_end)
    last = timezone.localdate()
    return [ProgressSnapshot(on=day, **figures(communes, day).as_dict()) for day in dates if day <= last]


def report_content(
    *, province: Province | None, period_start: datetime.date, period_end: datetime.date,
    district: District | None = None,
) -> ReportContent:  # fmt: skip
    """The content of the report for ``district``, else ``province`` (``None``: the whole country) over the
    period, in a constant number of queries (a district's: one more per day of its trend)."""
    communes = scope_communes(province, district)
    before_day = period_start - datetime.timedelta(days=1)
    by_district_before = figures_by(communes, "district", before_day)
    districts = district_table(communes, period_end)
    for row in districts:
        previous = by_district_before.get(row["district"].pk)
        row["covered_before"] = previous.covered if previous else 0
    if district is not None:
        snapshots = _district_trend(communes, period_start, period_end)
    else:
        snapshots = list(
            ProgressSnapshot.objects.filter(province=province, on__range=(period_start, period_end)).order_by("on")
        )  # province None: the national rows
    tasks = list(
        Task.objects.filter(_plans_filter(province))
        .exclude(status__in=TASK_CLOSED)
        .select_related("plan__province")
        .order_by("deadline", "pk")
    )
    for task in tasks:
        task.is_overdue = task.deadline < period_end
    return ReportContent(
        province=province,
        period_start=period_start,
        period_end=period_end,
        before=Figures.total(by_district_before.values()),
        at_end=Figures.total(row["figures"] for row in districts),
        districts=districts,
        snapshots=snapshots,
        tasks=tasks,
        phases=_phase_rows(province, period_end, district=district),
        generated_at=timezone.now(),
        district=district,
        communes=_commune_table(communes, period_end) if district is not None else [],
    )


def _commune_table(communes, on: datetime.date) -> list[dict]:
    """One row per commune with its state on ``on`` and its trained officers (one query)."""
    rows = commune_rows(communes, on)
    for row in rows:
        row["officers_trained"] = row["officers_deployed"] - row["officers_untrained"]
    return rows


def _phase_rows(province: Province | None, on: datetime.date, *, district: District | None = None) -> list[dict]:
    """Each phase of the plans in scope with its communes' coverage on ``on`` (four queries): the communes' states
    on that day from the set-based statement (``rollout.progress.states.commune_states_compute``, the one
    definition), counted per phase; for a district, the phases with communes in it, counting those only."""
    from rollout.progress.states import commune_states_compute

    phases = Phase.objects.filter(_plans_filter(province))
    if district is not None:
        phases = phases.filter(communes__district=district).distinct()
    phases = list(phases.select_related("plan__province").order_by("plan_id", "number"))
    if not phases:
        return []
    pairs = Phase.communes.through.objects.filter(phase__in=phases)
    if district is not None:
        pairs = pairs.filter(commune__district=district)
    pairs = list(pairs.order_by().values_list("phase_id", "commune_id"))
    states = commune_states_compute({code for _phase, code in pairs}, on) if pairs else {}
    by_phase: dict[int, dict] = {}
    for phase_id, code in pairs:
        row = by_phase.setdefault(phase_id, {"communes": 0, "covered": 0, "operational": 0})
        row["communes"] += 1
        row["covered"] += states[code]["is_covered"]
        row["operational"] += states[code]["is_operational"]
    result = []
    for phase in phases:
        row = by_phase.get(phase.pk) or {"communes": 0, "covered": 0, "operational": 0}
        late = phase.target_on < on and row["covered"] < row["communes"]
        result.append(
            {
                "phase": phase,
                "communes": row["communes"],
                "covered": row["covered"],
                "operational": row["operational"],
                "late": late,
            }
        )
    return result


# --- XLSX -------------------------------------------------------------------------------------------------


def report_xlsx(content: ReportContent) -> bytes:
    """The workbook: Overview, By district, Trend, Tasks and Phases, one sheet each, Vietnamese."""
    trend_keys = [key for key, _label in HEADLINE if key in TREND_FIGURES]
    with translation.override("vi"):
        overview = Sheet(
            title=_("Overview"),
            heading=REPORT_TITLE,
            notes=[
                _("Scope: %(scope)s") % {"scope": content.scope_name},
                _("Period: %(start)s – %(end)s")
                % {"start": f"{content.period_start:%d/%m/%Y}", "end": f"{content.period_end:%d/%m/%Y}"},
                _("Produced: %(when)s") % {"when": f"{timezone.localtime(content.generated_at):%H:%M %d/%m/%Y}"},
            ],
            headers=[
                _("Figure"),
                _("Before the period (%(day)s)") % {"day": f"{content.day_before:%d/%m/%Y}"},
                _("End of the period (%(day)s)") % {"day": f"{content.period_end:%d/%m/%Y}"},
                pgettext("difference over a period", "Change"),
            ],
            rows=[[row["label"], row["before"], row["end"], row["change"]] for row in content.headline_rows()],
        )
        by_district = Sheet(
            title=_("By district"),
            headers=[
                _("Province"),
                _("District"),
                _("Communes"),
                _("Covered before the period"),
                _("Communes covered"),
                _("Communes not yet covered"),
                _("Staffing norm (officers)"),
                _("Officers deployed"),
                _("Deployed officers trained"),
                _("Covered communes equipped"),
                _("Operational communes"),
            ],
            rows=[
                [
                    row["district"].province.name,
                    row["district"].name,
                    row["figures"].communes,
                    row["covered_before"],
                    row["figures"].covered,
                    row["figures"].uncovered,
                    row["figures"].staffing_norm,
                    row["figures"].deployed,
                    row["figures"].trained_deployed,
                    row["figures"].equipped,
                    row["figures"].operational,
                ]
                for row in content.districts
            ],
        )
        trend = Sheet(
            title=_("Trend"),
            headers=[_("Date"), *[label for key, label in HEADLINE if key in TREND_FIGURES]],
            rows=[[snapshot.on, *[getattr(snapshot, key) for key in trend_keys]] for snapshot in content.snapshots],
        )
        tasks = Sheet(
            title=_("Tasks"),
            headers=[_("Task"), _("Responsible unit"), _("Deadline"), _("Status"), _("Overdue"), _("Province")],
            rows=[
                [
                    t.title,
                    t.unit,
                    t.deadline,
                    t.get_status_display(),
                    _("Yes") if t.is_overdue else _("No"),
                    t.plan.province.name,
                ]
                for t in content.tasks
            ],
        )
        phases = Sheet(
            title=_("Phases"),
            headers=[
                _("Province"),
                _("Phase"),
                _("Name"),
                _("Target date"),
                _("Communes"),
                _("Communes covered"),
                _("Operational communes"),
                _("Late"),
            ],
            rows=[
                [
                    row["phase"].plan.province.name,
                    row["phase"].number,
                    row["phase"].name,
                    row["phase"].target_on,
                    row["communes"],
                    row["covered"],
                    row["operational"],
                    _("Yes") if row["late"] else _("No"),
                ]
                for row in content.phases
            ],
        )
        sheets = [overview, by_district, trend, tasks, phases]
        if content.communes:
            sheets.insert(2, _communes_sheet(content))
        return workbook_bytes(sheets)


def _communes_sheet(content: ReportContent) -> Sheet:
    """A district's communes, each with its state at the end of the period."""

    def yes_no(value) -> str:
        return _("Yes") if value else _("No")

    return Sheet(
        title=_("By commune"),
        headers=[
            _("Commune"),
            _("GSO code"),
            _("Covered"),
            _("Staffing norm (officers)"),
            _("Officers deployed"),
            _("Deployed officers trained"),
            _("Equipped"),
            _("Operational"),
        ],
        rows=[
            [
                row["name"],
                row["code"],
                yes_no(row["is_covered"]),
                row["norm"],
                row["officers_deployed"],
                row["officers_trained"],
                yes_no(row["is_equipped"]),
                yes_no(row["is_operational"]),
            ]
            for row in content.communes
        ],
    )


# --- PDF --------------------------------------------------------------------------------------------------

CHART_SERIES = (
    ("covered", "#0d6efd", gettext_lazy("Communes covered")),
    ("equipped", "#fd7e14", gettext_lazy("Covered communes equipped")),
    ("operational", "#198754", gettext_lazy("Operational communes")),
)


def trend_svg(snapshots: list[ProgressSnapshot], *, width: int = 640, height: int = 230) -> str:
    """A line chart of the period's snapshots as inline SVG (PDFs run no JavaScript). Empty string when there
    is nothing to draw."""
    if not snapshots:
        return ""
    left, right, top, bottom = 44, 12, 12, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(max(s.communes for s in snapshots), 1)
    count = len(snapshots)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(value: int) -> float:
        return top + plot_h - plot_h * value / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="DejaVu Sans" font-size="9">'
    ]
    for step in range(5):
        value = round(top_value * step / 4)
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y(value) + 3:.1f}" text-anchor="end">{value}</text>'
        )
    label_every = max(1, count // 8)
    for i, snapshot in enumerate(snapshots):
        if i % label_every == 0 or i == count - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 12}" text-anchor="middle">{snapshot.on:%d/%m}</text>'
            )
    for key, colour, _label in CHART_SERIES:
        points = " ".join(f"{x(i):.1f},{y(getattr(s, key)):.1f}" for i, s in enumerate(snapshots))
        if count > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        for i, s in enumerate(snapshots):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(getattr(s, key)):.1f}" r="2" fill="{colour}"/>')
    legend_x = left
    for _key, colour, label in CHART_SERIES:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{height - 7}">{escape(str(label))}</text>'
        )
        legend_x += 200
    parts.append("</svg>")
    return "".join(parts)


def report_pdf(content: ReportContent) -> bytes:
    """The PDF: the same figures as the workbook, with the trend chart; Vietnamese, DejaVu fonts."""
    from weasyprint import HTML

    with translation.override("vi"):
        html = render_to_string(
            "rollout/reports/report_pdf.html",
            {
                "content": content,
                "title": REPORT_TITLE,
                "headline": content.headline_rows(),
                "chart": mark_safe(trend_svg(content.snapshots)),  # noqa: S308 — built above, every text escaped
                "generated": timezone.localtime(content.generated_at),
            },
        )
    return HTML(string=html).write_pdf()


def report_filename(report: Report, extension: str) -> str:
    """``bao-cao-tien-do_62_2026-01-05_2026-01-11.xlsx`` (a district's: ``…_62-610_…``): ASCII, stable for a scope
    and period."""
    scope = str(report.province_id) if report.province_id else "toan-quoc"
    if report.district_id:
        scope = f"{scope}-{report.district_id}"
    return f"bao-cao-tien-do_{scope}_{report.period_start:%Y-%m-%d}_{report.period_end:%Y-%m-%d}.{extension}"
