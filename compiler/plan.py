"""The plan: the target-neutral compile result (docs/architecture.md#the-plan-contract).

Targets render from it, `compile --check` compares it with the committed one, and the
runtime executes a job spec from it. Sorted keys, no timestamps, no machine paths.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from dativo.runtime.spec import JobSpec, RetrySpec

PLAN_VERSION = 1

#: tenant ids and schedule names (DTV501): a letter or digit, then letters, digits, '_' or '-', at most 63 in all.
#: Every target puts them in file, unit, DAG and object names; anything else would need a per-target escape.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")  # use fullmatch: "$" would accept a trailing newline


def _fields(obj: object) -> dict:
    if isinstance(obj, BaseModel):
        return obj.__dict__
    raise TypeError(f"{type(obj).__name__} is not plan data")


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ScheduleEntry(PlanModel):
    id: str  # "<tenant>.<name>"
    name: str
    tenant: str
    kind: Literal["job", "dag"]
    job: str | None = None  # key into Plan.jobs
    dag: str | None = None
    cron: list[str]  # one or more five-field lines, all in `timezone`
    interval_seconds: int | None = None  # when the cron lines came from an interval
    timezone: str
    enabled: bool
    max_concurrent_runs: int
    tags: dict[str, str] = Field(default_factory=dict)
    retry: RetrySpec
    concurrency_key: str  # the runtime's tenant lock key
    inputs: list[str]  # project files this schedule depends on (keys of Plan.inputs)


class DagTaskEntry(PlanModel):
    id: str
    job: str  # key into Plan.jobs
    params: dict[str, Any] = Field(default_factory=dict)
    retries: int = 0  # extra attempts of this task, on top of the job's own retry policy
    depends_on: list[str] = Field(default_factory=list)  # task ids, sorted


class DagEntry(PlanModel):
    name: str
    tenant: str
    tasks: list[DagTaskEntry]  # in a stable topological order: run them top to bottom


class TenantEntry(PlanModel):
    concurrency: int
    schedules: list[str]


class Deployment(PlanModel):
    container_root: str
    project_dir: str
    dativo_bin: str
    state_dir: str
    plan_path: str  # where plan.json is on the workers: every artifact runs `dativo run --plan <this>`
    mode: Literal["self_hosted", "cloud"]


class Plan(PlanModel):
    version: int = PLAN_VERSION
    orchestrator: str
    runner_mode: str
    deployment: Deployment
    tenants: dict[str, TenantEntry]
    schedules: dict[str, ScheduleEntry]
    jobs: dict[str, JobSpec]
    dags: dict[str, DagEntry] = Field(default_factory=dict)  # dag file (project-relative) -> DAG
    inputs: dict[str, str]  # project-relative path -> content digest
    targets: dict[str, dict] = Field(default_factory=dict)  # per-target settings from dativo.yaml

    def to_json(self) -> str:
        # orjson, not json.dumps: with indent, the standard library falls back to its pure-Python
        # encoder (0.6 s for a 2,000-job plan); the bytes are the same (sorted keys, indent 2, UTF-8).
        # Models go in as their field dicts, which is what model_dump gives for these plain models.
        # Floats are written shortest-round-trip by both; only exponents differ (1e-07 vs 1e-7).
        try:
            return (
                orjson.dumps(self, default=_fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode() + "\n"
            )
        except orjson.JSONEncodeError:  # integers past 64 bits (an engine option, say): the slow, exact path
            return json.dumps(self.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.model_validate_json(text)
