"""`dativo run --plan plan.json --job ID`: find the job (or DAG) in the plan, map the
plan's deployment paths onto this machine, derive the run id, and run it.

The plan is read and validated as the typed contract of runtime/plan.py (version first, then shape):
the runtime never imports the compiler.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from . import cron
from .dag_run import DagRun, run_dag, run_one_task
from .digest import check_deployed
from .exitcodes import ExitCode
from .paths import PathMap, root_from_plan
from .plan import Plan, PlanError, ScheduleEntry, load_plan
from .run import Options, Request, run_job
from .spec import JobSpec

MAX_RUN_ID = 250


def nominal_fire_time(cron_lines: list[str], tz: str, now: datetime | None = None) -> datetime:
    """The most recent fire time at or before `now` over all cron lines, in UTC."""
    return cron.last_fire(cron_lines, now or datetime.now(UTC), tz)


def scheduled_run_id(when: datetime) -> str:
    return f"scheduled__{when.isoformat()}"


def manual_run_id(now: datetime | None = None) -> str:
    return f"manual__{(now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0).isoformat()}"


def check_run_id(run_id: str) -> str:
    """A run id goes into file names only through `slug` (so `/` and `..` stay inside the state dir);
    empty ids and control characters are refused: they would show differently in every log."""
    if not run_id.strip():
        raise PlanError("--run-id is empty; leave it out for the default run id")
    if any(ord(c) < 32 or ord(c) == 127 for c in run_id) or len(run_id) > MAX_RUN_ID:
        raise PlanError(f"--run-id {run_id[:80]!r} has control characters or is longer than {MAX_RUN_ID} characters")
    return run_id


def _job_key(plan: Plan, ident: str) -> str | None:
    jobs = plan.jobs
    if ident in jobs:
        return ident
    dep = plan.deployment
    p = PurePosixPath(ident)
    for base in (dep.project_dir, dep.container_root):
        if p.is_absolute() and PurePosixPath(base) in p.parents:
            rel = p.relative_to(base).as_posix()
            if rel in jobs:
                return rel
    norm = PurePosixPath(ident.removeprefix("./")).as_posix()
    return norm if norm in jobs else None


def locate(plan: Plan, plan_file: Path, project_dir: Path | None = None) -> tuple[PathMap, Path]:
    """The path map of `plan` read from `plan_file`, and its state dir on this machine. On a worker (the
    plan at `deployment.plan_path`) that is `paths.deployed(state_dir, ...)`, where Kubernetes mounts it."""
    dep = plan.deployment
    proj, croot = dep.project_dir, dep.container_root
    root = project_dir.resolve() if project_dir else root_from_plan(plan_file, dep.plan_path, proj)
    paths = PathMap(root, proj, croot)
    return paths, Path(paths.local(dep.state_dir))


def run_from_plan(
    plan_file: Path,
    job: str,
    *,
    run_id: str | None,
    project_dir: Path | None,
    state_dir: Path | None,
    lock_dir: Path | None,
    lock_ttl: float,
    lock_wait: float,
    resume_policy: str,
    now: datetime | None = None,
    task: str | None = None,
    partial: str | None = None,
) -> int:
    plan = load_plan(plan_file)
    check_deployed(plan, plan_file)
    if run_id is not None:
        check_run_id(run_id)
    paths, default_state = locate(plan, plan_file, project_dir)
    sdir = state_dir or default_state
    opts = Options(paths, sdir, lock_dir or sdir / "locks", lock_ttl, lock_wait, resume_policy)
    schedule = plan.schedules.get(job)
    if task is not None and (schedule is None or schedule.kind != "dag"):
        raise PlanError(f"--task needs --job naming a DAG schedule of the plan; {job!r} is not one")
    if schedule is None:
        key = _job_key(plan, job)
        if key is None:
            raise PlanError(
                f"{job!r} is neither a schedule id nor a job of the plan "
                f"(schedules: {', '.join(sorted(plan.schedules)[:8])}, ...)"
            )
        spec = plan.jobs[key]
        slots = plan.tenants[spec.tenant].concurrency if spec.tenant in plan.tenants else 1
        code = run_job(Request(spec, key, run_id or manual_run_id(now), tenant_slots=slots), opts)
        return partial_exit(code, partial or "fail")
    nominal = _nominal(schedule, now)
    rid = run_id or (scheduled_run_id(nominal) if nominal else manual_run_id(now))
    common: dict[str, Any] = dict(
        tenant_slots=plan.tenants[schedule.tenant].concurrency if schedule.tenant in plan.tenants else 1,
        schedule_key=schedule.id,
        schedule_slots=schedule.max_concurrent_runs,
        retry=schedule.retry,
        nominal=nominal,
        context={"schedule": schedule.id},
    )
    how = partial or schedule.partial
    if schedule.kind == "job":
        return partial_exit(run_job(Request(plan.jobs[str(schedule.job)], schedule.id, rid, **common), opts), how)
    run = DagRun(plan, schedule, rid, common, opts, partial=how)
    return run_one_task(run, task) if task is not None else run_dag(run)


def partial_exit(code: int, partial: str) -> int:
    """`partial: succeed`: a partial run (exit 1) is a success to whatever started it (exit 0)."""
    return ExitCode.OK if code == ExitCode.PARTIAL and partial == "succeed" else code


def _nominal(schedule: ScheduleEntry, now: datetime | None) -> datetime | None:
    if not schedule.cron:
        return None
    try:
        return nominal_fire_time(schedule.cron, schedule.timezone, now)
    except (ValueError, KeyError, ZoneInfoNotFoundError) as e:  # croniter's errors are ValueErrors
        raise PlanError(f"schedule {schedule.id!r} of the plan has no fire time: {e}; compile it again") from None


def run_dag_in_project(
    plan: Plan,
    schedule: ScheduleEntry,
    root: Path,
    *,
    run_id: str | None,
    state_dir: Path | None,
    resume_policy: str,
    partial: str | None,
) -> int:
    """`dativo dag run`: a DAG of a plan compiled in memory from the project at `root`, run by hand."""
    if run_id is not None:
        check_run_id(run_id)
    paths, default_state = locate(plan, root, root)  # the plan is in memory: its root is the project
    sdir = state_dir or default_state
    opts = Options(paths, sdir, sdir / "locks", resume_policy=resume_policy)
    slots = plan.tenants[schedule.tenant].concurrency if schedule.tenant in plan.tenants else 1
    common: dict[str, Any] = dict(tenant_slots=slots, context={"schedule": schedule.id})
    run = DagRun(plan, schedule, run_id or manual_run_id(), common, opts, partial=partial or schedule.partial)
    return run_dag(run)


def run_spec(
    spec: JobSpec,
    root: Path,
    *,
    project_dir: str,
    container_root: str,
    deploy_state_dir: str,
    tenant_slots: int,
    run_id: str | None,
    state_dir: Path | None,
    lock_dir: Path | None,
    lock_ttl: float,
    lock_wait: float,
    resume_policy: str,
) -> int:
    """`dativo run --config`: a job compiled in memory, keyed by its job file."""
    if run_id is not None:
        check_run_id(run_id)
    paths = PathMap(root, project_dir, container_root)
    sdir = state_dir or Path(paths.local(deploy_state_dir))
    opts = Options(paths, sdir, lock_dir or sdir / "locks", lock_ttl, lock_wait, resume_policy)
    return run_job(Request(spec, spec.id, run_id or manual_run_id(), tenant_slots=tenant_slots), opts)
