"""Connector recipes (`connectors/*.yaml`): engine, credentials and defaults for one connector."""

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
    roles: list[Role] = Field(min_length=1)
    description: str | None = None
    default_engine: EngineBlock | None = None
    credentials: Credentials | None = None
    incremental: RecipeIncremental | None = None
    rate_limits: dict[str, Free] | None = None
    connection_template: dict[str, Free] | None = None
    file_format: str | None = None
    partitioning_default: list[str] | None = None
