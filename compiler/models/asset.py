"""Asset definitions (data contracts), in the legacy form and the flat ODCS v3 form.

Both forms accept every key dativo-ingest's AssetDefinition accepts (config.py), typed; its legacy
form is migrated to the ODCS meaning by compiler/assetview.py (`governance.owner` -> team owner,
`governance.tags` -> tags, `governance.classification`/`retention_days` -> compliance)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from dativo.runtime.coltypes import ColumnType

from .common import Free, Model, version_text


class Column(Model):
    name: str = Field(min_length=1)
    type: ColumnType
    required: bool = False
    classification: str | None = None
    description: str | None = None
    precision: int | None = Field(None, ge=1, le=38)
    scale: int | None = Field(None, ge=0, le=38)
    # ODCS column extras, accepted as written
    unique: bool | None = None
    physicalType: str | None = None
    businessName: str | None = None
    examples: list[Free] | None = None
    quality: list[dict[str, Free]] | None = None


class AssetTarget(Model):
    file_format: str | None = None
    partitioning: list[str] | None = None
    # `warn` appears in dativo-ingest's assets, whose runtime never reads asset target.mode: DTV225 says so
    mode: Literal["strict", "merge", "relaxed", "warn"] = "strict"
    key_columns: list[str] | None = None


class Governance(Model):
    """The legacy form's governance block: migrated as dativo-ingest migrates it (assetview.py)."""

    owner: str | None = None
    tags: list[str] = Field(default_factory=list)
    classification: list[str] | None = None
    retention_days: int | None = Field(None, ge=0)


class Compliance(Model):
    classification: list[str] = Field(default_factory=list)
    retention_days: int | None = Field(None, ge=0)
    regulations: list[str] = Field(default_factory=list)
    # free-form as before: dativo-ingest reads access_control and encryption_required, and projects written
    # for dativo carry more (examples/: row_level, masked_columns); none of it is applied (DTV225)
    security: dict[str, Free] | None = None
    user_consent_required: bool | None = None


class Finops(Model):
    cost_center: str | None = None
    business_tags: list[str] = Field(default_factory=list)
    project: str | None = None
    environment: str | None = None


class Description(Model):
    """ODCS `description`: each part may be null (dativo-ingest's fixtures write `limitations: null`)."""

    purpose: str | None = None
    limitations: str | None = None
    usage: str | None = None


class TeamRole(Model):
    name: str | None = None
    email: str | None = None
    responsibility: str | None = None


class Team(Model):
    owner: str | None = None
    roles: list[TeamRole] = Field(default_factory=list)


class Monitoring(Model):
    enabled: bool = False
    oncall_rotation: str | None = None

    @model_validator(mode="after")
    def _oncall(self) -> Monitoring:
        # dativo-ingest's rule: enabled monitoring names who is paged
        if self.enabled and not self.oncall_rotation:
            raise ValueError("oncall_rotation is required when monitoring.enabled is true")
        return self


class Alerts(Model):
    channels: list[str] = Field(default_factory=list)
    thresholds: dict[str, Free] | None = None


class DataQuality(Model):
    monitoring: Monitoring | None = None
    expectations: list[dict[str, Free]] = Field(default_factory=list)
    alerts: Alerts | None = None


class ChangeManagement(Model):
    policy: str | None = None
    approval_required: bool | None = None
    notification_channels: list[str] = Field(default_factory=list)
    version_history: bool | None = None


class AssetBody(Model):
    """The keys both forms share (dativo-ingest parses a legacy body with the ODCS model after migration)."""

    id: str | None = None  # generated deterministically when absent (assetview.asset_id)
    name: str = Field(min_length=1)
    version: str
    status: str | None = None
    source_type: str
    object: str
    columns: list[Column] = Field(alias="schema", min_length=1)
    domain: str | None = None
    dataProduct: str | None = None
    tenant: str | None = None
    team: Team | None = None
    compliance: Compliance | None = None
    finops: Finops | None = None
    data_quality: DataQuality | None = None
    change_management: ChangeManagement | None = None
    description: str | Description | None = None
    tags: list[str] | None = None
    target: AssetTarget = Field(default_factory=AssetTarget)
    contractCreatedTs: str | None = None

    _version = field_validator("version", mode="before")(version_text)


class LegacyAssetBody(AssetBody):
    governance: Governance | None = None
    schema_url: str | None = Field(None, alias="$schema")
    apiVersion: str | None = Field(None, pattern=r"^v3\.0\.\d+$")
    kind: Literal["DataContract"] | None = None


class LegacyAsset(Model):
    """`asset: {name, source_type, object, version, schema, governance, compliance, finops, target, ...}`."""

    asset: LegacyAssetBody


class OdcsAsset(AssetBody):
    """Flat ODCS v3.0.x data contract with dativo's `source_type`, `object` and `target` extensions."""

    schema_url: str | None = Field(None, alias="$schema")
    apiVersion: str = Field(pattern=r"^v3\.0\.\d+$")
    kind: Literal["DataContract"]
