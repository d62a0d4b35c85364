"""What every target shares: the one command line they run, the name rule, and where to point diagnostics.

The compiler rejects (DTV501) schedule names and tenant ids that do not match
`SAFE_NAME`, so targets may use them in file names, unit names and Kubernetes
object names; every other user string (tags, params, paths) still goes through
the target's own escaping.

Targets read only the plan, which carries no source positions (a comment added to
runner.yaml must not change plan.json beyond its digest). While the compiler runs a
target's `check`, it installs a locator so that `schedule_span` and `settings_span`
point at the schedule's own lines in runner.yaml and at `targets.<name>` in
dativo.yaml; without one (a plan read from disk) they name the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from dativo.compiler.diagnostics import Span
from dativo.compiler.plan import SAFE_NAME, Plan, ScheduleEntry

__all__ = ["SAFE_NAME", "run_argv", "schedule_span", "settings_span", "locating"]

#: (kind, key, fields) -> Span: kind "schedule" (key: schedule id) or "settings" (key: target name)
Locator = Callable[[str, str, tuple], "Span | None"]
_LOCATOR: ContextVar[Locator | None] = ContextVar("dativo_target_locator", default=None)
RUNNER_DEFAULT = "configs/runner.yaml"


#: an orchestrator's retry or "Clear" reruns the same run id: a run that failed before its commit
#: resumes, a committed one exits 0 (already_committed). `--resume-policy fail` is for a human at a shell.
RESUME_POLICY = "resume"


def run_argv(plan: Plan, entry: ScheduleEntry, run_id: str) -> list[str]:
    """`dativo run` for one schedule; `run_id` is the target's own deterministic run identity (unquoted)."""
    d = plan.deployment
    return [
        d.dativo_bin,
        "run",
        "--plan",
        d.plan_path,
        "--job",
        entry.id,
        "--resume-policy",
        RESUME_POLICY,
        "--run-id",
        run_id,
    ]


@contextlib.contextmanager
def locating(locator: Locator) -> Iterator[None]:
    token = _LOCATOR.set(locator)
    try:
        yield
    finally:
        _LOCATOR.reset(token)


def schedule_span(plan: Plan, schedule_id: str, *fields: str) -> Span:
    """The schedule's entry (or one of its fields) in runner.yaml."""
    locator = _LOCATOR.get()
    span = locator("schedule", schedule_id, fields) if locator else None
    if span is not None:
        return span
    entry = plan.schedules.get(schedule_id)
    # every schedule's inputs name the runner file (a short list; plan.inputs may hold thousands)
    runners = [k for k in (entry.inputs if entry else ()) if k.endswith(("runner.yaml", "runner.yml"))]
    return Span.of_file(runners[0] if runners else RUNNER_DEFAULT)


def settings_span(plan: Plan, target: str, *fields: str | int) -> Span:
    """`targets.<target>` (or a field inside it) in dativo.yaml."""
    locator = _LOCATOR.get()
    span = locator("settings", target, tuple(fields)) if locator else None
    return span if span is not None else Span.of_file("dativo.yaml")
