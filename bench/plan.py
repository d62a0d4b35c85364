"""`dativo plan` benchmark: the 2,000-job project of bench/projects.py in a git repository, one
schedule's cron changed, `dativo plan --base HEAD` against a cold `dativo compile --check` of the same
work tree, in the same run (budget: plan <= 2.2x check; docs/plan.md#speed).

Run: .venv/bin/python bench/plan.py [--jobs N] [--keep DIR]. A report, not a test: exit 0 over budget
too. Both commands run as fresh subprocesses with a private XDG_CACHE_HOME whose result cache is emptied
before each run (so the check compiles in full); compiled templates and bytecode stay warm for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from projects import REPO, generate, job_yaml  # bench/ is on sys.path

BIN = Path(sys.executable).parent
DATIVO = str(BIN / "dativo") if (BIN / "dativo").exists() else (shutil.which("dativo") or "dativo")
BUDGET = 2.2
RUNS = 3
AT = "2026-03-27T12:00:00Z"
GIT = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench"}
GIT |= {"GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def call(cmd: Sequence[str], env: dict[str, str], cwd: Path = REPO) -> float:
    """Wall time of one subprocess that must succeed; the result cache is emptied first (not timed)."""
    shutil.rmtree(Path(env["XDG_CACHE_HOME"]) / "dativo" / "checks", ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, env=env)
    took = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"bench: {' '.join(cmd)} failed (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
    return took


def prepare(root: Path, n_jobs: int, env: dict[str, str]) -> None:
    """The project committed with its generated/ output, then one schedule's cron changed and compiled."""
    generate(root, n_jobs, job_yaml)
    call([DATIVO, "compile", str(root)], env)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "base")):
        call(["git", *args], env, cwd=root)
    runner = root / "configs" / "runner.yaml"
    text = runner.read_text("utf-8")
    runner.write_text(text.replace('cron: "0 * * * *"', 'cron: "5 * * * *"', 1), "utf-8")
    call([DATIVO, "compile", str(root)], env)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2000, help="jobs in the project (default 2000)")
    ap.add_argument("--keep", metavar="DIR", help="generate the project under DIR and keep it")
    args = ap.parse_args(argv)
    base = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="dativo-bench-plan-"))
    env = {**os.environ, **GIT, "XDG_CACHE_HOME": str(base / "xdg-cache"), "PYTHONPYCACHEPREFIX": str(base / "pyc")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-compiled like an installed package (as bench/compile.py)
    try:
        root = base / "project"
        prepare(root, args.jobs, env)
        check_cmd = [DATIVO, "compile", str(root), "--check"]
        plan_cmd = [DATIVO, "plan", str(root), "--base", "HEAD", "--format", "markdown", "--at", AT]
        call(plan_cmd, env)  # warm the compiled templates and bytecode for both
        checks, plans = [], []
        for _ in range(RUNS):  # interleaved, so machine load weighs on both alike
            checks.append(call(check_cmd, env))
            plans.append(call(plan_cmd, env))
        check, plan = min(checks), min(plans)
        verdict = "OK" if plan / check <= BUDGET else "OVER"
        print(f"dativo plan benchmark: {args.jobs} jobs, one schedule changed (best of {RUNS})")
        print(f"  compile --check (cold)  {check:7.3f} s")
        print(f"  plan --base HEAD        {plan:7.3f} s")
        print(f"  plan / check            {plan / check:7.2f} x   budget <= {BUDGET} x   {verdict}")
        return 0
    finally:
        if args.keep:
            print(f"\nproject kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
