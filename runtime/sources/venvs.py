"""Virtual environments for connector packages (Airbyte sources, Singer taps, Meltano's taps).

Each connector runs from its own venv so its pins never meet dativo's or another connector's.
A venv is built on first use and reused: it lives under the connector cache dir
(`$DATIVO_CONNECTORS_DIR`, else `$XDG_CACHE_HOME/dativo/connectors`, else `~/.cache/dativo/connectors`)
in a folder named after the package and a digest of the requirements and the Python version, so a
changed pin builds a fresh venv and never upgrades one in place. A file lock keeps two runs from
building the same venv at once; a venv is used only once its `.built` marker is written, so a build
that died half-way is rebuilt, never run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from . import SourceError

PIP_TIMEOUT_SECONDS = 1800


def cache_dir() -> Path:
    explicit = os.environ.get("DATIVO_CONNECTORS_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dativo" / "connectors"


def venv_dir(requirements: list[str]) -> Path:
    """Where the venv of `requirements` lives (built or not)."""
    key = "\n".join([f"python{sys.version_info[0]}.{sys.version_info[1]}", *sorted(requirements)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", re.split(r"[=<>!~\[ ;]", requirements[0])[0]) if requirements else "env"
    return cache_dir() / f"{name}-{digest}"


def ensure(requirements: list[str]) -> Path:
    """The venv of `requirements`, built when missing; SourceError (with pip's last lines) when it cannot be."""
    if not requirements:
        raise SourceError("no connector package to install (engine option `package` is empty)")
    home = venv_dir(requirements)
    done = home / ".built"
    if done.exists():
        return home
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        with open(home.parent / f"{home.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                _build(home, requirements)
                done.write_text("\n".join(sorted(requirements)) + "\n")
    except OSError as e:
        raise SourceError(f"cannot create the connector venv {home}: {e.strerror or e}") from None
    return home


def _build(home: Path, requirements: list[str]) -> None:
    import venv  # here: a compile imports this module for the package rule (DTV258), and venv costs it 6 ms

    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    cmd = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    try:
        proc = subprocess.run(
            cmd + requirements, capture_output=True, text=True, timeout=PIP_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise SourceError(f"installing {' '.join(requirements)} took over {PIP_TIMEOUT_SECONDS}s; gave up") from None
    if proc.returncode != 0:
        tail = " | ".join(line for line in proc.stderr.strip().splitlines()[-3:] if line.strip())
        raise SourceError(f"pip could not install {' '.join(requirements)} into {home}: {tail[:400]}")


def executable(home: Path, name: str) -> Path:
    """The console script `name` of the venv; SourceError when the package does not provide it."""
    exe = home / "bin" / name
    if not exe.exists():
        raise SourceError(f"the connector venv {home} has no program {name!r}; set engine option `executable`")
    return exe
