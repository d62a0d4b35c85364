"""`dativo dag run DAG.yaml [--dry-run]`: the dry run's output is a golden and writes nothing; a live run
runs the DAG's tasks through the runtime; a DAG with errors is refused with its diagnostics."""

from __future__ import annotations

import shutil
from pathlib import Path

from dag_project import make_dag_project, table_ids
from rt_project import REPO, run_cli

GOLDEN = Path(__file__).parent / "test_dag_command"


def _tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def test_dry_run_prints_the_example_dags_plan_and_writes_nothing(tmp_path: Path, file_regression) -> None:
    project = tmp_path / "examples"
    shutil.copytree(REPO / "examples", project)
    before = _tree(project)
    res = run_cli("dag", "run", "dags/acme_daily.yaml", "--dry-run", cwd=project)
    assert res.code == 0, res.out + res.err
    file_regression.check(res.out, fullpath=GOLDEN / "acme_daily_dry_run.txt", encoding="utf-8", newline="\n")
    assert _tree(project) == before
    # the project found from the DAG file, from another directory
    elsewhere = run_cli("dag", "run", str(project / "dags/acme_daily.yaml"), "--dry-run", cwd=tmp_path)
    assert elsewhere.out == res.out


def test_a_dag_with_a_cycle_is_refused_with_its_diagnostic(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p")
    dag = p.root / "dags/chains.yaml"
    dag.write_text(
        dag.read_text("utf-8").replace(
            "c.yaml\n    params: {batch: daily}\n    depends_on: []",
            "c.yaml\n    params: {batch: daily}\n    depends_on: [d]",
        ),
        "utf-8",
    )
    res = run_cli("dag", "run", "dags/chains.yaml", "--dry-run", cwd=p.root)
    assert res.code == 1 and "DTV407" in res.err and "cycle" in res.err, res.err
    assert res.out == ""


def test_live_run_runs_the_tasks(tmp_path: Path) -> None:
    p = make_dag_project(tmp_path / "p")
    res = run_cli("dag", "run", "dags/chains.yaml", "--run-id", "m1", cwd=p.root)
    assert res.code == 0, res.out + res.err
    assert res.events("dag_done")[0]["succeeded"] == ["a", "b", "c", "d"]
    assert res.events("dag_start")[0]["job_name"] == "t1.chains_daily"  # the schedule that runs it
    assert all(table_ids(p, t) for t in "abcd")
    assert (p.state / "events.jsonl").is_file()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("dag", "run", "nope.yaml", "--dry-run", cwd=tmp_path).code == 2
