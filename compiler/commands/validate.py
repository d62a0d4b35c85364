"""`dativo validate [--env NAME]`: every check of compile, nothing written."""

from __future__ import annotations

import argparse

from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError
from ..environments import UnknownEnvironment
from ..pipeline import compile_project
from .common import emit, failed, project_root


def main(args: argparse.Namespace) -> int:
    try:
        result = compile_project(project_root(args.project), mode=args.mode, env=args.env)
    except UnknownEnvironment as e:
        raise UsageError(str(e)) from None
    emit(result.diags, args.format)
    return ExitCode.FINDINGS if failed(result.diags, args.strict, "validate") else ExitCode.OK
