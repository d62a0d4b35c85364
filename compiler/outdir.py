"""Which directory `compile` may own: the rules checked before anything in it is written or removed.

An output dir is owned when it holds the marker file only dativo writes (`.dativo-generated`). It is
never `/`, a regular file, the project root or a folder holding it, nor a folder that holds, or sits
inside, an input of the project (dativo.yaml, the config folders, every loaded file, the state dir):
`compile` removes what it does not write, so a wrong `--out` must fail before anything is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.runtime.deploydefaults import PLAN_FILE

from . import pathdefaults

if TYPE_CHECKING:
    from .project import Project

MARKER = ".dativo-generated"
MARKER_TEXT = (
    "# Written by `dativo compile`: this directory holds its artifacts, and compile removes\n"
    "# every file here that it does not write. Do not keep other files in it.\n"
    "dativo-output-format: 1\n"
)
_MARKER_HEAD = MARKER_TEXT.splitlines()[0]


class UnsafeOutput(Exception):
    """The output dir cannot be written safely (foreign, overlapping the project, not a directory, ...)."""


def with_marker(artifacts: dict[str, str]) -> dict[str, str]:
    """The files an owned output dir holds: the artifacts and the marker (written and checked like one)."""
    return {**artifacts, MARKER: MARKER_TEXT}


def in_scope(rel: str, scope: Collection[str] | None) -> bool:
    """Whether a file of the output dir belongs to the targets compiled (None: all). A target writes
    only under its own folder (`airflow/...`); plan.json and the marker are every compile's."""
    return scope is None or rel in (PLAN_FILE, MARKER) or rel.split("/", 1)[0] in scope


def project_inputs(project: Project) -> list[str]:
    """Project-relative paths the output dir must neither hold nor sit in: config folders and files,
    every loaded file, and the state dir (when it lies in the project)."""
    from .paths import deploy_dirs

    p = project.settings.paths
    configured = [
        p.connectors,
        p.assets,
        p.jobs,
        p.dags,
        p.runner,
        p.registry or pathdefaults.REGISTRY,
        deploy_dirs(project.settings)[1],
    ]
    rels = {"dativo.yaml", *(rel for rel in project.documents if not rel.startswith("<"))}
    for raw in configured:  # as written (relative or container paths) -> project paths; others are elsewhere
        rel, _ = project.resolver.to_rel(raw) if raw else (None, None)
        if rel:
            rels.add(rel)
    return sorted(rels)


def guard(out_dir: Path, root: Path, inputs: Iterable[str]) -> Path:
    """The output dir with symlinks resolved, or UnsafeOutput when it may not be one. Only looks at paths:
    nothing under it is listed yet (`--out /` used to walk the whole file system first)."""
    real = Path(os.path.realpath(out_dir))
    shown = str(out_dir)
    if real == Path(real.anchor):
        raise UnsafeOutput(f"output dir {shown!r} is the file system root")
    for up in (real, *real.parents):
        if up.exists() and not up.is_dir():
            what = "is a file" if up == real else f"is inside {str(up)!r}, which is a file"
            raise UnsafeOutput(f"output dir {shown!r} {what}, not a directory")
    root = Path(os.path.realpath(root))
    if real == root or real in root.parents:
        raise UnsafeOutput(
            f"output dir {shown!r} holds the project root {str(root)!r}: compile would remove the project"
        )
    out, base = str(real), str(root).rstrip(os.sep) + os.sep
    for rel in inputs:  # strings, not Path.parents: thousands of loaded files are compared
        inp = base + rel
        if inp == out or inp.startswith(out + os.sep) or out.startswith(inp + os.sep):
            raise UnsafeOutput(
                f"output dir {shown!r} overlaps the project input {rel!r}: "
                "choose a folder of its own (default: generated/)"
            )
    return real


def check_owned(out_dir: Path, present: set[str], artifacts: dict[str, str]) -> None:
    """Refuse a non-empty dir dativo does not own. Owned: it holds the marker. A dir written before the
    marker existed is accepted (and gets the marker) when its plan.json is a dativo plan and every file
    in it is one compile writes now, so accepting it removes nothing."""
    if not present or (MARKER in present and is_marker(out_dir / MARKER)):
        return
    if PLAN_FILE in present and _is_dativo_plan(out_dir / PLAN_FILE):
        foreign = sorted(present - set(artifacts) - {MARKER})
        if not foreign:
            return
        listed = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise UnsafeOutput(
            f"output dir {str(out_dir)!r} holds a dativo plan.json but no {MARKER} file, and files "
            f"compile does not write ({listed}): if it is an older dativo output, move them away "
            "(or delete the folder) and compile again"
        )
    raise UnsafeOutput(
        f"output dir {str(out_dir)!r} is not empty and holds no {MARKER} file: refusing to manage "
        "files dativo did not write (compile into an empty or new folder)"
    )


def is_marker(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return not path.is_symlink() and fh.readline().rstrip("\n") == _MARKER_HEAD
    except OSError:
        return False


def _is_dativo_plan(path: Path) -> bool:
    """A plan.json compile wrote (Terraform's plan.json, or any other JSON, is not)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("deployment"), dict)
        and "dativo_bin" in data["deployment"]
        and {"jobs", "schedules", "version"} <= set(data)
    )


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive flock on the output dir itself: two compiles into one dir run one after the
    other (each sees the other's complete output), and no lock file is left in any folder."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, as before
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
