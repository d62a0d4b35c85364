"""`dativo schedule`: read the plan, then fire once (`--once`) or keep firing (`--serve`).

The CLI (compiler/commands/schedule.py) parses flags and calls `schedule`; everything else is here,
so a worker with only the runtime installed schedules the same way.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..deploydefaults import OUT_DIR, PLAN_FILE
from ..events import events_path
from ..logs import Logger
from ..plan import PlanError, load_plan
from ..plan_run import locate
from ..stop import Stop, handling
from .due import check
from .launch import Settings, start
from .loop import Clock, Launcher, Scheduler, utcnow


def parse_at(text: str) -> dt.datetime:
    """An ISO 8601 instant with its offset (`2026-03-01T09:00:00Z`); a naive time is refused, as ambiguous."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PlanError(f"--at {text!r} is not an ISO 8601 instant (e.g. 2026-03-01T09:00:00Z)") from None
    if when.tzinfo is None:
        raise PlanError(f"--at {text!r} has no UTC offset; add Z or +HH:MM")
    return when.astimezone(dt.UTC)


def build(settings: Settings, launcher: Launcher = start, clock: Clock | None = None) -> Scheduler:
    """The scheduler of `settings.plan_file`; a plan that cannot be used, or a schedule without fire times, is a PlanError."""
    plan = load_plan(settings.plan_file)
    _, default_state = locate(plan, settings.plan_file, settings.project_dir)
    state_dir = settings.state_dir or default_state
    check(plan, dt.datetime.now(dt.UTC))
    log = Logger({"component": "scheduler", "pid": os.getpid()}, events=events_path(state_dir))
    return Scheduler(plan, settings, state_dir, log, launcher, clock=clock or utcnow)


def schedule(settings: Settings, *, once: bool, at: dt.datetime | None = None) -> int:
    """Exit code: `--once` the worst of its runs (0 ok or nothing due, 1 partial, 2 a failure);
    `--serve` 0 after a clean stop; 130 when a second Ctrl+C interrupted the runs."""
    sched = build(settings)
    mode = "once" if once else "serve"
    sched.log.event(
        "scheduler_started",
        mode=mode,
        plan=str(settings.plan_file),
        state_dir=str(sched.state_dir),
        schedules=sorted(s for s, e in sched.plan.schedules.items() if e.enabled),
        max_parallel=settings.max_parallel,
    )
    with handling(Stop()) as stop:
        code = sched.once(at or sched.clock(), stop) if once else sched.serve(stop)
    sched.log.event("scheduler_stopped", mode=mode, exit_code=code)
    return code


def plan_path(value: str | None) -> Path:
    """--plan, or generated/plan.json in the current directory (`dativo compile`'s default output)."""
    path = Path(value) if value else Path(OUT_DIR) / PLAN_FILE
    if not path.is_file():
        raise PlanError(f"plan {path} not found; compile the project first (`dativo compile`) or pass --plan")
    return path.resolve()
