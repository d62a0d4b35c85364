"""A job's governance keys (dativo-ingest's JobConfig: `classification_overrides`, `finops`,
`governance_overrides`): merged over the asset's metadata into the table properties
(compiler/tableprops.py). Closed like every model: only the keys dativo-ingest's tag derivation reads."""

from __future__ import annotations

from pydantic import Field

from .common import Model


class JobFinops(Model):
    """Over the asset's `finops`, key by key (dativo-ingest's tag_derivation: the job's value wins)."""

    cost_center: str | None = None
    business_tags: list[str] | str | None = None
    project: str | None = None
    environment: str | None = None


class GovernanceOverrides(Model):
    """Over the asset's `compliance.retention_days` and team owner; `owner: ""` removes the owner."""

    retention_days: int | None = Field(None, ge=0)
    owner: str | None = None
