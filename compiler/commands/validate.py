"""`dativo validate`: every check of compile, nothing written."""

from __future__ import annotations

import argparse

from dativo.runtime.exitcodes import ExitCode

from ..pipeline import compile_project
from .common import emit, failed, project_root


def main(args: argparse.Namespace) -> int:
    result = compile_project(project_root(args.project), mode=args.mode)
    emit(result.diags, args.format)
    return ExitCode.FINDINGS if failed(result.diags, args.strict, "validate") else ExitCode.OK
