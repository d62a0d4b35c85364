"""`registry/connectors.yaml`: connector types and their capabilities (not recipes)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Engine, Model, Role


class RegistryConnector(Model):
    roles: list[Role] = Field(min_length=1)
    category: str | None = None
    default_engine: Engine
    engines_supported: list[Engine] = Field(min_length=1)
    allowed_in_cloud: bool = True
    supports_incremental: bool = False
    incremental_strategy_default: str | None = None
    objects_supported: list[str] | None = None
    requires_tables: bool = False
    supports_queries: bool = False
    file_formats: list[str] | None = None
    supports_schema_evolution: bool = False


class Registry(Model):
    version: Literal[3]
    connectors: dict[str, RegistryConnector]
