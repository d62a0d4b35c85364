"""Where a project lives on the workers when dativo.yaml does not say: the one home of these
defaults, read by the compiler (dativo.yaml's models, the plan's deployment block) and by the
runtime (a plan without the values, the path map)."""

from __future__ import annotations

CONTAINER_ROOT = "/app"  # also the default deploy.project_dir
DATIVO_BIN = "dativo"
OUT_DIR = "generated"  # paths.out
PLAN_FILE = "plan.json"


def state_dir(project_dir: str) -> str:
    """deploy.state_dir's default: <project_dir>/state."""
    return f"{project_dir}/state"


def plan_path(project_dir: str, out: str = OUT_DIR) -> str:
    """deploy.plan_path's default: <project_dir>/<paths.out>/plan.json."""
    return f"{project_dir.rstrip('/')}/{out.strip('/')}/{PLAN_FILE}"
