"""The progress figures of ``rollout.progress.figures`` in one set-based SQL statement, for PostgreSQL at scale.

``rollout.progress.figures.with_progress`` states each commune's state with correlated subqueries: clear, portable, and
right for a district's few dozen communes, but at 10,000 communes the planner runs those subqueries per commune
(seconds). Here the same definitions are computed with joins and GROUP BYs over the whole area at once:

1. ``c``: the communes of the area with their staffing norm (own, else the plan's default, else the setting), the
   SQL of ``communes.models.staffing_norm``: change both together;
2. ``a``: the assignments active on the day, ``trained``: the officers among them holding a valid pass of every
   mandatory course, ``staff``: per commune, officers deployed, untrained, and whether a chief is among them;
3. ``held`` and ``unmet``: per commune and equipment type, what it holds on the day against its effective
   standard (its own, else its kind's, else the default); a commune with no unmet type is equipped;
4. the figures summed per group (the whole area, a district or a province).

Tests check that both implementations give the same figures on the same data.
"""

import datetime
import re

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from communes.models import Commune, District
from equipment.models import AllocationStandard, EquipmentType, Issuance
from personnel.models import Assignment
from rollout.models import PilotPlan
from training.models import Course, Enrollment

_NAMED = re.compile(r"%\((\w+)\)s")
GROUPS = {None: "0", "district": "c.district_id", "district__province": "c.province_id"}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _ctes(communes_sql: str, *, few: bool = False) -> str:
    """The CTEs down to ``state``: one row per commune of ``communes_sql`` with its state on the day. ``few``:
    a handful of communes (a write's refresh): read only their officers' enrolments, not every one (over the
    whole country the full scan with one hash join is faster)."""
    only_deployed = "AND e.officer_id IN (SELECT officer_id FROM a)" if few else ""
    # table names come from the models and every value is a bound parameter
    return f"""
WITH c AS (
    SELECT cc.code, cc.kind, cc.coverage, cc.district_id, d.province_id,
           -- mirrors communes.models.staffing_norm: own norm, else the plan default, else the setting
           COALESCE(cc.staffing_norm, p.default_staffing_norm, %(default_norm)s) AS norm
    FROM {_table(Commune)} cc
    JOIN {_table(District)} d ON d.code = cc.district_id
    LEFT JOIN {_table(PilotPlan)} p ON p.province_id = d.province_id
    WHERE cc.code IN ({communes_sql})
),
a AS (
    SELECT asg.commune_id, asg.officer_id, asg.post
    FROM {_table(Assignment)} asg
    JOIN c ON c.code = asg.commune_id
    WHERE asg.started_on <= %(on)s AND (asg.ended_on IS NULL OR asg.ended_on > %(on)s)
),
trained AS (
    SELECT e.officer_id
    FROM {_table(Enrollment)} e
    JOIN {_table(Course)} co ON co.id = e.course_id
    WHERE co.is_mandatory AND co.is_active AND e.passed AND e.starts_on <= %(on)s
      AND (e.valid_until IS NULL OR e.valid_until >= %(on)s)
      {only_deployed}
    GROUP BY e.officer_id
    HAVING COUNT(DISTINCT e.course_id) >= %(mandatory)s
),
staff AS (
    SELECT a.commune_id,
           COUNT(*) AS deployed,
           COUNT(*) FILTER (WHERE %(mandatory)s > 0 AND t.officer_id IS NULL) AS untrained,
           BOOL_OR(a.post = 'chief') AS has_chief
    FROM a LEFT JOIN trained t ON t.officer_id = a.officer_id
    GROUP BY a.commune_id
),
held AS (
    SELECT i.commune_id, i.equipment_type_id, SUM(i.quantity) AS quantity
    FROM {_table(Issuance)} i
    JOIN c ON c.code = i.commune_id
    WHERE i.issued_on <= %(on)s AND (i.closed_on IS NULL OR i.closed_on > %(on)s)
    GROUP BY i.commune_id, i.equipment_type_id
),
standard AS (
    SELECT k.kind, t.id AS type_id, COALESCE(by_kind.quantity, base.quantity, 0) AS quantity
    FROM (SELECT DISTINCT kind FROM c) k
    CROSS JOIN {_table(EquipmentType)} t
    LEFT JOIN {_table(AllocationStandard)} by_kind ON by_kind.equipment_type_id = t.id
         AND by_kind.commune_id IS NULL AND by_kind.commune_kind = k.kind
    LEFT JOIN {_table(AllocationStandard)} base ON base.equipment_type_id = t.id AND base.commune_id IS NULL
         AND base.commune_kind = ''
),
unmet AS (
    SELECT DISTINCT c.code
    FROM c
    JOIN standard s ON s.kind = c.kind
    LEFT JOIN {_table(AllocationStandard)} own ON own.commune_id = c.code AND own.equipment_type_id = s.type_id
    LEFT JOIN held h ON h.commune_id = c.code AND h.equipment_type_id = s.type_id
    WHERE COALESCE(own.quantity, s.quantity) > COALESCE(h.quantity, 0)
),
state AS (
    SELECT c.*,
           (c.coverage = 'baseline' OR COALESCE(s.has_chief, false)) AS covered,
           COALESCE(s.deployed, 0) AS deployed,
           COALESCE(s.untrained, 0) AS untrained,
           (u.code IS NULL) AS equipped
    FROM c
    LEFT JOIN staff s ON s.commune_id = c.code
    LEFT JOIN unmet u ON u.code = c.code
)
"""  # noqa: S608


def _sql(group_expression: str, communes_sql: str) -> str:
    figures = f"""
SELECT {group_expression} AS key,
       COUNT(*) AS communes,
       COUNT(*) FILTER (WHERE covered) AS covered,
       COALESCE(SUM(norm), 0) AS staffing_norm,
       COALESCE(SUM(deployed), 0) AS deployed,
       COALESCE(SUM(deployed - untrained), 0) AS trained_deployed,
       COUNT(*) FILTER (WHERE covered AND equipped) AS equipped,
       COUNT(*) FILTER (WHERE covered AND equipped AND untrained = 0 AND deployed >= norm) AS operational
FROM state c
GROUP BY 1
"""  # noqa: S608
    return _ctes(communes_sql) + figures


def _positional(sql: str, named: dict) -> tuple[str, list]:
    """Replace ``%(name)s`` placeholders by ``%s``, returning the values in order."""
    values = []

    def take(match):
        values.append(named[match.group(1)])
        return "%s"

    return _NAMED.sub(take, sql), values


def _run(sql: str, communes: QuerySet, on: datetime.date, mandatory: int) -> tuple[list[str], list[tuple]]:
    inner, inner_params = communes.order_by().values("code").query.sql_with_params()
    named = {"default_norm": settings.DEFAULT_STAFFING_NORM, "on": on, "mandatory": mandatory}
    before, after = sql.split("\x00communes\x00")
    before, params_before = _positional(before, named)
    after, params_after = _positional(after, named)
    with connection.cursor() as cursor:
        cursor.execute(before + inner + after, [*params_before, *inner_params, *params_after])
        return [column.name for column in cursor.description], cursor.fetchall()


def grouped_figures(communes: QuerySet, key: str | None, on: datetime.date, mandatory: int) -> dict:
    """``{group key: {figure: value}}`` for ``communes`` on ``on`` (one query); ``key`` None gives ``{0: …}``."""
    columns, rows = _run(_sql(GROUPS[key], "\x00communes\x00"), communes, on, mandatory)
    return {row[0]: dict(zip(columns[1:], row[1:], strict=True)) for row in rows}


STATE_COLUMNS = (
    "is_covered", "norm", "officers_deployed", "officers_untrained", "is_equipped", "district_code", "province_code",
)  # fmt: skip


def commune_states(communes: QuerySet, on: datetime.date, mandatory: int, *, few: bool = False) -> dict[int, dict]:
    """``{commune code: {state column: value}}`` (``STATE_COLUMNS``) for ``communes`` on ``on`` (one query): the
    same state the figures above are summed from. ``few``: see ``_ctes``."""
    sql = (
        _ctes("\x00communes\x00", few=few)
        + """
SELECT code, covered AS is_covered, norm, deployed AS officers_deployed, untrained AS officers_untrained,
       equipped AS is_equipped, district_id AS district_code, province_id AS province_code
FROM state
"""
    )
    columns, rows = _run(sql, communes, on, mandatory)
    return {row[0]: dict(zip(columns[1:], row[1:], strict=True)) for row in rows}
