"""The asset's columns as an Iceberg schema and an Arrow schema, mapped exactly.

integer and bigint -> long, float and double -> double (as dativo-ingest maps them: an `integer` column
holds any 64-bit value, a `float` a double),
timestamp/datetime -> timestamptz (microseconds, UTC), date -> date,
decimal(p, s) -> decimal(p, s) (precision and scale are required: the compiler's DTV219).
A partition field `ingest_date` that is not a column is added as a derived date column.
An `array` column is written only as the `sections` column of a Markdown-KV `document_level` job, whose
element type markdown_kv.py knows (list<struct<section, level, kv list<struct<key, value, value_json, ord>>>>).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema, assign_fresh_schema_ids
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IcebergType,
    ListType,
    LongType,
    NestedField,
    StringType,
    StructType,
    TimestamptzType,
)

from . import markdown_kv
from .spec import ColumnSpec, JobSpec

INGEST_DATE = "ingest_date"


class UnmappableType(Exception):
    pass


# every type of coltypes.COLUMN_TYPES but the parameterized ones: (Iceberg type, Arrow type), one row each
SIMPLE_TYPES: dict[str, tuple[IcebergType, pa.DataType]] = {
    "string": (StringType(), pa.string()),
    "integer": (LongType(), pa.int64()),
    "bigint": (LongType(), pa.int64()),
    "float": (DoubleType(), pa.float64()),
    "double": (DoubleType(), pa.float64()),
    "boolean": (BooleanType(), pa.bool_()),
    "timestamp": (TimestamptzType(), pa.timestamp("us", tz="UTC")),
    "datetime": (TimestamptzType(), pa.timestamp("us", tz="UTC")),
    "date": (DateType(), pa.date32()),
}


def iceberg_type(col: ColumnSpec) -> IcebergType:
    if col.type in SIMPLE_TYPES:
        return SIMPLE_TYPES[col.type][0]
    if col.type == "decimal" and col.precision is not None and col.scale is not None and col.scale <= col.precision:
        return DecimalType(col.precision, col.scale)
    raise UnmappableType(f"column {col.name!r} of type {col.type!r} has no exact Iceberg type")


def arrow_type(col: ColumnSpec) -> pa.DataType:
    if col.type in SIMPLE_TYPES:
        return SIMPLE_TYPES[col.type][1]
    if col.type == "decimal" and col.precision is not None and col.scale is not None:
        return pa.decimal128(col.precision, col.scale)
    raise UnmappableType(f"column {col.name!r} of type {col.type!r} has no exact Arrow type")


@dataclass(frozen=True)
class TableSchema:
    columns: list[ColumnSpec]  # the asset's columns, plus derived ones
    iceberg: Schema
    arrow: pa.Schema
    partition: PartitionSpec
    derived: tuple[str, ...]


def _sections() -> ListType:
    """markdown_kv.sections_type() as Iceberg types (ids are placeholders: the schema's are assigned fresh)."""
    ids = iter(range(10_000, 10_100))

    def opt(name: str, typ: IcebergType) -> NestedField:
        return NestedField(next(ids), name, typ, required=False)

    kv = StructType(opt("key", StringType()), opt("value", StringType()), opt("value_json", StringType()),
                    opt("ord", LongType()))  # fmt: skip
    kv_list = ListType(next(ids), kv, element_required=False)
    section = StructType(opt("section", StringType()), opt("level", LongType()), opt("kv", kv_list))
    return ListType(next(ids), section, element_required=False)


def _types(spec: JobSpec, col: ColumnSpec) -> tuple[IcebergType, pa.DataType]:
    if col.type == "array" and markdown_kv.nested_column(spec.target.markdown_kv_storage, col.name):
        return _sections(), markdown_kv.sections_type()
    return iceberg_type(col), arrow_type(col)


def table_schema(spec: JobSpec) -> TableSchema:
    columns = list(spec.asset.columns)
    names = {c.name for c in columns}
    derived: list[str] = []
    for p in spec.target.partitioning:
        if p not in names:
            if p != INGEST_DATE:
                raise UnmappableType(f"partition field {p!r} is not a column of asset {spec.asset.name!r}")
            columns.append(ColumnSpec(name=INGEST_DATE, type="date", required=True))
            derived.append(INGEST_DATE)
            names.add(p)
    types = [_types(spec, c) for c in columns]
    fields = [NestedField(i + 1, c.name, t[0], required=c.required) for i, (c, t) in enumerate(zip(columns, types))]
    schema = assign_fresh_schema_ids(Schema(*fields))  # the ids the catalog assigns: 1..n, then nested ones
    ids = {c.name: i + 1 for i, c in enumerate(columns)}
    parts = [
        PartitionField(source_id=ids[p], field_id=1000 + i, transform=IdentityTransform(), name=p)
        for i, p in enumerate(spec.target.partitioning)
    ]
    arrow = pa.schema([pa.field(c.name, t[1], nullable=not c.required) for c, t in zip(columns, types)])
    return TableSchema(columns, schema, arrow, PartitionSpec(*parts), tuple(derived))
