"""Helpers shared by the commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..cli import UsageError
from ..diagnostics import Diagnostics
from ..paths import find_root


def project_root(arg: str) -> Path:
    start = Path(arg)
    if not os.path.isdir(start):  # Path.is_dir raised PermissionError where os.path.isdir says False
        raise UsageError(f"project directory {arg!r} does not exist")
    return find_root(start)


def render(diags: Diagnostics, fmt: str) -> str:
    from ..report import FORMATS  # here: the commands fork their loading worker before it is needed

    items = diags.sorted()
    return FORMATS[fmt](items) if items or fmt == "json" else ""


def emit(diags: Diagnostics, fmt: str) -> None:
    sys.stdout.write(render(diags, fmt))


def failed(diags: Diagnostics, strict: bool, command: str) -> bool:
    """Whether the diagnostics fail the command; when only --strict makes warnings fail it, say so on
    stderr (the report itself stays what it is without --strict)."""
    if not diags.has_errors(strict=strict):
        return False
    if not diags.has_errors():
        n = len(diags.sorted())
        print(
            f"dativo {command}: failed: --strict treats the {n} warning{'' if n == 1 else 's'} as errors",
            file=sys.stderr,
        )
    return True
