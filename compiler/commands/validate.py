"""`dativo validate [--env NAME]`: every check of compile, nothing written."""

from __future__ import annotations

import argparse

from dativo.runtime.exitcodes import ExitCode

from .. import prefetch
from ..cli import UsageError
from .common import emit, failed, project_root


def main(args: argparse.Namespace) -> int:
    root = project_root(args.project)
    with prefetch.loading(root) as files:  # before the imports below, which the worker's loads overlap
        from ..environments import UnknownEnvironment
        from ..pipeline import compile_project

        try:
            result = compile_project(root, mode=args.mode, env=args.env, files=files)
        except UnknownEnvironment as e:
            raise UsageError(str(e)) from None
    emit(result.diags, args.format)
    return ExitCode.FINDINGS if failed(result.diags, args.strict, "validate") else ExitCode.OK
