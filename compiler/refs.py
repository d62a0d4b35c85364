"""References from one config file to another (job -> recipe/asset, schedule -> job/DAG, DAG task -> job).

One place decides how a reference is turned into a project-relative path and what a
dangling one says, so every kind of reference reports the same way (DTV201-203).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import codes
from .diagnostics import Diagnostics, Span, did_you_mean
from .discover import kind as _kind_of
from .paths import variable_note
from .project import Project

#: kind -> (noun, plural, settings.paths attribute naming the folder it is read from)
KINDS: dict[str, tuple[str, str, str]] = {
    "job": ("job", "jobs", "jobs"),
    "asset": ("asset", "assets", "assets"),
    "recipe": ("connector recipe", "connector recipes", "connectors"),
    "dag": ("DAG", "DAGs", "dags"),
}


#: where a reference is written, or a function giving it: most references resolve, and a Span for each
#: of thousands of jobs' and schedules' references adds up
SpanOr = Span | Callable[[], Span]


def _at(span: SpanOr) -> Span:
    return span if isinstance(span, Span) else span()


def _known(project: Project, kind: str) -> dict[str, Any]:
    known: dict[str, dict[str, Any]] = {
        "job": project.jobs,
        "asset": project.assets,
        "recipe": project.recipes,
        "dag": project.dags,
    }
    return known[kind]


def to_rel(project: Project, raw: str, span: SpanOr, diags: Diagnostics) -> str | None:
    """The project-relative path of a reference, or None (reported) when it leaves the project."""
    rel, problem = project.resolver.to_rel(raw)
    if problem:
        diags.problem(problem, _at(span))
    elif note := variable_note(raw):
        diags.problem(note, _at(span))
    return rel


def to_data(project: Project, raw: str, span: SpanOr, diags: Diagnostics) -> str | None:
    """A file the runtime reads: a project-relative path, or a runtime mount (absolute, as written)."""
    rel, problem = project.resolver.to_data(raw)
    if problem:
        diags.problem(problem, _at(span))
    return rel


def lookup(
    project: Project, kind: str, raw: str, span: SpanOr, diags: Diagnostics, what: str
) -> tuple[str | None, Any]:
    """Resolve `raw` to a loaded file of `kind`; report a dangling reference once. Returns (rel, loaded)."""
    rel = to_rel(project, raw, span, diags)
    if rel is None:
        return None, None
    loaded = _known(project, kind).get(rel)
    if loaded is None:
        missing(project, kind, rel, span, diags, what, raw)
    return rel, loaded


def missing(project: Project, kind: str, rel: str, span: SpanOr, diags: Diagnostics, what: str, raw: str) -> None:
    if project.was_reported(rel):
        return  # the file itself is invalid and already reported: no follow-on error
    span = _at(span)
    known = _known(project, kind)
    found, error = _kind_of(project.resolver.abs(rel))
    if error is not None:
        diags.report(codes.UNREADABLE, span, what=f"{what} {raw!r}", reason=error.strerror or error)
        return
    if found != "file":
        looked_for = f" (looked for {rel})"
        diags.report(
            codes.FILE_NOT_FOUND, span, what=what, ref=raw, looked_for=looked_for, hint=did_you_mean(rel, known)
        )
        return
    noun, plural, attr = KINDS[kind]
    folder = getattr(project.settings.paths, attr).rstrip("/")
    article = "an" if noun[0] in "aeiou" else "a"
    diags.report(
        codes.OTHER_KIND_OF_FILE,
        span,
        what=what,
        ref=raw,
        why="is not a valid file of this project",
        hint=f"{rel} is not {article} {noun} file ({plural} are read from {folder}/)",
    )
