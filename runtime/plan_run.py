"""`dativo run --plan plan.json --job ID`: find the job (or DAG) in the plan, map the
plan's deployment paths onto this machine, derive the run id, and run it.

The plan is read as JSON; only the job specs are validated (runtime/spec.py): the runtime
never imports the compiler.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from .execute import EXIT_FAIL, EXIT_OK
from .logs import Logger
from .paths import PathMap, root_from_plan
from .run import Options, Request, run_job
from .spec import JobSpec, RetrySpec


class PlanError(Exception):
    """A usage problem: missing plan, unknown job id."""


def nominal_fire_time(cron_lines: list[str], tz: str, now: datetime | None = None) -> datetime:
    """The most recent fire time at or before `now` over all cron lines, in UTC."""
    from croniter import croniter

    zone = ZoneInfo(tz)
    now = (now or datetime.now(timezone.utc)).astimezone(zone)
    best = None
    base = now.replace(second=0, microsecond=0)
    for line in cron_lines:
        t = base if croniter.match(line, base) else croniter(line, base).get_prev(datetime)
        best = t if best is None or t > best else best
    assert best is not None
    return best.astimezone(timezone.utc).replace(microsecond=0)


def scheduled_run_id(when: datetime) -> str:
    return f"scheduled__{when.isoformat()}"


def manual_run_id(now: datetime | None = None) -> str:
    return f"manual__{(now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0).isoformat()}"


def load_plan(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanError(f"plan {path} not found") from None
    except (OSError, ValueError) as e:
        raise PlanError(f"cannot read plan {path}: {e}") from None


def _job_key(plan: dict[str, Any], ident: str) -> str | None:
    jobs = plan.get("jobs", {})
    if ident in jobs:
        return ident
    dep = plan.get("deployment", {})
    p = PurePosixPath(ident)
    for base in (dep.get("project_dir"), dep.get("container_root")):
        if base and p.is_absolute() and PurePosixPath(base) in p.parents:
            rel = p.relative_to(base).as_posix()
            if rel in jobs:
                return rel
    norm = PurePosixPath(ident.removeprefix("./")).as_posix()
    return norm if norm in jobs else None


def locate(plan: dict[str, Any], plan_file: Path, project_dir: Path | None = None) -> tuple[PathMap, Path]:
    """The path map of `plan` read from `plan_file`, and its state dir on this machine. On a worker (the
    plan at `deployment.plan_path`) that is `paths.deployed(state_dir, ...)`, where Kubernetes mounts it."""
    dep = plan.get("deployment", {})
    proj, croot = dep.get("project_dir", "/app"), dep.get("container_root", "/app")
    root = project_dir.resolve() if project_dir else root_from_plan(plan_file, dep.get("plan_path", f"{proj}/generated/plan.json"), proj)
    paths = PathMap(root, proj, croot)
    return paths, Path(paths.local(dep.get("state_dir", f"{proj}/state")))


def run_from_plan(plan_file: Path, job: str, *, run_id: str | None, project_dir: Path | None,
                  state_dir: Path | None, lock_dir: Path | None, lock_ttl: float, lock_wait: float,
                  resume_policy: str, now: datetime | None = None) -> int:
    plan = load_plan(plan_file)
    paths, default_state = locate(plan, plan_file, project_dir)
    sdir = state_dir or default_state
    opts = Options(paths, sdir, lock_dir or sdir / "locks", lock_ttl, lock_wait, resume_policy)
    schedule = plan.get("schedules", {}).get(job)
    tenants = plan.get("tenants", {})
    if schedule is None:
        key = _job_key(plan, job)
        if key is None:
            raise PlanError(f"{job!r} is neither a schedule id nor a job of the plan "
                            f"(schedules: {', '.join(sorted(plan.get('schedules', {}))[:8])}, ...)")
        spec = JobSpec.model_validate(plan["jobs"][key])
        req = Request(spec, key, run_id or manual_run_id(now), tenant_slots=tenants.get(spec.tenant, {}).get("concurrency", 1))
        return run_job(req, opts)
    nominal = nominal_fire_time(schedule["cron"], schedule["timezone"], now) if schedule.get("cron") else None
    rid = run_id or (scheduled_run_id(nominal) if nominal else manual_run_id(now))
    common = dict(tenant_slots=tenants.get(schedule["tenant"], {}).get("concurrency", 1), schedule_key=schedule["id"],
                  schedule_slots=schedule.get("max_concurrent_runs", 1), retry=RetrySpec.model_validate(schedule["retry"]),
                  nominal=nominal, context={"schedule": schedule["id"]})
    if schedule["kind"] == "job":
        spec = JobSpec.model_validate(plan["jobs"][schedule["job"]])
        return run_job(Request(spec, schedule["id"], rid, **common), opts)
    return _run_dag(plan, schedule, rid, common, opts)


def _run_dag(plan: dict[str, Any], schedule: dict[str, Any], run_id: str, common: dict[str, Any], opts: Options) -> int:
    dag = plan.get("dags", {}).get(schedule["dag"])
    if dag is None:
        raise PlanError(f"DAG {schedule['dag']!r} of schedule {schedule['id']!r} is not in the plan")
    log = Logger({"job_name": schedule["id"], "tenant_id": schedule["tenant"], "run_id": run_id, "dag": dag["name"]},
                 stream=opts.stream)
    worst, failed = EXIT_OK, None
    for task in dag["tasks"]:
        if failed is not None:
            log.event("task_skipped", task=task["id"], reason=f"task {failed!r} failed")
            continue
        spec = JobSpec.model_validate(plan["jobs"][task["job"]])
        ctx = {**common["context"], "task": task["id"]}
        req = Request(spec, f"{schedule['id']}/{task['id']}", run_id, extra_retries=int(task.get("retries", 0)),
                      **{**common, "context": ctx, "retry": spec.retry})
        code = run_job(req, opts)
        worst = max(worst, code)
        if code == EXIT_FAIL:
            failed = task["id"]
    log.event("dag_finished", exit_code=worst, failed_task=failed)
    return worst


def run_spec(spec: JobSpec, root: Path, *, project_dir: str, container_root: str, deploy_state_dir: str,
             tenant_slots: int, run_id: str | None, state_dir: Path | None, lock_dir: Path | None, lock_ttl: float,
             lock_wait: float, resume_policy: str) -> int:
    """`dativo run --config`: a job compiled in memory, keyed by its job file."""
    paths = PathMap(root, project_dir, container_root)
    sdir = state_dir or Path(paths.local(deploy_state_dir))
    opts = Options(paths, sdir, lock_dir or sdir / "locks", lock_ttl, lock_wait, resume_policy)
    return run_job(Request(spec, spec.id, run_id or manual_run_id(), tenant_slots=tenant_slots), opts)

