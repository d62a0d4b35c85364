"""One fired run, in its own process: `python -m dativo.runtime.scheduler.child`, what launch.py starts.

It is `dativo run --plan P --job SCHEDULE` (the same runtime path: plan_run.run_from_plan, with its
locks, job state and exactly-once per run id) plus one thing the CLI cannot say: the nominal fire time.
A run that waited for a tenant slot may start after the schedule's next fire time; derived from the
clock it would take that later run id and run day, so the scheduler passes the time it fired.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ..exitcodes import ExitCode
from ..extra import message, missing
from ..plan import PlanError


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="dativo-scheduled-run")
    p.add_argument("--plan", required=True)
    p.add_argument("--job", required=True)
    p.add_argument("--nominal", required=True, help="the nominal fire time (ISO 8601, UTC)")
    p.add_argument("--state-dir")
    p.add_argument("--lock-dir")
    p.add_argument("--project-dir")
    p.add_argument("--resume-policy", default="fail", choices=("fail", "resume", "restart"))
    p.add_argument("--lock-ttl-seconds", type=float, default=3600.0)
    p.add_argument("--lock-wait-seconds", type=float, default=0.0)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if (module := missing()) is not None:
        print(f"dativo run: error: {message(module)}", file=sys.stderr)
        return ExitCode.USAGE
    from ..plan_run import run_from_plan, scheduled_run_id

    nominal = datetime.fromisoformat(args.nominal)
    opt = lambda v: Path(v).resolve() if v else None  # noqa: E731
    try:
        return run_from_plan(
            Path(args.plan),
            args.job,
            run_id=scheduled_run_id(nominal),
            project_dir=opt(args.project_dir),
            state_dir=opt(args.state_dir),
            lock_dir=opt(args.lock_dir),
            lock_ttl=args.lock_ttl_seconds,
            lock_wait=args.lock_wait_seconds,
            resume_policy=args.resume_policy,
            now=nominal,
        )
    except PlanError as e:
        print(f"dativo run: error: {e}", file=sys.stderr)
        return ExitCode.USAGE


if __name__ == "__main__":  # pragma: no cover - the process launch.py starts
    sys.exit(main())
