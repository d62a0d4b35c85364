"""The column types an asset may declare: one list that the compiler's asset model and the
runtime's Iceberg and Arrow tables share (runtime/schema.py maps each to both; a type missing
there is a test failure, not a silent gap)."""

from __future__ import annotations

from typing import Literal, get_args

ColumnType = Literal[
    "string", "integer", "bigint", "double", "float", "boolean", "timestamp", "datetime", "date", "decimal"
]
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)
PARAMETERIZED = ("decimal",)  # mapped with the column's precision and scale
