"""Connector recipes (`connectors/*.yaml`): engine, credentials and defaults for one connector.

Two forms, as dativo-ingest reads them: the unified form names its `roles`; the legacy form (upstream's
SourceConnectorRecipe and TargetConnectorRecipe, from before roles) has none, and serves as a source
when it has `credentials` and as a target when it has a `connection_template` (the keys each of
upstream's legacy models requires)."""

from __future__ import annotations

from pydantic import Field

from .common import EngineBlock, Free, Model, Role


class Credentials(Model):
    type: str
    from_env: str | None = None
    file_template: str | None = None


class RecipeIncremental(Model):
    strategy: str | None = None
    cursor_field_default: str | None = None
    lookback_days_default: int | None = Field(None, ge=0)


class Recipe(Model):
    name: str
    type: str
    roles: list[Role] | None = Field(None, min_length=1)  # None: the legacy form
    description: str | None = None
    default_engine: EngineBlock | None = None
    credentials: Credentials | None = None
    incremental: RecipeIncremental | None = None
    rate_limits: dict[str, Free] | None = None
    connection_template: dict[str, Free] | None = None
    file_format: str | None = None
    partitioning_default: list[str] | None = None

    @property
    def serves(self) -> list[Role]:
        """The roles this recipe can play: its `roles`, or in the legacy form those its keys imply."""
        if self.roles is not None:
            return self.roles
        implied: list[Role] = []
        if self.credentials is not None:
            implied.append("source")
        if self.connection_template is not None:
            implied.append("target")
        return implied
