"""What every target shares: the one command line they run, and the name rule.

The compiler rejects (DTV501) schedule names and tenant ids that do not match
`SAFE_NAME`, so targets may use them in file names, unit names and Kubernetes
object names; every other user string (tags, params, paths) still goes through
the target's own escaping.
"""

from __future__ import annotations

from dativo.runtime.plan import SAFE_NAME, Plan, ScheduleEntry

__all__ = ["SAFE_NAME", "RESUME_POLICY", "run_argv"]


#: an orchestrator's retry or "Clear" reruns the same run id: a run that failed before its commit
#: resumes, a committed one exits 0 (already_committed). `--resume-policy fail` is for a human at a shell.
RESUME_POLICY = "resume"


def run_argv(plan: Plan, entry: ScheduleEntry, run_id: str) -> list[str]:
    """`dativo run` for one schedule; `run_id` is the target's own deterministic run identity (unquoted)."""
    d = plan.deployment
    return [
        d.dativo_bin,
        "run",
        "--plan",
        d.plan_path,
        "--job",
        entry.id,
        "--resume-policy",
        RESUME_POLICY,
        "--run-id",
        run_id,
    ]


def mounts_note(entry: ScheduleEntry) -> str:
    """What a schedule's description adds about its runtime mounts (which the deployer must provide)."""
    return f"; needs runtime mounts {', '.join(entry.mounts)}" if entry.mounts else ""
