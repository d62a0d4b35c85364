"""Named environments of dativo.yaml (docs/configuration.md#environments): one reviewed config, several
deployments. `environments.<name>` overrides `deploy` and `targets.<target>`; `compile --env NAME` deep-merges
them over the project's own settings, validates the result as usual and writes it into the environment's
own output folder (default `<paths.out>/<name>`), with its own plan.json.

Every environment is checked on every compile, so a typo in `prod` fails the default compile too.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from dativo.runtime.deploydefaults import PLAN_FILE
from dativo.targets import names, settings_model

from . import codes
from .diagnostics import Diagnostics, did_you_mean
from .document import Document
from .models.project import Deploy, ProjectFile
from .outdir import MARKER
from .paths import PathResolver
from .precedence import deep_merge
from .validate import validate_at
from .write import nested_outputs


class UnknownEnvironment(Exception):
    """`--env NAME` names no environment of dativo.yaml (a usage error: the name came from the command line)."""

    def __init__(self, name: str, known: list[str]):
        listed = ", ".join(known) if known else "none: dativo.yaml declares no environments"
        hint = did_you_mean(name, known)
        super().__init__(f"unknown environment {name!r} (known: {listed})" + (f"; {hint}" if hint else ""))


def output_of(settings: ProjectFile, name: str) -> str:
    """The environment's output folder as written (default `<paths.out>/<name>`)."""
    return settings.environments[name].output or posixpath.join(settings.paths.out, name)


def check_targets(doc: Document, settings: ProjectFile, base: dict[str, Any], diags: Diagnostics) -> dict[str, dict]:
    """Each environment's target settings: every block it overrides, merged over the project's block and
    validated with the target's model, errors positioned in the override. A base block that failed is
    reported once, there, and not again per environment. Returns environment -> target -> settings."""
    out: dict[str, dict] = {}
    for name, env in sorted(settings.environments.items()):
        out[name] = {}
        for target, block in sorted(env.targets.items()):
            if target in settings.targets and target not in base:
                continue
            model, code = settings_model(target)
            merged = deep_merge(settings.targets.get(target, {}), block)
            checked = validate_at(doc, ("environments", name, "targets", target), merged, model, diags, code)
            if checked is not None:
                out[name][target] = checked
    return out


def select(settings: ProjectFile, name: str) -> ProjectFile:
    """The project settings as environment `name` sees them: its `deploy` keys over the project's, its
    target blocks deep-merged over the project's, and its output folder as `paths.out` (so the plan path
    the artifacts call defaults to `<project_dir>/<its output>/plan.json`)."""
    if name not in settings.environments:
        raise UnknownEnvironment(name, sorted(settings.environments))
    env = settings.environments[name]
    deploy = Deploy.model_validate(
        {**settings.deploy.model_dump(exclude_unset=True), **env.deploy.model_dump(exclude_unset=True)}
    )
    targets = {
        t: deep_merge(settings.targets.get(t, {}), env.targets.get(t, {}))
        for t in sorted({*settings.targets, *env.targets})
    }
    paths = settings.paths.model_copy(update={"out": output_of(settings, name)})
    return settings.model_copy(update={"deploy": deploy, "paths": paths, "targets": targets})


def check_outputs(doc: Document, settings: ProjectFile, resolver: PathResolver, diags: Diagnostics) -> dict[str, str]:
    """Every environment writes into a folder of its own: not the default output's, not another's, and not
    a folder inside another output where that output writes its own artifacts (`generated/airflow`). A
    folder nested elsewhere in another output is fine: a compile leaves a nested output folder alone.
    Returns every output folder in the project: "" (the default) or the environment -> its project path."""
    outputs: dict[str, str] = {}
    for label, raw in [("", settings.paths.out)] + [(n, output_of(settings, n)) for n in sorted(settings.environments)]:
        rel = resolver.to_rel(raw)[0]
        if rel is not None:
            outputs[label] = rel
    reserved = {*names(), PLAN_FILE, MARKER}
    for name in sorted(settings.environments):
        rel = outputs.get(name)
        if rel is None:
            continue
        for other, orel in outputs.items():
            if other == name:
                continue
            owner = f"environment {other!r}" if other else "the default compile (paths.out)"
            why = _clash(rel, orel, reserved, owner)
            if why:
                span = doc.span(
                    ("environments", name, "output") if settings.environments[name].output else ("environments", name),
                    key=True,
                )
                diags.report(codes.ENVIRONMENT_OUTPUT_CLASH, span, name=name, output=rel, why=why)
                break
    return outputs


def stray_outputs(out_dir: Path, root: Path, outputs: dict[str, str], nested: list[str] | None = None) -> list[str]:
    """Output folders nested in out_dir (they hold a marker) that are no environment's: left by an
    environment since renamed or removed. Stale like any file compile does not write (DTV603).
    `nested`: nested_outputs(out_dir), when the loading worker found them already."""
    known = {os.path.realpath(root / rel) for rel in outputs.values()}
    found = nested_outputs(out_dir) if nested is None else nested
    return [d for d in found if os.path.realpath(out_dir / d) not in known]


def _clash(rel: str, orel: str, reserved: set[str], owner: str) -> str | None:
    if rel == orel:
        return f"the output folder of {owner}"
    for inner, outer, whose in ((rel, orel, owner), (orel, rel, "its own")):
        if inner.startswith(outer + "/") and inner[len(outer) + 1 :].split("/")[0] in reserved:
            if whose == "its own":
                return f"which holds the output folder of {owner} where it writes its own artifacts"
            return f"inside the output folder of {owner}, where that compile writes its artifacts"
    return None
