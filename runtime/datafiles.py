"""Validated batches streamed into the table's Parquet data files as they come, one open file per
partition rolled over at the target size (upstream's `parquet_target_size_mb`, measured on disk), so a
run holds about one batch in memory whatever the size of its input. The files are committed by the
sink (sink.Writer) in the run's single snapshot; a run that dies before it leaves only unreferenced
files (orphans for the table's maintenance), never rows.

Why not pyiceberg's own `append`: it takes a whole table (all rows in memory), or a RecordBatchReader
(pulled, not pushed batch by batch; unpartitioned tables only; files sized by in-memory Arrow bytes).
This writes the files as pyiceberg does (its schema conversion with field ids, its writer options and
its Parquet statistics) and hands pyiceberg the DataFile entries to commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

DEFAULT_TARGET_SIZE_MB = 128  # upstream's parquet_target_size_mb when a job names none
#: rows of one Parquet row group: small source batches are gathered up to it (each write is a row group)
ROW_GROUP_ROWS = 131072


@dataclass
class _Open:
    path: str
    out: Any  # the output stream
    writer: Any  # pyarrow.parquet.ParquetWriter
    key: Any  # pyiceberg PartitionKey or None
    rows: int = 0
    pending: list[pa.RecordBatch] = field(default_factory=list)  # the next row group's batches
    pending_rows: int = 0


class DataFiles:
    """Open Parquet files of one run; `close()` returns their pyiceberg DataFile entries."""

    def __init__(self, table: Any, target_size_mb: int | None):
        from pyiceberg.io.pyarrow import FileFormatFactory, _get_parquet_writer_kwargs
        from pyiceberg.manifest import FileFormat
        from pyiceberg.schema import sanitize_column_names
        from pyiceberg.table.locations import load_location_provider

        self.meta = table.metadata
        self.io = table.io
        self.schema = self.meta.schema()
        self.file_schema = sanitize_column_names(self.schema)
        self.spec = self.meta.spec()
        self.locations = load_location_provider(
            table_location=self.meta.location, table_properties=self.meta.properties
        )
        self.writer_kwargs = _get_parquet_writer_kwargs(self.meta.properties)
        self.format_model = FileFormatFactory.get(FileFormat.PARQUET)
        self.target = (target_size_mb or DEFAULT_TARGET_SIZE_MB) << 20
        self.uuid = uuid.uuid4()
        self.count = 0
        self.open: dict[Any, _Open] = {}
        self.done: list[Any] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        if self.spec.is_unpartitioned():
            self._write(None, batch)
            return
        from pyiceberg.io.pyarrow import _determine_partitions

        for part in _determine_partitions(self.spec, self.schema, pa.Table.from_batches([batch])):
            for rb in part.arrow_table_partition.to_batches():
                self._write(part.partition_key, rb)

    def _write(self, key: Any, batch: pa.RecordBatch) -> None:
        from pyiceberg.io.pyarrow import _to_requested_schema

        slot = key.partition if key is not None else None
        out = _to_requested_schema(
            requested_schema=self.file_schema,
            file_schema=self.schema,
            batch=batch,
            include_field_ids=True,
            format_model=self.format_model,
        )
        f = self.open.get(slot)
        if f is None:
            f = self.open[slot] = self._new(key, out.schema)
        f.pending.append(out)
        f.pending_rows += out.num_rows
        f.rows += out.num_rows
        self.rows += out.num_rows
        if f.pending_rows < ROW_GROUP_ROWS:
            return
        self._write_group(f)
        if f.out.tell() >= self.target:  # bytes on disk so far: roll over to a new file
            self._close(self.open.pop(slot))

    @staticmethod
    def _write_group(f: _Open) -> None:
        if f.pending:
            f.writer.write_table(pa.Table.from_batches(f.pending), row_group_size=f.pending_rows)
            f.pending, f.pending_rows = [], 0

    def _new(self, key: Any, schema: pa.Schema) -> _Open:
        import pyarrow.parquet as pq

        name = f"00000-{self.count}-{self.uuid}.parquet"  # pyiceberg's own data file names
        self.count += 1
        path = self.locations.new_data_location(data_file_name=name, partition_key=key)
        out = self.io.new_output(path).create(overwrite=True)
        writer = pq.ParquetWriter(out, schema=schema, store_decimal_as_integer=True, **self.writer_kwargs)
        return _Open(path, out, writer, key)

    def _close(self, f: _Open) -> None:
        from pyiceberg.io.pyarrow import (
            compute_statistics_plan,
            data_file_statistics_from_parquet_metadata,
            parquet_path_to_id_mapping,
        )
        from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
        from pyiceberg.typedef import Record

        self._write_group(f)
        f.writer.close()
        size = f.out.tell()
        f.out.close()
        stats = data_file_statistics_from_parquet_metadata(
            parquet_metadata=f.writer.writer.metadata,
            stats_columns=compute_statistics_plan(self.file_schema, self.meta.properties),
            parquet_column_mapping=parquet_path_to_id_mapping(self.file_schema),
        )
        self.done.append(
            DataFile.from_args(
                content=DataFileContent.DATA,
                file_path=f.path,
                file_format=FileFormat.PARQUET,
                partition=f.key.partition if f.key is not None else Record(),
                file_size_in_bytes=size,
                sort_order_id=None,
                spec_id=self.meta.default_spec_id,
                equality_ids=None,
                key_metadata=None,
                **stats.to_serialized_dict(),
            )
        )

    def close(self) -> list[Any]:
        """Close every open file; the DataFile entries of all files written, in the order they were closed."""
        for slot in list(self.open):
            self._close(self.open.pop(slot))
        return self.done
