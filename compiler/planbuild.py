"""The plan from what the checks made: one schedule entry per schedule that resolved, the jobs' specs,
the DAGs, the tenants, the deployment and the inputs' digests (runtime/plan.py is the contract)."""

from __future__ import annotations

from dativo.runtime import deploydefaults
from dativo.runtime.paths import deployed
from dativo.runtime.plan import DagEntry, Deployment, Plan, ScheduleEntry, TenantEntry
from dativo.runtime.spec import JobSpec, RetrySpec

from .checks.schedules import ResolvedSchedule
from .emit import plan_targets
from .paths import deploy_dirs
from .project import Project
from .resolve import ResolvedJob


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
            mounts=_mounts(rs, specs, dag_entries),
            partial=s.partial or project.settings.partial,
        )
    by_tenant: dict[str, list[str]] = {s.tenant: [] for s in specs.values()}
    for i, e in entries.items():  # grouped once (a scan of every schedule per tenant was tenants x schedules)
        by_tenant.setdefault(e.tenant, []).append(i)
    tenants = {t: TenantEntry(concurrency=concurrency, schedules=sorted(by_tenant[t])) for t in sorted(by_tenant)}
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


def _jobs_of(rs: ResolvedSchedule, dag_entries: dict[str, DagEntry]) -> list[str | None]:
    """The schedule's job, or every job of its DAG."""
    if rs.job_rel:
        return [rs.job_rel]
    return [t.job for t in dag_entries[rs.dag_rel].tasks] if rs.dag_rel in dag_entries else []


def _mounts(rs: ResolvedSchedule, specs: dict[str, JobSpec], dag_entries: dict[str, DagEntry]) -> list[str]:
    """The runtime mounts of the schedule's job, or of every job of its DAG, sorted."""
    return sorted(
        {m for j in _jobs_of(rs, dag_entries) if (spec := specs.get(j or "")) is not None for m in spec.mounts}
    )


def _inputs(
    project: Project, rs: ResolvedSchedule, dag_entries: dict[str, DagEntry], resolved: dict[str, ResolvedJob]
) -> list[str]:
    files = {project.settings.paths.runner, "dativo.yaml", rs.job_rel, rs.dag_rel}
    for rj in (resolved.get(j or "") for j in _jobs_of(rs, dag_entries)):
        if rj is None:
            continue
        files.add(rj.job.rel)
        files |= {ep.recipe.rel for ep in (rj.source, rj.target) if ep is not None and ep.recipe is not None}
        files.add(rj.asset.loaded.rel if rj.asset else None)
        files.add(project.registry.rel if project.registry else None)
    return sorted(f for f in files if f in project.digests)
