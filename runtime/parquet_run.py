"""One attempt of a job whose target writes Parquet files (an `s3`/`minio` target without a catalog):
source -> validate -> Parquet files on S3, committed once per run key (parquet_sink.py).

The same steps as the Iceberg path (execute.py), with the commit marker in the place of the snapshot:
a run key with a marker is already committed; the incremental state is saved after the marker, and a
state file behind the job's latest marker (a crash between the two) is replaced by the marker's state.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from .destination import ConfigError, storage

# execute.py's steps, shared as they are (its module owns them)
from .execute import Context, Outcome, _Cursor, _load, _metrics
from .exitcodes import ExitCode
from .parquet_sink import Commit, Table
from .paths import slug
from .s3settings import DEFAULT_TARGET_SIZE_MB, location
from .spec import JobSpec
from .state import Incremental


def execute_parquet(ctx: Context) -> Outcome:
    from .schema import table_schema
    from .sources import open_source
    from .validate import Validator

    spec = ctx.spec
    started = time.monotonic()
    ts = table_schema(spec)
    table = _open(ctx)
    commits = table.commits()
    run = slug(ctx.run_key)
    earlier = next((c for c in commits if c.run == run), None)
    if earlier is not None and not ctx.restart:
        return Outcome(ExitCode.OK, "already_committed", {"committed_run_id": table.read(earlier).get("run_id")})
    state = _state(ctx, table, commits[-1] if commits else None) if spec.keeps_state else {}
    source = open_source(spec, ctx.paths, state, ctx.env)
    ctx.log.event("source_opened", **source.describe())
    validator = Validator(ts, (ctx.nominal or datetime.now(UTC)).astimezone(UTC).date())
    cursor = _Cursor(spec, state)
    size = spec.target.parquet_target_size_mb or DEFAULT_TARGET_SIZE_MB
    writer = table.writer(ctx.run_key, ts.arrow, size, spec.target.partitioning)
    try:
        counts = _load(ctx, source, validator, cursor, writer)
        ctx.stop.check()  # a stop requested while reading: abandon the staged files, publish nothing
        next_state = {**source.next_state(), **cursor.state()} if spec.keeps_state else {}
        meta = {"run_id": ctx.run_id, "run_key": ctx.run_key, "job": spec.id, "tenant": spec.tenant}
        written, marker = writer.commit(meta, next_state)
    except BaseException:
        writer.abort()
        raise
    if spec.keeps_state:
        seq = int(marker.rsplit("/", 1)[1].split("--", 1)[0])
        ctx.store.save_incremental(spec.tenant, spec.id, Incremental(next_state, seq))
    out = _metrics(counts, written, validator.reasons, time.monotonic() - started)
    out["location"] = f"s3://{table.location}/"
    out["commit_marker"] = f"s3://{marker}"
    if counts[1]:  # invalid records
        return Outcome(ExitCode.PARTIAL, "partial", out, retryable=False)
    return Outcome(ExitCode.OK, "success", out)


def _open(ctx: Context) -> Table:
    spec = ctx.spec
    settings = storage(spec.target, ctx.env)
    where = location(settings, spec.target.parquet_path or _no_path(spec))
    ctx.log.event(
        "storage_configured",
        level="DEBUG",
        location=f"s3://{where}/",
        endpoint=settings.endpoint,
        scheme=settings.scheme,
        region=settings.region,
        path_style=settings.path_style,
        credentials="given" if settings.access_key else "AWS default chain",
    )
    table = Table(settings, where, spec.id)
    table.check_bucket()
    return table


def _no_path(spec: JobSpec) -> str:
    raise ConfigError(
        f"job {spec.id} writes Parquet files but its plan has no target.parquet_path",
        "compile the project again with this dativo version",
    )


def _state(ctx: Context, table: Table, latest: Commit | None) -> dict[str, Any]:
    """The incremental state to start from: the state file, unless the job's latest commit is newer."""
    saved = ctx.store.load_incremental(ctx.spec.tenant, ctx.spec.id)
    if latest is None or saved.snapshot_id == latest.seq:
        return saved.state
    state: dict[str, Any] = table.read(latest).get("state", {})
    if state != saved.state:
        ctx.log.event(
            "state.from_table",
            level="WARNING",
            commit=latest.seq,
            detail="the incremental state file is behind the files (a run committed after it was saved); "
            "starting from the state of the job's latest commit marker",
        )
    return state
