"""`dativo run` of a DAG schedule: the runtime runs the DAG's tasks itself (Kubernetes, systemd, the
built-in scheduler, a shell), with the orchestrators' failure semantics.

- A task that fails (after its retries) marks its downstream tasks skipped (`upstream_failed`); tasks on
  independent branches run to completion. The DAG exits 2 when any task failed, else 1 when a partial
  task counts as a failure (`partial: fail`), else 0.
- Independent tasks run in parallel, at most the tenant's `concurrency_per_tenant` at once (each task
  still takes a tenant slot, runtime/run.py `_concurrency`). One slot: the tasks run one after the other
  in this thread, where SIGTERM reaches each of them. Several: a thread pool; a stop (SIGTERM, Ctrl+C)
  starts no new task, lets the running ones finish and skips the rest (`stopped`).
- The DAG run as a whole holds the schedule's slot (max_concurrent_runs); its tasks take none, so two
  tasks of one run do not block each other.
- Events dag_start, task_start, task_ok, task_fail, task_skipped, dag_done go to stdout and to the events
  file (runtime/events.py), as runtime/dag_events.py describes them.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from . import dag_payload
from .errors import Unreadable
from .events import events_path
from .exitcodes import ExitCode
from .files import read_json
from .locks import LockManager
from .logs import Logger
from .plan import DagEntry, DagTaskEntry, Plan, PlanError, ScheduleEntry
from .run import Options, Request, run_job, usable_dir
from .state import StateStore
from .stop import Stop, handling


@dataclass
class DagRun:
    """One run of a DAG schedule: what it needs, and what its tasks have done so far."""

    plan: Plan
    schedule: ScheduleEntry
    run_id: str
    common: dict[str, Any]  # Request fields shared by every task (tenant slots, nominal time, context, ...)
    opts: Options
    partial: str = "fail"  # fail | succeed: what a partial task (exit 1) is to the DAG
    status: dict[str, str] = field(default_factory=dict)  # task -> ok | partial | failed | skipped
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    worst: int = ExitCode.OK

    @property
    def dag(self) -> DagEntry:
        return self.plan.dags[str(self.schedule.dag)]

    def logger(self) -> Logger:
        context = {
            "job_name": self.schedule.id,
            "tenant_id": self.schedule.tenant,
            "run_id": self.run_id,
            "dag": self.dag.name,
        }
        return Logger(context, stream=self.opts.stream, events=events_path(self.opts.state_dir))

    @property
    def results(self) -> Any:
        return dag_payload.results_dir(self.opts.state_dir, self.schedule.tenant, self.schedule.id, self.run_id)


def task_request(run: DagRun, task: DagTaskEntry) -> Request:
    """The job run of one task: keyed `<schedule>/<task>`, the task's extra retries on the job's own policy,
    and no schedule slot (the DAG run holds it)."""
    spec = run.plan.jobs[task.job]
    common = {**run.common, "schedule_key": None, "retry": spec.retry}
    common["context"] = {**run.common.get("context", {}), "task": task.id}
    return Request(spec, f"{run.schedule.id}/{task.id}", run.run_id, extra_retries=task.retries, **common)


def announce(run: DagRun, task: DagTaskEntry, log: Logger) -> None:
    """task_start, with the params its upstream tasks offer."""
    upstream = {u: run.payloads.get(u, {}) for u in task.depends_on}
    log.event(
        "task_start",
        task=task.id,
        job=task.job,
        depends_on=task.depends_on,
        params=dag_payload.params(task, upstream),
    )


def run_task(run: DagRun, task: DagTaskEntry, log: Logger, announced: bool = False) -> int:
    """Run one task whose upstream tasks committed: task_start (unless the caller `announced` it), the job,
    then task_ok (with its payload, saved for a task started on its own) or task_fail. The job's exit code."""
    if not announced:
        announce(run, task, log)
    req = task_request(run, task)
    before = _job_state(run, req).get("status")  # committed: a rerun of this run id adds nothing
    code = run_job(req, run.opts)
    return finish_task(run, task, code, log, before == "committed")


def finish_task(run: DagRun, task: DagTaskEntry, code: int, log: Logger, was_committed: bool = False) -> int:
    """task_ok or task_fail. A partial task committed its valid rows: its payload is saved either way (a
    downstream task started on its own after it, under `partial: succeed` there, finds it)."""
    if code == ExitCode.FAIL:
        log.event("task_fail", level="ERROR", task=task.id, job=task.job, exit_code=code)
        return code
    req = task_request(run, task)
    data = dag_payload.payload(req.spec, StateStore(run.opts.state_dir), req.key, run.run_id)
    run.payloads[task.id] = data
    dag_payload.save(run.results, task.id, data)
    if code == ExitCode.PARTIAL and run.partial == "fail":
        log.event(
            "task_fail", level="ERROR", task=task.id, job=task.job, status="partial", exit_code=code, payload=data
        )
        return code
    state = (_job_state(run, req).get("result") or {}).get("status")
    done = was_committed or state == "already_committed"
    status = "partial" if code == ExitCode.PARTIAL else ("already_committed" if done else "success")
    log.event("task_ok", task=task.id, job=task.job, status=status, exit_code=code, payload=data)
    return code


def _job_state(run: DagRun, req: Request) -> dict[str, Any]:
    """The task's job state as last written ({} when none or unreadable: run_job reports that itself)."""
    try:
        return read_json(StateStore(run.opts.state_dir).job_state_path(req.spec.tenant, req.key, run.run_id)) or {}
    except Unreadable:
        return {}


def _record(run: DagRun, task: DagTaskEntry, code: int) -> None:
    failed = code == ExitCode.FAIL or (code == ExitCode.PARTIAL and run.partial == "fail")
    run.status[task.id] = "failed" if failed else ("partial" if code == ExitCode.PARTIAL else "ok")
    mapped = ExitCode.OK if code == ExitCode.PARTIAL and run.partial == "succeed" else code
    run.worst = max(run.worst, mapped)


def _skip_blocked(run: DagRun, pending: list[DagTaskEntry], log: Logger) -> list[DagTaskEntry]:
    """Mark skipped every pending task downstream of a failed or skipped one (pending is in topological
    order, so one pass reaches the whole downstream); the others stay pending."""
    keep = []
    for task in pending:
        bad = next((d for d in task.depends_on if run.status.get(d) in ("failed", "skipped")), None)
        if bad is None:
            keep.append(task)
            continue
        run.status[task.id] = "skipped"
        log.event("task_skipped", level="WARNING", task=task.id, job=task.job, reason="upstream_failed", upstream=bad)
    return keep


def _ready(run: DagRun, pending: list[DagTaskEntry]) -> list[DagTaskEntry]:
    return [t for t in pending if all(run.status.get(d) in ("ok", "partial") for d in t.depends_on)]


def _stopped(run: DagRun, pending: list[DagTaskEntry], log: Logger) -> list[DagTaskEntry]:
    """After SIGTERM or Ctrl+C no task starts: the pending ones are skipped (`stopped`), the DAG fails."""
    for task in pending:
        run.status[task.id] = "skipped"
        log.event("task_skipped", level="WARNING", task=task.id, job=task.job, reason="stopped")
        run.worst = max(run.worst, ExitCode.FAIL)
    return []


def _interrupted(run: DagRun, task: DagTaskEntry) -> bool:
    """The task's job stopped on a signal (run_job handled it while the task ran in this thread)."""
    return _job_state(run, task_request(run, task)).get("status") == "interrupted"


def _sequential(run: DagRun, log: Logger) -> None:
    pending = list(run.dag.tasks)
    with handling(Stop()) as stop:  # a signal between two tasks; one during a task stops that task's job
        while pending:
            pending = _skip_blocked(run, pending, log)
            if not pending:
                break
            task = _ready(run, pending)[0]  # topological order: the first pending task is always ready
            pending.remove(task)
            _record(run, task, run_task(run, task, log))
            if stop.requested or _interrupted(run, task):
                pending = _stopped(run, _skip_blocked(run, pending, log), log)


def _parallel(run: DagRun, log: Logger, workers: int) -> None:
    pending = list(run.dag.tasks)
    running: dict[Future[int], DagTaskEntry] = {}
    with handling(Stop()) as stop, ThreadPoolExecutor(workers, thread_name_prefix="dativo-task") as pool:
        while pending or running:
            pending = _skip_blocked(run, pending, log)
            if stop.requested:
                pending = _stopped(run, pending, log)
            for task in _ready(run, pending)[: workers - len(running)]:
                pending.remove(task)
                # announced here, in order, when its slot is taken: a worker thread that starts late must not
                # log its task_start after a task started with it has already ended
                announce(run, task, log)
                running[pool.submit(run_task, run, task, log, True)] = task
            if not running:
                break
            done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                _record(run, running.pop(fut), fut.result())


def run_dag(run: DagRun) -> int:
    """Run every task of the DAG (see the module docstring); the DAG's exit code."""
    log = run.logger()
    dag, started = run.dag, time.monotonic()
    workers = max(1, min(int(run.common.get("tenant_slots", 1)), len(dag.tasks)))
    usable_dir(run.opts.state_dir, "state dir")
    log.event("dag_start", tasks=[t.id for t in dag.tasks], max_parallel=workers)
    locks = LockManager(run.opts.lock_dir, run.opts.lock_ttl)
    error = None
    try:
        if _schedule_slot(run, locks):
            (_sequential(run, log) if workers == 1 else _parallel(run, log, workers))
        else:
            run.worst = ExitCode.FAIL
            error = f"lock.schedule_busy: {run.schedule.max_concurrent_runs} run(s) of {run.schedule.id} already"
    finally:
        locks.release_all()
    by = {s: sorted(t for t, v in run.status.items() if v == s) for s in ("ok", "partial", "failed", "skipped")}
    log.event(
        "dag_done",
        level="INFO" if run.worst == ExitCode.OK else "ERROR",
        exit_code=int(run.worst),
        succeeded=by["ok"] + by["partial"],
        failed=by["failed"],
        skipped=by["skipped"],
        duration_seconds=round(time.monotonic() - started, 3),
        **({"error": error} if error else {}),
    )
    return int(run.worst)


def _schedule_slot(run: DagRun, locks: LockManager) -> bool:
    s = run.schedule
    return locks.acquire(f"schedule:{s.id}", s.max_concurrent_runs, run.run_id, run.opts.lock_wait) is not None


def run_one_task(run: DagRun, task_id: str) -> int:
    """`dativo run --job SCHEDULE --task ID`: one task of the DAG, as an orchestrator's own task runs it (the
    orchestrator orders the tasks and skips downstream ones). Its upstream tasks' payloads must be saved
    under this run id: a task whose upstream has not committed in this run is refused (exit 2)."""
    log = run.logger()
    task = next((t for t in run.dag.tasks if t.id == task_id), None)
    if task is None:
        known = ", ".join(t.id for t in run.dag.tasks)
        raise PlanError(f"DAG schedule {run.schedule.id!r} has no task {task_id!r} (tasks: {known})")
    for up in task.depends_on:
        saved = dag_payload.load(run.results, up)
        if saved is None:
            log.event(
                "task_fail",
                level="ERROR",
                task=task.id,
                job=task.job,
                exit_code=ExitCode.FAIL,
                error=f"upstream task {up!r} has not committed in run {run.run_id!r}: run it first",
            )
            return ExitCode.FAIL
        run.payloads[up] = saved
    _record(run, task, run_task(run, task, log))
    return int(run.worst)
