"""`dativo run`: thin. `--plan` hands over to the runtime directly; `--config` compiles that
one job in memory (load, resolve, checks, job spec), prints its diagnostics as `dativo
validate` does, and hands the JobSpec to the runtime. Exit 0 success, 1 partial, 2 failure
(usage errors included)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError


def main(args: argparse.Namespace) -> int:
    if bool(args.plan) == bool(args.config):
        raise UsageError("give exactly one of --config JOB.yaml or --plan plan.json --job ID")
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
            return run_from_plan(Path(args.plan), args.job, project_dir=_path(args.project_dir), **common)
        except PlanError as e:
            raise UsageError(str(e)) from None
    return _from_config(args, common)


def _path(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None


def _from_config(args: argparse.Namespace, common: dict) -> int:
    from dativo.runtime.plan_run import run_spec

    from .. import codes
    from ..checks import capabilities, runtime_support
    from ..diagnostics import Diagnostics
    from ..jobspec import build_spec, merge
    from ..paths import deploy_dirs, find_root
    from ..project import load_project
    from ..resolve import Resolver
    from .common import emit

    config = Path(args.config)
    if not config.is_file():
        raise UsageError(f"job config {args.config!r} not found")
    root = Path(args.project_dir).resolve() if args.project_dir else find_root(config.resolve().parent)
    diags = Diagnostics()
    project = load_project(root, diags, Path.cwd())
    try:
        rel = config.resolve().relative_to(project.root).as_posix()
    except ValueError:
        raise UsageError(f"{args.config!r} is not inside the project {str(root)!r}") from None
    job = project.jobs.get(rel)
    mine = Diagnostics()
    for d in diags:  # only this job's own files matter here; the rest of the project may be mid-edit
        if d.span.file.endswith(rel) or d.code == codes.UNREADABLE:
            mine.add(d)
    spec = None
    mode = args.mode or project.settings.mode
    if job is not None:
        rj = Resolver(project, mine).resolve(job)
        mg = merge(rj)
        capabilities.run(rj, mg, mode, mine)
        runtime_support.run(rj, mine)
        runtime_support.engines(rj, mine)
        spec = build_spec(rj, mg, project, _retry_default(project), mine)
        if spec is not None:
            runtime_support.destination(rj, spec.target.type, spec.target.connection, mine)
        _isolation(project, rel, rj, mg, mine)
    elif not mine.has_errors():
        raise UsageError(f"{rel} is not a job of the project (jobs live under {project.settings.paths.jobs}/)")
    if len(mine):
        old, sys.stdout = sys.stdout, sys.stderr  # stdout is for the JSON log lines
        try:
            emit(mine, "text")
        finally:
            sys.stdout = old
    if spec is None or mine.has_errors():
        return ExitCode.FAIL
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


def _isolation(project, rel: str, rj, mg, mine) -> None:
    """Tenant isolation as compile checks it (other tenants' tables and secrets, literal secrets), over
    the whole project; only what concerns this job is added to `mine`."""
    from ..checks import secrets, tenancy
    from ..diagnostics import Diagnostics
    from ..jobspec import merge
    from ..resolve import Resolver

    others = Diagnostics()
    resolver = Resolver(project, others)
    rest = [resolver.resolve(j) for other, j in sorted(project.jobs.items()) if other != rel]
    tenancy.run(project, [(rj, mg), *((o, merge(o)) for o in rest)], others)
    secrets.run(project, others)
    for d in others:
        if d.span.file.endswith(rel) or rel in d.message:
            mine.add(d)


def _retry_default(project):
    runner = project.runner.model.runner if project.runner else None
    return runner.orchestrator.retry_config if runner else None
