"""The compile pipeline as data: load -> per job (resolve, merge, JOB_CHECKS) -> PROJECT_CHECKS -> plan -> emit.

Every command that checks a project runs these two lists through `check_project`: compile and validate
(through `compile_project`), `dativo run --config` (which keeps what `Compilation.concerning` its job) and
`plan_project` (the plan, nothing emitted). A check added to a list runs for all of them. Diagnostics say
which job they concern (`Diagnostic.job`): per-job checks run with their job in scope, project checks name
the jobs they find something about, and a diagnostic located in a job file is about that job.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel

from dativo.runtime import deploydefaults
from dativo.runtime.paths import deployed
from dativo.runtime.plan import DagEntry, Deployment, Plan, ScheduleEntry, TenantEntry
from dativo.runtime.spec import JobSpec, RetrySpec

from .checks import (
    capabilities,
    dags,
    markdown_kv,
    overlap,
    runtime_support,
    schedules,
    secrets,
    tenancy,
    upstream_keys,
)
from .checks.schedules import ResolvedSchedule
from .diagnostics import Diagnostics
from .emit import Locator, emit_artifacts, plan_targets
from .jobspec import Merged, SpecMemo, build_spec, merge
from .models.common import RetryConfig
from .paths import deploy_dirs
from .prefetch import Files
from .project import DEFAULT_REGISTRY, Project, load_project
from .resolve import ResolvedJob, Resolver


@dataclass
class JobUnit:
    """One job as the per-job checks see it; `spec` is set by the job_spec check (None: not buildable)."""

    rj: ResolvedJob
    mg: Merged
    spec: JobSpec | None = None


@dataclass
class Compilation:
    """What the checks found and made, before the plan."""

    project: Project
    diags: Diagnostics
    mode: str
    loaded: int  # diags.items[:loaded] came from loading (later stages append, or stamp `job` in place)
    jobs: dict[str, JobUnit] = field(default_factory=dict)  # job file -> unit, every job that loaded
    scheds: list[ResolvedSchedule] = field(default_factory=list)
    dag_entries: dict[str, DagEntry] = field(default_factory=dict)
    memo: SpecMemo = field(default_factory=SpecMemo)

    @property
    def retry_default(self) -> RetryConfig | None:
        runner = self.project.runner.model.runner if self.project.runner else None
        return runner.orchestrator.retry_config if runner else None

    @property
    def specs(self) -> dict[str, JobSpec]:
        return {rel: u.spec for rel, u in self.jobs.items() if u.spec is not None}

    def concerning(self, rel: str) -> Diagnostics:
        """What `dativo run --config <rel>` reports: the diagnostics about job `rel`; those about no job that
        are located in its file or a recipe or asset it reads; and load errors of the files every run
        reads (dativo.yaml, the registry, the runner config). Other jobs' findings are not its business."""
        shown = self.project.shown
        own = {shown(f) for f in _reads(self.project, rel, self.jobs.get(rel))}
        shared = {shown(f) for f in _shared_files(self.project)}
        out = Diagnostics()
        for i, d in enumerate(self.diags.items):
            if d.job == rel or d.job is None and (d.span.file in own or i < self.loaded and d.span.file in shared):
                out.add(d)
        return out


JobCheck = Callable[[Compilation, JobUnit], None]
ProjectCheck = Callable[[Compilation], None]


def _capabilities(c: Compilation, u: JobUnit) -> None:
    capabilities.run(u.rj, u.mg, c.mode, c.diags)


def _iceberg_types(c: Compilation, u: JobUnit) -> None:
    runtime_support.run(u.rj, c.diags)


def _engines(c: Compilation, u: JobUnit) -> None:
    runtime_support.engines(u.rj, c.diags)


def _upstream_keys(c: Compilation, u: JobUnit) -> None:
    upstream_keys.run(u.rj, c.diags)
    markdown_kv.run(u.rj, c.diags)


def _job_spec(c: Compilation, u: JobUnit) -> None:
    u.spec = build_spec(u.rj, u.mg, c.project, c.retry_default, c.diags, c.memo)


def _destination(c: Compilation, u: JobUnit) -> None:
    if u.spec is not None:
        runtime_support.destination(u.rj, u.spec.target, c.diags)


def _tenancy(c: Compilation) -> None:
    tenancy.run(c.project, [(u.rj, u.mg) for u in c.jobs.values()], c.diags)


def _secrets(c: Compilation) -> None:
    secrets.run(c.project, c.diags)


def _schedules(c: Compilation) -> None:
    c.scheds = schedules.run(c.project, c.diags)


def _overlap(c: Compilation) -> None:
    overlap.run(c.project, c.scheds, c.specs, c.diags)


def _dags(c: Compilation) -> None:
    c.dag_entries = dags.run(c.project, c.diags)


#: run in order for each job, with that job in scope (what they add concerns it)
JOB_CHECKS: tuple[JobCheck, ...] = (_capabilities, _iceberg_types, _engines, _upstream_keys, _job_spec, _destination)
#: run in order once all jobs are checked; each names the jobs its findings concern
PROJECT_CHECKS: tuple[ProjectCheck, ...] = (_tenancy, _secrets, _schedules, _overlap, _dags)


def check_project(
    root: Path, *, mode: str | None = None, cwd: Path | None = None, env: str | None = None, files: Files | None = None
) -> Compilation:
    """Load the project (for environment `env` of dativo.yaml, if given; its documents from `files`, see
    compiler/prefetch.py) and run every check of both lists."""
    diags = Diagnostics()
    project = load_project(root, diags, cwd, env, files)
    c = Compilation(project, diags, mode or project.settings.mode, loaded=diags.mark())
    resolver = Resolver(project, diags)
    for rel in project.jobs:
        _check_job(c, resolver, rel)
    for project_check in PROJECT_CHECKS:
        project_check(c)
    _by_location(c)
    return c


def _check_job(c: Compilation, resolver: Resolver, rel: str) -> None:
    """Resolve job `rel` and run JOB_CHECKS on it; what they find concerns it."""
    since = c.diags.mark()
    rj = resolver.resolve(c.project.jobs[rel])
    unit = c.jobs[rel] = JobUnit(rj, merge(rj))
    for check in JOB_CHECKS:
        check(c, unit)
    c.diags.attribute(since, rel)


def _by_location(c: Compilation) -> None:
    """A diagnostic about no job yet that is located in a job file is about that job."""
    files = {c.project.shown(rel): rel for rel in c.jobs}
    items = c.diags.items
    for i, d in enumerate(items):
        if d.job is None and (rel := files.get(d.span.file)) is not None:
            items[i] = replace(d, job=rel)


def _reads(project: Project, rel: str, unit: JobUnit | None) -> set[str]:
    """The job file and the recipes and asset it reads: those it resolved to, and those it names by path
    (a broken one among them is not resolved, but its load errors stop the job)."""
    files = {rel}
    if unit is None:
        return files
    rj, m = unit.rj, unit.rj.job.model
    files |= {ep.recipe.rel for ep in (rj.source, rj.target) if ep is not None and ep.recipe is not None}
    if rj.asset is not None:
        files.add(rj.asset.loaded.rel)
    for raw in (m.source_connector_path, m.target_connector_path, m.asset_path):
        if raw and (named := project.resolver.to_rel(raw)[0]) is not None:
            files.add(named)
    return files


def _shared_files(project: Project) -> set[str]:
    """The files every job's run reads: the project file, the registry and the runner config."""
    paths = project.settings.paths
    configured = [project.resolver.to_rel(raw)[0] for raw in (paths.registry or DEFAULT_REGISTRY, paths.runner)]
    return {"dativo.yaml", *(f for f in configured if f is not None)}


#: (project, plan.json's text, each selected target's settings) -> whether the rendered files are proven unchanged
ProvenUnchanged = Callable[[Project, str, dict[str, BaseModel]], bool]


@dataclass
class CompileResult:
    project: Project
    diags: Diagnostics
    plan: Plan | None = None
    artifacts: dict[str, str] = field(default_factory=dict)  # path inside the output dir -> content


def plan_project(root: Path, *, mode: str | None = None, cwd: Path | None = None) -> CompileResult:
    """Load, check and plan, emitting nothing: the plan is None when there are errors."""
    return _planned(check_project(root, mode=mode, cwd=cwd))


def _planned(c: Compilation) -> CompileResult:
    result = CompileResult(c.project, c.diags)
    if not c.diags.has_errors():
        resolved = {rel: u.rj for rel, u in c.jobs.items()}
        result.plan = build_plan(c.project, c.scheds, c.specs, c.dag_entries, resolved, c.mode)
    return result


def compile_project(
    root: Path,
    *,
    targets: list[str] | None = None,
    mode: str | None = None,
    emit: bool = True,
    cwd: Path | None = None,
    env: str | None = None,
    unchanged: ProvenUnchanged | None = None,
    files: Files | None = None,
) -> CompileResult:
    """`unchanged`: see emit_artifacts; given the project too (where its output dir is)."""
    c = check_project(root, mode=mode, cwd=cwd, env=env, files=files)
    project, diags, scheds = c.project, c.diags, c.scheds
    result = _planned(c)
    if result.plan is None:
        return result
    if emit:
        locate = Locator(result.plan, project, scheds)
        proven = None if unchanged is None else functools.partial(unchanged, project)
        result.artifacts = emit_artifacts(result.plan, project.target_settings, targets, locate, diags, proven)
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


def _mounts(rs: ResolvedSchedule, specs: dict[str, JobSpec], dag_entries: dict[str, DagEntry]) -> list[str]:
    """The runtime mounts of the schedule's job, or of every job of its DAG, sorted."""
    jobs = (
        [rs.job_rel]
        if rs.job_rel
        else [t.job for t in dag_entries[rs.dag_rel].tasks]
        if rs.dag_rel in dag_entries
        else []
    )
    return sorted({m for j in jobs if (spec := specs.get(j or "")) is not None for m in spec.mounts})


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
