"""The parts of plan.json the runtime reads, validated on load: a plan of the wrong shape (valid
JSON, wrong structure) is one clear error naming the key, never a KeyError or a traceback.
Job specs are validated with runtime/spec.py when a job is picked."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .deploydefaults import CONTAINER_ROOT
from .spec import RetrySpec


class _View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Deployment(_View):
    project_dir: str = CONTAINER_ROOT
    container_root: str = CONTAINER_ROOT
    state_dir: str | None = None
    plan_path: str | None = None


class Schedule(_View):
    id: str
    tenant: str
    kind: Literal["job", "dag"]
    job: str | None = None
    dag: str | None = None
    cron: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    max_concurrent_runs: int = Field(default=1, ge=1)
    retry: RetrySpec = Field(default_factory=RetrySpec)


class Task(_View):
    id: str
    job: str
    retries: int = Field(default=0, ge=0)


class Dag(_View):
    name: str
    tasks: list[Task]


class Tenant(_View):
    concurrency: int = Field(default=1, ge=1)


class PlanView(_View):
    deployment: Deployment = Field(default_factory=Deployment)
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    jobs: dict[str, dict[str, Any]]
    dags: dict[str, Dag] = Field(default_factory=dict)
    tenants: dict[str, Tenant] = Field(default_factory=dict)


def parse(data: Any) -> PlanView | str:
    """The plan's view, or a message naming the first wrong key."""
    if not isinstance(data, dict):
        return f"holds a JSON {type(data).__name__}, not the plan object that `dativo compile` writes"
    try:
        view = PlanView.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        return f"is not a plan of this dativo: {where}: {err['msg']}{more}"
    for sid, s in view.schedules.items():
        ref = s.job if s.kind == "job" else s.dag
        known = view.jobs if s.kind == "job" else view.dags
        if ref is None or ref not in known:
            return f"is not a plan of this dativo: schedules.{sid}.{s.kind}: {ref!r} is not in its {s.kind}s"
    for name, d in view.dags.items():
        for t in d.tasks:
            if t.job not in view.jobs:
                return f"is not a plan of this dativo: dags.{name}.tasks.{t.id}.job: {t.job!r} is not in its jobs"
    return view
