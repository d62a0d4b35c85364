"""The Airflow artifacts in a real Airflow 3.3 (its own venv, built by tests/toolenv.py).

- DagBag imports the generated file with zero import errors (pools checked against pools.json);
- every DAG's timetable, time zone, pool, paused state, max_active_runs, tags, start date and
  retries read back equal the plan;
- Airflow's own timetable (serialized and deserialized as the scheduler does) fires exactly when
  croniter does for 50 runs from several start dates, outside DST transition days;
- the command Airflow renders (its own Jinja environment, with a hostile run id) runs `dativo run`
  with exactly `run_argv`, from the project directory, even with hostile deployment paths;
- `airflow pools import` accepts pools.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from croniter import croniter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: toolenv

from helpers import EXAMPLES
from target_plans import EDGE_DAG, render_plan
from test_airflow import edge_plan, entry, examples_plan, hostile_runnable_plan, with_schedules
from toolenv import tool_bin, tool_venv

from dativo.runtime.plan import Plan
from dativo.targets.airflow import TARGET
from dativo.targets.airflow.target import DAG_FILE, POOLS_FILE, TASK_ID, dag_tags
from dativo.targets.common import run_argv

pytestmark = pytest.mark.slow

AIRFLOW = ["apache-airflow==3.3.2"]
FIRES = 50
STARTS = [
    "2026-01-10T00:00:30+00:00",
    "2026-03-01T00:00:30+00:00",
    "2026-06-01T00:00:30+00:00",
    "2026-10-20T00:00:30+00:00",
]
HOSTILE_RUN_ID = "manual__'$(touch PWNED)'\"`id`\"{{ 7 * 7 }}; exit 3"

# Runs inside the Airflow venv: load the folder, read every DAG back, write JSON.
PROBE = r"""
import datetime, json, sys
from pathlib import Path

dag_dir, pools_file, starts, count, run_id, out_file = sys.argv[1:7]
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.decoders import decode_timetable
from airflow.serialization.encoders import encode_timetable
from airflow.timetables.base import TimeRestriction

bag = DagBag(dag_folder=dag_dir, known_pools=set(json.loads(Path(pools_file).read_text())))
out = {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in sorted(bag.dags.items()):
    encoded = encode_timetable(dag.timetable)
    core = decode_timetable(encoded)  # what the scheduler computes with
    fires = {}
    for start in json.loads(starts):
        restriction = TimeRestriction(earliest=pendulum.instance(datetime.datetime.fromisoformat(start)),
                                      latest=None, catchup=True)
        got, last = [], None
        for _ in range(int(count)):
            info = core.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
            got.append(info.run_after.isoformat())
            last = info.data_interval
        fires[start] = got
    env = dag.get_template_env()
    ctx = {"run_id": run_id}
    out["dags"][dag_id] = {
        "timetable": type(dag.timetable).__name__, "encoded": encoded["__var"],
        "paused": dag.is_paused_upon_creation, "max_active_runs": dag.max_active_runs, "catchup": dag.catchup,
        "start_date": dag.start_date.isoformat(), "tags": sorted(dag.tags),
        "tasks": [
            {"task_id": t.task_id, "pool": t.pool, "retries": t.retries, "append_env": t.append_env,
             "upstream": sorted(t.upstream_task_ids),
             "bash_command": t.render_template(t.bash_command, ctx, jinja_env=env),
             "env": t.render_template(t.env, ctx, jinja_env=env)}
            for t in dag.tasks
        ],
        "fires": fires,
    }
Path(out_file).write_text(json.dumps(out, default=str))
"""


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    return tool_venv("airflow", AIRFLOW)


def load(venv: Path, plan: Plan, tmp: Path, run_id: str = HOSTILE_RUN_ID) -> dict[str, Any]:
    """Render `plan`, load it in Airflow's DagBag, return what Airflow read."""
    out = render_plan(TARGET, plan)
    dags = tmp / "dags"
    dags.mkdir()
    (dags / Path(DAG_FILE).name).write_text(out[DAG_FILE], "utf-8")
    (tmp / "pools.json").write_text(out[POOLS_FILE], "utf-8")
    (tmp / "probe.py").write_text(PROBE)
    home = tmp / "airflow_home"
    home.mkdir()
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    p = subprocess.run(
        [
            tool_bin(venv, "python"),
            str(tmp / "probe.py"),
            str(dags),
            str(tmp / "pools.json"),
            json.dumps(STARTS),
            str(FIRES),
            run_id,
            str(tmp / "out.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr[-4000:]
    return json.loads((tmp / "out.json").read_text())


def expected(plan: Plan) -> dict[str, Any]:
    settings = plan.targets.get("airflow", {})
    prefix, pool_prefix = settings.get("dag_id_prefix", "dativo."), settings.get("pool_prefix", "dativo_tenant_")
    start = settings.get("start_date", "2024-01-01")
    out = {}
    for sid, e in plan.schedules.items():
        tt = {"timezone": e.timezone, "interval": 0.0, "run_immediately": False}
        if len(e.cron) == 1:
            kind, tt = "CronTriggerTimetable", {**tt, "expression": e.cron[0]}
        else:
            kind, tt = "MultipleCronTriggerTimetable", {**tt, "expressions": e.cron}
        out[prefix + sid] = {
            "timetable": kind,
            "encoded": tt,
            "paused": not e.enabled,
            "max_active_runs": e.max_concurrent_runs,
            "catchup": False,
            "start_date": f"{start}T00:00:00+00:00",
            "tags": sorted(dag_tags(e)),
            "pool": pool_prefix + e.tenant,
        }
    return out


def read_back(got: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for dag_id, d in got["dags"].items():
        # a job schedule has one task; a DAG schedule one per task of its DAG (test_dag_schedule_...)
        assert d["tasks"] and all(t["retries"] == 0 and t["append_env"] is True for t in d["tasks"])
        assert len(d["tasks"]) > 1 or d["tasks"][0]["task_id"] == TASK_ID
        (pool,) = {t["pool"] for t in d["tasks"]}  # the tenant pool on every task
        out[dag_id] = {
            k: d[k] for k in ("timetable", "encoded", "paused", "max_active_runs", "catchup", "start_date", "tags")
        } | {"pool": pool}
    return out


def on_transition_day(when: dt.datetime, tz: ZoneInfo) -> bool:
    """The local day of `when` has a DST change (its midnight and the next have different offsets)."""
    day = when.astimezone(tz).date()
    offsets = {dt.datetime.combine(day + dt.timedelta(days=n), dt.time(), tz).utcoffset() for n in (0, 1)}
    return len(offsets) > 1


def croniter_fires(lines: list[str], tz_name: str, start: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    tz = ZoneInfo(tz_name)
    fires: set[dt.datetime] = set()
    for line in lines:
        it = croniter(line, start.astimezone(tz))
        while (t := it.get_next(dt.datetime)) <= until:
            fires.add(t.astimezone(dt.UTC))
    return sorted(fires)


def assert_fire_times_equal(plan: Plan, got: dict[str, Any], prefix: str = "dativo.") -> int:
    compared = 0
    for sid, e in plan.schedules.items():
        tz = ZoneInfo(e.timezone)
        for start, fires in got["dags"][prefix + sid]["fires"].items():
            airflow_times = [dt.datetime.fromisoformat(f) for f in fires]
            assert len(airflow_times) == FIRES
            ours = croniter_fires(e.cron, e.timezone, dt.datetime.fromisoformat(start), airflow_times[-1])
            keep_a = [t for t in airflow_times if not on_transition_day(t, tz)]
            keep_c = [t for t in ours if not on_transition_day(t, tz)]
            assert keep_a == keep_c, (sid, start)
            compared += len(keep_a)
    return compared


def test_examples_load_and_read_back(airflow_venv: Path, tmp_path: Path) -> None:
    plan = examples_plan()
    got = load(airflow_venv, plan, tmp_path)
    assert got["import_errors"] == {}
    assert read_back(got) == expected(plan)
    assert assert_fire_times_equal(plan, got) > len(plan.schedules) * len(STARTS) * FIRES * 0.9


def test_edge_plan_loads_reads_back_and_fires_like_croniter(airflow_venv: Path, tmp_path: Path) -> None:
    plan = edge_plan()
    got = load(airflow_venv, plan, tmp_path)
    assert got["import_errors"] == {}
    assert read_back(got) == expected(plan)
    assert assert_fire_times_equal(plan, got, prefix="dtv__") > 0
    hostile = got["dags"]["dtv__beta-co.hostile_tags"]
    assert "jinja:{{ run_id }}{% if 1 %}{# c #}" in hostile["tags"]
    # Airflow's own rendering leaves the command untouched and puts the run id, verbatim, in the env
    for d in got["dags"].values():
        for task in d["tasks"]:
            assert task["env"] == {"DATIVO_RUN_ID": HOSTILE_RUN_ID}
    # the edge DAG's fan-out and fan-in, and its task ids, as the plan has them
    assert {t["task_id"]: t["upstream"] for t in hostile["tasks"]} == {
        t.id: t.depends_on for t in plan.dags[EDGE_DAG].tasks
    }


def test_dst_zones_fire_like_croniter_outside_transition_days(airflow_venv: Path, tmp_path: Path) -> None:
    base = examples_plan()
    plan = with_schedules(
        base,
        [
            entry(base, "acme", "ny_0230", ["30 2 * * *"], timezone="America/New_York"),
            entry(base, "acme", "ny_0130", ["30 1 * * *"], timezone="America/New_York"),
            entry(base, "acme", "berlin_15m", ["*/15 * * * *"], timezone="Europe/Berlin"),
            entry(base, "acme", "sydney_weekly", ["0 3 * * 0", "45 2 * * 3"], timezone="Australia/Sydney"),
            entry(base, "acme", "kolkata_monthly", ["0 0 1,15 * *"], timezone="Asia/Kolkata"),
        ],
    )
    got = load(airflow_venv, plan, tmp_path)
    assert got["import_errors"] == {}
    assert read_back(got) == expected(plan)
    # a few fires fall on transition days (the starts cross them on purpose); the rest must all agree
    assert (
        len(plan.schedules) * len(STARTS) * FIRES * 0.9
        < assert_fire_times_equal(plan, got)
        < len(plan.schedules) * len(STARTS) * FIRES
    )


def test_dag_schedule_has_the_dags_tasks_and_edges_exactly(airflow_venv: Path, tmp_path: Path) -> None:
    """Issue 17: each task of dags/acme_daily.yaml is its own Airflow task (retried and cleared on its own),
    with the DAG's depends_on as its upstream tasks, the tenant pool, and `dativo run ... --task <id>`."""
    plan = examples_plan()
    got = load(airflow_venv, plan, tmp_path, run_id="manual__1")
    assert got["import_errors"] == {}
    dag = got["dags"]["dativo.acme.acme_daily_batch"]
    written = yaml.safe_load((EXAMPLES / "dags/acme_daily.yaml").read_text("utf-8"))
    assert {t["task_id"]: t["upstream"] for t in dag["tasks"]} == {
        t["id"]: sorted(t["depends_on"]) for t in written["tasks"]
    }
    for t in dag["tasks"]:
        assert t["pool"] == "dativo_tenant_acme"
        assert t["bash_command"].endswith(f'--run-id "$DATIVO_RUN_ID" --task {t["task_id"]}')


def test_rendered_command_runs_dativo_with_exact_argv(airflow_venv: Path, tmp_path: Path) -> None:
    plan = hostile_runnable_plan(tmp_path)
    got = load(airflow_venv, plan, tmp_path)
    assert got["import_errors"] == {}
    (task,) = got["dags"]["dativo.acme.s"]["tasks"]
    p = subprocess.run(
        ["bash", "-c", task["bash_command"]],
        env={**os.environ, **task["env"]},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    ran = json.loads(p.stdout)
    assert ran == {
        "argv": run_argv(plan, plan.schedules["acme.s"], HOSTILE_RUN_ID)[1:],
        "cwd": plan.deployment.project_dir,
    }
    assert not list(tmp_path.rglob("PWNED"))


def test_airflow_pools_import_reads_pools_json(airflow_venv: Path, tmp_path: Path) -> None:
    plan = edge_plan()
    (tmp_path / "pools.json").write_text(render_plan(TARGET, plan)[POOLS_FILE], "utf-8")
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "home"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = tool_bin(airflow_venv, "airflow")
    for args in (["db", "migrate"], ["pools", "import", str(tmp_path / "pools.json")]):
        p = subprocess.run([airflow, *args], env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-4000:]
    p = subprocess.run([airflow, "pools", "list", "-o", "json"], env=env, capture_output=True, text=True, check=True)
    pools = {x["pool"]: int(x["slots"]) for x in json.loads(p.stdout[p.stdout.index("[") :])}
    assert {k: v for k, v in pools.items() if k != "default_pool"} == {
        f"pool-{t}": plan.tenants[t].concurrency for t in plan.tenants
    }
