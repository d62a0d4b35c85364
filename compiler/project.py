"""Discover and load every config file of a project into validated models (stages load + validate)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from . import codes, environments, pathdefaults
from .diagnostics import Diagnostics, Problem, Span
from .discover import SUFFIXES, find_configs, kind, unread_reference, unreadable
from .document import Document
from .emit import validate_settings
from .models import Dag, Job, LegacyAsset, OdcsAsset, ProjectFile, Recipe, Registry, RunnerConfig
from .paths import PathProblem, PathResolver, display_prefix, join_display, variable_note
from .prefetch import Files
from .reuse import remember
from .validate import validate

M = TypeVar("M", bound=BaseModel)
BUILTIN_REGISTRY = pathdefaults.PACKAGED_REGISTRY
DEFAULT_REGISTRY = pathdefaults.REGISTRY  # where the registry is read from unless paths.registry says
_BLOCKED = "<invalid path>"  # stands in for a configured path that was rejected: nothing is read from it


@dataclass
class Loaded(Generic[M]):
    rel: str
    doc: Document
    model: M


@dataclass
class Project:
    root: Path
    resolver: PathResolver
    display: str  # prefix for diagnostics
    settings: ProjectFile
    registry: Loaded[Registry] | None = None
    recipes: dict[str, Loaded[Recipe]] = field(default_factory=dict)
    assets: dict[str, Loaded[LegacyAsset] | Loaded[OdcsAsset]] = field(default_factory=dict)
    jobs: dict[str, Loaded[Job]] = field(default_factory=dict)
    runner: Loaded[RunnerConfig] | None = None
    dags: dict[str, Loaded[Dag]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # rel path -> sha256 of every input read
    documents: dict[str, Document] = field(default_factory=dict)  # every loaded document, valid or not
    target_settings: dict[str, Any] = field(default_factory=dict)  # targets.<name> as each target's model
    outputs: dict[str, str] = field(default_factory=dict)  # output folders: "" (default) or environment -> path
    env: str | None = None  # the environment of dativo.yaml compiled for (its settings merged in)
    reported: set[str] = field(
        default_factory=set
    )  # files and folders already diagnosed: references to them add no follow-on error

    def shown(self, rel: str) -> str:
        return join_display(self.display, rel)

    def was_reported(self, rel: str) -> bool:
        """Whether `rel`, or a folder it is in, was already diagnosed."""
        return rel in self.reported or any(rel.startswith(f + "/") for f in self.reported if not f.endswith(SUFFIXES))


class _Reader:
    def __init__(self, project: Project, diags: Diagnostics, files: Files):
        self.p, self.diags, self.files = project, diags, files

    def read(self, rel: str, model: type[M] | None, what: str) -> Loaded | None:
        doc = self.files.load(self.p.root, rel, self.p.shown(rel), self.diags)  # a Path only if loaded here
        return self.accept(rel, doc, model, what)

    def accept(self, rel: str, doc: Document | None, model: type[M] | None, what: str) -> Loaded | None:
        """Validate a loaded document (None: it failed to load, already reported)."""
        if doc is None:
            self.p.reported.add(rel)
            return None
        self.p.digests[rel] = doc.digest
        self.p.documents[rel] = doc
        remember(doc)
        chosen: type[BaseModel] | None = model if model is not None else _asset_model(doc, self.diags)
        if chosen is None:
            return None
        obj = validate(doc, chosen, self.diags, what)
        if obj is None:
            self.p.reported.add(rel)
        return Loaded(rel, doc, obj) if obj is not None else None

    def folder(self, name: str, rel: str) -> list[str]:
        """The YAML files under the folder of `paths.<name>` (`rel`); a folder set in dativo.yaml must exist."""
        if rel == _BLOCKED:
            return []
        found, error = kind(self.p.root / rel)
        if found == "folder":
            return find_configs(self.p.root, rel, self.p.resolver, self.p.shown, self.diags, self.p.reported)
        if error is not None:
            unreadable(self.diags, self.p.shown(rel), "folder", error)
        elif found != "missing":
            self.diags.report(
                codes.OTHER_KIND_OF_FILE,
                _setting_span(self.p, name),
                what=f"paths.{name}",
                ref=rel,
                why="is a file, not a folder",
                hint=f"point paths.{name} at the folder of the files",
            )
        elif name in self.p.settings.paths.model_fields_set:
            _not_found(self.p, self.diags, name)
        return []

    def single(self, name: str, rel: str) -> Literal["file", "missing", "bad"]:
        """Whether the file of `paths.<name>` (or dativo.yaml) is there to read ("file"), absent, or "bad":
        a folder or an unreadable path, reported, as is a file set in dativo.yaml that is missing.
        Files left at their default path are optional."""
        if rel == _BLOCKED:
            return "bad"
        _, problem = self.p.resolver.to_rel(rel)  # a symlink out of the project (dativo.yaml, the default registry)
        if problem is not None:
            self.diags.problem(problem, Span.of_file(self.p.shown(rel)))
            self.p.reported.add(rel)
            return "bad"
        found, error = kind(self.p.root / rel)
        if error is not None:
            unreadable(self.diags, self.p.shown(rel), "file", error)
        elif found in ("folder", "other"):
            what = "a folder" if found == "folder" else "not a regular file"
            self.diags.report(
                codes.UNREADABLE,
                Span.of_file(self.p.shown(rel)),
                what="file",
                reason=f"it is {what}",
                hint="configs are regular YAML files",
            )
            self.p.reported.add(rel)
        elif found == "missing" and name in self.p.settings.paths.model_fields_set:
            _not_found(self.p, self.diags, name)
        return "bad" if error is not None or found in ("folder", "other") else found  # type: ignore[return-value]


def _setting_span(project: Project, name: str) -> Span:
    doc = project.documents.get("dativo.yaml")
    return doc.span(("paths", name)) if doc else Span.of_file(project.shown("dativo.yaml"))


_NOUNS = {
    "registry": "registry",
    "runner": "runner config",
    "connectors": "connectors folder",
    "assets": "assets folder",
    "jobs": "jobs folder",
    "dags": "DAGs folder",
}


def _not_found(project: Project, diags: Diagnostics, name: str) -> None:
    """A path set in dativo.yaml that names nothing: a typo there would silently drop every file it names."""
    raw = getattr(project.settings.paths, name)
    diags.report(
        codes.FILE_NOT_FOUND,
        _setting_span(project, name),
        what=_NOUNS[name],
        ref=raw,
        looked_for="",
        hint=f"fix paths.{name}, or remove it from dativo.yaml to use the default",
    )


def _asset_model(doc: Document, diags: Diagnostics) -> type[BaseModel] | None:
    data = doc.data
    if "asset" in data:
        return LegacyAsset
    if "apiVersion" in data or "kind" in data:
        return OdcsAsset
    diags.report(codes.UNKNOWN_ASSET_FORM, doc.span(()))
    return None


def load_project(
    root: Path,
    diags: Diagnostics,
    cwd: Path | None = None,
    env: str | None = None,
    files: Files | None = None,
    on_job: Callable[[Project, str], None] | None = None,
) -> Project:
    """Load and validate every file of the project; invalid files are reported and left out. `env`: the
    environment of dativo.yaml to compile for (UnknownEnvironment when it declares none of that name);
    `files`: where documents come from (compiler/prefetch.py; default: loaded here, one by one);
    `on_job`: called with each valid job of the jobs folder as soon as it is, the project loaded so far
    (dativo.yaml, the registry, recipes, assets, the runner config and the jobs before it), so a compile
    checks jobs while the loading worker reads the next ones (compiler/pipeline.py)."""
    root = root.resolve()
    display = display_prefix(root, cwd)
    settings = ProjectFile()
    project = Project(root=root, resolver=PathResolver(root), display=display, settings=settings)
    reader = _Reader(project, diags, files or Files())
    if reader.single("dativo.yaml", "dativo.yaml") == "file":
        loaded = reader.read("dativo.yaml", ProjectFile, "project file")
        if loaded is not None:
            project.settings = settings = loaded.model
            project.target_settings = validate_settings(loaded.doc, settings.targets, diags)
            _environments(project, loaded.doc, env, diags)
    elif env is not None and not diags.has_errors():  # no dativo.yaml: no environments (else: it failed to load)
        raise environments.UnknownEnvironment(env, [])
    project.resolver = PathResolver(root, settings.container_root)
    paths = _checked_paths(project, diags)

    project.registry = _load_registry(reader, project, paths.registry)
    for rel in reader.folder("connectors", paths.connectors):
        if (r := reader.read(rel, Recipe, "connector recipe")) is not None:
            project.recipes[rel] = r
    for rel in reader.folder("assets", paths.assets):
        if (a := reader.read(rel, None, "asset")) is not None:
            project.assets[rel] = a
    # the runner config before the jobs: a job's checks need its retry default (see `on_job`)
    if reader.single("runner", paths.runner) == "file":
        project.runner = reader.read(paths.runner, RunnerConfig, "runner config")
    for rel in reader.folder("jobs", paths.jobs):
        if (j := reader.read(rel, Job, "job")) is not None:
            project.jobs[rel] = j
            if on_job is not None:
                on_job(project, rel)
    for rel in reader.folder("dags", paths.dags):
        if (d := reader.read(rel, Dag, "DAG")) is not None:
            project.dags[rel] = d
    _read_referenced(reader, project)
    return project


def _environments(project: Project, doc: Document, env: str | None, diags: Diagnostics) -> None:
    """Check every environment of dativo.yaml; with `env`, compile for that one (its settings merged in)."""
    settings = project.settings
    per_env = environments.check_targets(doc, settings, project.target_settings, diags)
    resolver = PathResolver(project.root, settings.container_root)
    project.outputs = environments.check_outputs(doc, settings, resolver, diags)
    if env is not None:
        project.env = env
        project.settings = environments.select(settings, env)
        project.target_settings = {**project.target_settings, **per_env[env]}


def _read_referenced(reader: _Reader, project: Project) -> None:
    """Configs outside their kind's folder that another config names: schedules and DAG tasks name
    jobs and DAGs, jobs name recipes and assets (discover.unread_reference); each is read by its kind."""
    seen = lambda rel: rel in project.documents or project.was_reported(rel)  # noqa: E731
    sched = project.runner.model.runner.orchestrator.schedules if project.runner else []
    for s in sched:
        if (rel := unread_reference(project.resolver, s.dag, seen)) and (d := reader.read(rel, Dag, "DAG")):
            project.dags[rel] = d
    jobs = [s.config for s in sched] + [t.job for d in list(project.dags.values()) for t in d.model.tasks]
    for raw in jobs:
        if (rel := unread_reference(project.resolver, raw, seen)) and (j := reader.read(rel, Job, "job")):
            project.jobs[rel] = j
    for job in list(project.jobs.values()):
        m = job.model
        for raw in (m.source_connector_path, m.target_connector_path):
            if (rel := unread_reference(project.resolver, raw, seen)) and (
                r := reader.read(rel, Recipe, "connector recipe")
            ):
                project.recipes[rel] = r
        if (rel := unread_reference(project.resolver, m.asset_path, seen)) and (a := reader.read(rel, None, "asset")):
            project.assets[rel] = a


def _checked_paths(project: Project, diags: Diagnostics):
    """The configured paths, each inside the project; a bad one is reported and its folder not read."""
    paths = project.settings.paths
    updates: dict[str, str | None] = {}
    for name in sorted(type(paths).model_fields):
        raw = getattr(paths, name)
        if raw is None:
            continue
        rel, problem = project.resolver.to_rel(raw)
        if name == "out":
            _check_out(project, diags, rel, problem)
            continue
        if problem:
            diags.problem(problem, _setting_span(project, name))
            rel = _BLOCKED
        elif note := variable_note(raw):  # ${VAR:-default}: the default is read (DTV242)
            diags.problem(note, _setting_span(project, name))
        updates[name] = rel
    return paths.model_copy(update=updates)


def _check_out(project: Project, diags: Diagnostics, rel: str | None, problem: Problem | None) -> None:
    """The output dir is written, not read, so it may be anywhere; but the artifacts call
    `dativo run --plan <deploy.plan_path>`, by default <project_dir>/<paths.out>/plan.json, which only
    names the right file when paths.out is in the project (it named /app/<the compiling machine's path>).
    In the project, paths.out becomes project-relative (`/app/generated` is `generated`); outside it,
    deploy.plan_path must say where the workers find the plan."""
    if problem is None and rel is not None:
        project.settings.paths.out = rel
    elif project.settings.deploy.plan_path is None and isinstance(problem, PathProblem):
        diags.report(
            codes.REGISTRY[problem.code],
            _setting_span(project, "out"),
            **{
                **problem.fields,
                "consequence": ", so the artifacts cannot name the plan on the workers",
                "hint": "put the output dir in the project, or set deploy.plan_path to where the workers find plan.json",
            },
        )


def _load_registry(reader: _Reader, project: Project, configured: str | None) -> Loaded[Registry] | None:
    if configured == _BLOCKED:
        return None
    rel = configured or DEFAULT_REGISTRY
    found = reader.single("registry", rel)
    if found == "file":
        return reader.read(rel, Registry, "registry")
    if configured or found == "bad":  # reported: never the packaged registry in place of a broken one
        return None
    key = pathdefaults.packaged_key(BUILTIN_REGISTRY)
    doc = reader.files.load(project.root, key, BUILTIN_REGISTRY, reader.diags)
    if doc is None:
        return None
    project.digests[BUILTIN_REGISTRY] = doc.digest
    model = validate(doc, Registry, reader.diags, "registry")
    return Loaded(BUILTIN_REGISTRY, doc, model) if model is not None else None
