"""Project root discovery and the one place where config paths become project files.

Configs name files as users write them today: relative to the project root, or as
container paths (`/app/jobs/acme/x.yaml`). Both map into the project root; anything that escapes
the root (`..`, symlinks) is rejected. A config file (recipe, asset, job, DAG) must be in the
project; a file the runtime reads (a source file, a credentials file) may also be an absolute path
outside the container root: a runtime mount (`/secrets/acme/postgres.env`), carried as written.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dativo.runtime import deploydefaults, envvars
from dativo.runtime.canonical import canonical_path, canonical_uri, file_uri_path
from dativo.runtime.paths import is_mount

from . import codes
from .diagnostics import Problem

if TYPE_CHECKING:
    from .models.project import ProjectFile

__all__ = [
    "PathResolver",
    "canonical_path",
    "canonical_uri",
    "deploy_dirs",
    "find_root",
]  # the one path rule, re-exported

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")  # scheme:/... (a drive letter C:\\ has no slash)

ROOT_MARKERS = ("dativo.yaml",)
FALLBACK_MARKERS = ("configs/runner.yaml", "jobs")


def find_root(start: Path) -> Path:
    """The nearest ancestor holding dativo.yaml, else one holding configs/runner.yaml or jobs/, else start."""
    start = start.resolve()
    candidates = [start, *start.parents]
    for markers in (ROOT_MARKERS, FALLBACK_MARKERS):
        for d in candidates:
            if any(os.path.exists(d / m) for m in markers):  # unreadable: not a marker (never an error)
                return d
    return start


def _squeeze(path: str) -> str:
    """`path` without empty and `.` segments; `..` is left for the caller."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return ("/" if path.startswith("/") else "") + "/".join(parts)


@dataclass(frozen=True)
class PathProblem(Problem):
    """A path problem with its template fields: a caller that adds to the message (paths.out) reports
    the code again with `consequence` set, instead of pasting text onto a rendered message."""

    fields: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def of(code: codes.Code, **fields: Any) -> PathProblem:
        fields.setdefault("consequence", "")
        message, hint = code.render(**fields)
        return PathProblem(code, message, hint, fields)


#: a path resolved: (project-relative path or mount, None), or (None, why it is not one)
Located = tuple[str | None, "PathProblem | None"]


@dataclass(frozen=True)
class PathResolver:
    root: Path  # resolved
    container_root: str = deploydefaults.CONTAINER_ROOT
    # answers by path: a resolver is immutable and thousands of jobs name the same few paths (a dict each:
    # functools.lru_cache on a method hashes the resolver, a dataclass, on every call)
    _rels: dict[str, Located] = field(default_factory=dict, init=False, repr=False, compare=False)
    _data: dict[str, Located] = field(default_factory=dict, init=False, repr=False, compare=False)
    _reals: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _plain: set[str] = field(default_factory=set, init=False, repr=False, compare=False)  # see `plain_file`

    def plain_file(self, rel: str) -> None:
        """Say that the entry `rel` (normalized) is a file and no symlink, as a folder walk saw it (discover.py:
        os.scandir tells without a stat): its real path is then its folder's, joined with its name, and the
        schedules naming thousands of job files cost no lstat each."""
        self._plain.add(rel)

    def to_rel(self, raw: str) -> Located:
        """Project-relative POSIX path for a config path, or the reason it is not one. A `${VAR:-default}`
        in it is its default (`variable_note` says so), a `${VAR}` without one is DTV243."""
        found = self._rels.get(raw)
        if found is None:
            text, problem = compiled_path(raw)
            found = self._rels[raw] = (None, problem) if problem is not None else self._locate(text, mounts=False)
        return found

    def to_data(self, raw: str) -> Located:
        """A path the runtime reads: project-relative as `to_rel`, or an absolute path outside the
        container root, a runtime mount, carried as written (without `//` and `.` segments)."""
        found = self._data.get(raw)
        if found is None:
            found = self._data[raw] = self._locate(raw, mounts=True)
        return found

    def _locate(self, raw: str, mounts: bool) -> tuple[str | None, PathProblem | None]:
        if not raw or "\x00" in raw:
            return None, _escapes(raw, "is not a valid path")
        text = raw.replace("\\", "/") if os.sep == "\\" else raw
        if _URI.match(text):  # file:///app/x is the path /app/x; any other URI is no project file
            text = file_uri_path(text) or ""
            if not text:
                hint = "write a path relative to the project root, or file:///<container path>"
                return None, PathProblem.of(
                    codes.PATH_OUTSIDE_CONTAINER, kind="", ref=raw, why=_NOT_ON_WORKER, hint=hint
                )
        # `//` and `.` go before the container-root test (`/app//secrets` is `/app/secrets`); `..` after
        # it, so `/app/../etc` escapes the root (DTV202) rather than naming /etc
        text = _squeeze(text)
        cr = _squeeze(self.container_root).rstrip("/")
        if text.startswith("/"):
            if text == cr or not text.startswith(cr + "/"):
                if mounts and text != cr:
                    return _mount(raw, text)
                return None, PathProblem.of(
                    codes.PATH_OUTSIDE_CONTAINER,
                    kind="absolute path ",
                    ref=raw,
                    why=f"is not under the container root {cr!r}",
                    hint=f"write it relative to the project root, or as {cr}/<path in the project>",
                )
            text = text[len(cr) + 1 :]
        rel = posixpath.normpath(text)
        if rel == ".." or rel.startswith("../") or rel == ".":
            return None, _escapes(raw, "escapes the project root")
        if not self._inside(rel):
            return None, _escapes(raw, "leads outside the project root (symlink)")
        return rel, None

    def _inside(self, rel: str) -> bool:
        """Whether the real path of `rel` (symlinks followed) stays in the root. The folder's real path
        is memoized (thousands of jobs share a few folders); only the last component is looked at per file."""
        folder, name = posixpath.split(rel)
        real_folder = self._real_folder(folder)
        if real_folder is None:
            return False
        if rel in self._plain:
            return True  # in a real folder inside the root, and no symlink itself
        full = os.path.join(real_folder, name)
        if os.path.islink(full):
            full = os.path.realpath(full)
        root = str(self.root)
        return full == root or full.startswith(root.rstrip(os.sep) + os.sep)

    def _real_folder(self, folder: str) -> str | None:
        real, root = self._real(folder), str(self.root)
        return real if real == root or real.startswith(root.rstrip(os.sep) + os.sep) else None

    def _real(self, folder: str) -> str:
        """os.path.realpath of project folder `folder` (normalized, relative), built from its parent's (memoized
        too): one lstat per folder, where realpath would look at every component again for each of
        thousands of tenant folders (data/<tenant>, secrets/<tenant>)."""
        real = self._reals.get(folder)
        if real is None:
            if not folder:
                real = str(self.root)
            else:
                parent, name = posixpath.split(folder)
                real = os.path.join(self._real(parent), name)
                real = os.path.realpath(real) if os.path.islink(real) else real
            self._reals[folder] = real
        return real

    def abs(self, rel: str) -> Path:
        return self.root / rel


_NOT_ON_WORKER = "is a URI, not a path on the worker"


def compiled_path(raw: str) -> tuple[str, PathProblem | None]:
    """The config path the compiler reads for `raw`: each `${VAR:-default}` is its default, never the
    compiling machine's environment (dativo-ingest expands these paths from the environment when it reads
    the file; here the file is read at compile time, and the plan must be the same on every machine). A
    reference without a default cannot be read at all (DTV243)."""
    if not envvars.has_reference(raw):
        return raw, None
    unset = sorted(envvars.required(raw))
    if unset:
        return raw, PathProblem.of(codes.PATH_VARIABLE_UNSET, ref=raw, variables=", ".join(unset), variable=unset[0])
    return envvars.expand(raw, {}, "path"), None


def variable_note(raw: str | None) -> PathProblem | None:
    """DTV242 (a warning) for a config path whose `${VAR:-default}` the compiler read as its default."""
    if not raw or not envvars.has_reference(raw) or envvars.required(raw):
        return None
    used, _ = compiled_path(raw)
    return PathProblem.of(
        codes.PATH_VARIABLE_DEFAULT, ref=raw, used=used, variables=", ".join(sorted(envvars.names(raw)))
    )


def _escapes(raw: str, how: str) -> PathProblem:
    return PathProblem.of(codes.PATH_ESCAPES_ROOT, ref=raw, how=how, hint=None)


def _mount(raw: str, text: str) -> tuple[str | None, PathProblem | None]:
    """A runtime mount as written; `..` in it is refused: the deployer mounts, and systemd requires,
    the path as written, and `/data/../etc` would name another mount than it seems to."""
    if posixpath.normpath(text) != text or not is_mount(text):
        return None, PathProblem.of(codes.MOUNT_NOT_NORMAL, ref=raw)
    return text, None


def deploy_dirs(settings: ProjectFile) -> tuple[str, str]:
    """(project_dir, state_dir) on the workers, with their defaults: the container root, <project_dir>/state."""
    project_dir = (settings.deploy.project_dir or settings.container_root).rstrip("/") or "/"
    return project_dir, settings.deploy.state_dir or deploydefaults.state_dir(project_dir)


def display_prefix(root: Path, cwd: Path | None = None) -> str:
    """How diagnostics name project files: relative to the working directory when possible."""
    cwd = (cwd or Path.cwd()).resolve()
    try:
        rel = root.relative_to(cwd)
    except ValueError:
        return str(root)
    return "" if str(rel) == "." else rel.as_posix()


def join_display(prefix: str, rel: str) -> str:
    return f"{prefix}/{rel}" if prefix else rel
