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

from dativo.runtime.plan import DagEntry, Plan
from dativo.runtime.spec import JobSpec

from . import forked
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
from .diagnostics import Diagnostic, Diagnostics
from .emit import Locator, emit_artifacts
from .jobspec import Merged, SpecMemo, build_spec, merge
from .models import Job
from .models.common import RetryConfig
from .planbuild import build_plan
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
    beside: forked.Side[list[Diagnostic]] | None = None  # BESIDE's findings, until `settle` adds them

    def settle(self) -> None:
        """Add what the checks beside found (waiting for them, see BESIDE), then say which job each
        diagnostic located in a job file concerns. Once; later calls do nothing."""
        side, self.beside = self.beside, None
        if side is not None:
            self.diags.extend(side.result())
            _by_location(self)

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
#: checks that only report (no later check, nor the plan, reads anything else they do): once every job has
#: been through the others, they run in a forked child (compiler/forked.py's Side), each job's with it in
#: scope, while the other project checks, the plan and plan.json's text are made here; an error among
#: their findings then drops the plan (`Compilation.settle`, emit.emit_artifacts). Reports are sorted when
#: shown, so the place their findings take among the others changes nothing.
BESIDE: frozenset[JobCheck | ProjectCheck] = frozenset(
    {_capabilities, _iceberg_types, _engines, _upstream_keys, _destination, _tenancy, _secrets}
)


def check_project(
    root: Path, *, mode: str | None = None, cwd: Path | None = None, env: str | None = None, files: Files | None = None
) -> Compilation:
    """Load the project (for environment `env` of dativo.yaml, if given; its documents from `files`, see
    compiler/prefetch.py) and run every check of both lists."""
    c = _unsettled(root, mode, cwd, env, files)
    c.settle()
    return c


def _unsettled(root: Path, mode: str | None, cwd: Path | None, env: str | None, files: Files | None) -> Compilation:
    """check_project, the BESIDE checks still running (`settle` waits for them)."""
    diags = Diagnostics()
    early = _EarlyJobs(mode)
    project = load_project(root, diags, cwd, env, files, on_job=early.check)
    c = Compilation(project, diags, mode or project.settings.mode, loaded=diags.mark())
    resolver = early.adopt(c)
    for rel in project.jobs:
        if rel not in c.jobs:
            _check_job(c, resolver, rel)
    c.beside = forked.Side(functools.partial(_reported, c), len(c.jobs))
    for project_check in PROJECT_CHECKS:
        if project_check not in BESIDE:
            project_check(c)
    return c


def _reported(c: Compilation) -> list[Diagnostic]:
    """What the BESIDE checks report, run with diagnostics of their own: each job's, then the project's."""
    own = replace(c, diags=Diagnostics(), beside=None)
    for rel, unit in own.jobs.items():
        with own.diags.about(rel):
            for job_check in JOB_CHECKS:
                if job_check in BESIDE:
                    job_check(own, unit)
    for project_check in PROJECT_CHECKS:
        if project_check in BESIDE:
            project_check(own)
    return own.diags.items


class _EarlyJobs:
    """The jobs folder's jobs checked as each loads (load_project's `on_job`), while the loading worker
    reads the next ones (docs/performance.md). The result is what checking them after the load gives:
    a job is checked early only while every job before it was and when each file it names by path is
    loaded already (nothing read later can change what its checks find); their findings are kept aside
    and added after loading's, in the same order; and when loading reads a recipe or an asset after
    them (one a job names from outside its folder, which the name lookups and did-you-mean hints of
    any job might find), the early checks are dropped and every job is checked again."""

    def __init__(self, mode: str | None):
        self.mode = mode
        self.c: Compilation | None = None
        self.resolver: Resolver | None = None
        self.open = True  # no job was passed over yet
        self.sizes = (0, 0)  # recipes and assets loaded when the first job was checked

    def check(self, project: Project, rel: str) -> None:
        if not self.open or not _named_loaded(project, project.jobs[rel].model):
            self.open = False
            return
        if self.c is None:
            self.c = Compilation(project, Diagnostics(), self.mode or project.settings.mode, loaded=0)
            self.resolver = Resolver(project, self.c.diags)
            self.sizes = (len(project.recipes), len(project.assets))
        assert self.resolver is not None
        _check_job(self.c, self.resolver, rel)

    def adopt(self, c: Compilation) -> Resolver:
        """The resolver for the jobs left; the early checks' units and findings moved into `c`, if they hold."""
        early, resolver = self.c, self.resolver
        if early is None or resolver is None or self.sizes != (len(c.project.recipes), len(c.project.assets)):
            return Resolver(c.project, c.diags)
        c.diags.extend(early.diags.items)
        c.jobs, c.memo = early.jobs, early.memo
        resolver.diags = c.diags
        return resolver


def _named_loaded(project: Project, m: Job) -> bool:
    """Whether each file job `m` names by path is loaded as its kind (else the reference check looks
    at what was reported, which loading may add to later)."""
    for raw, known in (
        (m.source_connector_path, project.recipes),
        (m.target_connector_path, project.recipes),
        (m.asset_path, project.assets),
    ):
        if raw and project.resolver.to_rel(raw)[0] not in known:
            return False
    return True


def _check_job(c: Compilation, resolver: Resolver, rel: str) -> None:
    """Resolve job `rel` and run JOB_CHECKS on it; what they find concerns it."""
    since = c.diags.mark()
    rj = resolver.resolve(c.project.jobs[rel])
    unit = c.jobs[rel] = JobUnit(rj, merge(rj))
    for check in JOB_CHECKS:
        if check not in BESIDE:
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
    c = _unsettled(root, mode, cwd, env, files)
    project, diags, scheds = c.project, c.diags, c.scheds
    result = _planned(c)  # while the BESIDE checks run: dropped below if they find an error
    if result.plan is not None and emit:
        locate = Locator(result.plan, project, scheds)
        proven = None if unchanged is None else functools.partial(unchanged, project)
        result.artifacts = emit_artifacts(
            result.plan, project.target_settings, targets, locate, diags, proven, settle=c.settle
        )
    c.settle()
    if diags.has_errors():
        result.plan, result.artifacts = None, {}
    forked.keep((c, result))
    return result
