"""`dativo run`: thin. `--plan` hands over to the runtime directly; `--config` runs the checks of
compile over the project in memory (pipeline.check_project), prints the diagnostics that concern
that job as `dativo validate` does, and hands its JobSpec to the runtime. Exit 0 success, 1 partial,
2 failure (usage errors included)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.runtime.exitcodes import ExitCode

from .. import prefetch
from ..cli import UsageError

if TYPE_CHECKING:
    from dativo.runtime.spec import JobSpec

    from ..diagnostics import Diagnostics
    from ..project import Project


def main(args: argparse.Namespace) -> int:
    if bool(args.plan) == bool(args.config):
        raise UsageError("give exactly one of --config JOB.yaml or --plan plan.json --job ID")
    if args.task and not args.plan:
        raise UsageError("--task needs --plan plan.json --job <DAG schedule id>")
    if args.plan and not args.job:
        raise UsageError("--plan needs --job (a schedule id such as acme.orders_csv_morning, or a job file)")
    if args.lock_ttl_seconds <= 0:
        raise UsageError("--lock-ttl-seconds must be positive")
    from dativo.runtime import extra

    if (module := extra.missing()) is not None:
        raise UsageError(extra.message(module))
    common = dict(
        run_id=args.run_id,
        state_dir=_path(args.state_dir),
        lock_dir=_path(args.lock_dir),
        lock_ttl=float(args.lock_ttl_seconds),
        lock_wait=float(args.lock_wait_seconds),
        resume_policy=args.resume_policy,
    )
    if args.plan:
        from dativo.runtime.plan_run import PlanError, run_from_plan

        try:
            return run_from_plan(
                Path(args.plan),
                args.job,
                project_dir=_path(args.project_dir),
                task=args.task,
                partial=args.partial,
                **common,
            )
        except PlanError as e:
            raise UsageError(str(e)) from None
    from dativo.runtime.plan_run import partial_exit

    return partial_exit(_from_config(args, common), args.partial or "fail")


def _path(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None


def _from_config(args: argparse.Namespace, common: dict) -> int:
    root, rel = _locate(args.config, args.project_dir)
    with prefetch.loading(root) as files:  # before the import: the worker's loads overlap it
        from ..pipeline import check_project

        # every check of compile over the whole project (isolation needs it); only this job's findings count
        c = check_project(root, mode=args.mode, cwd=Path.cwd(), files=files)
    mine = c.concerning(rel)
    unit = c.jobs.get(rel)
    if unit is None and not mine.has_errors():
        raise UsageError(f"{rel} is not a job of the project (jobs live under {c.project.settings.paths.jobs}/)")
    _report(mine)
    if unit is None or mine.has_errors():
        return ExitCode.FAIL
    if unit.spec is None:  # every reason is an error of the job or of a file it reads, so this is a bug
        raise UsageError(f"{rel} could not be compiled, yet no error says why: run dativo validate")
    return _run(c.project, unit.spec, common)


def _locate(config_arg: str, project_dir: str | None) -> tuple[Path, str]:
    """The project root and the job's project-relative path."""
    from ..paths import find_root

    config = Path(config_arg)
    if not config.is_file():
        raise UsageError(f"job config {config_arg!r} not found")
    root = Path(project_dir).resolve() if project_dir else find_root(config.resolve().parent).resolve()
    try:
        return root, config.resolve().relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{config_arg!r} is not inside the project {str(root)!r}") from None


def _report(mine: Diagnostics) -> None:
    """The job's diagnostics as `dativo validate` prints them, on stderr: stdout is for the JSON log lines."""
    from .common import emit

    if len(mine):
        old, sys.stdout = sys.stdout, sys.stderr
        try:
            emit(mine, "text")
        finally:
            sys.stdout = old


def _run(project: Project, spec: JobSpec, common: dict) -> int:
    from dativo.runtime.plan_run import run_spec

    from ..paths import deploy_dirs

    st = project.settings
    project_dir, state_dir = deploy_dirs(st)
    runner = project.runner.model.runner if project.runner else None
    return run_spec(
        spec,
        project.root,
        project_dir=project_dir,
        container_root=st.container_root,
        deploy_state_dir=state_dir,
        tenant_slots=runner.orchestrator.concurrency_per_tenant if runner else 1,
        **common,
    )
