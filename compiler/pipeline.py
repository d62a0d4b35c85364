"""The compile pipeline: load -> validate -> resolve -> check -> plan -> emit, collecting diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dativo.runtime import deploydefaults
from dativo.runtime.paths import deployed
from dativo.runtime.plan import DagEntry, Deployment, Plan, ScheduleEntry, TenantEntry
from dativo.runtime.spec import JobSpec, RetrySpec

from .checks import capabilities, dags, overlap, runtime_support, schedules, secrets, tenancy
from .checks.schedules import ResolvedSchedule
from .diagnostics import Diagnostics
from .emit import Locator, emit_artifacts, plan_targets
from .jobspec import SpecMemo, build_spec, merge
from .paths import deploy_dirs
from .project import Project, load_project
from .resolve import ResolvedJob, Resolver


@dataclass
class CompileResult:
    project: Project
    diags: Diagnostics
    plan: Plan | None = None
    artifacts: dict[str, str] = field(default_factory=dict)  # path inside the output dir -> content


def compile_project(
    root: Path, *, targets: list[str] | None = None, mode: str | None = None, emit: bool = True, cwd: Path | None = None
) -> CompileResult:
    diags = Diagnostics()
    project = load_project(root, diags, cwd)
    mode = mode or project.settings.mode
    runner = project.runner.model.runner if project.runner else None
    retry_default = runner.orchestrator.retry_config if runner else None

    resolved = Resolver(project, diags).resolve_all()
    merged = [(rj, merge(rj)) for rj in resolved]
    specs: dict[str, JobSpec] = {}
    memo = SpecMemo()
    for rj, mg in merged:
        capabilities.run(rj, mg, mode, diags)
        runtime_support.run(rj, diags)
        runtime_support.engines(rj, diags)
        spec = build_spec(rj, mg, project, retry_default, diags, memo)
        if spec is not None:
            runtime_support.destination(rj, spec.target.type, spec.target.connection, diags)
            specs[rj.job.rel] = spec
    tenancy.run(project, merged, diags)
    secrets.run(project, diags)
    scheds = schedules.run(project, diags)
    overlap.run(project, scheds, specs, diags)
    dag_entries = dags.run(project, diags)

    result = CompileResult(project, diags)
    if diags.has_errors():
        return result
    result.plan = build_plan(project, scheds, specs, dag_entries, {rj.job.rel: rj for rj in resolved}, mode)
    if emit:
        locate = Locator(result.plan, project, scheds)
        result.artifacts = emit_artifacts(result.plan, project.target_settings, targets, locate, diags)
    return result


def build_plan(
    project: Project,
    scheds: list[ResolvedSchedule],
    specs: dict[str, JobSpec],
    dag_entries: dict[str, DagEntry],
    resolved: dict[str, ResolvedJob],
    mode: str,
) -> Plan:
    runner = project.runner.model.runner if project.runner else None
    concurrency = runner.orchestrator.concurrency_per_tenant if runner else 1
    runner_rel = project.runner.rel if project.runner else project.settings.paths.runner
    entries: dict[str, ScheduleEntry] = {}
    for rs in scheds:
        if not rs.ok or rs.tenant is None:
            continue
        spec = specs.get(rs.job_rel or "")
        s = rs.model
        retry = spec.retry if spec else RetrySpec()
        entries[rs.id] = ScheduleEntry(
            id=rs.id,
            name=s.name,
            tenant=rs.tenant,
            kind="job" if rs.job_rel else "dag",
            job=rs.job_rel,
            dag=rs.dag_rel,
            cron=rs.cron_lines,
            interval_seconds=s.interval_seconds,
            timezone=s.timezone,
            enabled=s.enabled,
            max_concurrent_runs=s.max_concurrent_runs,
            tags=dict(sorted(s.tags.items())),
            retry=retry,
            concurrency_key=f"tenant:{rs.tenant}",
            inputs=_inputs(project, rs, dag_entries, resolved),
            runner=runner_rel,
        )
    tenant_names = sorted({e.tenant for e in entries.values()} | {s.tenant for s in specs.values()})
    tenants = {
        t: TenantEntry(concurrency=concurrency, schedules=sorted(i for i, e in entries.items() if e.tenant == t))
        for t in tenant_names
    }
    return Plan(
        orchestrator=runner.orchestrator.type if runner else "dagster",
        runner_mode=runner.mode if runner else "orchestrated",
        deployment=_deployment(project, mode),
        tenants=tenants,
        schedules=dict(sorted(entries.items())),
        jobs=dict(sorted(specs.items())),
        dags=dict(sorted(dag_entries.items())),
        inputs=dict(sorted(project.digests.items())),
        targets=plan_targets(project.target_settings),
    )


def _deployment(project: Project, mode: str) -> Deployment:
    """Where the project, the plan and the state dir are on the workers."""
    st = project.settings
    project_dir, state_dir = deploy_dirs(st)
    return Deployment(
        container_root=st.container_root,
        project_dir=project_dir,
        dativo_bin=st.deploy.dativo_bin,
        state_dir=state_dir,
        worker_state_dir=deployed(state_dir, project_dir, st.container_root),
        plan_path=st.deploy.plan_path or deploydefaults.plan_path(project_dir, st.paths.out),
        mode=mode,
    )


def _inputs(
    project: Project, rs: ResolvedSchedule, dag_entries: dict[str, DagEntry], resolved: dict[str, ResolvedJob]
) -> list[str]:
    files = {project.settings.paths.runner, "dativo.yaml", rs.job_rel, rs.dag_rel}
    job_rels = (
        [rs.job_rel]
        if rs.job_rel
        else [t.job for t in dag_entries[rs.dag_rel].tasks]
        if rs.dag_rel in dag_entries
        else []
    )
    for rj in (resolved.get(j) for j in job_rels):
        if rj is None:
            continue
        files.add(rj.job.rel)
        files |= {ep.recipe.rel for ep in (rj.source, rj.target) if ep is not None and ep.recipe is not None}
        files.add(rj.asset.loaded.rel if rj.asset else None)
        files.add(project.registry.rel if project.registry else None)
    return sorted(f for f in files if f in project.digests)
