"""`dativo.yaml`: optional project file (paths, container root, deployment and target settings)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from dativo.runtime import deploydefaults
from dativo.targets import REGISTRY

from .. import pathdefaults
from .common import Free, Model

#: a target's name: the keys of the target registry
TargetName = Literal[tuple(REGISTRY)]  # type: ignore[valid-type]  # (built from the registry: one list)


class Paths(Model):
    registry: str | None = None
    connectors: str = pathdefaults.CONNECTORS
    assets: str = pathdefaults.ASSETS
    jobs: str = pathdefaults.JOBS
    runner: str = pathdefaults.RUNNER
    dags: str = pathdefaults.DAGS
    out: str = pathdefaults.OUT


class Deploy(Model):
    """Where the project lives on the workers; artifacts never carry the compiling machine's paths."""

    project_dir: str | None = None  # default: the container root
    dativo_bin: str = deploydefaults.DATIVO_BIN
    state_dir: str | None = None  # default: <project_dir>/state
    plan_path: str | None = None  # default: <project_dir>/<paths.out>/plan.json


class Tenancy(Model):
    shared_namespaces: list[str] = Field(default_factory=list)


#: an environment's name: it names its output folder (`<paths.out>/<name>`) and `--env NAME`
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


class Environment(Model):
    """`environments.<name>`: one deployment of the same reviewed config (as dbt profiles name targets).
    `deploy` and `targets.<name>` are deep-merged over the project's own, then validated as usual;
    `compile --env NAME` writes the result into `output` (default `<paths.out>/<name>`)."""

    output: str | None = None
    deploy: Deploy = Field(default_factory=Deploy)
    targets: dict[TargetName, dict[str, Free]] = Field(default_factory=dict)  # type: ignore[valid-type]


class ProjectFile(Model):
    version: Literal[1] = 1
    container_root: str = Field(deploydefaults.CONTAINER_ROOT, pattern=r"^/.*")
    mode: Literal["self_hosted", "cloud"] = "self_hosted"
    paths: Paths = Field(default_factory=Paths)
    deploy: Deploy = Field(default_factory=Deploy)
    tenancy: Tenancy = Field(default_factory=Tenancy)
    #: what a partial run is to every target unless a schedule says otherwise (docs/targets.md#partial-runs)
    partial: Literal["fail", "succeed"] = "fail"
    #: one block per target, as written; the compiler validates each once with the target's own settings
    #: model (dativo.targets.settings_model, compiler/emit.py), which the target then receives typed
    targets: dict[TargetName, dict[str, Free]] = Field(default_factory=dict)  # type: ignore[valid-type]
    #: named deployments of this project (docs/configuration.md#environments); none: one, the default
    environments: dict[EnvironmentName, Environment] = Field(default_factory=dict)
