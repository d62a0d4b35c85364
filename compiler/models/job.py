"""Job configs (`jobs/<tenant>/*.yaml`): one source object into one Iceberg table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .common import EngineBlock, Free, Model, RetryConfig
from .governance import GovernanceOverrides, JobFinops


class TableRef(Model):
    name: str
    object: str | None = None
    cursor_field: str | None = None


class FileRef(Model):
    path: str
    object: str | None = None
    file_format: Literal["csv", "jsonl", "parquet"] | None = None


class JobIncremental(Model):
    strategy: str | None = None
    cursor_field: str | None = None
    lookback_days: int | None = Field(None, ge=0)


class JobSource(Model):
    object: str | None = None
    objects: list[str] | None = None
    tables: list[TableRef] | None = None
    files: list[FileRef] | None = None
    connection: dict[str, Free] | None = None
    incremental: JobIncremental | None = None
    engine: EngineBlock | None = None


class JobTarget(Model):
    branch: str | None = None
    warehouse: str | None = None
    catalog: str | None = None
    namespace: str | None = None
    table: str | None = None
    file_format: str | None = None
    partitioning: list[str] | None = None
    connection: dict[str, Free] | None = None
    engine: EngineBlock | None = None
    parquet_target_size_mb: int | None = Field(None, ge=1)  # an s3/minio target's Parquet file size


class Logging(Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    redaction: bool = True

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v


class Job(Model):
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
    schema_validation_mode: Literal["strict", "warn"] = "strict"
    logging: Logging = Field(default_factory=Logging)
    retry_config: RetryConfig | None = None
    # governance metadata over the asset's, into the table properties (compiler/tableprops.py)
    classification_overrides: dict[str, str] | None = None  # column -> classification; `default`: the table's
    finops: JobFinops | None = None
    governance_overrides: GovernanceOverrides | None = None
