"""An orchestrator's own retry recovers a failed run, in the real tools (issue 11).

A task whose `dativo run` fails on a bad file (strict validation: exit 2, nothing committed); the
file fixed; the same run executed again the way the tool does it — Airflow: `dag.test` of the same
logical date, which replaces the DAG run under the same run id (what "Clear" amounts to); Dagster:
re-execution from failure, whose root run id is the failed run's. The rerun resumes and commits the
rows once; one more rerun is `already_committed` and adds nothing. The tools' venvs hold only the
tool (tests/toolenv.py); the generated command calls this checkout's `dativo`.
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))  # rt_project

from rt_project import Project, make_project, run_cli
from toolenv import tool_bin, tool_venv

pytestmark = pytest.mark.slow

TS = "2026-01-01T00:00:00Z"
BAD = [(1, "a", "1.00", 1, TS), (2, "b", "not-a-price", 1, TS)]
GOOD = [(1, "a", "1.00", 1, TS), (2, "b", "2.00", 1, TS)]
DATIVO = str(Path(sys.executable).with_name("dativo"))

AIRFLOW_PROBE = r"""
import datetime, json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import DagBag

dag_dir, dag_id, logical, out_file = sys.argv[1:5]
dag = DagBag(dag_folder=dag_dir).dags[dag_id]
when = datetime.datetime.fromisoformat(logical)
run = dag.test(run_after=when, logical_date=when)  # the run id follows from these: the same run each time
tis = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
Path(out_file).write_text(json.dumps({"run_id": run.run_id, "state": str(run.state), "tasks": tis}))
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
    out = {"success": result.success, "run_id": result.run_id, "root_run_id": run.root_run_id}
open(out_file, "w").write(json.dumps(out))
"""


def deployed_project(root: Path, target: str) -> Project:
    """The runtime test project, compiled for `target` with the deployment on this machine."""
    p = make_project(root, compile_=False)
    (p.root / "dativo.yaml").write_text(
        f"version: 1\ncontainer_root: /app\ndeploy:\n  project_dir: {p.root}\n"
        f"  dativo_bin: {DATIVO}\n  state_dir: {p.state}\n"
    )
    res = run_cli("compile", ".", "--target", target, cwd=p.root)
    assert res.code == 0, res.out + res.err
    return p


def ids(p: Project) -> list[int]:
    return sorted(p.rows().column("id").to_pylist())


def committed_run_ids(p: Project) -> list[str]:
    return [s.summary.additional_properties.get("dativo.run-id") for s in p.table().snapshots()]


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


def test_airflow_clear_of_a_failed_run_resumes_it_once(tmp_path: Path) -> None:
    venv = tool_venv("airflow", ["apache-airflow==3.3.2"])
    p = deployed_project(tmp_path / "p", "airflow")
    home = tmp_path / "airflow"
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(p.root / "generated" / "airflow"),
    }
    airflow = tool_bin(venv, "airflow")
    for args in (["db", "migrate"], ["pools", "import", str(p.root / "generated" / "airflow" / "pools.json")]):
        r = subprocess.run([airflow, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-4000:]
    probe = [str(p.root / "generated" / "airflow"), "dativo.t1.items_hourly", "2026-01-01T00:00:00+00:00"]
    python = tool_bin(venv, "python")
    p.write_csv(BAD)
    first = _tool(python, AIRFLOW_PROBE, probe, env, tmp_path)
    assert first["tasks"] == {"dativo_run": "failed"}, first
    assert p.table().current_snapshot() is None
    p.write_csv(GOOD)
    second = _tool(python, AIRFLOW_PROBE, probe, env, tmp_path)
    assert second["run_id"] == first["run_id"] == "manual__2026-01-01T00:00:00+00:00", second
    assert second["tasks"] == {"dativo_run": "success"}, second
    assert ids(p) == [1, 2] and committed_run_ids(p) == [first["run_id"]]
    third = _tool(python, AIRFLOW_PROBE, probe, env, tmp_path)
    assert third["tasks"] == {"dativo_run": "success"}, third
    assert ids(p) == [1, 2] and committed_run_ids(p) == [first["run_id"]]


def test_dagster_reexecution_of_a_failed_run_resumes_it_once(tmp_path: Path) -> None:
    venv = tool_venv("dagster", ["dagster==1.13.29"])
    p = deployed_project(tmp_path / "p", "dagster")
    home = p.root / "generated" / "dagster"
    env = {"DAGSTER_HOME": str(home)}
    python = tool_bin(venv, "python")
    defs, job = str(home / "definitions.py"), "t1__items_hourly_job"
    p.write_csv(BAD)
    first = _tool(python, DAGSTER_PROBE, [defs, job, ""], env, tmp_path)
    assert not first["success"] and p.table().current_snapshot() is None, first
    p.write_csv(GOOD)
    second = _tool(python, DAGSTER_PROBE, [defs, job, first["run_id"]], env, tmp_path)
    assert second["success"] and second["root_run_id"] == first["run_id"], second
    assert ids(p) == [1, 2] and committed_run_ids(p) == [first["run_id"]]
    third = _tool(python, DAGSTER_PROBE, [defs, job, first["run_id"]], env, tmp_path)
    assert third["success"] and third["root_run_id"] == first["run_id"], third
    assert ids(p) == [1, 2] and committed_run_ids(p) == [first["run_id"]]
