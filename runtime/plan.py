"""The plan: the target-neutral compile result, and the contract between the compiler that writes it,
the targets that render from it and the runtime that runs it (docs/architecture.md#the-plan-contract;
schemas/plan.schema.json is generated from these models).

A leaf module: pydantic, the standard library and runtime/spec.py only, so every side can import it.
Sorted keys, no timestamps, no machine paths. `version` is the contract's major version: a change that
an older reader would misread (a new required field, a field whose meaning changes) bumps it, and
`load_plan` refuses a plan of any other major version rather than failing half way through a run.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal, NoReturn

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .jsonpath import json_path
from .spec import AssetSpec, CredentialsSpec, IncrementalSpec, JobSpec, LoggingSpec, RetrySpec

#: the major version of the plan contract this dativo writes and reads
PLAN_VERSION = 1
RECOMPILE = "compile the project again with this dativo (`dativo compile`)"

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
    max_concurrent_runs: int = Field(ge=1)
    tags: dict[str, str] = Field(default_factory=dict)
    retry: RetrySpec
    concurrency_key: str  # the runtime's tenant lock key
    inputs: list[str]  # project files this schedule depends on (keys of Plan.inputs)
    runner: str  # the runner file that declares this schedule (project-relative): where targets point findings
    mounts: list[str] = Field(default_factory=list)  # runtime mounts its job(s) need, sorted (JobSpec.mounts)
    #: what a partial run (exit 1: warn mode skipped invalid records) is to the orchestrator: a failure (the
    #: default) or a success; every target renders it the same way (docs/targets.md#partial-runs)
    partial: Literal["fail", "succeed"] = "fail"


class DagTaskEntry(PlanModel):
    id: str
    job: str  # key into Plan.jobs
    params: dict[str, Any] = Field(default_factory=dict)
    retries: int = Field(default=0, ge=0)  # extra attempts of this task, on top of the job's own retry policy
    depends_on: list[str] = Field(default_factory=list)  # task ids, sorted


class DagEntry(PlanModel):
    name: str
    tenant: str
    tasks: list[DagTaskEntry]  # in a stable topological order: run them top to bottom


class TenantEntry(PlanModel):
    concurrency: int = Field(ge=1)
    schedules: list[str]


class Deployment(PlanModel):
    container_root: str
    project_dir: str
    dativo_bin: str
    state_dir: str
    #: where `dativo run` keeps state on a worker: state_dir, under project_dir when it is under container_root
    #: (runtime/paths.py `deployed`); the Kubernetes target mounts the state volume there
    worker_state_dir: str
    plan_path: str  # where plan.json is on the workers: every artifact runs `dativo run --plan <this>`
    mode: Literal["self_hosted", "cloud"]


def _schema_extra(schema: dict[str, Any]) -> None:
    # a plan on disk always names its version (the default is for the compiler building one), and a reader
    # of this schema reads this major version only
    schema["required"] = ["version", *schema.get("required", [])]
    schema["properties"]["version"]["const"] = PLAN_VERSION


class Plan(PlanModel):
    """plan.json, written by `dativo compile` and read by `dativo run` and every target; `version` is the
    major version of this contract (a reader refuses any other)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, json_schema_extra=_schema_extra)

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
        """The canonical text (what plan.json holds). The last plan's text is kept: a compile writes it and
        digests it (plan_digest), and a frozen plan's text cannot change."""
        global _last_text
        if _last_text is None or _last_text[0] is not self:
            data = _canonical(self)
            _last_text = (self, data.decode(), data)
        return _last_text[1]

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.model_validate_json(text)


class _Shared:
    """orjson's `default`: a model as its field dicts, and a shared spec (`_SHARED_AT`) as its text, written
    once per object and indented for where it sits. A call per model was most of the time of writing a
    2,000-job plan, and one asset's spec (a dozen models) is in hundreds of jobs. JSON strings hold no raw
    newline, so indenting after each newline indents lines only."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[object, orjson.Fragment]] = {}  # the pair keeps the id alive

    def fields(self, obj: object) -> object:
        depth = _SHARED_AT.get(type(obj))
        if depth is None:
            return _fields(obj)
        hit = self._texts.get(id(obj))
        if hit is None:
            text = orjson.dumps(obj, default=_fields, option=_OPTIONS).replace(b"\n", b"\n" + b"  " * depth)
            hit = self._texts[id(obj)] = (obj, orjson.Fragment(text))
        return hit[1]


class PlanError(Exception):
    """A plan that cannot be used (missing, unreadable, another version, wrong shape) or a usage problem
    with one (an unknown job id): `dativo run` reports it and exits 2."""


def load_plan(path: Path) -> Plan:
    """The plan in `path`, validated: a plan of another major version, or of the wrong shape, is one
    PlanError naming the versions or the first wrong field's JSON path."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise PlanError(f"plan {path} not found") from None
    except (OSError, ValueError) as e:
        raise PlanError(f"cannot read plan {path}: {e}") from None
    try:  # pydantic parses and validates in one pass: a 2,000-job plan is read on every `dativo run`
        plan = Plan.model_validate_json(text, strict=True)  # as written: no "1" for 1
    except ValidationError as e:
        _refuse(path, text, e)
    check_version(path, plan.version if "version" in plan.model_fields_set else None)
    if (wrong := dangling(plan)) is not None:
        raise PlanError(f"plan {path} is not a plan of this dativo: {wrong}; {RECOMPILE}")
    return plan


def _refuse(path: Path, text: str, e: ValidationError) -> NoReturn:
    """Why `text` is not a plan: not JSON, not an object, another version (whatever its shape), or the
    first wrong field."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise PlanError(f"plan {path} is not JSON: {err}; {RECOMPILE}") from None
    if not isinstance(data, dict):
        raise PlanError(
            f"plan {path} holds a JSON {type(data).__name__}, not the plan object that `dativo compile` writes"
        )
    check_version(path, data.get("version"))
    first = e.errors()[0]
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    raise PlanError(
        f"plan {path} is not a plan of this dativo: {json_path(first['loc'])}: {first['msg']}{more}; {RECOMPILE}"
    ) from None


def check_version(path: Path, version: object) -> None:
    """Refuse a plan of another major version before reading its shape (which may have changed)."""
    if version is None:  # the model's default is for the compiler writing a plan, not for reading one
        raise PlanError(f"plan {path} is not a plan of this dativo: $.version: Field required; {RECOMPILE}")
    if isinstance(version, bool) or not isinstance(version, int):
        return  # mistyped: model validation names the field
    if version != PLAN_VERSION:
        newer = version > PLAN_VERSION
        raise PlanError(
            f"plan.json is version {version}; this dativo reads version {PLAN_VERSION}: {path} was written by "
            + (
                "a newer dativo; upgrade dativo on this worker, or compile it with this one (`dativo compile`)"
                if newer
                else f"an older dativo; {RECOMPILE}"
            )
        )


def dangling(plan: Plan) -> str | None:
    """The first reference of the plan to a job or DAG it does not hold, as `path: what`."""
    for sid, s in plan.schedules.items():
        ref = s.job if s.kind == "job" else s.dag
        known = plan.jobs if s.kind == "job" else plan.dags
        if ref is None or ref not in known:
            return f"{json_path(('schedules', sid, s.kind))}: {ref!r} is not in its {s.kind}s"
    for name, d in plan.dags.items():
        for i, t in enumerate(d.tasks):
            if t.job not in plan.jobs:
                return f"{json_path(('dags', name, 'tasks', i, 'job'))}: {t.job!r} is not in its jobs"
    return None


#: set by the generated CronJobs and systemd units to `plan_digest` of the plan they were generated from;
#: `dativo run` refuses any other plan (runtime/digest.py)
PLAN_DIGEST_ENV = "DATIVO_PLAN_DIGEST"
#: set by the generated CronJobs: the image they run, named in that refusal
PLAN_IMAGE_ENV = "DATIVO_IMAGE"
_last_text: tuple[Plan, str, bytes] | None = None  # Plan.to_json's last plan, text and its UTF-8 bytes
_last_digest: tuple[Plan, str] | None = None  # every target of one compile digests the same plan object


_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
#: specs a compile shares between jobs (compiler/jobspec.py SpecMemo), by the depth they sit at in a plan
#: (jobs.<id>.asset is 3, jobs.<id>.source.credentials 4; schedules.<id>.retry is 3 too)
_SHARED_AT: dict[type, int] = {AssetSpec: 3, LoggingSpec: 3, RetrySpec: 3, CredentialsSpec: 4, IncrementalSpec: 4}


def _canonical(plan: Plan) -> bytes:
    # orjson, not json.dumps: with indent, the standard library falls back to its pure-Python
    # encoder (0.6 s for a 2,000-job plan); the bytes are the same (sorted keys, indent 2, UTF-8).
    # Models go in as their field dicts, which is what model_dump gives for these plain models.
    # Floats are written shortest-round-trip by both; only exponents differ (1e-07 vs 1e-7).
    try:
        return orjson.dumps(plan, default=_Shared().fields, option=_OPTIONS) + b"\n"
    except orjson.JSONEncodeError:  # integers past 64 bits (an engine option, say): the slow, exact path
        text = json.dumps(plan.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        return text.encode("utf-8")


def plan_digest(plan: Plan) -> str:
    """`sha256:<hex>` of the plan's canonical text, `Plan.to_json()`: the bytes `dativo compile` writes to
    plan.json, and what a loaded plan gives back. The one digest function of the compiler, the targets and
    the runtime."""
    global _last_digest
    if _last_digest is not None and _last_digest[0] is plan:
        return _last_digest[1]
    digest = "sha256:" + text_sha256(plan.to_json())
    _last_digest = (plan, digest)
    return digest


def text_sha256(text: str) -> str:
    """The sha256 (hex) of `text` as UTF-8; of a plan's canonical text, from the bytes it was made of (a
    2,000-job plan is 12 MB: encoding it again costs a compile 10 ms)."""
    last = _last_text
    data = last[2] if last is not None and last[1] is text else text.encode("utf-8")
    return hashlib.sha256(data).hexdigest()
