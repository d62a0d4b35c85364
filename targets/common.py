"""What every target shares: the one command line they run, and the name rule.

The compiler rejects (DTV501) schedule names and tenant ids that do not match
`SAFE_NAME`, so targets may use them in file names, unit names and Kubernetes
object names; every other user string (tags, params, paths) still goes through
the target's own escaping.
"""

from __future__ import annotations

from dativo.compiler.plan import SAFE_NAME, Plan, ScheduleEntry

__all__ = ["SAFE_NAME", "run_argv"]


def run_argv(plan: Plan, entry: ScheduleEntry, run_id: str) -> list[str]:
    """`dativo run` for one schedule; `run_id` is the target's own deterministic run identity (unquoted)."""
    d = plan.deployment
    return [d.dativo_bin, "run", "--plan", d.plan_path, "--job", entry.id, "--run-id", run_id]
