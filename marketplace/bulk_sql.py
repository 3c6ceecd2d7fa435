"""Updating many rows at once, each with its own values.

Django's ``bulk_update`` builds one ``CASE WHEN pk = … THEN …`` expression per object and
field; for the scan flush (a thousand stamps, six fields) building it cost three times the
database's work. On PostgreSQL ``update_rows`` sends the same change as one
``UPDATE … FROM unnest(%s, %s, …)`` statement: one array parameter per column, whatever the
number of rows, with each value adapted by the field's own ``get_db_prep_save``. Other
databases (SQLite in development) keep ``bulk_update``.
"""

from django.db import connections, router


def update_rows(model, objects, fields: list[str]) -> int:
    """Write ``fields`` of ``objects`` (saved instances of ``model``); returns the row count."""
    objects = list(objects)
    if not objects:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_update(objects, fields, batch_size=500)
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    arrays = [[pk.get_db_prep_save(obj.pk, connection) for obj in objects]]
    arrays += [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objects]
        for field in columns
    ]
    quote = connection.ops.quote_name
    types = [pk.db_type(connection)] + [field.db_type(connection) for field in columns]
    # serial / bigserial are column defaults, not array types.
    types = [{"serial": "integer", "bigserial": "bigint"}.get(t, t) for t in types]
    names = ["pk"] + [f"v{i}" for i in range(len(columns))]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    assignments = ", ".join(
        f"{quote(field.column)} = v.{name}" for field, name in zip(columns, names[1:], strict=True)
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments}"
        f" FROM unnest({unnest}) AS v({', '.join(names)})"
        f" WHERE t.{quote(pk.column)} = v.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount
