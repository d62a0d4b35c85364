"""The column types an asset may declare: one list that the compiler's asset model and the
runtime's Iceberg and Arrow tables share (runtime/schema.py maps each to both; a type missing
there is a test failure, not a silent gap).

`array` is accepted because dativo-ingest's assets declare it (with no element type, which
dativo-ingest writes as text); it has no exact Iceberg type, so a job that writes such a column
is a compile error (DTV226), never a silent text column, except the `sections` column of a Markdown-KV
`document_level` job, whose element type runtime/markdown_kv.py knows."""

from __future__ import annotations

from typing import Literal, get_args

ColumnType = Literal[
    "string",
    "integer",
    "bigint",
    "double",
    "float",
    "boolean",
    "timestamp",
    "datetime",
    "date",
    "decimal",
    "array",
]
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)
PARAMETERIZED = ("decimal",)  # mapped with the column's precision and scale
UNWRITABLE = ("array",)  # declared by dativo-ingest assets, with no element type: no exact Iceberg type
# types written as the same Iceberg type (runtime/schema.py): an asset may declare any of a group's names
SAME_TYPE: tuple[tuple[str, ...], ...] = (("integer", "bigint"), ("float", "double"), ("timestamp", "datetime"))
