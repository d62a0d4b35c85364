"""`dativo start orchestrated --runner-config FILE`, each branch: Dagster exec'd (a stand-in `dagster` on
PATH records its command line and environment; and, marked slow, the real `dagster dev` with its web
server serving the project's schedule), Dagster missing, Airflow DAG files, and the built-in scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rt_project import Project, make_project, run_cli

RUNNER = "configs/runner.yaml"
TESTS = Path(__file__).resolve().parents[1]
STUB = """#!{python}
import json, os, sys
with open({record!r}, "w") as f:
    json.dump({{"argv": sys.argv, "DAGSTER_HOME": os.environ.get("DAGSTER_HOME")}}, f)
"""


def stub_dagster(bin_dir: Path, record: Path) -> None:
    bin_dir.mkdir(parents=True)
    for name in ("dagster", "dagster-webserver"):
        exe = bin_dir / name
        exe.write_text(STUB.format(python=sys.executable, record=str(record)))
        exe.chmod(0o755)


def env(path: str, **extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "AIRFLOW_HOME")}
    return {**out, "PATH": path, **extra}


def untyped(p: Project) -> None:
    """The runner file names no orchestrator type (the default, dagster, is then not a choice)."""
    runner = p.root / RUNNER
    runner.write_text(runner.read_text().replace("    type: dagster\n", ""))


def test_dagster_compiles_and_execs_dagster_dev_on_the_generated_definitions(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    record = tmp_path / "exec.json"
    stub_dagster(tmp_path / "bin", record)
    e = env(f"{tmp_path / 'bin'}:/usr/bin:/bin", DAGSTER_HOME=str(tmp_path / "dh"))
    dry = run_cli("start", "orchestrated", "--runner-config", RUNNER, "--dry-run", cwd=p.root, env=e)
    assert dry.code == 0, dry.out + dry.err
    assert not (tmp_path / "dh").exists() and not record.exists(), "--dry-run started or copied something"
    res = run_cli("start", "orchestrated", "--runner-config", RUNNER, "--port", "3111", cwd=p.root, env=e)
    assert res.code == 0, res.out + res.err
    got = json.loads(record.read_text())
    defs = str(p.root / "generated" / "dagster" / "definitions.py")
    assert got["argv"][1:] == ["dev", "-f", defs, "-h", "0.0.0.0", "-p", "3111"]
    assert got["DAGSTER_HOME"] == str(tmp_path / "dh")
    instance = (p.root / "generated" / "dagster" / "dagster.yaml").read_text()
    assert (tmp_path / "dh" / "dagster.yaml").read_text() == instance
    assert json.loads(dry.out.splitlines()[-1])["exec"][1:4] == ["dev", "-f", defs]
    # someone else's instance file in DAGSTER_HOME is never overwritten
    (tmp_path / "dh" / "dagster.yaml").write_text("run_retries: {enabled: true}\n")
    res = run_cli("start", "orchestrated", "--runner-config", RUNNER, cwd=p.root, env=e)
    assert res.code == 2 and "is not the generated instance file" in res.err, res.err


def test_dagster_named_but_not_installed_exits_2_with_the_install_command(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    res = run_cli("start", "orchestrated", "--runner-config", RUNNER, cwd=p.root, env=env("/usr/bin:/bin"))
    assert res.code == 2, res.out + res.err
    assert "pip install dagster dagster-webserver" in res.err and "--orchestrator local" in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_airflow_writes_the_dag_file_into_the_dag_dir(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    runner = p.root / RUNNER
    runner.write_text(runner.read_text().replace("type: dagster", "type: airflow"))
    plain = env("/usr/bin:/bin")
    res = run_cli("start", "orchestrated", "--runner-config", RUNNER, cwd=p.root, env=plain)
    assert res.code == 2 and "--airflow-dag-dir" in res.err and "AIRFLOW_HOME" in res.err, res.err
    res = run_cli(
        "start",
        "orchestrated",
        "--runner-config",
        RUNNER,
        cwd=p.root,
        env={**plain, "AIRFLOW_HOME": str(tmp_path / "af")},
    )
    assert res.code == 0, res.out + res.err
    generated = p.root / "generated" / "airflow" / "dativo_runner_dags.py"
    assert (tmp_path / "af" / "dags" / "dativo_runner_dags.py").read_bytes() == generated.read_bytes()
    assert "airflow pools import" in json.loads(res.out.splitlines()[-1])["next"]
    res = run_cli(
        "start",
        "orchestrated",
        "--runner-config",
        RUNNER,
        "--airflow-dag-dir",
        str(tmp_path / "d2"),
        cwd=p.root,
        env=plain,
    )
    assert res.code == 0 and (tmp_path / "d2" / "dativo_runner_dags.py").is_file(), res.err


def test_no_orchestrator_installed_runs_the_built_in_scheduler(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    p.write_csv([(1, "a", "1.25", 1, "2026-01-01T00:00:00Z")])
    untyped(p)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dativo.compiler.cli",
            "start",
            "orchestrated",
            "--runner-config",
            RUNNER,
            "--tick",
            "1",
        ],
        cwd=p.root,
        env=env("/usr/bin:/bin"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    kinds: list[str] = []
    deadline = time.monotonic() + 120
    while "run_finished" not in kinds and time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line, f"ended early: {kinds} {proc.stderr.read()}"  # type: ignore[union-attr]
        kinds += [json.loads(line)["event_type"]] if line.startswith("{") else []
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert kinds[0] == "scheduler_started" and "run_started" in kinds
    assert p.rows().num_rows == 1


def test_orchestrator_local_and_dry_run_start_nothing_else(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    record = tmp_path / "exec.json"
    stub_dagster(tmp_path / "bin", record)
    e = env(f"{tmp_path / 'bin'}:/usr/bin:/bin")
    res = run_cli(
        "start", "orchestrated", "--runner-config", RUNNER, "--orchestrator", "local", "--dry-run", cwd=p.root, env=e
    )
    assert res.code == 0, res.out + res.err
    assert json.loads(res.out.splitlines()[-1])["orchestrator"] == "local" and not record.exists()
    other = p.root / "configs" / "other.yaml"
    other.write_text((p.root / RUNNER).read_text())
    res = run_cli("start", "orchestrated", "--runner-config", str(other), cwd=p.root, env=e)
    assert res.code == 2 and "is not the runner file of the project" in res.err, res.err


DAGSTER_DEV = ["dagster==1.13.28", "dagster-webserver==1.13.28"]  # the web server pins its Dagster
SCHEDULES_QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  schedules { name cronSchedule executionTimezone } } } } }"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _graphql(port: int, query: str) -> dict:
    import urllib.request

    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_dagster_dev_really_starts_on_the_generated_definitions(tmp_path: Path) -> None:
    """The exec'd `dagster dev` (real Dagster and web server) serves the project's schedule; SIGTERM stops it."""
    import urllib.request

    if str(TESTS) not in sys.path:  # toolenv lives in tests/, one level up
        sys.path.insert(0, str(TESTS))
    from toolenv import tool_venv

    home = tool_venv("dagster-dev", DAGSTER_DEV)
    p = make_project(tmp_path / "p", compile_=False)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dativo.compiler.cli", "start", "orchestrated", "--runner-config", RUNNER]
        + ["--host", "127.0.0.1", "--port", str(port)],
        cwd=p.root,
        env=env(f"{home / 'bin'}:/usr/bin:/bin", DAGSTER_HOME=str(tmp_path / "dh")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:  # readiness: the web server answers once the code location is loaded
            assert proc.poll() is None, proc.stderr.read()  # type: ignore[union-attr]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "dagster dev did not serve within 300 s"
                time.sleep(1)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"dev" in cmdline and any(a.endswith(b"/dagster") for a in cmdline), cmdline  # exec'd, not a child
        deadline = time.monotonic() + 120
        while not (nodes := _graphql(port, SCHEDULES_QUERY)["data"]["repositoriesOrError"].get("nodes")):
            assert time.monotonic() < deadline, "no repository loaded"
            time.sleep(1)
        schedules = [s for n in nodes for s in n["schedules"]]
        assert [(s["cronSchedule"], s["executionTimezone"]) for s in schedules] == [("0 * * * *", "UTC")]
        assert (tmp_path / "dh" / "dagster.yaml").read_text() == (
            p.root / "generated" / "dagster" / "dagster.yaml"
        ).read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
