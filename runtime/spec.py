"""The resolved job spec: what the compiler hands the runtime (inside plan.json).

It lives in the runtime package because the runtime owns its input contract and
must never import the compiler; the compiler builds these objects.
Paths are project-relative POSIX paths; secrets appear only as references
(`${ENV}` placeholders, environment variable names, secret file paths).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .exitcodes import ExitCode


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ColumnSpec(Spec):
    name: str
    type: str
    required: bool = False
    classification: str | None = None
    precision: int | None = None
    scale: int | None = None


class AssetSpec(Spec):
    name: str
    version: str
    form: Literal["legacy", "odcs"]
    path: str
    source_type: str
    object: str
    columns: list[ColumnSpec]
    mode: Literal["strict", "merge", "relaxed"] = "strict"
    key_columns: list[str] = Field(default_factory=list)
    id: str | None = None  # the asset's `id`, or one derived from what it is (compiler/assetview.py)


class TableSpec(Spec):
    name: str
    object: str | None = None
    cursor_field: str | None = None


class FileSpec(Spec):
    path: str
    object: str | None = None
    file_format: str | None = None


class IncrementalSpec(Spec):
    """Present only when the job turns incremental reads on; a job without it is a full load, and the
    runtime neither reads, applies nor saves incremental state for it."""

    strategy: str
    cursor_field: str | None = None
    lookback_days: int = 0


class CredentialsSpec(Spec):
    type: str
    from_env: str | None = None
    file: str | None = None


class SourceSpec(Spec):
    connector: str
    type: str
    engine: str
    engine_options: dict[str, Any] = Field(default_factory=dict)
    objects: list[str] = Field(default_factory=list)
    tables: list[TableSpec] = Field(default_factory=list)
    files: list[FileSpec] = Field(default_factory=list)
    connection: dict[str, Any] = Field(default_factory=dict)
    incremental: IncrementalSpec | None = None
    credentials: CredentialsSpec | None = None
    # dativo-ingest's Python plugin `path/to/module.py:ClassName` (project path or mount) that reads the source
    # instead of the connector (runtime/sources/plugin.py)
    custom_reader: str | None = None


class MarkdownKvSpec(Spec):
    """`target.markdown_kv_storage`: each record becomes a Markdown-KV document (runtime/markdown_kv.py). The
    compiler refuses dativo-ingest's `raw_file` mode and `hybrid` pattern, so neither reaches a plan."""

    mode: Literal["string", "structured"]
    structured_pattern: Literal["row_per_kv", "document_level"] | None = None
    # the record field that names the document; None: dativo-ingest's list of id fields (markdown_kv.py)
    doc_id_field: str | None = None


class TargetSpec(Spec):
    connector: str
    type: str
    engine: str
    catalog: str | None = None
    warehouse: str | None = None
    branch: str | None = None
    namespace: str
    table: str
    file_format: str = "parquet"
    partitioning: list[str] = Field(default_factory=list)
    connection: dict[str, Any] = Field(default_factory=dict)
    credentials: CredentialsSpec | None = None  # catalog and storage keys, e.g. /app/secrets/<tenant>/iceberg.env
    # an `s3`/`minio` target without a catalog writes Parquet files (destination.writes: the rule)
    writes: Literal["iceberg", "parquet"] = "iceberg"
    parquet_target_size_mb: int | None = None  # the Parquet files' size; None: dativo-ingest's 150
    # where a Parquet target's files go below s3://<bucket>/<prefix>/: dativo-ingest's
    # `<domain>/<dataProduct>/<table>` from the asset (s3settings.data_path); None for Iceberg (set for a
    # custom_writer's target: its output_base below the bucket, runtime/plugin_writer.py)
    parquet_path: str | None = None
    # the governance metadata set on the table on commit (compiler/tableprops.py; docs/runtime.md#table-properties):
    # sorted by name, never a secret (no `${VAR}` is expanded into them)
    table_properties: dict[str, str] = Field(default_factory=dict)
    # dativo-ingest's Python plugin `path/to/module.py:ClassName` (project path or mount) that writes the rows
    # instead of the target's connector (runtime/plugin_writer.py)
    custom_writer: str | None = None
    # dativo-ingest's Markdown-KV storage: the rows written are the documents made of each record read
    markdown_kv_storage: MarkdownKvSpec | None = None


# A `retry_config` block's defaults, key by key: dativo-ingest's RetryConfig (the one home of these values;
# the compiler's RetryConfig in models/common.py uses them too). Retries belong to the runtime, so targets
# keep native retries at 0. A partial load (exit 1) is listed as dativo-ingest lists it, but this runtime
# never retries one: its rows are committed (runtime/retry.py).
DEFAULT_MAX_RETRIES = 3
DEFAULT_INITIAL_DELAY_SECONDS = 5.0
DEFAULT_MAX_DELAY_SECONDS = 300.0
DEFAULT_BACKOFF_MULTIPLIER = 2.0
DEFAULT_RETRYABLE_EXIT_CODES: tuple[int, ...] = (int(ExitCode.PARTIAL), int(ExitCode.FAIL))
# A job with no retry_config (and no runner default) is not retried: dativo-ingest builds no retry policy then.
NO_POLICY_MAX_RETRIES = 0


def default_retryable_exit_codes() -> list[int]:
    return list(DEFAULT_RETRYABLE_EXIT_CODES)


class RetrySpec(Spec):
    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay_seconds: float = DEFAULT_INITIAL_DELAY_SECONDS
    max_delay_seconds: float = DEFAULT_MAX_DELAY_SECONDS
    backoff_multiplier: float = DEFAULT_BACKOFF_MULTIPLIER
    retryable_exit_codes: list[int] = Field(default_factory=default_retryable_exit_codes)
    retryable_error_patterns: list[str] = Field(default_factory=list)


def no_retry_policy() -> RetrySpec:
    """The policy of a job that names none: one attempt."""
    return RetrySpec(max_retries=NO_POLICY_MAX_RETRIES)


class LoggingSpec(Spec):
    level: str = "INFO"
    redaction: bool = True


class JobSpec(Spec):
    id: str  # the job file, project-relative
    tenant: str
    environment: str | None = None
    source: SourceSpec
    target: TargetSpec
    asset: AssetSpec
    schema_validation_mode: Literal["strict", "warn"] = "strict"
    logging: LoggingSpec = Field(default_factory=LoggingSpec)
    retry: RetrySpec = Field(default_factory=no_retry_policy)
    # runtime mounts the job reads (absolute paths outside the project: secrets, data volumes), sorted:
    # the deployer mounts them; the runtime checks them before it starts (runtime/paths.require_mounts)
    mounts: list[str] = Field(default_factory=list)

    @property
    def keeps_state(self) -> bool:
        """Only a job whose source turns incremental on keeps incremental state; a full load (dativo-ingest's
        default) reads, applies and saves none, whichever way it writes."""
        return self.source.incremental is not None
