"""`dativo validate`: every check of compile, nothing written."""

from __future__ import annotations

import argparse

from ..cli import EXIT_FAIL, EXIT_OK
from ..pipeline import compile_project
from .common import emit, failed, project_root


def main(args: argparse.Namespace) -> int:
    result = compile_project(project_root(args.project), mode=args.mode)
    emit(result.diags, args.format)
    return EXIT_FAIL if failed(result.diags, args.strict, "validate") else EXIT_OK
