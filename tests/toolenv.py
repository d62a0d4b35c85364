"""Virtual environments for the real tools (Dagster, Airflow, kubernetes-validate, ...).

Each tool gets its own venv so its pins never meet ours or each other's. A venv is
built once per requirement set and reused: it lives under `$DATIVO_TOOLS_DIR`
(default `<repo>/.tools/`, ignored by git) in a folder named after a digest of the
requirements, so changing a pin builds a fresh one. A file lock keeps two test
processes from building the same venv at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOLS_DIR = Path(os.environ.get("DATIVO_TOOLS_DIR", REPO / ".tools"))


def tool_venv(name: str, requirements: list[str], *, with_dativo: str | None = None) -> Path:
    """Return the venv folder for `name`, building it when missing.

    `with_dativo`: also install this repository into the venv, with these extras
    (e.g. "runtime"), so a real tool can call `dativo run`.
    """
    key = "\n".join(sorted(requirements) + [f"dativo[{with_dativo}]" if with_dativo is not None else ""])
    if with_dativo is not None:  # a venv holding our package is rebuilt when the package changes
        key += "\n" + _source_digest()
    digest = hashlib.sha256(f"{sys.version_info[:2]}\n{key}".encode()).hexdigest()[:12]
    home = TOOLS_DIR / f"{name}-{digest}"
    done = home / ".built"
    if done.exists():
        return home
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with open(TOOLS_DIR / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return home
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run(pip + requirements, check=True)
        if with_dativo is not None:
            target = f"{REPO}[{with_dativo}]" if with_dativo else str(REPO)
            subprocess.run(pip + [target], check=True)
        done.write_text(key + "\n")
    return home


def _source_digest() -> str:
    h = hashlib.sha256()
    for folder in ("compiler", "runtime", "targets", "registry"):
        for f in sorted((REPO / folder).rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(f.relative_to(REPO).as_posix().encode() + b"\0" + f.read_bytes())
    h.update((REPO / "pyproject.toml").read_bytes())
    return h.hexdigest()[:16]


def tool_bin(home: Path, exe: str) -> str:
    return str(home / "bin" / exe)
