"""Helpers shared by the commands."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cli import UsageError
from ..diagnostics import Diagnostics
from ..paths import find_root
from ..report import FORMATS


def project_root(arg: str) -> Path:
    start = Path(arg)
    if not start.is_dir():
        raise UsageError(f"project directory {arg!r} does not exist")
    return find_root(start)


def emit(diags: Diagnostics, fmt: str) -> None:
    items = diags.sorted()
    if items or fmt == "json":
        sys.stdout.write(FORMATS[fmt](items))
