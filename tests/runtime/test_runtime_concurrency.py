"""Overlapping runs and stops, with real subprocesses and a real SQLite catalog: two runs of one
schedule, a run overtaken by another commit, a state file behind the table, SIGTERM mid-run,
two processes of one run id. Every source row lands in the table exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from rt_project import Project, make_project, run_cli

TS = "2026-01-01T00:00:00Z"
JOB = ("--job", "t1.items_hourly")


def rows(n: int, start: int = 0) -> list[tuple]:
    return [(i, f"item-{i}", f"{i % 1000}.25", i % 7, TS) for i in range(start, start + n)]


def overlapping(root: Path) -> Project:
    """Tenant concurrency 2 and max_concurrent_runs 2 (compiles with warning DTV320)."""
    p = make_project(root, concurrency=2, compile_=False)
    runner = p.root / "configs" / "runner.yaml"
    runner.write_text(
        runner.read_text().replace('cron: "0 * * * *"\n', 'cron: "0 * * * *"\n        max_concurrent_runs: 2\n')
    )
    res = run_cli("compile", ".", cwd=p.root)
    assert res.code == 0 and "DTV320" in res.out + res.err, res.out + res.err
    return p


def wait_for(proc: subprocess.Popen, event: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Read the process's log lines until `event` (the lines read so far)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, f"process ended before {event}: {seen}"
        if line.startswith("{"):
            seen.append(json.loads(line))
            if seen[-1]["event_type"] == event:
                return seen
    raise AssertionError(f"no {event} within {timeout}s")


def events(out: str, kind: str | None = None) -> list[dict[str, Any]]:
    got = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [e for e in got if kind is None or e["event_type"] == kind]


def ids(p: Project) -> list[int]:
    return sorted(p.rows().column("id").to_pylist())


def test_a_state_file_behind_the_table_never_reloads_committed_files(tmp_path: Path) -> None:
    """A crash between the commit and the state file, or a run that saved its state late: the
    next run (another run id) starts from the state of the table's latest commit."""
    p = make_project(tmp_path / "p")
    p.write_csv(rows(50))
    assert p.run(*JOB, "--run-id", "r1").code == 0
    state = next(p.state.glob("incremental/**/*.json"))
    state.unlink()
    res = p.run(*JOB, "--run-id", "r2")
    assert res.code == 0 and res.events("state.from_table"), res.out
    assert res.events("metrics_complete")[0]["records_written"] == 0
    state.write_text('{"files": {}}\n')  # an old-format file from before the commit
    assert p.run(*JOB, "--run-id", "r3").code == 0
    assert ids(p) == list(range(50))
    # new rows are still loaded once, and the file catches up
    p.write_csv(rows(60))
    assert p.run(*JOB, "--run-id", "r4").code == 0
    assert p.run(*JOB, "--run-id", "r5").code == 0
    assert ids(p) == sorted(list(range(50)) + list(range(60)))
    assert json.loads(state.read_text())["format"] == 2


def test_a_run_overtaken_by_another_commit_plans_again_and_adds_nothing(tmp_path: Path) -> None:
    p = overlapping(tmp_path / "p")
    p.write_csv(rows(300_000))
    late = p.popen(*JOB, "--run-id", "late")
    try:
        wait_for(late, "source_opened")  # its base snapshot and state are fixed now
        os.kill(late.pid, signal.SIGSTOP)
        early = p.run(*JOB, "--run-id", "early")
        assert early.code == 0, early.out
        assert early.events("metrics_complete")[0]["records_written"] == 300_000
    finally:
        os.kill(late.pid, signal.SIGCONT)
    out, err = late.communicate(timeout=300)
    assert late.returncode == 0, out + err
    conflict = events(out, "job_state.conflict")
    assert conflict and "has changed" in conflict[0]["error"], out
    assert events(out, "metrics_complete")[-1]["records_written"] == 0
    assert ids(p) == list(range(300_000))


def test_two_overlapping_runs_of_one_schedule_load_every_row_once(tmp_path: Path) -> None:
    p = overlapping(tmp_path / "p")
    p.write_csv(rows(100_000))
    a = p.popen(*JOB, "--run-id", "a")
    time.sleep(0.3)
    b = p.popen(*JOB, "--run-id", "b")
    (oa, ea), (ob, eb) = a.communicate(timeout=300), b.communicate(timeout=300)
    assert (a.returncode, b.returncode) == (0, 0), oa + ea + ob + eb
    written = [events(o, "metrics_complete")[-1]["records_written"] for o in (oa, ob)]
    assert sorted(written) == [0, 100_000], written
    assert ids(p) == list(range(100_000))


def test_sigterm_mid_run_is_recorded_as_interrupted_and_a_rerun_loads_once(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(400_000))
    proc = p.popen(*JOB, "--run-id", "r1")
    wait_for(proc, "source_opened")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    assert "Traceback" not in err
    last = events(out)[-2:]
    assert [e["event_type"] for e in last] == ["job_interrupted", "metrics_complete"], out
    assert last[0]["signal"] == "SIGTERM" and last[1]["status"] == "interrupted"
    state = json.loads(next(p.state.glob("job_state/**/*.job_state.json")).read_text())
    assert state["status"] == "interrupted" and state["transitions"][-1]["from"] == "running"
    assert p.rows().num_rows == 0
    res = p.run(*JOB, "--run-id", "r1")  # the default policy does not continue it silently
    assert res.code == 2 and res.events("job_state.resume_required")[0]["previous_status"] == "interrupted"
    res = p.run(*JOB, "--run-id", "r1", "--resume-policy", "resume")
    assert res.code == 0, res.out
    assert p.run(*JOB, "--run-id", "r1", "--resume-policy", "resume").code == 0  # committed: a no-op
    assert ids(p) == list(range(400_000))


def test_sigterm_while_waiting_for_a_lock_stops_at_once(tmp_path: Path) -> None:
    from test_runtime_safety import _holder

    p = make_project(tmp_path / "p")
    p.write_csv(rows(10))
    holder = _holder(p.state / "locks", "tenant:t1")
    try:
        proc = p.popen(*JOB, "--run-id", "r1", "--lock-wait-seconds", "120")
        time.sleep(2.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2, out + err
    assert events(out)[-2]["event_type"] == "job_interrupted"
    state = json.loads(next(p.state.glob("job_state/**/*.job_state.json")).read_text())
    assert state["status"] == "interrupted"


def test_two_processes_of_one_run_id_one_runs_one_is_told_why_not(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(300_000))
    first = p.popen(*JOB, "--run-id", "same")
    wait_for(first, "job_started")  # it holds the run lock from here until it ends
    second = p.run(*JOB, "--run-id", "same")
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, out + err
    assert second.code == 2
    blocked = second.events("job_state.already_running")[0]
    assert "'same'" in blocked["error"] and blocked["holders"][0]["pid"] == first.pid
    assert ids(p) == list(range(300_000))
