"""MySQL and MariaDB for the database source (db.py): connectorx streams a query's rows as Arrow record
batches of `batch_rows` rows (its `arrow_stream` return type), so a table larger than memory is read
in bounded memory. There is no ADBC MySQL driver from the Arrow project to use instead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa


def ident(name: str) -> str:
    """A quoted identifier (MySQL's rule: backticks, an embedded one doubled)."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: Any) -> str:
    """A cursor value as an SQL literal: MySQL's DATETIME text has no zone, so an aware value is UTC."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    # a backslash escapes in MySQL strings (unless NO_BACKSLASH_ESCAPES, where doubling it is still read as two)
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def columns(conn: Any, table: str) -> list[str]:
    """The table's columns, in the table's order."""
    import connectorx as cx

    schema, _, name = table.rpartition(".")
    where = f"table_schema = {literal(schema)}" if schema else "table_schema = DATABASE()"
    query = f"SELECT column_name AS c FROM information_schema.columns WHERE {where} AND table_name = {literal(name)} ORDER BY ordinal_position"
    found = cx.read_sql(conn.uri(), query, return_type="arrow")
    names = [str(v) for v in found.column(0).to_pylist()]
    if not names:
        raise LookupError(f"table {table} does not exist (or has no columns visible to user {conn.user!r})")
    return names


def primary_key(conn: Any, table: str) -> list[str]:
    """The table's primary key columns, in key order (none: an empty list)."""
    import connectorx as cx

    schema, _, name = table.rpartition(".")
    where = f"table_schema = {literal(schema)}" if schema else "table_schema = DATABASE()"
    query = (
        f"SELECT column_name AS c FROM information_schema.key_column_usage WHERE {where} "
        f"AND table_name = {literal(name)} AND constraint_name = 'PRIMARY' ORDER BY ordinal_position"
    )
    return [str(v) for v in cx.read_sql(conn.uri(), query, return_type="arrow").column(0).to_pylist()]


def read(conn: Any, query: str, batch_rows: int, batch_bytes: int) -> Iterator[pa.RecordBatch]:
    import connectorx as cx

    yield from cx.read_sql(conn.uri(), query, return_type="arrow_stream", batch_size=batch_rows)
