"""Pydantic models of every config file dativo reads; JSON Schemas are generated from them."""

from pydantic import BaseModel

from .asset import LegacyAsset, OdcsAsset
from .dag import Dag
from .job import Job
from .project import ProjectFile
from .recipe import Recipe
from .registry import Registry
from .runner import RunnerConfig

#: schema file stem -> model; `dativo schema` writes one JSON Schema per entry
SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "asset": LegacyAsset,
    "asset-odcs": OdcsAsset,
    "connector": Recipe,
    "dag": Dag,
    "job": Job,
    "project": ProjectFile,
    "registry": Registry,
    "runner": RunnerConfig,
}

__all__ = [
    "SCHEMA_MODELS",
    "Dag",
    "Job",
    "LegacyAsset",
    "OdcsAsset",
    "ProjectFile",
    "Recipe",
    "Registry",
    "RunnerConfig",
]
