"""`dativo dag run DAG.yaml [--dry-run]`: a DAG of the project, checked as `compile` checks it.

The dry run prints the execution plan (seed 004: the tasks in topological order, each with its job and
dependencies) and writes nothing; exit 0, or 1 when the DAG has errors (printed as `validate` prints them).
A live run hands the DAG to the runtime (runtime/dag_run.py) as the schedule that runs it, or, when no
single schedule does, as a manual run keyed `<tenant>.<dag name>`: exit 0 ok, 1 partial, 2 a task failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.runtime.exitcodes import ExitCode

from .. import prefetch
from ..cli import UsageError

if TYPE_CHECKING:
    from dativo.runtime.plan import DagEntry, Plan, ScheduleEntry

    from ..pipeline import Compilation


def main(args: argparse.Namespace) -> int:
    root, rel = _locate(args.dag, args.project)
    with prefetch.loading(root) as files:  # before the import: the worker's loads overlap it
        from ..pipeline import check_project

        c = check_project(root, cwd=Path.cwd(), files=files)
    entry = c.dag_entries.get(rel)
    if entry is None:
        return _not_runnable(c, rel)
    if args.dry_run:
        sys.stdout.write(dry_run(entry, rel))
        return ExitCode.OK
    return _live(c, rel, args)


def _locate(dag_arg: str, project: str | None) -> tuple[Path, str]:
    """The project root and the DAG's project-relative path."""
    from ..paths import find_root

    dag = Path(dag_arg)
    if not dag.is_file():
        raise UsageError(f"DAG file {dag_arg!r} not found")
    root = Path(project).resolve() if project else find_root(dag.resolve().parent)
    try:
        return root, dag.resolve().relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{dag_arg!r} is not inside the project {str(root)!r}") from None


def _not_runnable(c: Compilation, rel: str) -> int:
    """The DAG did not check out: its diagnostics (those in its file, or every error when none is there)."""
    from ..diagnostics import Diagnostics
    from .common import emit

    shown = c.project.shown(rel)
    own = Diagnostics()
    for d in c.diags.items:
        if d.span.file == shown:
            own.add(d)
    if not own.has_errors():
        if rel not in c.project.dags:
            raise UsageError(f"{rel} is not a DAG of the project (DAGs live under {c.project.settings.paths.dags}/)")
        for d in c.diags.items:
            own.add(d)
    old, sys.stdout = sys.stdout, sys.stderr
    try:
        emit(own, "text")
    finally:
        sys.stdout = old
    return ExitCode.FINDINGS


def dry_run(entry: DagEntry, rel: str) -> str:
    """Seed 004's execution plan: the tasks in the order the runtime starts them (dependencies first)."""
    lines = [
        f"DRY RUN: DAG {entry.name!r} ({rel})",
        f"Tenant: {entry.tenant}",
        f"Tasks: {len(entry.tasks)}",
        "",
        "Execution Plan:",
    ]
    for i, t in enumerate(entry.tasks, 1):
        deps = ", ".join(t.depends_on) or "none"
        retries = f", retries: {t.retries}" if t.retries else ""
        lines.append(f"  {i}. {t.id} (job: {t.job}, depends_on: {deps}{retries})")
    return "\n".join(lines) + "\n"


def _live(c: Compilation, rel: str, args: argparse.Namespace) -> int:
    from dativo.runtime import extra

    if (module := extra.missing()) is not None:
        raise UsageError(extra.message(module))
    from ..pipeline import _planned

    result = _planned(c)
    if result.plan is None:  # errors elsewhere in the project: compile would refuse it too
        return _not_runnable(c, rel)
    from dativo.runtime.plan_run import PlanError, run_dag_in_project

    try:
        return run_dag_in_project(
            result.plan,
            _schedule(result.plan, rel),
            c.project.root,
            run_id=args.run_id,
            state_dir=Path(args.state_dir).resolve() if args.state_dir else None,
            resume_policy=args.resume_policy,
            partial=args.partial,
        )
    except PlanError as e:
        raise UsageError(str(e)) from None


def _schedule(plan: Plan, rel: str) -> ScheduleEntry:
    """The one schedule that runs this DAG, else a manual one keyed `<tenant>.<dag name>`."""
    from dativo.runtime.plan import ScheduleEntry
    from dativo.runtime.spec import RetrySpec

    runs = [s for s in plan.schedules.values() if s.kind == "dag" and s.dag == rel]
    if len(runs) == 1:
        return runs[0]
    dag = plan.dags[rel]
    return ScheduleEntry(
        id=f"{dag.tenant}.{dag.name}",
        name=dag.name,
        tenant=dag.tenant,
        kind="dag",
        dag=rel,
        cron=[],
        timezone="UTC",
        enabled=True,
        max_concurrent_runs=1,
        retry=RetrySpec(),
        concurrency_key=f"tenant:{dag.tenant}",
        inputs=[],
        runner="",
    )
