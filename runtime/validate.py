"""Validate source batches against the asset: columns, types, nullability.

Each column is converted with one vectorised Arrow cast; only a column whose cast fails
falls back to a per-value check, to find the bad rows. Reasons name the column and the
rule, never a value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .schema import TableSchema


@dataclass
class Checked:
    batch: pa.RecordBatch  # valid rows, in the table's Arrow schema
    invalid_rows: list[tuple[int, list[str]]]  # (row offset in the input batch, reasons)


@dataclass
class Validator:
    schema: TableSchema
    ingest_date: date
    reasons: Counter = field(default_factory=Counter)

    def check(self, batch: pa.RecordBatch) -> Checked:
        n = batch.num_rows
        arrays: list[pa.Array] = []
        bad: dict[int, list[str]] = {}
        present = set(batch.schema.names)
        for col, fld in zip(self.schema.columns, self.schema.arrow):
            if col.name in self.schema.derived:
                arrays.append(pa.array([self.ingest_date] * n, type=fld.type))
                continue
            if col.name not in present:
                arr = pa.nulls(n, type=fld.type)
                if col.required:
                    for i in range(n):
                        bad.setdefault(i, []).append(f"column {col.name!r} is missing")
                arrays.append(arr)
                continue
            arr, failed = _convert(batch.column(col.name), fld.type)
            for i in failed:
                bad.setdefault(i, []).append(f"column {col.name!r} is not a valid {col.type}")
            if col.required and arr.null_count:
                for i in pc.indices_nonzero(pc.is_null(arr)).to_pylist():
                    if i not in failed:
                        bad.setdefault(i, []).append(f"column {col.name!r} is required")
            arrays.append(arr)
        out = pa.RecordBatch.from_arrays(arrays, schema=self.schema.arrow)
        if bad:
            keep = [True] * n
            for i in bad:
                keep[i] = False
            out = out.filter(pa.array(keep))
            for reasons in bad.values():
                self.reasons.update(reasons)
        return Checked(out, sorted(bad.items()))


def _convert(arr: pa.Array, target: pa.DataType) -> tuple[pa.Array, set[int]]:
    """`arr` as `target`, with failed values as nulls, and the offsets that failed."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type == target:
        return arr, set()
    try:
        return _cast(arr, target), set()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    values: list[Any] = []
    failed: set[int] = set()
    for i, v in enumerate(arr.to_pylist()):
        if v is None:
            values.append(None)
            continue
        try:
            values.append(_cast(pa.array([v], type=arr.type), target)[0].as_py())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError):
            values.append(None)
            failed.add(i)
    return pa.array(values, type=target), failed


def _cast(arr: pa.Array, target: pa.DataType) -> pa.Array:
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        if pa.types.is_timestamp(target) and target.tz:
            try:
                return pc.cast(arr, target)
            except pa.ArrowInvalid:
                # no zone offset in the text: read it as UTC
                naive = pc.cast(arr, pa.timestamp(target.unit))
                return pc.assume_timezone(naive, "UTC").cast(target)
        if pa.types.is_floating(target) or pa.types.is_decimal(target) or pa.types.is_integer(target):
            arr = pc.utf8_trim_whitespace(arr)
    if pa.types.is_timestamp(arr.type) and pa.types.is_timestamp(target) and arr.type.tz is None and target.tz:
        arr = pc.assume_timezone(arr, "UTC")
    return pc.cast(arr, target, safe=True)
