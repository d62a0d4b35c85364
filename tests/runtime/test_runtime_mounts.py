"""Runtime mounts (issue 13): a source file or credentials file outside the container root is read where the
config names it, never mapped into the project; a missing one stops the run before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

from rt_project import make_project, run_cli

TS = "2026-01-01T00:00:00Z"


def test_source_file_on_a_mount_is_read_as_given_and_required(tmp_path: Path) -> None:
    mount = tmp_path / "mnt" / "t1"
    p = make_project(tmp_path / "p", files=f"{mount}/items.csv")
    plan = json.loads(p.plan.read_text("utf-8"))
    assert plan["jobs"]["jobs/t1/items.yaml"]["mounts"] == [f"{mount}/items.csv"]
    assert plan["schedules"]["t1.items_hourly"]["mounts"] == [f"{mount}/items.csv"]

    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    [err] = res.events("job_error")
    assert f"runtime mount {mount}/items.csv is missing" in err["error"], err
    assert not p.state.exists()  # nothing written

    mount.mkdir(parents=True)
    (mount / "items.csv").write_text(f"id,name,price,qty,ts\n1,a,1.25,2,{TS}\n2,b,2.50,3,{TS}\n", "utf-8")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    assert sorted(p.rows().column("id").to_pylist()) == [1, 2]


def test_credentials_file_on_a_mount(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    p = make_project(tmp_path / "p", compile_=False)
    recipe = p.root / "connectors" / "csv.yaml"
    recipe.write_text(
        recipe.read_text() + f"credentials:\n  type: env_file\n  file_template: {secrets}/{{tenant}}/csv.env\n"
    )
    assert run_cli("compile", ".", cwd=p.root).code == 0
    p.write_csv([(1, "a", "1.25", 2, TS)])
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2 and f"runtime mount {secrets}/t1/csv.env is missing" in res.out, res.out
    (secrets / "t1").mkdir(parents=True)
    (secrets / "t1" / "csv.env").write_text("CSV_TOKEN=abc\n")
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
