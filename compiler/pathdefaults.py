"""Where a project's configs are read from unless dativo.yaml's `paths` says: one home for these defaults
(models/project.py's `Paths`, the registry's path in project.py and outdir.py, prefetch.py's guess).
No imports beyond the standard library's: the loading worker reads it before pydantic is imported."""

from __future__ import annotations

from dativo.runtime.deploydefaults import OUT_DIR

REGISTRY = "registry/connectors.yaml"
#: files dativo ships, named so in diagnostics; the registry used when a project has none at REGISTRY
PACKAGED = "<dativo>/"
PACKAGED_REGISTRY = PACKAGED + "registry/connectors.yaml"
CONNECTORS = "connectors"
ASSETS = "assets"
JOBS = "jobs"
RUNNER = "configs/runner.yaml"
DAGS = "dags"
OUT = OUT_DIR

#: `paths.<name>` -> its default (`registry` is optional in `Paths`: None means this file)
DEFAULTS = {
    "registry": REGISTRY,
    "connectors": CONNECTORS,
    "assets": ASSETS,
    "jobs": JOBS,
    "runner": RUNNER,
    "dags": DAGS,
    "out": OUT,
}


def packaged_key(name: str) -> str:
    """How `Files.load` and the loading worker name a file dativo ships (`name`, e.g. PACKAGED_REGISTRY): a
    NUL, which no project path holds, so a project file that happens to be called `<dativo>/...` is read as
    itself, never taken for dativo's own."""
    return "\0" + name


def packaged_name(key: str) -> str | None:
    """The shipped file a `packaged_key` names, or None for a project path."""
    return key[1:] if key.startswith("\0") else None
