"""Where the plan's deployment paths live on this machine.

A plan is compiled for the workers (`project_dir` such as `/app`); the same plan also runs
from a local checkout. The local root is the plan file's folder minus the out-dir components
of `deployment.plan_path`; absolute paths and `file://`/`sqlite:` URIs under `project_dir`
or `container_root` map onto that root.

A path of a job spec that is absolute is a runtime mount (`/secrets/acme/postgres.env`,
`/data/large.csv`): the compiler accepted it outside the container root and the deployer mounts it.
It is read as given, never mapped, and a missing one fails the run (docs/dativo-ingest.md).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .canonical import canonical_path
from .deploydefaults import CONTAINER_ROOT

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """A file-name-safe form of an id; a short digest keeps distinct ids distinct."""
    import hashlib

    safe = _SLUG.sub("_", text).strip("._") or "x"
    return f"{safe[:80]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def root_from_plan(plan_file: Path, plan_path: str, project_dir: str) -> Path:
    """The local project root for `plan_file`, given where the plan sits on the workers."""
    here = plan_file.resolve().parent
    pp, pd = PurePosixPath(plan_path), PurePosixPath(project_dir)
    try:
        depth = len(pp.relative_to(pd).parts) - 1
    except ValueError:
        depth = 1  # plan_path outside project_dir: assume the default generated/ layout
    for _ in range(max(depth, 0)):
        here = here.parent
    return here


def is_mount(path: str) -> bool:
    """Whether a job spec path is a runtime mount (absolute) rather than project-relative."""
    return path.startswith("/") and path != "/"


_MAGIC = re.compile(r"[*?\[$]")  # a glob or an environment reference: the mount is the folder above it


def mount_point(path: str) -> str:
    """What must be mounted for `path`: the path up to its first segment with a glob or `${VAR}`."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if _MAGIC.search(part):
            return "/".join(parts[:i]) or "/"
    return path


def require_mounts(mounts: list[str]) -> None:
    """Every runtime mount of a job is there; else ConfigError (exit 2) before anything is touched:
    a secret or data file the deployer did not mount must not read as empty or as no input."""
    from .destination import ConfigError  # destination imports the env grammar; keep this module a leaf

    missing = [m for m in mounts if not os.path.exists(m)]
    if missing:
        raise ConfigError(
            f"runtime mount {missing[0]} is missing on this worker"
            + (f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else ""),
            "mount it where the job runs (the plan lists each schedule's mounts; the systemd units require "
            "them, the Kubernetes CronJobs name them in the dativo.io/mounts annotation)",
        )


@dataclass(frozen=True)
class PathMap:
    root: Path
    project_dir: str = CONTAINER_ROOT
    container_root: str = CONTAINER_ROOT

    def project(self, rel: str) -> Path:
        """A project-relative path (as JobSpec holds them) on this machine."""
        return self.root / rel

    def data(self, path: str) -> Path:
        """A file a job reads (JobSpec's source files, credentials files): a runtime mount as given,
        else a project path."""
        return Path(path) if is_mount(path) else self.project(path)

    def local(self, path: str) -> str:
        """An absolute deployment path on this machine; other paths are returned unchanged."""
        rel = _relative(path, self.project_dir, self.container_root)
        return path if rel is None else str(self.root.joinpath(*rel))

    def uri(self, uri: str) -> str:
        """`file://` and `sqlite:` URIs under the deployment root, mapped onto the local root."""
        if uri.startswith("file://"):
            path = uri[len("file://") :]
            mapped = self.local(path)
            return "file://" + mapped + ("/" if path.endswith("/") and not mapped.endswith("/") else "")
        m = re.match(r"^(sqlite(?:\+\w+)?:///)(/.*)$", uri)
        if m:
            return m.group(1) + self.local(m.group(2))
        return uri


def deployed(path: str, project_dir: str, container_root: str) -> str:
    """Where the deployment path `path` (e.g. `deploy.state_dir`) is on a worker, where the project sits
    at `project_dir`: under `container_root` it is under `project_dir`, as every config path is.
    The runtime resolves the state dir this way on the worker, and the Kubernetes target mounts the
    state volume here, so the two never disagree."""
    rel = _relative(path, project_dir, container_root)
    return path if rel is None else str(PurePosixPath(project_dir).joinpath(*rel))


def _relative(path: str, *bases: str) -> tuple[str, ...] | None:
    """`path`'s parts below the first of `bases` it is under, or None. Compared in the one canonical
    spelling, so `/app/../etc` is `/etc` (not under `/app`) and `/app//x` is under it."""
    p = PurePosixPath(canonical_path(path))
    for base in bases:
        b = PurePosixPath(base)
        if p == b or (p.is_absolute() and b in p.parents):
            return p.relative_to(b).parts
    return None
