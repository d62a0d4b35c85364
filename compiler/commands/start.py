"""`dativo start orchestrated --runner-config FILE` (seeds 001/002): compile the project, then hand its
schedules to the orchestrator the runner file names.

- dagster: write the definitions, put the instance file in $DAGSTER_HOME (default <state dir>/dagster)
  and exec `dagster dev -f <out>/dagster/definitions.py` (the process becomes Dagster, so the
  container's signals reach it). Dagster missing: exit 2 with the install command.
- airflow: write the DAG file into --airflow-dag-dir (default $AIRFLOW_HOME/dags); Airflow's own
  scheduler, started separately, picks it up.
- local (`--orchestrator local`, or a runner file that names no type when Dagster is not installed):
  the built-in scheduler, `dativo schedule --serve` (docs/scheduler.md).
`--dry-run` compiles and writes the project's artifacts as `dativo compile` does, then prints what it
would start or copy (one JSON object) and starts and copies nothing.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from dativo.runtime.deploydefaults import PLAN_FILE
from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError
from .schedule import serve_flags

DAGSTER_INSTALL = "pip install dagster dagster-webserver"
ORCHESTRATORS = ("dagster", "airflow", "local")


class Built(NamedTuple):
    out_dir: Path
    state_dir: Path  # the plan's deploy.state_dir on this machine
    orchestrator: str  # orchestrator.type of the runner file
    type_written: bool  # whether the runner file writes orchestrator.type (else it is the default)


def compile_for_start(runner_file: Path, mode: str | None) -> Built | None:
    """`dativo compile` of the runner file's project (written to its out dir); None when it has errors."""
    from dativo.runtime.plan import load_plan
    from dativo.runtime.plan_run import locate

    from ..outdir import UnsafeOutput, project_inputs
    from ..paths import find_root
    from ..pipeline import compile_project
    from ..write import write_artifacts
    from .common import emit, failed

    root = find_root(runner_file.parent).resolve()
    result = compile_project(root, mode=mode)
    settings = result.project.settings
    if runner_file != (root / settings.paths.runner).resolve():
        raise UsageError(
            f"{runner_file} is not the runner file of the project {root} (its dativo.yaml reads "
            f"{settings.paths.runner}); pass that file, or set paths.runner"
        )
    emit(result.diags, "text")
    if failed(result.diags, False, "start") or result.project.runner is None:
        return None
    out_dir = root / settings.paths.out
    try:
        write_artifacts(out_dir, result.artifacts, root, project_inputs(result.project))
    except UnsafeOutput as e:
        raise UsageError(str(e)) from None
    orch = result.project.runner.model.runner.orchestrator
    _, state_dir = locate(load_plan(out_dir / PLAN_FILE), out_dir / PLAN_FILE)
    return Built(out_dir, state_dir, orch.type, "type" in orch.model_fields_set)


def main(args: argparse.Namespace) -> int:
    runner_file = Path(args.runner_config)
    if not runner_file.is_file():
        raise UsageError(f"runner config {args.runner_config!r} not found")
    built = compile_for_start(runner_file.resolve(), args.mode)
    if built is None:
        return ExitCode.FINDINGS
    kind = args.orchestrator or built.orchestrator
    if kind == "dagster" and _dagster() is None and not built.type_written and not args.orchestrator:
        kind = "local"  # the runner file chose nothing and no orchestrator is installed: the built-in one
    if kind == "dagster":
        return _dagster_start(built.out_dir, built.state_dir, args)
    if kind == "airflow":
        return _airflow(built.out_dir, args)
    return _local(built.out_dir / PLAN_FILE, args)


def _generated(out_dir: Path, rel: str, target: str) -> Path:
    """An artifact the compile must have written; its absence (the target not emitted) is a usage error."""
    path = out_dir / rel
    if not path.is_file():
        raise UsageError(
            f"the compile wrote no {rel} in {out_dir}, so the {target} target emitted nothing for this project; "
            "run `dativo compile` and read its diagnostics"
        )
    return path


def _dagster() -> str | None:
    """The `dagster` command, when Dagster and its web server (which `dagster dev` needs) are installed."""
    import shutil

    exe = shutil.which("dagster")
    return exe if exe and shutil.which("dagster-webserver", path=str(Path(exe).parent)) else None


def _dagster_start(out_dir: Path, state_dir: Path, args: argparse.Namespace) -> int:
    exe = _dagster()
    if exe is None:
        raise UsageError(
            f"orchestrator dagster: Dagster is not installed (no `dagster` and `dagster-webserver` on PATH); "
            f"install it with: {DAGSTER_INSTALL} "
            "(or run the built-in scheduler: --orchestrator local)"
        )
    home = Path(os.environ.get("DAGSTER_HOME") or state_dir / "dagster").resolve()
    _generated(out_dir, "dagster/definitions.py", "dagster")
    instance = _generated(out_dir, "dagster/dagster.yaml", "dagster").read_text("utf-8")
    target = home / "dagster.yaml"
    if target.is_file() and target.read_text("utf-8") != instance:
        raise UsageError(
            f"{target} exists and is not the generated instance file {out_dir / 'dagster' / 'dagster.yaml'}; "
            "move it away (or point DAGSTER_HOME elsewhere): the run queue limits live in the generated one"
        )
    argv = [exe, "dev", "-f", str(out_dir / "dagster" / "definitions.py"), "-h", args.host, "-p", str(args.port)]
    if args.dry_run:
        print(json.dumps({"orchestrator": "dagster", "exec": argv, "DAGSTER_HOME": str(home)}, sort_keys=True))
        return ExitCode.OK
    home.mkdir(parents=True, exist_ok=True)
    target.write_text(instance, "utf-8")
    os.execve(exe, argv, {**os.environ, "DAGSTER_HOME": str(home)})
    return ExitCode.USAGE  # pragma: no cover - execve does not return


def _airflow(out_dir: Path, args: argparse.Namespace) -> int:
    dag_dir = args.airflow_dag_dir or (
        str(Path(os.environ["AIRFLOW_HOME"]) / "dags") if os.environ.get("AIRFLOW_HOME") else None
    )
    if not dag_dir:
        raise UsageError("orchestrator airflow: give --airflow-dag-dir DIR, or set AIRFLOW_HOME (its dags/ is used)")
    sources = sorted(p for p in (out_dir / "airflow").glob("*.py")) or [_generated(out_dir, "airflow/*.py", "airflow")]
    dest = Path(dag_dir).resolve()
    copies = [(s, dest / s.name) for s in sources]
    pools = out_dir / "airflow" / "pools.json"
    report = {
        "orchestrator": "airflow",
        "dag_files": [str(d) for _, d in copies],
        "next": f"import the pools once: airflow pools import {pools}",
    }
    if not args.dry_run:
        import shutil

        dest.mkdir(parents=True, exist_ok=True)
        for src, dst in copies:
            tmp = dst.with_name(f".{dst.name}.tmp")  # Airflow must never parse a half-written DAG file
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
    print(json.dumps(report, sort_keys=True))
    return ExitCode.OK


def _local(plan_file: Path, args: argparse.Namespace) -> int:
    from dativo.runtime.plan import PlanError
    from dativo.runtime.scheduler.main import schedule as run_scheduler

    from .schedule import settings

    args.state_dir = args.lock_dir = args.project_dir = None
    if args.dry_run:
        print(
            json.dumps({"orchestrator": "local", "exec": ["dativo", "schedule", "--serve", "--plan", str(plan_file)]})
        )
        return ExitCode.OK
    try:
        return run_scheduler(settings(args, plan_file), once=False)
    except PlanError as e:
        raise UsageError(str(e)) from None


def add_parser(sub: argparse._SubParsersAction, call: Callable[[argparse.Namespace], int]) -> None:
    p = sub.add_parser(
        "start",
        help="start orchestrated mode: Dagster, Airflow DAG files, or the built-in scheduler (seeds 001/002)",
        description="Compile the project of --runner-config and start its orchestrator. See docs/scheduler.md.",
    )
    p.add_argument("mode_name", choices=("orchestrated",), metavar="orchestrated", help="the execution mode")
    p.add_argument("--runner-config", required=True, metavar="FILE", help="the project's runner file")
    p.add_argument("--orchestrator", choices=ORCHESTRATORS, help="override orchestrator.type of the runner file")
    p.add_argument("--airflow-dag-dir", metavar="DIR", help="airflow: the DAGs folder (default: $AIRFLOW_HOME/dags)")
    p.add_argument("--host", default="0.0.0.0", help="dagster: web UI host (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=3000, help="dagster: web UI port (default 3000)")
    p.add_argument("--mode", choices=("self_hosted", "cloud"), help="deployment mode (default: from dativo.yaml)")
    p.add_argument("--dry-run", action="store_true", help="compile, then print what would start; start nothing")
    serve_flags(p)
    p.set_defaults(func=call)
