"""The Iceberg sink (pyiceberg): catalog from the job's target block, table from the asset,
one transaction per run with the run id in the snapshot summary.

Embedded default: a SqlCatalog on SQLite under the state dir and a `file://` warehouse,
zero services. `connection.catalog_type` (sql, rest, glue, ...) and the other connection keys
(flattened: `s3: {endpoint}` -> `s3.endpoint`) go to `pyiceberg.catalog.load_catalog`.
Keyed merge (merge.py) drops the matching rows and appends the new ones in one snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from .paths import PathMap
from .schema import TableSchema
from .secrets import Missing, substitute
from .spec import JobSpec

RUN_ID, RUN_KEY, JOB, INCREMENTAL = "dativo.run-id", "dativo.run-key", "dativo.job", "dativo.incremental"
CHUNK_ROWS = 1_000_000  # rows per append inside the transaction: bounds memory on huge files


class SinkError(Exception):
    pass


class SchemaMismatch(SinkError):
    """The table's schema differs from the asset: no retry can fix it."""


def catalog_properties(spec: JobSpec, paths: PathMap, state_dir: Path, env: dict[str, str]) -> dict[str, str]:
    conn = dict(spec.target.connection)
    kind = str(conn.pop("catalog_type", "") or conn.pop("type", "") or "sql")
    props: dict[str, str] = {"type": kind}
    for key, value in _flatten(conn):
        try:
            props[key] = substitute(str(value), env)
        except Missing:
            continue  # an unset optional setting (e.g. s3.endpoint for a file:// warehouse)
    tenant = spec.tenant
    if kind == "sql" and "uri" not in props:
        db = state_dir / "catalog" / f"{tenant}.db"
        props["uri"] = f"sqlite:///{db}"
    if "uri" in props:
        props["uri"] = paths.uri(props["uri"])
    if "warehouse" not in props:
        wh = spec.target.warehouse or (f"file://{state_dir / 'warehouse' / tenant}/" if kind == "sql" else None)
        if wh:
            props["warehouse"] = paths.uri(wh)
    return props


def _flatten(d: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for k in sorted(d):
        v = d[k]
        if isinstance(v, dict):
            yield from _flatten(v, f"{prefix}{k}.")
        elif v is not None:
            yield f"{prefix}{k}", v


def load(spec: JobSpec, props: dict[str, str]) -> Any:
    from pyiceberg.catalog import load_catalog

    uri = props.get("uri", "")
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    wh = props.get("warehouse", "")
    if wh.startswith("file://"):
        Path(wh[len("file://"):]).mkdir(parents=True, exist_ok=True)
    return load_catalog(spec.target.catalog or "dativo", **props)


def open_table(catalog: Any, spec: JobSpec, ts: TableSchema) -> Any:
    ident = (spec.target.namespace, spec.target.table)
    catalog.create_namespace_if_not_exists(spec.target.namespace)
    table = catalog.create_table_if_not_exists(ident, schema=ts.iceberg, partition_spec=ts.partition)
    have = {(f.name, str(f.field_type), f.required) for f in table.schema().fields}
    want = {(f.name, str(f.field_type), f.required) for f in ts.iceberg.fields}
    if have != want:
        raise SchemaMismatch(f"table {'.'.join(ident)} exists with a schema that differs from asset {spec.asset.name!r} "
                        f"(columns {sorted(n for n, *_ in have ^ want)}); schema evolution is not run here")
    return table


def committed(table: Any, run_key: str) -> dict[str, str] | None:
    """The snapshot summary of an earlier commit of `run_key`, if any."""
    for snap in table.metadata.snapshots:
        summary = snap.summary.additional_properties if snap.summary is not None else {}
        if summary.get(RUN_KEY) == run_key:
            return dict(summary)
    return None


@dataclass
class Written:
    rows: int
    files: int
    bytes: int
    snapshot_id: int | None


class Writer:
    """Collects validated batches, writes them in one transaction on `commit`."""

    def __init__(self, table: Any, spec: JobSpec, ts: TableSchema, properties: dict[str, str]):
        self.table, self.spec, self.ts, self.props = table, spec, ts, properties
        self.merge = spec.asset.mode == "merge" and bool(spec.asset.key_columns)
        self.txn = table.transaction()
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        if not self.merge and self.pending_rows >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        data = pa.Table.from_batches(self.pending, schema=self.ts.arrow)
        self.pending, self.pending_rows = [], 0
        self.txn.append(data, snapshot_properties=self.props)
        self.rows += data.num_rows

    def commit(self, incremental: dict[str, Any]) -> Written:
        self.props[INCREMENTAL] = json.dumps(incremental, sort_keys=True)
        if self.merge:
            self._merge()
        else:
            self._flush()
        if self.rows == 0:
            return Written(0, 0, 0, None)
        self.txn.commit_transaction()
        snap = self.table.refresh().current_snapshot()
        summary = snap.summary.additional_properties if snap and snap.summary else {}
        return Written(self.rows, int(summary.get("added-data-files", 0)), int(summary.get("added-files-size", 0)),
                       snap.snapshot_id if snap else None)

    def _merge(self) -> None:
        if not self.pending:
            return
        data = pa.Table.from_batches(self.pending, schema=self.ts.arrow)
        self.pending = []
        data = dedupe_last(data, self.spec.asset.key_columns)
        from .merge import merge

        merge(self.txn, self.table, data, self.spec.asset.key_columns, self.props)
        self.rows += data.num_rows


def dedupe_last(data: pa.Table, keys: list[str]) -> pa.Table:
    """One row per key, the last one in input order (the latest state of the record)."""
    idx = pa.array(range(data.num_rows), type=pa.int64())
    with_idx = data.append_column("__dativo_row", idx)
    last = with_idx.group_by(keys, use_threads=False).aggregate([("__dativo_row", "max")])
    if last.num_rows == data.num_rows:
        return data
    rows = pc.sort_indices(last.column("__dativo_row_max"))
    return data.take(pc.take(last.column("__dativo_row_max"), rows))
