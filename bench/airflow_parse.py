"""Airflow parse benchmark: DagBag time of dativo's DAG file against dag-factory and a minimal static file.

Run: .venv/bin/python bench/airflow_parse.py [--runs 5] [--keep DIR]. Prints medians and ratios next to
the budget in docs/performance.md (ours at least 3.5x faster than dag-factory, within 1.1x of the minimal
file); a report, not a test: exit 0 over budget too.

The same 200 schedules across 20 tenants (a deterministic mix of hourly, every 15 minutes, weekdays,
every 6 h in New York, 06:30 Berlin, two cron lines; every 7th disabled) become three DAG folders:

- ours: `dativo compile`'s `dativo_runner_dags.py`, rendered from a plan of those schedules;
- dag-factory: one YAML of the same 200 DAGs (same timetable, zone, start date, catchup, max_active_runs,
  paused state, tags, pool, BashOperator with the same command and env) plus its two-line loader;
- minimal: the simplest literal file a person would write for the same DAGs: 200 `with DAG(...)` blocks,
  one BashOperator each, same arguments, no helper, no import fallback.

Each measurement is a fresh process of the Airflow venv (built by tests/toolenv.py, with dag-factory)
that times `DagBag(dag_folder=...)` alone (Airflow's own import is outside the timer and equal for all),
checks zero import errors and the same 200 dag ids, and reports. The variants are interleaved, one warm-up
round first (bytecode goes to a private PYTHONPYCACHEPREFIX, so every figure is of byte-compiled code).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from toolenv import tool_bin, tool_venv  # noqa: E402

from dativo.runtime.plan import Plan  # noqa: E402
from dativo.targets.airflow import TARGET  # noqa: E402
from dativo.targets.airflow.settings import Settings  # noqa: E402
from dativo.targets.airflow.target import DAG_FILE, RUN_ID_ENV, TASK_ID, bash_command, dag_tags  # noqa: E402

AIRFLOW_REQS = ["apache-airflow==3.3.2", "dag-factory==1.1.0"]
SCHEDULES, TENANTS = 200, 20
BUDGET_VS_DAGFACTORY, BUDGET_VS_MINIMAL = 3.5, 1.1
MIXES: list[tuple[list[str], str]] = [
    (["0 * * * *"], "UTC"),
    (["*/15 * * * *"], "UTC"),
    (["30 6 * * 1-5"], "UTC"),
    (["0 */6 * * *"], "America/New_York"),
    (["30 6 * * *"], "Europe/Berlin"),
    (["0 9 * * 1-5", "30 17 * * 0,6"], "Europe/Berlin"),
]

TIMER = r"""
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
folder, out = sys.argv[1], sys.argv[2]
t0, c0 = time.perf_counter(), time.process_time()
bag = DagBag(dag_folder=folder)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
Path = __import__("pathlib").Path
Path(out).write_text(json.dumps({"seconds": seconds, "cpu": cpu, "errors": {str(k): str(v)[-2000:] for k, v in bag.import_errors.items()},
                                 "dag_ids": sorted(bag.dags)}))
"""


def bench_plan() -> Plan:
    schedules: dict[str, Any] = {}
    for i in range(SCHEDULES):
        tenant, name = f"tenant_{i % TENANTS:03d}", f"job_{i:05d}"
        cron, tz = MIXES[i % len(MIXES)]
        sid = f"{tenant}.{name}"
        schedules[sid] = {
            "id": sid,
            "name": name,
            "tenant": tenant,
            "kind": "job",
            "job": f"jobs/{tenant}/{name}.yaml",
            "cron": cron,
            "timezone": tz,
            "enabled": i % 7 != 0,
            "max_concurrent_runs": 1 + i % 2,
            "tags": {"team": f"team-{i % 5}", "environment": "production"},
            "retry": {},
            "concurrency_key": f"tenant:{tenant}",
            "inputs": ["configs/runner.yaml"],
            "runner": "configs/runner.yaml",
        }
    tenants = {
        f"tenant_{t:03d}": {
            "concurrency": 1 + t % 3,
            "schedules": sorted(s for s in schedules if s.startswith(f"tenant_{t:03d}.")),
        }
        for t in range(TENANTS)
    }
    return Plan.model_validate(
        {
            "orchestrator": "airflow",
            "runner_mode": "orchestrated",
            "deployment": {
                "container_root": "/app",
                "project_dir": "/app",
                "dativo_bin": "dativo",
                "state_dir": "/app/state",
                "worker_state_dir": "/app/state",
                "plan_path": "/app/generated/plan.json",
                "mode": "self_hosted",
            },
            "tenants": tenants,
            "schedules": dict(sorted(schedules.items())),
            "jobs": {},
            "inputs": {},
        }
    )


def _timetable(lines: list[str], tz: str) -> str:
    args = ", ".join(repr(c) for c in lines)
    kind = "CronTriggerTimetable" if len(lines) == 1 else "MultipleCronTriggerTimetable"
    return f"{kind}({args}, timezone={tz!r})"


def minimal_file(plan: Plan) -> str:
    """What a person writes by hand for the same DAGs: literal blocks, nothing shared but the imports."""
    out = [
        "from datetime import datetime, timezone\n\n",
        "from airflow.providers.standard.operators.bash import BashOperator\n",
        "from airflow.sdk import DAG, CronTriggerTimetable, MultipleCronTriggerTimetable\n",
    ]
    for sid, e in plan.schedules.items():
        out.append(
            f"\n\nwith DAG(\n    {'dativo.' + sid!r},\n    schedule={_timetable(e.cron, e.timezone)},\n"
            f"    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),\n    catchup=False,\n"
            f"    max_active_runs={e.max_concurrent_runs},\n    is_paused_upon_creation={not e.enabled},\n"
            f"    tags={dag_tags(e)!r},\n):\n"
            f"    BashOperator(\n        task_id={TASK_ID!r},\n        bash_command={bash_command(plan, e)!r},\n"
            f"        env={{{RUN_ID_ENV!r}: '{{{{ run_id }}}}'}},\n        append_env=True,\n"
            f"        pool={'dativo_tenant_' + e.tenant!r},\n        retries=0,\n    )\n"
        )
    return "".join(out)


def dagfactory_config(plan: Plan) -> dict[str, Any]:
    config: dict[str, Any] = {"default": {"default_args": {"start_date": "2024-01-01"}, "catchup": False}}
    for sid, e in plan.schedules.items():
        kind = "CronTriggerTimetable" if len(e.cron) == 1 else "MultipleCronTriggerTimetable"
        schedule = {"__type__": f"airflow.sdk.{kind}", "__args__": list(e.cron), "timezone": e.timezone}
        config["dativo." + sid] = {
            "schedule": schedule,
            "max_active_runs": e.max_concurrent_runs,
            "is_paused_upon_creation": not e.enabled,
            "tags": dag_tags(e),
            "tasks": [
                {
                    "task_id": TASK_ID,
                    "operator": "airflow.providers.standard.operators.bash.BashOperator",
                    "bash_command": bash_command(plan, e),
                    "env": {RUN_ID_ENV: "{{ run_id }}"},
                    "append_env": True,
                    "pool": "dativo_tenant_" + e.tenant,
                    "retries": 0,
                }
            ],
        }
    return config


def write_variants(plan: Plan, root: Path) -> dict[str, Path]:
    folders = {name: root / name for name in ("ours", "dag-factory", "minimal")}
    for f in folders.values():
        f.mkdir(parents=True, exist_ok=True)
    (folders["ours"] / "dativo_runner_dags.py").write_text(TARGET.render(plan, Settings())[DAG_FILE])
    (folders["minimal"] / "minimal_dags.py").write_text(minimal_file(plan))
    config = root / "dag_factory_dags.yaml"  # outside the DAG folder; JSON is YAML
    config.write_text(json.dumps(dagfactory_config(plan), indent=2))
    (folders["dag-factory"] / "load_dags.py").write_text(
        "# airflow dag: dag-factory loader\nfrom dagfactory import load_yaml_dags\n\n"
        f"load_yaml_dags(globals_dict=globals(), config_filepath={str(config)!r})\n"
    )
    (root / "timer.py").write_text(TIMER)
    return folders


def measure(python: str, folder: Path, root: Path, env: dict[str, str]) -> dict[str, Any]:
    out = root / "result.json"
    p = subprocess.run(
        [python, str(root / "timer.py"), str(folder), str(out)], env=env, capture_output=True, text=True, timeout=600
    )
    if p.returncode != 0:
        raise SystemExit(f"timer failed for {folder.name}:\n{p.stderr[-3000:]}")
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep the generated folders here")
    args = ap.parse_args(argv)

    venv = tool_venv("airflow-dagfactory", AIRFLOW_REQS)
    python = tool_bin(venv, "python")
    plan = bench_plan()
    with tempfile.TemporaryDirectory(prefix="dativo-airflow-bench-") as tmp:
        root = args.keep or Path(tmp)
        folders = write_variants(plan, root)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(root / "airflow_home"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PYTHONPYCACHEPREFIX": str(root / "pycache"),
            "PYTHONHASHSEED": "0",
        }
        times: dict[str, list[float]] = {name: [] for name in folders}
        cpu: dict[str, list[float]] = {name: [] for name in folders}
        expected_ids = sorted("dativo." + sid for sid in plan.schedules)
        for round_no in range(args.runs + 1):  # round 0 warms the bytecode cache and is not counted
            for name, folder in folders.items():
                got = measure(python, folder, root, env)
                if got["errors"] or got["dag_ids"] != expected_ids:
                    raise SystemExit(f"{name}: import errors {got['errors']} or wrong DAGs ({len(got['dag_ids'])})")
                if round_no:
                    times[name].append(got["seconds"])
                    cpu[name].append(got["cpu"])
    report(times, cpu, args.runs)
    return 0


def report(times: dict[str, list[float]], cpu: dict[str, list[float]], runs: int) -> None:
    med = {name: statistics.median(ts) for name, ts in times.items()}
    med_cpu = {name: statistics.median(ts) for name, ts in cpu.items()}
    print(
        f"DagBag parse of {SCHEDULES} schedules across {TENANTS} tenants (Airflow 3.3.2, dag-factory 1.1.0), "
        f"median of {runs} fresh processes (wall, and CPU time of the parsing process):"
    )
    for name in times:
        spread = ", ".join(f"{t * 1000:.0f}" for t in times[name])
        print(
            f"  {name:12s} wall {med[name] * 1000:7.1f} ms  cpu {med_cpu[name] * 1000:7.1f} ms   (wall runs: {spread})"
        )
    for label, m in (("wall", med), ("cpu", med_cpu)):
        vs_df, vs_min = m["dag-factory"] / m["ours"], m["ours"] / m["minimal"]
        print(
            f"{label:4s}: dag-factory / ours = {vs_df:5.2f}x (budget >= {BUDGET_VS_DAGFACTORY}x) "
            f"{'OK' if vs_df >= BUDGET_VS_DAGFACTORY else 'OVER'};  ours / minimal = {vs_min:4.2f}x "
            f"(budget <= {BUDGET_VS_MINIMAL}x) {'OK' if vs_min <= BUDGET_VS_MINIMAL else 'OVER'}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
