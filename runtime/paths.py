"""Where the plan's deployment paths live on this machine.

A plan is compiled for the workers (`project_dir` such as `/app`); the same plan also runs
from a local checkout. The local root is the plan file's folder minus the out-dir components
of `deployment.plan_path`; absolute paths and `file://`/`sqlite:` URIs under `project_dir`
or `container_root` map onto that root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .canonical import canonical_path

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


@dataclass(frozen=True)
class PathMap:
    root: Path
    project_dir: str = "/app"
    container_root: str = "/app"

    def project(self, rel: str) -> Path:
        """A project-relative path (as JobSpec holds them) on this machine."""
        return self.root / rel

    def local(self, path: str) -> str:
        """An absolute deployment path on this machine; other paths are returned unchanged."""
        p = PurePosixPath(canonical_path(path))  # the one spelling: /app/../etc is /etc, not <root>/../etc
        for base in (self.project_dir, self.container_root):
            b = PurePosixPath(base)
            if p == b or (p.is_absolute() and b in p.parents):
                return str(self.root.joinpath(*p.relative_to(b).parts))
        return path

    def uri(self, uri: str) -> str:
        """`file://` and `sqlite:` URIs under the deployment root, mapped onto the local root."""
        if uri.startswith("file://"):
            path = uri[len("file://"):]
            mapped = self.local(path)
            return "file://" + mapped + ("/" if path.endswith("/") and not mapped.endswith("/") else "")
        m = re.match(r"^(sqlite(?:\+\w+)?:///)(/.*)$", uri)
        if m:
            return m.group(1) + self.local(m.group(2))
        return uri
