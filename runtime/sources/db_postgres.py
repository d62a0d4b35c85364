"""PostgreSQL for the database source (db.py): ADBC's libpq driver, which runs a query as a binary COPY
and hands its rows over as Arrow record batches of about `batch_bytes` each, while they arrive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa


def ident(name: str) -> str:
    """A quoted identifier (PostgreSQL's rule: double quotes, an embedded one doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A cursor value as an SQL literal; the server coerces the untyped literal to the column's type."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = value.isoformat() if isinstance(value, (datetime, date)) else str(value)
    # E'' reads backslashes as escapes whatever standard_conforming_strings says: escape both
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _connect(conn: Any) -> Any:
    import adbc_driver_postgresql.dbapi as pg

    return pg.connect(conn.uri())


def columns(conn: Any, table: str) -> list[str]:
    """The table's columns, in the table's order."""
    schema, _, name = table.rpartition(".")
    with _connect(conn) as c:
        found = c.adbc_get_table_schema(name, db_schema_filter=schema or None)
    return list(found.names)


def primary_key(conn: Any, table: str) -> list[str]:
    """The table's primary key columns, in key order (none: an empty list)."""
    rel = ".".join(ident(p) for p in table.split("."))
    query = (
        "SELECT a.attname::text AS c FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = {literal(rel)}::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey, a.attnum)"
    )
    with _connect(conn) as c, c.cursor() as cur:
        cur.execute(query)
        return [str(row[0]) for row in cur.fetchall()]


def read(conn: Any, query: str, batch_rows: int, batch_bytes: int) -> Iterator[pa.RecordBatch]:
    with _connect(conn) as c, c.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(batch_bytes)})
        cur.execute(query)
        yield from cur.fetch_record_batch()
