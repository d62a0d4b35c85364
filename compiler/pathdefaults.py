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
