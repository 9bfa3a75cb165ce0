"""Bulk writes faster than Django's ``bulk_update`` (whose ``CASE WHEN`` grows with every row and field)."""

from django.db import connection

from rollout.core.text import normalise_text_fields


def bulk_update_values(instances, fields: list[str], *, batch_size: int = 2000) -> int:
    """Write ``fields`` of ``instances`` (all of one model, matched by primary key). On PostgreSQL one
    ``UPDATE … FROM (VALUES …)`` per batch; elsewhere Django's ``bulk_update``. Returns the rows written."""
    instances = list(instances)
    if not instances:
        return 0
    for instance in instances:  # a bulk write sends no pre_save: text in NFC here (rollout.core.text)
        normalise_text_fields(instance, fields)
    model = type(instances[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(instances, fields, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{field.db_type(connection)}" for field in columns]
    row_sql = "(" + ", ".join(casts) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in columns)
    names = ", ".join(quote(c) for c in ["_pk", *(field.column for field in columns)])
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(instances), batch_size):
            batch = instances[start : start + batch_size]
            params = []
            for instance in batch:
                params.append(pk.get_db_prep_value(instance.pk, connection))
                params.extend(field.get_db_prep_save(getattr(instance, field.attname), connection) for field in columns)
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model, values bound
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({names}) "
                f"WHERE t.{quote(pk.column)} = v.{quote('_pk')}",
                params,
            )
            written += cursor.rowcount
    return written
