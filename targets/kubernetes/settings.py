"""`targets.kubernetes` in dativo.yaml: how the CronJobs run (image, namespace, secrets, volumes, limits).

Every field has a default, so an empty block (or none) gives working manifests.
`{tenant}` in a name is replaced by the tenant's Kubernetes form (lowercase, `_` -> `-`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from dativo.compiler import codes

#: the code of a value of `targets.kubernetes` this model refuses (the compiler validates it, once)
CODE = codes.K8S_SETTINGS


def _number_as_quantity(value: object) -> object:
    # YAML reads `cpu: 1` as an int and `cpu: 0.5` as a float; Kubernetes takes either as a quantity
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a quantity is a finite number, got {value!r}")
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


Quantity = Annotated[str, BeforeValidator(_number_as_quantity)]

#: the only placeholder in names; str.replace, never str.format (no attribute or index lookups)
TENANT = "{tenant}"


class Resources(BaseModel):
    """Container requests and limits, as Kubernetes spells them (`cpu`, `memory`, ...: quantity strings)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # A memory limit but no CPU limit: an ingestion that leaks is stopped, a busy node only slows it down.
    # Numbers are accepted as YAML writes them (`cpu: 1`, `cpu: 0.5`) and emitted as quantity strings.
    requests: dict[str, Quantity] = Field(default_factory=lambda: {"cpu": "250m", "memory": "512Mi"})
    limits: dict[str, Quantity] = Field(default_factory=lambda: {"memory": "2Gi"})


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    #: the ingestion image: `dativo` on PATH and the project (with generated/plan.json) at deploy.project_dir
    image: str = "ghcr.io/dativo/dativo-ingest:latest"
    #: None leaves Kubernetes' default: Always for `:latest`, IfNotPresent for a pinned tag
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = None
    image_pull_secrets: list[str] = Field(default_factory=list)
    #: per tenant with `{tenant}` in it (the default), else one shared namespace for every tenant
    namespace: str = "dativo-{tenant}"
    #: None runs as the namespace's `default` service account
    service_account: str | None = None
    #: `dativo run` never calls the Kubernetes API, so no token is mounted unless asked for
    automount_service_account_token: bool = False
    resources: Resources = Field(default_factory=Resources)
    #: Secrets whose keys become environment variables (the `${ENV_VAR}` references of the configs)
    env_from_secrets: list[str] = Field(default_factory=lambda: ["dativo-{tenant}-secrets"])
    #: a PersistentVolumeClaim mounted at the state dir `dativo run` resolves in the pod (deploy.state_dir, under
    #: project_dir when it is under container_root) so state and locks outlive the pod; None: no mount
    state_volume_claim: str | None = "dativo-{tenant}-state"
    #: further pod volumes and container mounts, written as Kubernetes spells them (passed through)
    #: (every number in them is finite: the compiler checks the whole `targets` block before this model)
    volumes: list[dict[str, Any]] = Field(default_factory=list)
    volume_mounts: list[dict[str, Any]] = Field(default_factory=list)
    node_selector: dict[str, str] = Field(default_factory=dict)
    #: how late a missed run may still start; Kubernetes checks it only about every 10 s, so at least 10
    starting_deadline_seconds: int = Field(default=300, ge=10)
    successful_jobs_history_limit: int = Field(default=3, ge=0)
    failed_jobs_history_limit: int = Field(default=3, ge=0)
