"""`dativo compile [--check]`: validate, plan, emit; or compare with what is on disk."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.runtime.deploydefaults import PLAN_FILE
from dativo.runtime.exitcodes import ExitCode

from .. import prefetch
from ..cli import UsageError
from ..paths import display_prefix
from .common import emit, failed, project_root, render

if TYPE_CHECKING:
    from ..cache import Stat


def main(args: argparse.Namespace) -> int:
    started_ns = time.time_ns()
    root = project_root(args.project)
    proof_wanted = args.check and not args.target
    out = Path(args.out) if args.out else None
    # the worker starts before anything else is imported or read, the check cache included: a miss (a cold
    # check, or one after an edit, which digests every input first) then costs nothing before it; a hit pays
    # the fork, the worker's competition for the machine and the kill (10-15 ms of 0.2 s on 2,000 small files)
    with prefetch.loading(root, out, digest_out=proof_wanted) as prefetched:
        cache = _check_cache(args, root)
        if cache is not None and (cached := cache.hit()) is not None:
            sys.stdout.write(cached)
            return ExitCode.OK
        return _compile(args, root, cache, started_ns, prefetched)


def _compile(args: argparse.Namespace, root: Path, cache, started_ns: int, prefetched: prefetch.Files) -> int:
    from ..environments import UnknownEnvironment, stray_outputs
    from ..manifest import without
    from ..outdir import UnsafeOutput, guard, project_inputs
    from ..pipeline import compile_project
    from ..write import write_artifacts

    proof = _Proof(root, args.out, prefetched) if args.check and not args.target else None
    try:
        result = compile_project(
            root, targets=args.target, mode=args.mode, env=args.env, unchanged=proof, files=prefetched
        )
    except UnknownEnvironment as e:
        raise UsageError(str(e)) from None
    diags = result.diags
    if diags.has_errors(strict=args.strict):
        emit(diags, args.format)
        failed(diags, args.strict, "compile")
        return ExitCode.FINDINGS
    out_dir = Path(args.out) if args.out else root / result.project.settings.paths.out
    inputs = project_inputs(result.project)
    try:  # before anything is looked for in it: `--out /` is never walked
        guard(out_dir, root, inputs)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    # nested output dirs of no environment (one renamed or removed): stale, as any file compile does not write
    nested = proof.nested if proof is not None else None
    strays = [] if args.target else stray_outputs(out_dir, root, result.project.outputs, nested)
    if args.check:
        proven = proof.files if proof is not None else None
        stats = proof.stats if proof is not None else None
        return _check(args, result, out_dir, strays, (cache, started_ns, stats), proven)
    try:
        files = result.artifacts if args.target else with_manifest(result)
        written, removed = write_artifacts(out_dir, files, root, inputs, args.target)
        for folder in strays:  # inside the dir just proven ours (guard, marker)
            import shutil  # here: its imports (bz2, lzma) would delay the loading worker's start

            shutil.rmtree(out_dir / folder)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    except OSError as e:  # (write_artifacts turns its own into UnsafeOutput: this is a stray's removal)
        raise UsageError(f"cannot remove a stale output folder in {str(out_dir)!r}: {e.strerror or e}") from None
    emit(diags, args.format)
    print(
        f"dativo: {len(result.artifacts)} artifacts in {display_prefix(out_dir.resolve()) or '.'} "
        f"({len(without(written))} written, {len(without(removed)) + len(strays)} removed)",
        file=sys.stderr,
    )
    return ExitCode.OK


def _check(
    args: argparse.Namespace,
    result,
    out_dir: Path,
    strays: list[str],
    cached: tuple,
    proven: dict[str, str] | None,
) -> int:
    """`--check`: compare with the output dir (guarded already; unless the manifest proved it unchanged:
    `proven`, the recorded digests); a passing result is remembered in the check cache."""
    from .. import drift
    from ..outdir import with_marker

    # the marker is checked like an artifact: an output dir written before it existed is stale (DTV602)
    shown = display_prefix(out_dir.resolve()) or "."
    diags = result.diags
    report = (
        None if proven is not None else drift.check(out_dir, shown, with_marker(result.artifacts), diags, args.target)
    )
    stale = drift.strays(shown, strays, diags) or (report is not None and report.stale)
    emit(diags, args.format)
    if stale:
        if args.format == "text" and report is not None and report.diff:
            sys.stdout.write(report.diff if report.diff.endswith("\n") else report.diff + "\n")
        return ExitCode.FINDINGS
    cache, started_ns, stats = cached
    if cache is not None:
        digests = proven if proven is not None else _digests(with_marker(result.artifacts))
        outputs = _with_manifest_digest(out_dir, digests)
        _remember(cache, result, out_dir, outputs, render(diags, args.format), started_ns, stats)
    return ExitCode.OK


class _Proof:
    """`--check` without `--target`: whether the output dir's manifest proves the rendered files unchanged
    (compiler/manifest.py); `files` then holds their recorded digests."""

    def __init__(self, root: Path, out: str | None, prefetched: prefetch.Files | None = None):
        self.root, self.out, self.prefetched = root, out, prefetched or prefetch.Files()
        self.files: dict[str, str] | None = None
        self.stats: dict[str, Stat] | None = None  # of `files`, where the loading worker took them
        self.nested: list[str] | None = None  # write.nested_outputs, where the loading worker found them

    def __call__(self, project, plan_text: str, settings: dict) -> bool:
        from .. import manifest
        from ..outdir import UnsafeOutput, guard, project_inputs

        out_dir = Path(self.out) if self.out else self.root / project.settings.paths.out
        try:  # nothing is listed in a dir that may not be an output dir (`--out /`): the full check says why
            guard(out_dir, self.root, project_inputs(project))
            taken = self.prefetched.out_dir(out_dir)
            on_disk = _listed(out_dir) if taken is None else {}
        except (UnsafeOutput, OSError):
            return False
        key = manifest.emit_key(plan_text, settings)
        if taken is None:
            self.files = manifest.unchanged(key, on_disk)
        else:  # listed, read and digested by the loading worker while this process compiled
            self.nested = taken.nested
            if manifest.records(taken.record, key, len(taken.digests), taken.tree):
                self.files, self.stats = taken.digests, taken.stats
        return self.files is not None


def _listed(out_dir: Path) -> dict[str, str]:
    """Every file in the output dir: path inside it -> path."""
    from ..write import existing_files

    return {rel: entry.path for rel, entry in existing_files(out_dir).items()}


def with_manifest(result) -> dict[str, str]:
    """The artifacts of a compile of every target, and the manifest of them and the marker."""
    from dativo.targets import names

    from .. import manifest
    from ..emit import settings_for
    from ..outdir import with_marker

    settings = {name: settings_for(name, result.project.target_settings) for name in names()}
    key = manifest.emit_key(result.artifacts[PLAN_FILE], settings)
    return {**result.artifacts, manifest.MANIFEST: manifest.text(key, with_marker(result.artifacts))}


def _digests(files: dict[str, str]) -> dict[str, str]:
    from ..manifest import sha256

    return {rel: sha256(text.encode("utf-8")) for rel, text in files.items()}


def _with_manifest_digest(out_dir: Path, digests: dict[str, str]) -> dict[str, str]:
    """`digests` and, when the output dir holds a manifest, its digest (the check cache records every file there)."""
    from ..manifest import MANIFEST, sha256

    try:
        return {**digests, MANIFEST: sha256((out_dir / MANIFEST).read_bytes())}
    except OSError:
        return digests


def _check_cache(args: argparse.Namespace, root: Path):  # -> CheckCache | None (imported only for --check)
    if not args.check or args.no_cache:
        return None
    from ..cache import CheckCache

    # the cwd is part of the key: text reports name files relative to it
    options = [args.out or "", sorted(args.target or []), args.mode or "", args.strict, args.format, str(Path.cwd())]
    return CheckCache(root, options + ([args.env] if args.env else []))  # no --env: the key of before


def _remember(
    cache, result, out_dir: Path, outputs: dict[str, str], report: str, started_ns: int, stats: dict | None
) -> None:
    """`stats`: the output files' stats where the loading worker took them (CheckCache.store)."""
    from ..project import DEFAULT_REGISTRY

    project = result.project
    paths = project.settings.paths
    folders = [paths.connectors, paths.assets, paths.jobs, paths.dags]
    singles = ["dativo.yaml", paths.runner, paths.registry or DEFAULT_REGISTRY]
    inputs = {rel: d.removeprefix("sha256:") for rel, d in project.digests.items() if not rel.startswith("<")}
    # configs read because a config names them, outside the folders (issue 13): hashed one by one
    inside = tuple(f"{f}/" for f in folders)
    singles += sorted(r for r in inputs if r not in singles and not r.startswith(inside))
    cache.store(out_dir, folders, singles, inputs, outputs, report, started_ns, stats)
