"""`dativo compile [--check]`: validate, plan, emit; or compare with what is on disk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import drift
from ..cli import EXIT_FAIL, EXIT_OK, UsageError
from ..paths import display_prefix
from ..pipeline import compile_project
from ..write import UnsafeOutput, write_artifacts
from .common import emit, project_root


def main(args: argparse.Namespace) -> int:
    root = project_root(args.project)
    result = compile_project(root, targets=args.target, mode=args.mode)
    diags = result.diags
    failed = diags.has_errors(strict=args.strict)
    if failed:
        emit(diags, args.format)
        return EXIT_FAIL
    out_dir = Path(args.out) if args.out else root / result.project.settings.paths.out
    if args.check:
        report = drift.check(out_dir, display_prefix(out_dir.resolve()) or ".", result.artifacts, diags)
        emit(diags, args.format)
        if report.stale:
            if args.format == "text" and report.diff:
                sys.stdout.write(report.diff if report.diff.endswith("\n") else report.diff + "\n")
            return EXIT_FAIL
        return EXIT_OK
    try:
        written, removed = write_artifacts(out_dir, result.artifacts)
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    emit(diags, args.format)
    print(f"dativo: {len(result.artifacts)} artifacts in {display_prefix(out_dir.resolve()) or '.'} "
          f"({len(written)} written, {len(removed)} removed)", file=sys.stderr)
    return EXIT_OK
