"""One attempt of one job: source -> validate -> Iceberg, committed once per run key.

The incremental state travels in the snapshot summary, so a crash between the Iceberg
commit and the state files is repaired by the next run of the same run key.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .destination import catalog_properties
from .logs import Logger
from .paths import PathMap
from .spec import JobSpec
from .state import StateStore

MAX_INVALID_LOGGED = 100
_SECRETISH = re.compile(r"(?i)(secret|passw|token|key|credential)")
EXIT_OK, EXIT_PARTIAL, EXIT_FAIL = 0, 1, 2


class DataError(Exception):
    """Deterministic failure of the data (strict validation): not retried."""


@dataclass
class Outcome:
    exit_code: int
    status: str  # success | partial | failure | already_committed
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    retryable: bool = True


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


def execute(ctx: Context) -> Outcome:
    from . import sink
    from .schema import table_schema
    from .sources import open_source
    from .validate import Validator

    spec = ctx.spec
    started = time.monotonic()
    ts = table_schema(spec)
    props = catalog_properties(spec.target, ctx.paths, ctx.state_dir, spec.tenant, ctx.env)
    ctx.log.event("catalog_configured", level="DEBUG", catalog=spec.target.catalog,
                  properties={k: ("***REDACTED***" if _SECRETISH.search(k) else v) for k, v in sorted(props.items())})
    catalog = sink.load(spec, props)
    table = sink.open_table(catalog, spec, ts)
    earlier = sink.committed(table, ctx.run_key, sink.branch_of(spec))
    if earlier is not None and not ctx.restart:
        inc = json.loads(earlier.get(sink.INCREMENTAL, "{}"))
        if inc:
            ctx.store.save_incremental(spec.tenant, spec.id, inc)
        return Outcome(EXIT_OK, "already_committed", {"snapshot_run_id": earlier.get(sink.RUN_ID)})

    inc_state = ctx.store.load_incremental(spec.tenant, spec.id)
    source = open_source(spec, ctx.paths, inc_state)
    ctx.log.event("source_opened", **source.describe())
    run_day = (ctx.nominal or datetime.now(timezone.utc)).astimezone(timezone.utc).date()
    validator = Validator(ts, run_day)
    cursor = _Cursor(spec, inc_state)
    summary = {sink.RUN_ID: ctx.run_id, sink.RUN_KEY: ctx.run_key, sink.JOB: spec.id}
    writer = sink.Writer(table, spec, ts, summary)
    extracted = invalid = logged = 0
    progress = _Progress()
    for batch in source.batches():
        extracted += batch.data.num_rows
        checked = validator.check(batch.data)
        if checked.invalid_rows:
            invalid += len(checked.invalid_rows)
            for offset, reasons in checked.invalid_rows:
                if logged < MAX_INVALID_LOGGED:
                    ctx.log.event("record_invalid", level="WARNING", file=batch.origin, row=batch.offset + offset + 1,
                                  reasons=reasons)
                    logged += 1
            if spec.schema_validation_mode == "strict":
                raise DataError(f"{invalid} invalid record(s) in {batch.origin} (strict mode): "
                                + "; ".join(sorted(validator.reasons)[:5]))
        writer.add(cursor.filter(checked.batch))
        progress.update(extracted)
    progress.close()
    next_state = {**source.next_state(), **cursor.state()}
    written = writer.commit(next_state)
    if next_state:
        ctx.store.save_incremental(spec.tenant, spec.id, next_state)
    elapsed = time.monotonic() - started
    metrics = {
        "records_extracted": extracted, "records_valid": extracted - invalid, "records_invalid": invalid,
        "records_written": written.rows, "files_written": written.files, "total_bytes": written.bytes,
        "snapshot_id": written.snapshot_id, "execution_time_seconds": round(elapsed, 3),
        "records_per_second": round(extracted / elapsed, 1) if elapsed > 0 else None,
        "invalid_reasons": dict(sorted(validator.reasons.items())),
    }
    if invalid:
        return Outcome(EXIT_PARTIAL, "partial", metrics, retryable=False)
    return Outcome(EXIT_OK, "success", metrics)


class _Cursor:
    """Incremental by a cursor column: keep rows after the saved cursor (minus lookback)."""

    def __init__(self, spec: JobSpec, state: dict[str, Any]):
        inc = spec.source.incremental
        self.field = inc.cursor_field if inc and inc.strategy != "file_modified_time" else None
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
        enc = value.isoformat() if isinstance(value, (datetime, date)) else (str(value) if value is not None else self.saved)
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
