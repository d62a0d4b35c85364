"""Python writer plugins, as dativo-ingest defines them: a job's `target.custom_writer` of the form
`path/to/module.py:ClassName` writes the rows instead of the target's connector.

The interface (docs/runtime.md#python-plugins), dativo-ingest's BaseWriter by shape (no base class to
inherit, as for readers):

    class MyWriter:
        def __init__(self, asset_definition, target_config, output_base): ...
        def write_batch(self, records, file_counter):    # records: the valid rows, a list of dicts
            return [{"path": ..., "size_bytes": ...}]    # file metadata (any list of dicts)
        def commit_files(self, file_metadata):           # optional: every batch's metadata, once
            return {"status": "success", "files_added": len(file_metadata)}

Exactly-once is the plugin's part: dativo cannot roll back what a foreign writer wrote. It gives the
writer the run's identity (`target_config.run_id`, `target_config.run_key`, stable across retries and
reruns of one run id) to dedupe by, records the run as committed in its job state only after
`commit_files` returns (a rerun of a committed run id then does nothing), and saves the incremental
state after that too. The at-least-once window: a crash after `commit_files` returned and before the job
state is written makes a rerun (`--resume-policy resume`) hand the same rows, with the same run key,
to the writer again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .execute import Context, Outcome, _Cursor, _load, _metrics
from .exitcodes import ExitCode
from .s3settings import data_path
from .sink import SinkError
from .sources.plugin import kind, load_class
from .sources.records import expanded
from .spec import JobSpec
from .state import Incremental

KEY = "target.custom_writer"


def refusal(spec: JobSpec) -> str | None:
    """Why `dativo run` refuses the job's writer plugin (a Rust plugin is not run), None when it runs."""
    ref = spec.target.custom_writer
    if ref is None or kind(ref) == "python":
        return None
    return f"custom_writer {ref!r} is not a Python plugin (module.py:ClassName); Rust plugins are not run"


@dataclass(frozen=True)
class AssetDefinition:
    """What a writer is given about the rows: the asset's name and schema (dativo-ingest's field names)."""

    name: str
    version: str
    object: str
    source_type: str
    schema: list[dict[str, Any]]
    key_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TargetConfig:
    """The job's resolved target, its `${VAR}` references expanded, and the run's identity to dedupe by."""

    type: str
    connection: dict[str, Any]
    catalog: str | None
    warehouse: str | None
    branch: str | None
    namespace: str
    table: str
    file_format: str
    partitioning: list[str]
    custom_writer: str
    run_id: str
    run_key: str


@dataclass
class Written:
    """What the writer reported, in the shape execute._metrics reads."""

    rows: int = 0
    files: int = 0
    bytes: int = 0
    snapshot_id: None = None


class PluginWriter:
    """The plugin instance behind the `add` the shared load loop calls; its exceptions become SinkErrors
    naming the plugin (the run fails with exit 2, retried as the policy says)."""

    def __init__(self, ctx: Context):
        spec = ctx.spec
        self.reference = str(spec.target.custom_writer)
        self.log = ctx.log
        cls = load_class(self.reference, ctx.paths, "custom_writer", "write_batch", SinkError)
        self.config = _target_config(spec, ctx)
        self.output_base = _output_base(spec, self.config.connection)
        self.instance = self._call("failed to start", cls, _asset_definition(spec), self.config, self.output_base)
        self.metadata: list[dict[str, Any]] = []
        self.written = Written()
        self.calls = 0  # the file counter dativo-ingest passes: 0, 1, ... per write_batch call

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as e:  # the plugin's own failure: named; its traceback only under DATIVO_DEBUG
            from .failures import _debug

            _debug(e, self.log)
            raise SinkError(f"custom_writer {self.reference} {what}: {type(e).__name__}: {e}") from None

    def add(self, batch: Any) -> None:
        if batch.num_rows == 0:
            return
        returned = self._call("failed", self.instance.write_batch, batch.to_pylist(), self.calls)
        self.calls += 1
        self.metadata.extend(m for m in (returned or []) if isinstance(m, dict))
        self.written.rows += batch.num_rows

    def commit(self) -> Any:
        """`commit_files` with every batch's metadata when the class has it; its result (or None)."""
        self.written.files = len(self.metadata)
        sizes = (m.get("size_bytes") for m in self.metadata)
        self.written.bytes = sum(v for v in sizes if isinstance(v, int))
        commit = getattr(self.instance, "commit_files", None)
        return self._call("failed to commit", commit, self.metadata) if callable(commit) else None


def execute_plugin(ctx: Context) -> Outcome:
    """One attempt: source -> validate -> the writer plugin, then `commit_files`, then the state."""
    from .schema import table_schema
    from .sources import open_source
    from .validate import Validator

    spec, started = ctx.spec, time.monotonic()
    ts = table_schema(spec)
    state = ctx.store.load_incremental(spec.tenant, spec.id).state if spec.keeps_state else {}
    source = open_source(spec, ctx.paths, state, ctx.env)
    ctx.log.event("source_opened", **source.describe())
    writer = PluginWriter(ctx)
    ctx.log.event("custom_writer_initialized", custom_writer=writer.reference, output_base=writer.output_base)
    validator = Validator(ts, (ctx.nominal or datetime.now(UTC)).astimezone(UTC).date())
    cursor = _Cursor(spec, state, applied=getattr(source, "own_cursor", False))
    counts = _load(ctx, source, validator, cursor, writer)
    ctx.stop.check()  # a stop requested while reading: commit_files is not called
    next_state = {**source.next_state(), **cursor.state()}
    result = writer.commit()
    reported = result if isinstance(result, dict) else {}  # its status and count only: the rest is the plugin's
    ctx.log.event(
        "custom_writer_committed",
        custom_writer=writer.reference,
        files_added=n if isinstance(n := reported.get("files_added"), int) else len(writer.metadata),
        status=str(reported.get("status", "success")),
    )
    if spec.keeps_state and next_state:  # after commit_files: a crash before this rereads (at least once)
        ctx.store.save_incremental(spec.tenant, spec.id, Incremental(next_state))
    out = _metrics(counts, writer.written, validator.reasons, time.monotonic() - started)
    if counts[1]:  # invalid records
        return Outcome(ExitCode.PARTIAL, "partial", out, retryable=False)
    return Outcome(ExitCode.OK, "success", out)


def _asset_definition(spec: JobSpec) -> AssetDefinition:
    a = spec.asset
    return AssetDefinition(
        name=a.name,
        version=a.version,
        object=a.object,
        source_type=a.source_type,
        schema=[c.model_dump(exclude_none=True) for c in a.columns],
        key_columns=list(a.key_columns),
    )


def _target_config(spec: JobSpec, ctx: Context) -> TargetConfig:
    t = spec.target
    return TargetConfig(
        type=t.type,
        connection=expanded(dict(t.connection), ctx.env, "target.connection"),
        catalog=t.catalog,
        warehouse=t.warehouse,
        branch=t.branch,
        namespace=t.namespace,
        table=t.table,
        file_format=t.file_format,
        partitioning=list(t.partitioning),
        custom_writer=str(t.custom_writer),
        run_id=ctx.run_id,
        run_key=ctx.run_key,
    )


def _output_base(spec: JobSpec, connection: dict[str, Any]) -> str:
    """dativo-ingest's `s3://<bucket>/<domain>/<dataProduct>/<table>` when the target names a bucket (as its
    writer reads it: the `s3:` block, else the `minio:` block; here a flat `bucket` too), under its `prefix`;
    else the table below the warehouse; else `<namespace>/<table>`. `connection` is expanded already."""
    block = connection.get("s3") or connection.get("minio") or connection
    block = block if isinstance(block, dict) else {}
    bucket = str(block.get("bucket") or "").strip("/")
    if bucket:
        prefix = str(block.get("prefix") or "").strip("/")
        path = spec.target.parquet_path or data_path(None, None, spec.target.table)
        return "s3://" + "/".join(p for p in (bucket, prefix, path) if p)
    table = f"{spec.target.namespace}/{spec.target.table}"
    return f"{spec.target.warehouse.rstrip('/')}/{table}" if spec.target.warehouse else table
