"""Bulk writes faster than Django's ``bulk_update`` (whose ``CASE WHEN`` grows with every row and field), and
filters on long lists of values."""

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F, Lookup, Q
from django.utils import timezone

from rollout.core.text import nfc, normalise_text_fields

# Types whose Python values (int, str, bool, date, aware datetime, None) the driver takes as they are: their values
# skip Django's per-value ``get_db_prep_save`` (a million calls for an officer roster).
_PLAIN_TYPES = frozenset(
    {
        "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
        "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField", "CharField",
        "TextField", "SlugField", "EmailField", "DateField", "DateTimeField",
    }
)  # fmt: skip


def _column(field, values, connection) -> list:
    """A column's values as the driver binds them: text in NFC (a bulk write sends no pre_save:
    ``rollout.core.text``), other types through the field's own preparation unless they need none."""
    target = field.target_field if field.is_relation else field
    if isinstance(field, models.CharField | models.TextField):
        values = [nfc(value) for value in values]
    if target.get_internal_type() in _PLAIN_TYPES:
        return list(values)
    return [field.get_db_prep_save(value, connection) for value in values]


def _array_type(field, connection) -> str:
    # the type without its length: a cast to varchar(50)[] would cut a longer value the column refuses
    return field.db_type(connection).split("(")[0] + "[]"


def _execute(connection, sql: str, params: list, *, fetch: bool = False):
    """Run ``sql`` with server-side binding (each array one binary parameter, not a quoted literal the client
    builds and the server parses), in the connection's transaction, Django's database errors raised as Django's;
    the statement is logged where queries are. Returns (the rows when ``fetch``, the row count)."""
    import time

    import psycopg

    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        result = (cursor.fetchall() if fetch else None), cursor.rowcount
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return result


def bulk_update_values(instances, fields: list[str], *, batch_size: int = 5000) -> int:
    """Write ``fields`` of ``instances`` (all of one model, matched by primary key): ``bulk_update_rows`` of their
    values. Returns the rows written."""
    instances = list(instances)
    if not instances:
        return 0
    model = type(instances[0])
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        for instance in instances:  # a bulk write sends no pre_save: text in NFC here (rollout.core.text)
            normalise_text_fields(instance, fields)
        return model.objects.bulk_update(instances, fields, batch_size=batch_size)
    attnames = [model._meta.get_field(name).attname for name in fields]
    rows = [(instance.pk, *(getattr(instance, attname) for attname in attnames)) for instance in instances]
    return bulk_update_rows(model, fields, rows, batch_size=batch_size)


def bulk_update_rows(model, fields: list[str], rows, *, batch_size: int = 5000) -> int:
    """Write ``fields`` of ``model``'s rows from ``rows`` — tuples of the primary key then the fields' values
    (foreign keys as ids) — without building model instances. Text is put in NFC (a bulk write sends no pre_save:
    ``rollout.core.text``). On PostgreSQL one ``UPDATE … FROM unnest(…)`` per batch, each column's values bound
    as one array (a statement of a dozen parameters, whatever the rows: neither the client nor the server parses
    thousands of placeholders); elsewhere Django's ``bulk_update``. Returns the rows written."""
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        instances = [
            model(**{pk.attname: row[0]}, **dict(zip((f.attname for f in columns), row[1:], strict=True)))
            for row in rows
        ]
        for instance in instances:
            normalise_text_fields(instance, fields)
        return model.objects.bulk_update(instances, fields, batch_size=batch_size)
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{_array_type(field, connection)}" for field in (pk, *columns))
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns)
    names = ", ".join(quote(c) for c in ["_pk", *(field.column for field in columns)])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model, values bound
        f"FROM unnest({arrays}) AS v({names}) WHERE t.{quote(pk.column)} = v.{quote('_pk')}"
    )
    written = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        params = [
            _column(field, [row[index] for row in batch], connection) for index, field in enumerate((pk, *columns))
        ]
        written += _execute(connection, sql, params)[1]
    return written


def bulk_insert_rows(model, fields: list[str], rows, *, returning: str | None = None, batch_size: int = 5000) -> list:
    """Insert ``rows`` — tuples of the values of ``fields`` (attribute names: foreign keys as ids) — into
    ``model``'s table without building model instances; text put in NFC. Returns the ``returning`` column's values
    of the new rows, in their order (e.g. the primary keys), else an empty list. On PostgreSQL one
    ``INSERT … SELECT * FROM unnest(…)`` per batch, each column bound as one array; elsewhere Django's
    ``bulk_create``. Nothing is set for the caller: defaults and ``auto_now`` fields are values in ``rows``."""
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        instances = [model(**dict(zip((f.attname for f in columns), row, strict=True))) for row in rows]
        for instance in instances:
            normalise_text_fields(instance)
        model.objects.bulk_create(instances, batch_size=batch_size)
        return [getattr(instance, returning) for instance in instances] if returning else []
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{_array_type(field, connection)}" for field in columns)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in columns)}) "  # noqa: S608 - names from the model, values bound
        f"SELECT * FROM unnest({arrays})"
    )
    if returning:
        sql += f" RETURNING {quote(meta.get_field(returning).column)}"
    returned = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        params = [_column(field, [row[index] for row in batch], connection) for index, field in enumerate(columns)]
        fetched, _count = _execute(connection, sql, params, fetch=bool(returning))
        if returning:
            returned.extend(row[0] for row in fetched)
    return returned


def bulk_history_insert(model, records, *, history_type: str, user, batch_size: int = 5000) -> int:
    """The django-simple-history rows of ``model``'s ``records`` (saved instances, or any objects with every
    tracked field as an attribute: foreign keys as ids), in bulk: ``history_type`` "+" (created) or "~" (changed),
    by ``user``, now — what ``bulk_history_create`` writes, through ``bulk_insert_rows``. Returns how many."""
    from simple_history.utils import get_history_model_for_model

    records = list(records)
    if not records:
        return 0
    history = get_history_model_for_model(model)
    tracked = [field.attname for field in history.tracked_fields]
    now, user_id = timezone.now(), getattr(user, "pk", None)
    rows = [(*(getattr(record, name) for name in tracked), now, None, history_type, user_id) for record in records]
    fields = [*tracked, "history_date", "history_change_reason", "history_type", "history_user_id"]
    bulk_insert_rows(history, fields, rows, batch_size=batch_size)
    return len(rows)


class _AnyOf(Lookup):
    """``lhs = ANY(%s)``, the values bound as one array (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        return "%s", [[field.get_db_prep_value(item, connection, prepared=False) for item in value]]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def value_in(name: str, values):
    """A condition for ``queryset.filter()``: the field ``name`` is one of ``values``. On PostgreSQL
    ``name = ANY(array)``, one parameter for any number of values (an ``IN`` of ten thousand placeholders costs
    more to build and parse than to run); ``name__in`` elsewhere."""
    values = list(values)
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    return _AnyOf(F(name), values)
