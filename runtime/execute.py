"""One attempt of one job: source -> validate -> Iceberg, committed once per run key.

The incremental state travels in the snapshot summary; a run starts from the state valid at
its branch head and commits only if that head is still current (lineage.py), so neither a
crash between the Iceberg commit and the state files nor an overlapping run reads a file twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .destination import catalog_properties
from .exitcodes import ExitCode
from .logs import MASK, Logger
from .paths import PathMap
from .secretnames import may_hold_secret
from .spec import JobSpec
from .state import Incremental, StateStore
from .stop import Stop

MAX_INVALID_LOGGED = 100
MAX_REPLANS = 3  # plans again after a lost commit race, then gives up (job_state.conflict, exit 2)


class DataError(Exception):
    """Deterministic failure of the data (strict validation): not retried."""


@dataclass
class Outcome:
    exit_code: int
    status: str  # success | partial | failure | already_committed
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    retryable: bool = True
    trace: str | None = None  # the traceback of an internal error


@dataclass
class Context:
    spec: JobSpec
    paths: PathMap
    state_dir: Path
    store: StateStore
    run_id: str
    run_key: str
    env: dict[str, str]
    log: Logger
    restart: bool = False
    nominal: datetime | None = None
    stop: Stop = field(default_factory=Stop)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))  # shared by the run's attempts


def execute(ctx: Context) -> Outcome:
    """One attempt; a commit that lost the race for the branch head plans again from the new head. A Parquet
    target (an `s3`/`minio` target without a catalog) is written by parquet_run.py, a `custom_writer` by
    plugin_writer.py."""
    from .errors import RunError
    from .lineage import Conflict

    if ctx.spec.target.custom_writer is not None:  # the rows go to the job's writer plugin
        from .plugin_writer import execute_plugin

        return execute_plugin(ctx)
    if ctx.spec.target.writes == "parquet":
        from .parquet_run import execute_parquet

        return execute_parquet(ctx)
    for replan in range(1, MAX_REPLANS + 2):
        try:
            return _execute(ctx)
        except Conflict as e:
            ctx.log.event(
                "job_state.conflict",
                level="WARNING",
                error=str(e),
                replan=replan,
                max_replans=MAX_REPLANS,
                detail="another run committed to the table since this one started; planning again",
            )
    raise RunError(
        "job_state.conflict",
        f"the table kept changing under this run ({MAX_REPLANS + 1} plans, "
        "each overtaken by another commit); nothing was committed",
        hint="let the other runs of this job finish, then rerun this run id with --resume-policy resume",
    )


def _execute(ctx: Context) -> Outcome:
    from . import lineage, sink
    from .schema import table_schema
    from .sources import open_source
    from .validate import Validator

    spec = ctx.spec
    started = time.monotonic()
    ts = table_schema(spec)
    props = catalog_properties(spec.target, ctx.paths, ctx.state_dir, spec.tenant, ctx.env)
    ctx.log.event(
        "catalog_configured",
        level="DEBUG",
        catalog=spec.target.catalog,
        properties={k: (MASK if may_hold_secret(k) else v) for k, v in sorted(props.items())},
    )
    catalog = sink.load(spec, props)
    table = sink.open_table(catalog, spec, ts)
    earlier = sink.committed(table, ctx.run_key, sink.branch_of(spec))
    if earlier is not None and not ctx.restart:
        return Outcome(ExitCode.OK, "already_committed", {"snapshot_run_id": earlier.get(sink.RUN_ID)})
    incremental = spec.keeps_state
    saved = ctx.store.load_incremental(spec.tenant, spec.id) if incremental else Incremental({})
    # the branch exists before its head is read: the commit's head requirement is then the head the
    # state came from (a branch created later, inside the transaction, would look like a rival commit)
    sink.ensure_branch(table, sink.branch_of(spec))
    base = lineage.start(table, spec.target.branch, spec.id, saved, job_key=sink.JOB, state_key=sink.INCREMENTAL)
    if not incremental:
        base = replace(base, state={}, origin="file")
    if base.origin == "table" and base.state != saved.state:
        ctx.log.event(
            "state.from_table",
            level="WARNING",
            snapshot_id=base.head,
            detail="the incremental state file is behind the table (a run committed after it was saved); "
            "starting from the state of the table's latest commit of this job",
        )
    source = open_source(spec, ctx.paths, base.state, ctx.env)
    ctx.log.event("source_opened", **source.describe())
    run_day = (ctx.nominal or datetime.now(UTC)).astimezone(UTC).date()
    validator = Validator(ts, run_day)
    cursor = _Cursor(spec, base.state, applied=getattr(source, "own_cursor", False))
    writer = sink.Writer(table, spec, ts, {sink.RUN_ID: ctx.run_id, sink.RUN_KEY: ctx.run_key, sink.JOB: spec.id})
    lineage.require_head(writer.txn, spec.target.branch, base.head)
    counts = _load(ctx, source, validator, cursor, writer)
    ctx.stop.check()  # a stop requested while reading: abandon the batches, commit nothing
    next_state = {**source.next_state(), **cursor.state()}
    written = _commit(writer, next_state if incremental else None)
    if incremental and next_state:
        snap = (
            lineage.run_snapshot(table.refresh(), spec.target.branch, ctx.run_key, sink.RUN_KEY)
            if written.rows
            else base.head
        )
        ctx.store.save_incremental(spec.tenant, spec.id, Incremental(next_state, snap))
    metrics = _metrics(counts, written, validator.reasons, time.monotonic() - started)
    if counts[1]:  # invalid records
        return Outcome(ExitCode.PARTIAL, "partial", metrics, retryable=False)
    return Outcome(ExitCode.OK, "success", metrics)


def _metrics(counts: tuple[int, int], written: Any, reasons: dict[str, int], elapsed: float) -> dict[str, Any]:
    """The run's `metrics_complete` figures: (extracted, invalid) records, what the commit wrote, the time."""
    extracted, invalid = counts
    return {
        "records_extracted": extracted,
        "records_valid": extracted - invalid,
        "records_invalid": invalid,
        "records_written": written.rows,
        "files_written": written.files,
        "total_bytes": written.bytes,
        "snapshot_id": written.snapshot_id,
        "execution_time_seconds": round(elapsed, 3),
        "records_per_second": round(extracted / elapsed, 1) if elapsed > 0 else None,
        "invalid_reasons": dict(sorted(reasons.items())),
    }


def _load(ctx: Context, source: Any, validator: Any, cursor: _Cursor, writer: Any) -> tuple[int, int]:
    """Validate and stage every batch; (records extracted, records invalid)."""
    extracted = invalid = logged = 0
    progress = _Progress()
    documents = _Documents(ctx, cursor)
    for batch in source.batches():
        ctx.stop.check()
        extracted += batch.data.num_rows
        checked = validator.check(documents.of(batch.data))
        if checked.invalid_rows:
            invalid += len(checked.invalid_rows)
            for offset, reasons in checked.invalid_rows:
                if logged < MAX_INVALID_LOGGED:
                    ctx.log.event(
                        "record_invalid",
                        level="WARNING",
                        file=batch.origin,
                        row=batch.offset + offset + 1,
                        reasons=reasons,
                    )
                    logged += 1
            if ctx.spec.schema_validation_mode == "strict":
                raise DataError(
                    f"{invalid} invalid record(s) in {batch.origin} (strict mode): "
                    + "; ".join(sorted(validator.reasons)[:5])
                )
        writer.add(checked.batch if documents.storage else cursor.filter(checked.batch))
        progress.update(extracted)
    progress.close()
    return extracted, invalid


def _commit(writer: Any, next_state: dict[str, Any] | None) -> Any:
    from pyiceberg.exceptions import CommitFailedException, ValidationException

    from .lineage import Conflict

    try:
        return writer.commit(next_state)
    except (CommitFailedException, ValidationException) as e:  # the head moved, or a merge saw new files
        raise Conflict(str(e)) from None


class _Documents:
    """`target.markdown_kv_storage`: the source rows after the cursor, as the Markdown-KV rows the asset
    describes (runtime/markdown_kv.py); without it the rows as read (the cursor applies after validation)."""

    def __init__(self, ctx: Context, cursor: _Cursor):
        from .markdown_kv import run_time

        self.storage = ctx.spec.target.markdown_kv_storage
        self.cursor = cursor
        self.at = run_time(ctx.run_id, ctx.nominal, ctx.started)

    def of(self, data: Any) -> Any:
        if self.storage is None:
            return data
        from .markdown_kv import RecordError, transform

        try:
            return transform(self.cursor.filter(data), self.storage, self.at)
        except RecordError as e:
            raise DataError(str(e)) from None


class _Cursor:
    """Incremental by a cursor column: keep rows after the saved cursor (minus lookback)."""

    def __init__(self, spec: JobSpec, state: dict[str, Any], applied: bool = False):
        """`applied`: the source applies its cursors itself (a database query's WHERE): nothing to do here."""
        inc = spec.source.incremental
        self.field = inc.cursor_field if inc and inc.strategy != "file_modified_time" and not applied else None
        self.lookback = inc.lookback_days if inc else 0
        self.saved = state.get("cursor")
        self.max: Any = None

    def filter(self, batch: Any) -> Any:
        if self.field is None or self.field not in batch.schema.names or batch.num_rows == 0:
            return batch
        import pyarrow.compute as pc

        col = batch.column(self.field)
        if self.saved is not None:
            bound = _decode(self.saved, col.type, self.lookback)
            batch = batch.filter(pc.fill_null(pc.greater(col, bound), False))
            col = batch.column(self.field)
        if batch.num_rows:
            m = pc.max(col).as_py()
            if m is not None and (self.max is None or m > self.max):
                self.max = m
        return batch

    def state(self) -> dict[str, Any]:
        if self.field is None:
            return {}
        value = self.max if self.max is not None else None
        enc = (
            value.isoformat()
            if isinstance(value, (datetime, date))
            else (str(value) if value is not None else self.saved)
        )
        return {"cursor": enc, "cursor_field": self.field} if enc is not None else {}


def _decode(text: str, typ: Any, lookback_days: int) -> Any:
    import pyarrow as pa

    if pa.types.is_timestamp(typ):
        v: Any = datetime.fromisoformat(text)
        v = v - timedelta(days=lookback_days)
        return pa.scalar(v, type=typ)
    if pa.types.is_date(typ):
        return pa.scalar(date.fromisoformat(text) - timedelta(days=lookback_days), type=typ)
    return pa.scalar(text).cast(typ)


class _Progress:
    """Rows read so far on an interactive stderr; nothing when stderr is not a terminal."""

    def __init__(self) -> None:
        import sys

        self.out = sys.stderr if sys.stderr.isatty() else None
        self.last = 0.0

    def update(self, rows: int) -> None:
        if self.out is None or time.monotonic() - self.last < 0.5:
            return
        self.last = time.monotonic()
        self.out.write(f"\rdativo run: {rows:,} rows read")
        self.out.flush()

    def close(self) -> None:
        if self.out is not None and self.last:
            self.out.write("\n")
