"""`targets.kubernetes` in dativo.yaml: how the CronJobs run (image, namespace, secrets, volumes, limits).

Every field has a default, so an empty block (or none) gives working manifests.
`{tenant}` in a name is replaced by the tenant's Kubernetes form (lowercase, `_` -> `-`).
"""

from __future__ import annotations

import math
import os
import sys
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
#: the user and group of the Dockerfile's image (a fixed number: runAsNonRoot can check only a numeric user)
IMAGE_UID = 10001


def _version() -> str:
    """This dativo's version, from the name of the dist-info folder it was installed with (pip, an editable
    install), found on sys.path in the order importlib.metadata looks. importlib.metadata.version gives
    the same, but its import and its parse of METADATA (the email package) cost a compile 20 ms for this
    one string; it is asked only where no such folder is found."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file or a missing folder on the path
            continue
        for name in names:
            if name.startswith("dativo-") and name.endswith(".dist-info"):
                return name.removeprefix("dativo-").removesuffix(".dist-info")
    from importlib import metadata

    return metadata.version("dativo")


#: what `make image` tags (Dockerfile): this dativo's version, never a floating `:latest`; a deployment
#: pushes it to its registry and sets `image` to the pushed reference (docs/deploy.md)
DEFAULT_IMAGE = f"dativo:{_version()}"
#: activeDeadlineSeconds of a run: long enough for retries and a backfill, short of blocking a Forbid schedule
DEFAULT_TIMEOUT_SECONDS = 6 * 3600


class Resources(BaseModel):
    """Container requests and limits, as Kubernetes spells them (`cpu`, `memory`, ...: quantity strings)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # A memory limit but no CPU limit: an ingestion that leaks is stopped, a busy node only slows it down.
    # Numbers are accepted as YAML writes them (`cpu: 1`, `cpu: 0.5`) and emitted as quantity strings.
    requests: dict[str, Quantity] = Field(default_factory=lambda: {"cpu": "250m", "memory": "512Mi"})
    limits: dict[str, Quantity] = Field(default_factory=lambda: {"memory": "2Gi"})


class SecurityContext(BaseModel):
    """The pod's and container's securityContext, hardened by default (docs/deploy.md#kubernetes)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    run_as_non_root: bool = True
    #: None leaves the image's USER (runAsNonRoot then needs a numeric one in the image)
    run_as_user: int | None = Field(default=IMAGE_UID, ge=0)
    run_as_group: int | None = Field(default=IMAGE_UID, ge=0)
    #: the group volumes are made writable for (the state volume)
    fs_group: int | None = Field(default=IMAGE_UID, ge=0)
    #: the state volume and an emptyDir at /tmp stay writable
    read_only_root_filesystem: bool = True
    allow_privilege_escalation: bool = False
    drop_capabilities: list[str] = Field(default_factory=lambda: ["ALL"])
    seccomp_profile: Literal["RuntimeDefault", "Unconfined"] | None = "RuntimeDefault"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    #: the ingestion image: `dativo` on PATH and the project (with generated/plan.json) at deploy.project_dir
    image: str = DEFAULT_IMAGE
    #: accept an image without a tag or digest, or tagged `:latest` (refused by default: DTV545)
    allow_floating_image: bool = False
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
    #: a pod starts without those Secrets (a job that needs one of their variables fails, naming it)
    env_from_secrets_optional: bool = True
    security_context: SecurityContext = Field(default_factory=SecurityContext)
    #: activeDeadlineSeconds of every run, and per schedule id (`acme.orders_csv_morning: 600`)
    timeout_seconds: int = Field(default=DEFAULT_TIMEOUT_SECONDS, ge=1)
    schedule_timeouts: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
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
