"""`dativo compile [--check]`: validate, plan, emit; or compare with what is on disk."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError
from ..paths import display_prefix
from .common import emit, failed, project_root, render


def main(args: argparse.Namespace) -> int:
    started_ns = time.time_ns()
    root = project_root(args.project)
    cache = _check_cache(args, root)
    if cache is not None and (cached := cache.hit()) is not None:
        sys.stdout.write(cached)
        return ExitCode.OK
    from ..environments import UnknownEnvironment, stray_outputs
    from ..outdir import UnsafeOutput, project_inputs
    from ..pipeline import compile_project
    from ..write import write_artifacts

    try:
        result = compile_project(root, targets=args.target, mode=args.mode, env=args.env)
    except UnknownEnvironment as e:
        raise UsageError(str(e)) from None
    diags = result.diags
    if diags.has_errors(strict=args.strict):
        emit(diags, args.format)
        failed(diags, args.strict, "compile")
        return ExitCode.FINDINGS
    out_dir = Path(args.out) if args.out else root / result.project.settings.paths.out
    inputs = project_inputs(result.project)
    # nested output dirs of no environment (one renamed or removed): stale, as any file compile does not write
    strays = [] if args.target else stray_outputs(out_dir, root, result.project.outputs)
    if args.check:
        return _check(args, result, out_dir, (root, inputs), strays, (cache, started_ns))
    try:
        written, removed = write_artifacts(out_dir, result.artifacts, root, inputs, args.target)
        for folder in strays:  # inside the dir just proven ours (guard, marker)
            shutil.rmtree(out_dir / folder)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    except OSError as e:  # (write_artifacts turns its own into UnsafeOutput: this is a stray's removal)
        raise UsageError(f"cannot remove a stale output folder in {str(out_dir)!r}: {e.strerror or e}") from None
    emit(diags, args.format)
    print(
        f"dativo: {len(result.artifacts)} artifacts in {display_prefix(out_dir.resolve()) or '.'} "
        f"({len(written)} written, {len(removed) + len(strays)} removed)",
        file=sys.stderr,
    )
    return ExitCode.OK


def _check(args: argparse.Namespace, result, out_dir: Path, where: tuple, strays: list[str], cached: tuple) -> int:
    """`--check`: compare with the output dir; a passing result is remembered in the check cache."""
    from .. import drift
    from ..outdir import UnsafeOutput, guard, with_marker

    root, inputs = where
    try:
        guard(out_dir, root, inputs)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    # the marker is checked like an artifact: an output dir written before it existed is stale (DTV602)
    shown = display_prefix(out_dir.resolve()) or "."
    diags = result.diags
    report = drift.check(out_dir, shown, with_marker(result.artifacts), diags, args.target)
    stale = drift.strays(shown, strays, diags) or report.stale
    emit(diags, args.format)
    if stale:
        if args.format == "text" and report.diff:
            sys.stdout.write(report.diff if report.diff.endswith("\n") else report.diff + "\n")
        return ExitCode.FINDINGS
    cache, started_ns = cached
    if cache is not None:
        _remember(cache, result, out_dir, with_marker(result.artifacts), render(diags, args.format), started_ns)
    return ExitCode.OK


def _check_cache(args: argparse.Namespace, root: Path):  # -> CheckCache | None (imported only for --check)
    if not args.check or args.no_cache:
        return None
    from ..cache import CheckCache

    # the cwd is part of the key: text reports name files relative to it
    options = [args.out or "", sorted(args.target or []), args.mode or "", args.strict, args.format, str(Path.cwd())]
    return CheckCache(root, options + ([args.env] if args.env else []))  # no --env: the key of before


def _remember(cache, result, out_dir: Path, outputs: dict[str, str], report: str, started_ns: int) -> None:
    from ..project import DEFAULT_REGISTRY

    project = result.project
    paths = project.settings.paths
    folders = [paths.connectors, paths.assets, paths.jobs, paths.dags]
    singles = ["dativo.yaml", paths.runner, paths.registry or DEFAULT_REGISTRY]
    inputs = {rel: d.removeprefix("sha256:") for rel, d in project.digests.items() if not rel.startswith("<")}
    # configs read because a config names them, outside the folders (issue 13): hashed one by one
    singles += sorted(r for r in inputs if r not in singles and not any(r.startswith(f"{f}/") for f in folders))
    cache.store(out_dir, folders, singles, inputs, outputs, report, started_ns)
