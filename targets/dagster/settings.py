"""Settings of the Dagster target: `targets: {dagster: {...}}` in dativo.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dativo.compiler import codes

#: the code of a value of `targets.dagster` this model refuses (the compiler validates it, once)
CODE = codes.DAGSTER_SETTINGS


class Settings(BaseModel):
    """Every field has a default, so an absent `targets.dagster` block is valid."""

    model_config = ConfigDict(extra="forbid", strict=True)

    #: the instance-wide cap of the QueuedRunCoordinator in dagster.yaml; -1 means no cap beyond the
    #: per-tenant and per-schedule limits (Dagster's own default would be 10 runs)
    max_concurrent_runs: int = Field(default=-1, ge=-1)
    #: how often the run queue daemon looks for runs to start (None: Dagster's default)
    dequeue_interval_seconds: int | None = Field(default=None, ge=1)
