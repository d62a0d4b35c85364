"""Hive-style partition folders of Parquet files (`col=value/`), as dativo-ingest's Parquet writer
names them: the column name in lower case with spaces and `-` as `_`; a date (or the date of a
timestamp) in ISO form; a string in lower case with anything but `a-z 0-9 _ -` as `_`; other values
as text; a missing value as `unknown`. Files keep every column (the folders only group them).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

UNKNOWN = "unknown"


def folder_name(column: str) -> str:
    return column.lower().replace(" ", "_").replace("-", "_")


def _values(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One column's partition values as strings."""
    if pa.types.is_timestamp(col.type):
        col = pc.cast(col, pa.date32())
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        text = pc.replace_substring_regex(pc.utf8_lower(col), pattern="[^a-z0-9_-]", replacement="_")
    else:
        text = pc.cast(col, pa.string())
    return pc.fill_null(text, UNKNOWN)


def split(batch: pa.RecordBatch, columns: list[str]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """(folder, rows) for each partition present in `batch`; folder "" when `columns` is empty."""
    if not columns:
        yield "", batch
        return
    parts = [pc.binary_join_element_wise(f"{folder_name(c)}=", _values(batch.column(c)), "") for c in columns]
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "/")
    for key in pc.unique(keys).to_pylist():
        yield key, batch.filter(pc.equal(keys, key))
