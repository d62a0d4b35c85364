"""Engine `airbyte` against a real Airbyte source: the faker connector (airbyte-source-faker, offline),
installed by dativo into its own venv, read over the protocol through `dativo run` into Iceberg."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dativo.runtime.sources import SourceError
from dativo.runtime.sources.airbyte import package_of
from tests.runtime.engine_project import FAKER, engine_env, faker_recipe, faker_venv, make_engine_project
from tests.runtime.rt_project import Project, _env

JOB = "jobs/t1/items.yaml"


def test_the_package_comes_from_the_recipe_image_or_is_named() -> None:
    assert package_of({"image": "airbyte/source-stripe:5.4.0"}) == ("airbyte-source-stripe==5.4.0", "source-stripe")
    assert package_of({"docker_image": "airbyte/source-hubspot:latest"}) == ("airbyte-source-hubspot", "source-hubspot")
    assert package_of({"package": "airbyte-source-faker==7.2.1"}) == ("airbyte-source-faker==7.2.1", "source-faker")
    assert package_of({"package": "x==1", "executable": "run-x"}) == ("x==1", "run-x")
    with pytest.raises(SourceError, match="names no Airbyte source"):
        package_of({"image": "postgres:16"})


@pytest.mark.slow
def test_faker_loads_rows_and_commits_its_state_with_them(tmp_path: Path) -> None:
    faker_venv()
    p = make_engine_project(tmp_path, faker_recipe(250))
    res = p.run("--job", JOB, env=engine_env())
    assert res.code == 0, res.out + res.err
    assert res.events("metrics_complete")[0]["records_written"] == 250
    rows = p.rows()
    assert sorted(rows.column("id").to_pylist()) == list(range(1, 251))
    assert rows.schema.field("updated_at").type.tz == "UTC"  # typed by the asset, not left as text
    committed = json.loads(p.table().current_snapshot().summary["dativo.incremental"])
    stream_state = committed["airbyte_state"]["stream:.users"]["stream"]["stream_state"]
    assert stream_state["loop_offset"] == 250  # the connector's last STATE, committed with the rows


@pytest.mark.slow
def test_a_missing_stream_is_a_clear_error_without_a_commit(tmp_path: Path) -> None:
    faker_venv()
    p = make_engine_project(tmp_path, faker_recipe(10), obj="nope")
    res = p.run("--job", JOB, env=engine_env())
    assert res.code == 2, res.out + res.err
    err = res.events("job_error")[-1]["error"]
    assert "has no stream 'nope'" in err and "products, purchases, users" in err
    assert p.table().current_snapshot() is None


def _popen(p: Project) -> subprocess.Popen:
    argv = [sys.executable, "-m", "dativo.compiler.cli", "run", "--plan", str(p.plan), "--job", JOB]
    argv += ["--run-id", "killed"]
    # its own session, so the kill takes the connector and its workers too, as a lost machine would
    return subprocess.Popen(
        argv, cwd=p.root, env=_env(engine_env()), stdout=subprocess.PIPE, text=True, start_new_session=True
    )


def _reading(pid: int) -> bool:
    """Whether a process of session `pid` is the connector's `read`."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getsid(int(proc.name)) == pid and b"\0read\0" in (proc / "cmdline").read_bytes():
                return True
        except (OSError, ProcessLookupError):
            continue
    return False


@pytest.mark.slow
def test_a_run_killed_while_reading_is_read_again_then_a_rerun_reads_nothing(tmp_path: Path) -> None:
    """Killed mid-read, a run commits nothing and saves no state; the next run reads every record once
    (nothing skipped, nothing twice) and commits the connector's STATE with them; a run after it resumes
    from that STATE and reads nothing; the same run id again is a no-op."""
    faker_venv()
    p = make_engine_project(tmp_path, faker_recipe(60000, records_per_slice=500))
    proc = _popen(p)
    deadline = time.monotonic() + 120
    while not _reading(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(3)  # into the read: records and STATE messages have flowed (the read takes 10 s and more)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not list(p.state.rglob("incremental/**/*.json"))  # no state saved
    assert p.table().current_snapshot() is None  # nothing committed
    res = p.run("--job", JOB, "--run-id", "after", env=engine_env())
    assert res.code == 0, res.out + res.err
    ids = p.rows().column("id").to_pylist()
    assert len(ids) == 60000 and len(set(ids)) == 60000
    again = p.run("--job", JOB, "--run-id", "next", env=engine_env())
    assert again.code == 0 and again.events("source_opened")[0]["resumed"] is True
    assert again.events("metrics_complete")[0]["records_extracted"] == 0
    same = p.run("--job", JOB, "--run-id", "after", "--resume-policy", "resume", env=engine_env())
    assert same.code == 0 and same.events("job_state.already_committed"), same.out
    assert p.rows().num_rows == 60000


def test_a_recipe_naming_no_package_warns_and_is_refused_before_any_work(tmp_path: Path) -> None:
    recipe = faker_recipe(10).replace(f"package: {FAKER}", "image: faker-exporter:1")
    p = make_engine_project(tmp_path, recipe)
    res = p.run("--job", JOB, env=engine_env())
    assert res.code == 2 and not res.events("job_started"), res.out
    assert "names no Airbyte source" in res.events("job_error")[0]["error"]
    assert not p.state.exists()
