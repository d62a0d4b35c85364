"""Job configs (`jobs/<tenant>/*.yaml`): one source object into one Iceberg table.

Every key dativo-ingest's JobConfig, SourceConfig and TargetConfig accept is typed here with its meaning
there; what this runtime does with each (honours it, warns DTV223, refuses DTV224) is decided in
compiler/checks/upstream_keys.py and listed in docs/configuration.md#keys-from-dativo-ingest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from .common import Free, JobEngineBlock, Model, RetryConfig
from .governance import GovernanceOverrides, JobFinops


class TableRef(Model):
    """A `source.tables[]` entry. dativo-ingest takes any mapping here and its readers use these three keys;
    other keys are kept (`model_extra`) and warned about (DTV223), never dropped silently."""

    model_config = ConfigDict(extra="allow")

    name: str
    object: str | None = None
    cursor_field: str | None = None


class FileRef(Model):
    """A `source.files[]` entry: a local `path`, or a remote file `id` (a Google Drive file id), or both
    (then the id only names the file in dativo-ingest's incremental state)."""

    path: str | None = None
    id: str | None = None
    object: str | None = None
    file_format: Literal["csv", "jsonl", "parquet"] | None = None

    @model_validator(mode="after")
    def _path_or_id(self) -> FileRef:
        if self.path is None and self.id is None:
            raise ValueError("a files entry needs `path` (a file) or `id` (a remote file id)")
        return self


class JobIncremental(Model):
    """`source.incremental`: present and not empty turns incremental reads on (dativo-ingest's rule);
    absent, null or `{}` is a full load."""

    strategy: str | None = None
    cursor_field: str | None = None
    lookback_days: int | None = Field(None, ge=0)
    state_path: str | None = None  # dativo-ingest's state file; this runtime keeps its own (DTV223)

    @property
    def enabled(self) -> bool:
        return bool(self.model_fields_set)


class JobSource(Model):
    type: str | None = None  # dativo-ingest lets it override the recipe's type; must equal it here (DTV224)
    description: str | None = None
    object: str | None = None
    objects: list[str] | None = None
    tables: list[TableRef] | None = None
    files: list[FileRef] | None = None
    sheets: list[dict[str, Free]] | None = None
    connection: dict[str, Free] | None = None
    credentials: dict[str, Free] | None = None
    dsn: str | None = None
    incremental: JobIncremental | None = None
    rate_limits: dict[str, Free] | None = None
    engine: JobEngineBlock | None = None
    custom_reader: str | None = None  # "path/to/module.py:ClassName"


class MarkdownKvStorage(Model):
    """`target.markdown_kv_storage`, with dativo-ingest's allowed values."""

    mode: Literal["string", "raw_file", "structured"]
    structured_pattern: Literal["row_per_kv", "document_level", "hybrid"] | None = None
    file_extension: Literal[".md", ".mdkv"] | None = None
    path_pattern: str | None = None  # raw_file: the file names ({doc_id}, {date}, {timestamp}); refused (DTV247)
    # dativo's: the record field that names each document (else dativo-ingest's id fields; runtime/markdown_kv.py)
    doc_id_field: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _pattern(self) -> MarkdownKvStorage:
        if self.mode == "structured" and self.structured_pattern is None:
            raise ValueError("mode 'structured' needs structured_pattern: row_per_kv, document_level or hybrid")
        return self


class JobTarget(Model):
    type: str | None = None  # as source.type
    branch: str | None = None
    warehouse: str | None = None
    catalog: str | None = None
    namespace: str | None = None
    table: str | None = None
    file_format: str | None = None
    partitioning: list[str] | None = None
    connection: dict[str, Free] | None = None
    engine: JobEngineBlock | None = None
    markdown_kv_storage: MarkdownKvStorage | None = None
    custom_writer: str | None = None  # "path/to/module.py:ClassName"
    parquet_target_size_mb: int | None = Field(None, ge=1)  # an s3/minio target's Parquet file size


class Logging(Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    redaction: bool = True

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v


class CatalogConfig(Model):
    """The job's `catalog`: where dativo-ingest pushes lineage and metadata after a run."""

    type: Literal["openmetadata", "aws_glue", "databricks_unity", "nessie"]
    connection: dict[str, Free]
    database: str | None = None
    table_name: str | None = None
    push_lineage: bool = True
    push_metadata: bool = True


class PluginSandbox(Model):
    enabled: bool = True
    cpu_limit: float | None = Field(None, ge=0.0, le=1.0)
    memory_limit: str | None = None  # e.g. "512m"
    network_disabled: bool = True
    timeout: int = Field(300, ge=1)  # seconds


class PluginConfig(Model):
    """The job's `plugins`: the sandbox dativo-ingest runs custom readers and writers in."""

    sandbox: PluginSandbox | None = None


class Job(Model):
    schema_ref: str | None = Field(None, alias="$schema")  # an editor's schema hint; no effect
    tenant_id: str = Field(min_length=1)
    environment: str | None = None
    source_connector: str
    source_connector_path: str | None = None
    target_connector: str
    target_connector_path: str | None = None
    asset: str
    asset_path: str | None = None
    source: JobSource = Field(default_factory=JobSource)
    target: JobTarget = Field(default_factory=JobTarget)
    catalog: CatalogConfig | None = None
    plugins: PluginConfig | None = None
    schema_validation_mode: Literal["strict", "warn"] = "strict"
    logging: Logging = Field(default_factory=Logging)
    retry_config: RetryConfig | None = None
    # governance metadata over the asset's, into the table properties (compiler/tableprops.py)
    classification_overrides: dict[str, str] | None = None  # column -> classification; `default`: the table's
    finops: JobFinops | None = None
    governance_overrides: GovernanceOverrides | None = None
