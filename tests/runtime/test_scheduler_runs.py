"""`dativo schedule` with real runs (a csv job into a real SQLite-catalog Iceberg table): two schedulers
racing on one state dir, a restart after missed fire times, SIGTERM while a run is loading, and the
events file line by line. Every source row lands exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rt_project import Project, make_project, run_cli

TS = "2026-01-01T00:00:00Z"
SID = "t1.items_hourly"
SCHEDULER_EVENTS = {"scheduler_started", "schedule_enqueued", "run_started", "run_finished", "scheduler_stopped"}


def rows(n: int, start: int = 0) -> list[tuple]:
    return [(i, f"item-{i}", f"{i % 1000}.25", i % 7, TS) for i in range(start, start + n)]


def events(out: str, kind: str | None = None) -> list[dict[str, Any]]:
    got = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [e for e in got if kind is None or e["event_type"] == kind]


def schedule(p: Project, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dativo.compiler.cli", "schedule", "--plan", str(p.plan), *args],
        cwd=p.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ids(p: Project) -> list[int]:
    return sorted(p.rows().column("id").to_pylist())


def test_two_schedulers_racing_on_one_state_dir_fire_the_run_once(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(1000))
    procs = [schedule(p, "--once", "--at", "2026-03-01T09:30:00Z") for _ in range(2)]
    outs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outs
    started = [e for out, _ in outs for e in events(out, "run_started")]
    skipped = [e for out, _ in outs for e in events(out, "schedule_already_fired")]
    assert len(started) == 1 and len(skipped) == 1, outs
    assert started[0]["run_id"] == "scheduled__2026-03-01T09:00:00+00:00"
    assert ids(p) == list(range(1000))


def test_a_restart_after_missed_fire_times_runs_the_latest_once(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(10))
    first = run_cli("schedule", "--plan", str(p.plan), "--once", "--at", "2026-03-01T09:30:00Z", cwd=p.root)
    assert first.code == 0, first.out + first.err
    p.write_csv(rows(10, start=10))  # a new file version: the 12:00 run loads it (append mode)
    # down from 09:30 to 12:10: 10:00, 11:00 and 12:00 were missed; only 12:00 runs, and only once
    for _ in range(2):
        res = run_cli("schedule", "--plan", str(p.plan), "--once", "--at", "2026-03-01T12:10:00+00:00", cwd=p.root)
        assert res.code == 0, res.out + res.err
    fired = [e["run_id"] for e in events(first.out + res.out, "run_started")]
    assert fired == ["scheduled__2026-03-01T09:00:00+00:00"], fired
    lines = (p.state / "events.jsonl").read_text().splitlines()
    runs = [json.loads(x)["run_id"] for x in lines if json.loads(x)["event_type"] == "run_started"]
    assert runs == ["scheduled__2026-03-01T09:00:00+00:00", "scheduled__2026-03-01T12:00:00+00:00"]
    assert ids(p) == list(range(20))


def test_sigterm_during_a_run_lets_it_finish_and_records_it(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(400_000))
    proc = schedule(p, "--serve", "--tick", "1")
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(e["event_type"] == "source_opened" for e in seen):
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line, f"scheduler ended before the run loaded: {seen}"
        seen += events(line)
    proc.send_signal(signal.SIGTERM)  # the run is loading now
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in err
    kinds = [e["event_type"] for e in events(out)]
    assert kinds.index("scheduler_stopping") < kinds.index("run_finished") < kinds.index("scheduler_stopped"), kinds
    assert "job_interrupted" not in kinds
    assert events(out, "run_finished")[0]["exit_code"] == 0
    assert events(out, "scheduler_stopping")[0]["signal"] == "SIGTERM"
    assert ids(p) == list(range(400_000))
    marker = next((p.state / "scheduler" / "fired").glob("*/*.json"))
    assert json.loads(marker.read_text())["status"] == "finished"
    # the events file holds the scheduler's lines, one JSON object each, in order
    logged = [json.loads(line) for line in (p.state / "events.jsonl").read_text().splitlines()]
    assert {e["event_type"] for e in logged} >= SCHEDULER_EVENTS | {"scheduler_stopping"}
    assert all(e["component"] == "scheduler" and e["timestamp"] for e in logged)
    fired = [e for e in logged if e["event_type"] in ("schedule_enqueued", "run_started", "run_finished")]
    assert [e["event_type"] for e in fired] == ["schedule_enqueued", "run_started", "run_finished"]
    assert len({e["run_id"] for e in fired}) == 1


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    cases = {
        ("--serve", "--at", "2026-03-01T09:00:00Z"): "--at goes with --once",
        ("--once", "--at", "2026-03-01T09:00:00"): "has no UTC offset",
        ("--once", "--at", "yesterday"): "is not an ISO 8601 instant",
        ("--once", "--max-parallel", "0"): "--max-parallel must be at least 1",
    }
    for args, message in cases.items():
        res = run_cli("schedule", "--plan", str(p.plan), *args, cwd=p.root)
        assert res.code == 2 and message in res.err, (args, res.err)
    res = run_cli("schedule", "--once", cwd=tmp_path)
    assert res.code == 2 and "compile the project first" in res.err, res.err
    assert not (p.state / "scheduler").exists()


def test_a_second_ctrl_c_interrupts_the_run_and_the_next_scheduler_resumes_it(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(400_000))
    proc = schedule(p, "--serve", "--tick", "1")
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(e["event_type"] == "source_opened" for e in seen):
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line, f"scheduler ended before the run loaded: {seen}"
        seen += events(line)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)  # the run loads 400k rows in about a second on a quiet machine: interrupt it well before
    proc.send_signal(signal.SIGINT)  # the second one stops the run too
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, out + err
    kinds = [e["event_type"] for e in events(out)]
    assert "scheduler_interrupting" in kinds and "job_interrupted" in kinds, kinds
    assert events(out, "run_finished")[0]["exit_code"] == 2
    marker = next((p.state / "scheduler" / "fired").glob("*/*.json"))
    assert json.loads(marker.read_text())["status"] == "interrupted"
    nominal = next(e["nominal"] for e in seen if e["event_type"] == "schedule_enqueued")
    res = run_cli("schedule", "--plan", str(p.plan), "--once", "--at", nominal, cwd=p.root)
    assert res.code == 0, res.out + res.err
    assert events(res.out, "schedule_enqueued")[0]["taken_over"]["status"] == "interrupted"
    assert events(res.out, "run_started")[0]["resume"] is True
    assert json.loads(marker.read_text())["status"] == "finished"
    assert ids(p) == list(range(400_000))
