"""The compiler's side of the target seam (targets/base.py): validate each target's settings once, run
the targets on the plan, and put their findings where the user wrote the value.

Targets see only the plan (no source positions) and their typed settings; they report a finding at a
logical location (`At`: a schedule's field, a setting, a deployment value) and `Locator` maps it to a
span: the schedule's own lines in the runner file, `targets.<name>` or `deploy` in dativo.yaml.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from dativo.runtime import deploydefaults
from dativo.runtime.plan import Plan
from dativo.targets import chosen, select, settings_model
from dativo.targets.base import At, Finding, Findings, Target

from . import forked
from .diagnostics import Diagnostics, Span
from .document import Document
from .validate import validate_at

if TYPE_CHECKING:
    from .checks.schedules import ResolvedSchedule
    from .project import Project

PROJECT_FILE = "dativo.yaml"

Locate = Callable[[At], Span]
#: (plan.json's text, each selected target's settings) -> whether the rendered files are proven unchanged
Unchanged = Callable[[str, dict[str, BaseModel]], bool]


def validate_settings(doc: Document | None, blocks: dict[str, dict[str, Any]], diags: Diagnostics) -> dict[str, Any]:
    """Each `targets.<name>` block written in dativo.yaml as the target's settings model, validated here and
    only here (errors with the target's own code, at the value); a block that fails is left out."""
    out: dict[str, Any] = {}
    for name in sorted(blocks):
        model, code = settings_model(name)
        if doc is None:  # a project without dativo.yaml has no blocks; kept total for callers with plain data
            out[name] = model.model_validate(blocks[name])
            continue
        settings = validate_at(doc, ("targets", name), blocks[name], model, diags, code)
        if settings is not None:
            out[name] = settings
    return out


def settings_for(target: str, validated: dict[str, Any]) -> BaseModel:
    """The target's settings: as validated, or its model's defaults when dativo.yaml has no block."""
    return validated[target] if target in validated else settings_model(target)[0]()


def plan_targets(validated: dict[str, Any]) -> dict[str, dict]:
    """The plan's `targets`: each block as written (validated, unset defaults left out: each target
    applies its own), so plan.json changes only when dativo.yaml does."""
    return {name: s.model_dump(mode="json", exclude_unset=True) for name, s in sorted(validated.items())}


class Locator:
    """Spans for target findings (the plan has none): a schedule's lines, a target's settings, `deploy`."""

    def __init__(self, plan: Plan, project: Project | None = None, scheds: Iterable[ResolvedSchedule] = ()):
        self.plan, self.project = plan, project
        self.by_id = {rs.id: rs for rs in scheds}

    def __call__(self, at: At) -> Span:
        project = self.project
        if at.kind == "schedule":
            rs = self.by_id.get(at.key)
            if rs is not None and project is not None and project.runner is not None:
                return project.runner.doc.span(("runner", "orchestrator", "schedules", rs.index, *at.fields))
            entry = self.plan.schedules.get(at.key)
            runners = [entry.runner] if entry else [e.runner for e in self.plan.schedules.values()][:1]
            return Span.of_file(runners[0] if runners else PROJECT_FILE)
        doc = project.documents.get(PROJECT_FILE) if project is not None else None
        if doc is None:
            return Span.of_file(PROJECT_FILE)
        path = ("targets", at.key, *at.fields) if at.kind == "settings" else ("deploy", *at.fields)
        env = project.env if project is not None else None
        # the value compiled: an environment's override where it sets one, else the project's own
        for written in ([("environments", env, *path)] if env else []) + [path]:
            if written in doc.spans:
                return doc.span(written)
        if at.kind == "settings":
            return doc.span(path)
        return Span.of_file(PROJECT_FILE)  # `deploy` values may come from defaults: the file, not a line


def check(target: Target, plan: Plan, settings: BaseModel, locate: Locate, diags: Diagnostics) -> None:
    """Run the target's check; its findings become diagnostics at the spans `locate` gives."""
    found = Findings()
    target.check(plan, settings, found)
    _report(found, locate, diags)


def _report(found: Iterable[Finding], locate: Locate, diags: Diagnostics) -> None:
    for f in found:
        report = diags.error if f.severity == "error" else diags.warning
        report(f.code, f.message, locate(f.at), path=f.path, hint=f.hint)


def _findings(wanted: list[str] | None, plan: Plan, settings: dict[str, BaseModel]) -> list[Finding]:
    """Every wanted target's findings on the plan, target by target."""
    found = Findings()
    for target in select(wanted):
        target.check(plan, settings[target.name], found)
    return found.items


def emit_artifacts(
    plan: Plan,
    validated: dict[str, Any],
    wanted: list[str] | None,
    locate: Locate,
    diags: Diagnostics,
    unchanged: Unchanged | None = None,
    settle: Callable[[], None] = lambda: None,
) -> dict[str, str]:
    """plan.json and every wanted target's artifacts, or nothing when any target found an error.
    `unchanged`: given the plan's text and the targets' settings, whether the files on disk are proven
    to be what rendering would give (the output manifest): then only plan.json is returned, unrendered.
    `settle`: adds the findings of the project's checks still running (pipeline.BESIDE) to `diags`; an
    error among them leaves the targets' findings unseen, as if the plan had never been made."""
    settings = {name: settings_for(name, validated) for name in chosen(wanted)}
    # every check runs, on the second core (compiler/forked.py), while plan.json is made and proven here:
    # a render adds no findings, so checking first reports the same; the text and the proof are wasted
    # only when a check finds an error
    checked = forked.Side(functools.partial(_findings, wanted, plan, settings), len(plan.schedules))
    artifacts = {deploydefaults.PLAN_FILE: plan.to_json()}
    proven = unchanged is not None and unchanged(artifacts[deploydefaults.PLAN_FILE], settings)
    settle()
    if diags.has_errors():
        checked.cancel()
        return {}
    _report(checked.result(), locate, diags)
    if diags.has_errors():
        return {}
    if proven:
        return artifacts
    for target in select(wanted):
        artifacts.update(target.render(plan, settings[target.name]))
    return artifacts
