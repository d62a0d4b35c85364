"""`registry/connectors.yaml`: connector types and their capabilities (not recipes).

Two forms, as dativo-ingest's validator reads them: `connectors:` with `roles` per type, and the legacy
`sources:` / `targets:` sections, where the section is the role. A type in `connectors:` is looked up
there first (upstream tries the unified form first); the legacy sections add the types it lacks, a type in
both sections getting both roles (with the `sources:` entry's capabilities, which upstream reads to
validate a job's source; for a target it checks the type exists). Everyone reads `connectors`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

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


class LegacyRegistryConnector(RegistryConnector):
    """An entry of `sources:` or `targets:`: its section names the role."""

    roles: list[Role] | None = Field(None, min_length=1)  # type: ignore[assignment]


class Registry(Model):
    version: Literal[2, 3]
    connectors: dict[str, RegistryConnector] = Field(default_factory=dict)
    sources: dict[str, LegacyRegistryConnector] | None = None
    targets: dict[str, LegacyRegistryConnector] | None = None

    @model_validator(mode="after")
    def _legacy_sections(self) -> Registry:
        if self.sources is None and self.targets is None:
            if "connectors" not in self.model_fields_set:
                raise ValueError("the registry needs 'connectors' (or the legacy 'sources' and 'targets')")
            return self
        legacy: dict[str, RegistryConnector] = {}
        for role, section in (("source", self.sources or {}), ("target", self.targets or {})):
            for name, entry in section.items():
                if name in self.connectors:
                    continue
                if name in legacy:
                    legacy[name] = legacy[name].model_copy(update={"roles": [*(legacy[name].roles or []), role]})
                else:
                    legacy[name] = entry.model_copy(update={"roles": [role]})
        self.connectors = {**self.connectors, **dict(sorted(legacy.items()))}
        return self
