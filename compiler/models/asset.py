"""Asset definitions (data contracts), in the legacy form and the flat ODCS v3 form."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

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
    mode: Literal["strict", "merge", "relaxed"] = "strict"
    key_columns: list[str] | None = None


class Governance(Model):
    owner: str | None = None
    tags: list[str] = Field(default_factory=list)


class Compliance(Model):
    classification: list[str] = Field(default_factory=list)
    retention_days: int | None = Field(None, ge=0)
    regulations: list[str] = Field(default_factory=list)
    security: dict[str, Free] | None = None
    user_consent_required: bool | None = None


class Finops(Model):
    cost_center: str | None = None
    business_tags: list[str] = Field(default_factory=list)
    project: str | None = None
    environment: str | None = None


class LegacyAssetBody(Model):
    name: str = Field(min_length=1)
    source_type: str
    object: str
    version: str
    columns: list[Column] = Field(alias="schema", min_length=1)
    description: str | None = None
    governance: Governance | None = None
    compliance: Compliance | None = None
    finops: Finops | None = None
    target: AssetTarget = Field(default_factory=AssetTarget)

    _version = field_validator("version", mode="before")(version_text)


class LegacyAsset(Model):
    """`asset: {name, source_type, object, version, schema, governance, compliance, finops, target}`."""

    asset: LegacyAssetBody


class TeamRole(Model):
    name: str
    email: str | None = None
    responsibility: str | None = None


class Team(Model):
    owner: str | None = None
    roles: list[TeamRole] = Field(default_factory=list)


class Monitoring(Model):
    enabled: bool = False
    oncall_rotation: str | None = None


class DataQuality(Model):
    monitoring: Monitoring | None = None
    expectations: list[dict[str, Free]] = Field(default_factory=list)
    alerts: dict[str, Free] | None = None


class ChangeManagement(Model):
    policy: str | None = None
    approval_required: bool | None = None
    notification_channels: list[str] = Field(default_factory=list)
    version_history: bool | None = None


class OdcsAsset(Model):
    """Flat ODCS v3.0.x data contract with dativo's `source_type`, `object` and `target` extensions."""

    schema_url: str | None = Field(None, alias="$schema")
    apiVersion: str = Field(pattern=r"^v3\.0\.\d+$")
    kind: Literal["DataContract"]
    id: str
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
    description: str | dict[str, str] | None = None
    tags: list[str] = Field(default_factory=list)
    target: AssetTarget = Field(default_factory=AssetTarget)
    contractCreatedTs: str | None = None

    _version = field_validator("version", mode="before")(version_text)
