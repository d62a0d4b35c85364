"""DAG schedules as native tasks in the real tools (issue 17): one chain's first task fails, the other chain
completes and only the failed task's downstream is skipped; the failed input fixed, the run executed again
the way each tool does it completes with every row exactly once.

Airflow: `dag.test` of one logical date (a second one replaces the DAG run under the same run id, what
"Clear" amounts to). Dagster: `execute_job` of the DAG's job, then re-execution from failure (same root run
id). The tools' venvs hold only the tool (tests/toolenv.py); the generated commands call this checkout's
`dativo`. The project: tests/runtime/dag_project.py (a -> b, c -> d, each a csv job into its own table).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: toolenv
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))  # rt_project, dag_project

from dag_project import BAD, GOOD, make_dag_project, table_ids
from rt_project import Project, run_cli
from toolenv import tool_bin, tool_venv

pytestmark = pytest.mark.slow

DATIVO = str(Path(sys.executable).with_name("dativo"))
ALL = [r[0] for r in GOOD]

AIRFLOW_PROBE = r"""
import datetime, json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import DagBag

dag_dir, dag_id, logical, out_file = sys.argv[1:5]
dag = DagBag(dag_folder=dag_dir).dags[dag_id]
when = datetime.datetime.fromisoformat(logical)
run = dag.test(run_after=when, logical_date=when)
tis = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
edges = {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
with create_session() as session:
    query = XComModel.get_many(run_id=run.run_id, key="return_value", dag_ids=dag_id)
    xcom = {x.task_id: XComModel.deserialize_value(x) for x in session.scalars(query)}
Path(out_file).write_text(json.dumps({"run_id": run.run_id, "state": str(run.state), "tasks": tis, "edges": edges,
                                      "xcom": xcom}, default=str))
"""

DAGSTER_PROBE = r"""
import json, sys
import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository

definitions, job, parent, out_file = sys.argv[1:5]
recon = ReconstructableRepository.for_file(definitions, "defs").get_reconstructable_job(job)
instance = dg.DagsterInstance.get()
options = dg.ReexecutionOptions.from_failure(parent, instance) if parent else None
with dg.execute_job(recon, instance=instance, reexecution_options=options) as result:
    run = instance.get_run_by_id(result.run_id)
    steps = {}
    for e in result.all_events:
        if e.step_key:
            steps.setdefault(e.step_key, []).append(e.event_type_value)
    mats = {}
    for e in result.get_asset_materialization_events():
        m = e.event_specific_data.materialization
        mats[m.asset_key.path[-1]] = {k: v.value for k, v in m.metadata.items() if k in ("rows_written", "table", "status")}
    out = {"success": result.success, "run_id": result.run_id, "root_run_id": run.root_run_id, "steps": steps,
           "materialized": mats}
open(out_file, "w").write(json.dumps(out, default=str))
"""


def deployed(root: Path, target: str, **kw: Any) -> Project:
    """The DAG project compiled for `target` with the deployment on this machine."""
    p = make_dag_project(root, **kw)
    (p.root / "dativo.yaml").write_text(
        f"version: 1\ncontainer_root: /app\ndeploy:\n  project_dir: {p.root}\n"
        f"  dativo_bin: {DATIVO}\n  state_dir: {p.state}\n"
    )
    res = run_cli("compile", ".", "--target", target, cwd=p.root)
    assert res.code == 0, res.out + res.err
    return p


def _tool(python: str, code: str, args: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    out = cwd / "probe-result.json"
    out.unlink(missing_ok=True)
    p = subprocess.run(
        [python, "-c", code, *args, str(out)],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0 and out.is_file(), (p.stdout + p.stderr)[-6000:]
    return json.loads(out.read_text())


def tables(p: Project) -> dict[str, list[int]]:
    return {t: table_ids(p, t) for t in "abcd"}


def test_airflow_failed_chain_skips_only_its_downstream_and_a_clear_completes_once(tmp_path: Path) -> None:
    venv = tool_venv("airflow", ["apache-airflow==3.3.2"])
    p = deployed(tmp_path / "p", "airflow")
    dags = p.root / "generated" / "airflow"
    env = {"AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    airflow = tool_bin(venv, "airflow")
    for args in (["db", "migrate"], ["pools", "import", str(dags / "pools.json")]):
        r = subprocess.run([airflow, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-4000:]
    probe = [str(dags), "dativo.t1.chains_daily", "2026-01-01T00:00:00+00:00"]
    python = tool_bin(venv, "python")
    p.write_csv(BAD, "a.csv")
    first = _tool(python, AIRFLOW_PROBE, probe, env, tmp_path)
    assert first["edges"] == {"a": [], "b": ["a"], "c": [], "d": ["c"]}
    assert first["tasks"] == {"a": "failed", "b": "upstream_failed", "c": "success", "d": "success"}, first
    assert tables(p) == {"a": [], "b": [], "c": ALL, "d": ALL}
    # a task's XCom is its last log line: the task_ok event with its payload
    ok_c = first["xcom"]["c"]
    ok_c = json.loads(ok_c) if isinstance(ok_c, str) else ok_c  # Airflow may hand the JSON line back parsed
    assert (ok_c["event_type"], ok_c["payload"]["table"], ok_c["payload"]["rows_written"]) == ("task_ok", "t1.c", 5)
    p.write_csv(GOOD, "a.csv")
    second = _tool(python, AIRFLOW_PROBE, probe, env, tmp_path)
    assert second["run_id"] == first["run_id"]
    assert second["tasks"] == dict.fromkeys("abcd", "success"), second
    assert tables(p) == dict.fromkeys("abcd", ALL)  # c and d: already committed, nothing added


def test_dagster_failed_chain_skips_only_its_downstream_and_reexecution_completes_once(tmp_path: Path) -> None:
    venv = tool_venv("dagster", ["dagster==1.13.29"])
    p = deployed(tmp_path / "p", "dagster")
    home = p.root / "generated" / "dagster"
    env = {"DAGSTER_HOME": str(home)}
    python = tool_bin(venv, "python")
    defs, job = str(home / "definitions.py"), "t1__chains_daily_job"
    p.write_csv(BAD, "a.csv")
    first = _tool(python, DAGSTER_PROBE, [defs, job, ""], env, tmp_path)
    assert not first["success"]
    steps = {k.rsplit("__", 1)[-1]: v for k, v in first["steps"].items()}
    assert "STEP_FAILURE" in steps["a"] and "STEP_SUCCESS" in steps["c"] and "STEP_SUCCESS" in steps["d"], steps
    assert "STEP_START" not in steps.get("b", []), steps  # b never starts: its upstream failed
    assert first["materialized"]["c"] == {"rows_written": len(GOOD), "table": "t1.c", "status": "success"}
    assert tables(p) == {"a": [], "b": [], "c": ALL, "d": ALL}
    p.write_csv(GOOD, "a.csv")
    second = _tool(python, DAGSTER_PROBE, [defs, job, first["run_id"]], env, tmp_path)
    assert second["success"] and second["root_run_id"] == first["run_id"], second
    assert sorted(second["materialized"]) == ["a", "b"]  # from failure: only the failed task and its downstream
    assert tables(p) == dict.fromkeys("abcd", ALL)


@pytest.mark.parametrize("partial", ["fail", "succeed"])
def test_dagster_renders_partial_as_the_schedule_says(partial: str, tmp_path: Path) -> None:
    """Issue 15: a warn-mode partial task fails the asset (its downstream does not start) under `partial: fail`,
    and is a success with status partial under `partial: succeed`, as Airflow's task is (exit 1 or 0)."""
    venv = tool_venv("dagster", ["dagster==1.13.29"])
    p = deployed(tmp_path / "p", "dagster", validation="warn", partial=partial)
    home = p.root / "generated" / "dagster"
    p.write_csv(BAD, "a.csv")
    got = _tool(
        tool_bin(venv, "python"),
        DAGSTER_PROBE,
        [str(home / "definitions.py"), "t1__chains_daily_job", ""],
        {"DAGSTER_HOME": str(home)},
        tmp_path,
    )
    steps = {k.rsplit("__", 1)[-1]: v for k, v in got["steps"].items()}
    if partial == "fail":
        assert not got["success"] and "STEP_FAILURE" in steps["a"] and "STEP_START" not in steps.get("b", [])
    else:
        assert got["success"], got
        assert got["materialized"]["a"]["status"] == "partial" and got["materialized"]["b"]["status"] == "success"
    assert table_ids(p, "a") == ALL  # committed either way: the valid rows
