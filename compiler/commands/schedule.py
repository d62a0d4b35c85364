"""`dativo schedule --once [--at ISO] | --serve`: the built-in scheduler (runtime/scheduler/, docs/scheduler.md).

Thin: flags to runtime settings; a plan that cannot be used is one usage error (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError

if TYPE_CHECKING:
    from dativo.runtime.scheduler.launch import Settings


def _path(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None


def settings(args: argparse.Namespace, plan_file: Path) -> Settings:
    from dativo.runtime.scheduler.launch import Settings

    if args.max_parallel < 1:
        raise UsageError("--max-parallel must be at least 1")
    if args.tick <= 0:
        raise UsageError("--tick must be positive")
    if args.lock_wait_seconds < 0:
        raise UsageError("--lock-wait-seconds must not be negative")
    return Settings(
        plan_file=plan_file,
        state_dir=_path(args.state_dir),
        lock_dir=_path(args.lock_dir),
        project_dir=_path(args.project_dir),
        max_parallel=args.max_parallel,
        tick=float(args.tick),
        lock_wait=float(args.lock_wait_seconds),
    )


def main(args: argparse.Namespace) -> int:
    from dativo.runtime import extra
    from dativo.runtime.plan import PlanError
    from dativo.runtime.scheduler.main import parse_at, plan_path, schedule

    if args.at and not args.once:
        raise UsageError("--at goes with --once (--serve follows the clock)")
    if (module := extra.missing()) is not None:
        raise UsageError(extra.message(module))
    try:
        at = parse_at(args.at) if args.at else None
        return schedule(settings(args, plan_path(args.plan)), once=args.once, at=at)
    except PlanError as e:
        raise UsageError(str(e)) from None
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


def add_parser(sub: argparse._SubParsersAction, call: Callable[[argparse.Namespace], int]) -> None:
    p = sub.add_parser(
        "schedule",
        help="the built-in scheduler: fire the plan's schedules once (--once) or on time (--serve)",
        description="Fire each due schedule of a compiled plan exactly once per nominal fire time. "
        "See docs/scheduler.md.",
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="fire what is due at --at (default: now), wait, exit")
    mode.add_argument("--serve", action="store_true", help="keep firing on time until SIGTERM or Ctrl+C")
    serve_flags(p)
    p.add_argument("--plan", metavar="PLAN", help="a compiled plan.json (default: generated/plan.json)")
    p.add_argument("--at", metavar="ISO_INSTANT", help="with --once: the instant to fire at (e.g. 2026-03-01T09:00Z)")
    p.add_argument("--project-dir", help="local project root (default: derived from the plan path)")
    p.add_argument("--state-dir", help="state, locks, fired-run ledger, events (default: deploy.state_dir mapped)")
    p.add_argument("--lock-dir", help="lock files (default: <state-dir>/locks)")
    p.set_defaults(func=call)


def serve_flags(p: argparse.ArgumentParser) -> None:
    """The flags `dativo start orchestrated` passes on to the built-in scheduler too."""
    p.add_argument("--tick", type=float, default=30.0, help="--serve: longest sleep between checks (default 30 s)")
    p.add_argument("--max-parallel", type=int, default=4, help="runs at once at most (default 4)")
    p.add_argument(
        "--lock-wait-seconds",
        type=float,
        default=300.0,
        help="a started run waits this long for a lock another process took first (default 300)",
    )
