"""The Iceberg sink (pyiceberg): catalog from the job's target block (destination.py: the
properties, fail closed), table from the asset, one transaction per run with the run id in the
snapshot summary, on the target's branch (`target.branch`, else main). The plan's table properties
(governance metadata) are set on the table right before the data (sync_properties).

Keyed merge (merge.py) drops the matching rows and appends the new ones in one snapshot.
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .schema import TableSchema
from .spec import JobSpec

RUN_ID, RUN_KEY, JOB, INCREMENTAL = "dativo.run-id", "dativo.run-key", "dativo.job", "dativo.incremental"
MAIN = "main"
OWNED = "dativo.table-properties"  # the table property names dativo set, a JSON list (sync_properties)


class SinkError(Exception):
    pass


class SchemaMismatch(SinkError):
    """The table's schema differs from the asset: no retry can fix it."""


def load(spec: JobSpec, props: dict[str, str]) -> Any:
    from pyiceberg.catalog import load_catalog

    wh = props.get("warehouse", "")
    if wh.startswith("file://"):
        Path(wh[len("file://") :]).mkdir(parents=True, exist_ok=True)
    uri = props.get("uri", "")
    if not uri.startswith("sqlite:///"):
        return load_catalog(spec.target.catalog or "dativo", **props)
    db = Path(uri[len("sqlite:///") :])
    db.parent.mkdir(parents=True, exist_ok=True)
    # pyiceberg creates a SQLite catalog's tables when it finds none: two runs opening a new catalog at
    # once both create them and the later one fails ("table iceberg_tables already exists"); one at a time
    with open(db.with_name(db.name + ".open-lock"), "a") as guard:
        fcntl.flock(guard.fileno(), fcntl.LOCK_EX)
        return load_catalog(spec.target.catalog or "dativo", **props)


def _create_namespace(catalog: Any, namespace: str) -> None:
    """Two runs of one tenant (the parallel tasks of a DAG) may create its namespace at once: pyiceberg checks,
    then inserts, and the later insert fails (a SQLite UNIQUE constraint); the namespace is there all the same."""
    try:
        catalog.create_namespace_if_not_exists(namespace)
    except Exception:
        if not catalog.namespace_exists(namespace):
            raise


def open_table(catalog: Any, spec: JobSpec, ts: TableSchema) -> Any:
    ident = (spec.target.namespace, spec.target.table)
    _create_namespace(catalog, spec.target.namespace)
    table = catalog.create_table_if_not_exists(ident, schema=ts.iceberg, partition_spec=ts.partition)
    have = {(f.name, str(f.field_type), f.required) for f in table.schema().fields}
    want = {(f.name, str(f.field_type), f.required) for f in ts.iceberg.fields}
    if have != want:
        raise SchemaMismatch(
            f"table {'.'.join(ident)} exists with a schema that differs from asset {spec.asset.name!r} "
            f"(columns {sorted(n for n, *_ in have ^ want)}); schema evolution is not run here"
        )
    sync_properties(table, spec.target.table_properties)
    return table


def sync_properties(table: Any, wanted: dict[str, str], attempts: int = 5) -> None:
    """Set the plan's table properties before the data is written, idempotently: no commit when the table
    already has them. dativo owns the names it set (listed under OWNED): those it no longer derives are
    removed; properties anyone else set are left alone. A plan without properties changes nothing.
    A concurrent commit (an overlapping run setting the same properties) is read back and tried again."""
    from pyiceberg.exceptions import CommitFailedException

    if not wanted:
        return
    for attempt in range(attempts):
        changes, stale = _property_updates(table.properties, wanted)
        if not changes and not stale:
            return
        try:
            with table.transaction() as txn:
                if stale:
                    txn.remove_properties(*stale)
                if changes:
                    txn.set_properties(changes)
            return
        except CommitFailedException:
            if attempt == attempts - 1:
                raise
            table.refresh()


def _property_updates(current: dict[str, str], wanted: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """(the properties to set, the names to remove): dativo's set of names is `wanted` now."""
    try:
        listed = json.loads(current.get(OWNED, "[]"))
    except (TypeError, ValueError):
        listed = None
    # anything but a list of names is not ours to trust (a string would read as its letters): remove nothing
    ok = isinstance(listed, list) and all(isinstance(n, str) for n in listed)
    previous = set(listed) if ok else set()
    want = {**wanted, OWNED: json.dumps(sorted(wanted))}
    changes = {k: v for k, v in want.items() if current.get(k) != v}
    return changes, sorted(k for k in previous - set(wanted) if k in current)


def branch_of(spec: JobSpec) -> str:
    return spec.target.branch or MAIN


def ensure_branch(table: Any, branch: str) -> None:
    """Create `branch` from main's current snapshot when absent, so a tenant branch starts where main is.
    Readers of main never see the branch's rows. pyiceberg writes no branch of a table without
    snapshots, so a new table first gets an empty snapshot on main (no rows) for the branch to start from."""
    if branch == MAIN or branch in table.metadata.refs:
        return
    if table.current_snapshot() is None:
        with table.transaction() as txn:
            with txn.update_snapshot(snapshot_properties={"dativo.branch-base": branch}).fast_append():
                pass  # no files: an empty table state on main
    table.manage_snapshots().create_branch(table.current_snapshot().snapshot_id, branch).commit()


def committed(table: Any, run_key: str, branch: str = MAIN) -> dict[str, str] | None:
    """The snapshot summary of an earlier commit of `run_key` on `branch` (its head and ancestors), if any."""
    from .lineage import run_summary  # one walk of a branch's history, shared with the lineage check

    return run_summary(table, branch, run_key, RUN_KEY)


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
        self.branch = branch_of(spec)
        self.merge = spec.asset.mode == "merge" and bool(spec.asset.key_columns)
        self._txn: Any = None
        self.pending: list[pa.RecordBatch] = []  # a keyed merge's rows: it dedupes over the whole input
        self.rows = 0
        self._files: Any = None  # datafiles.DataFiles, opened with the first batch

    @property
    def txn(self) -> Any:
        """The transaction, opened on first use: a run that fails before writing creates no branch."""
        if self._txn is None:
            ensure_branch(self.table, self.branch)
            self._txn = self.table.transaction()
        return self._txn

    def add(self, batch: pa.RecordBatch) -> None:
        """Stage `batch`: an append streams it into the run's data files now (memory: one batch)."""
        if batch.num_rows == 0:
            return
        if self.merge:
            self.pending.append(batch)
            return
        if self._files is None:
            from .datafiles import DataFiles

            self._files = DataFiles(self.table, self.spec.target.parquet_target_size_mb)
        self._files.add(batch)

    def _flush(self) -> None:
        """Close the data files and add them all in one snapshot of the run's transaction."""
        if self._files is None:
            return
        written, self.rows = self._files.close(), self._files.rows
        if not written:
            return
        with self.txn.update_snapshot(snapshot_properties=self.props, branch=self.branch).fast_append() as append:
            for data_file in written:
                append.append_data_file(data_file)

    def commit(self, incremental: dict[str, Any] | None) -> Written:
        """`incremental`: the state the commit leaves, in its snapshot summary; None for a full load."""
        if incremental is not None:
            self.props[INCREMENTAL] = json.dumps(incremental, sort_keys=True)
        if self.merge:
            self._merge()
        else:
            self._flush()
        if self.rows == 0:
            return Written(0, 0, 0, None)
        self.txn.commit_transaction()
        snap = self.table.refresh().snapshot_by_name(self.branch)
        summary = snap.summary.additional_properties if snap and snap.summary else {}
        return Written(
            self.rows,
            int(summary.get("added-data-files", 0)),
            int(summary.get("added-files-size", 0)),
            snap.snapshot_id if snap else None,
        )

    def _merge(self) -> None:
        if not self.pending:
            return
        data = pa.Table.from_batches(self.pending, schema=self.ts.arrow)
        self.pending = []
        data = dedupe_last(data, self.spec.asset.key_columns)
        from .merge import merge

        merge(self.txn, self.table, data, self.spec.asset.key_columns, self.props, self.branch)
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
