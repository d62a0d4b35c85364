"""Run the CLI the way users do: a subprocess, with its exit code and both streams."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CACHE = Path(tempfile.gettempdir()) / "dativo-test-cache"


@dataclass
class Run:
    code: int
    out: str
    err: str


def dativo(*args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None) -> Run:
    full_env = {**os.environ, "XDG_CACHE_HOME": str(CACHE), **(env or {})}
    full_env.pop("DATIVO_DEBUG", None)
    p = subprocess.run(
        [sys.executable, "-m", "dativo.compiler.cli", *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    return Run(p.returncode, p.stdout, p.stderr)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace the first `old` in the project file `rel` (which must hold it) with `new`."""
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), "utf-8")
