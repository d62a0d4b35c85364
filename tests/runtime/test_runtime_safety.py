"""Locks, stale-lock takeover, tenant concurrency, retries, secret redaction and crash safety
(SIGKILL at random points, then a rerun: every row exactly once)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rt_project import make_project

TS = "2026-01-01T00:00:00Z"


def rows(n: int, start: int = 0) -> list[tuple]:
    return [(i, f"item-{i}", f"{i % 1000}.25", i % 7, TS) for i in range(start, start + n)]


def _holder(lock_dir: Path, key: str) -> subprocess.Popen:
    """Another live process holding a lock through the runtime's own LockManager."""
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom dativo.runtime.locks import LockManager\n"
        f"m = LockManager(Path({str(lock_dir)!r}), ttl=60)\n"
        f"assert m.try_acquire({key!r}, 1, 'holder') is not None\n"
        "print('held', flush=True)\ntime.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_of_a_tenant_is_blocked_or_waits(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", concurrency=1)
    p.write_csv(rows(10))
    holder = _holder(p.state / "locks", "tenant:t1")
    try:
        res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
        assert res.code == 2, res.out
        blocked = res.events("job_blocked")[0]
        assert blocked["blocker"] == "lock.tenant_busy" and blocked["holders"][0]["pid"] == holder.pid
        state = json.loads(next(p.state.glob("job_state/**/*.job_state.json")).read_text())
        assert state["status"] == "blocked" and state["blockers"] == ["lock.tenant_busy"]
        # waiting instead: the holder goes away after 1 s, the run then proceeds (a blocked run needs resume)
        import threading

        def finish() -> None:
            holder.kill()
            holder.wait()  # reaped: a zombie pid would still look alive

        threading.Timer(1.0, finish).start()
        res = p.run(
            "--job", "t1.items_hourly", "--run-id", "r1", "--lock-wait-seconds", "30", "--resume-policy", "resume"
        )
        assert res.code == 0, res.out
        assert p.rows().num_rows == 10
    finally:
        holder.kill()
        holder.wait()


def test_two_real_concurrent_runs_of_one_tenant(tmp_path: Path) -> None:
    """Two schedules of one tenant at once, concurrency 1: one commits, the other is blocked."""
    p = make_project(tmp_path / "p", concurrency=1, files="/app/data/t1/items.csv")
    p.write_csv(rows(300_000))
    a = p.popen("--job", "t1.items_hourly", "--run-id", "a")
    b = p.popen("--job", "jobs/t1/items.yaml", "--run-id", "b")
    (oa, ea), (ob, eb) = a.communicate(timeout=300), b.communicate(timeout=300)
    codes = sorted([a.returncode, b.returncode])
    outs = oa + ob
    if codes == [0, 0]:  # the first finished before the second started: both ran, one after the other
        pytest.skip("the runs did not overlap on this machine")
    assert codes == [0, 2], outs + ea + eb
    assert '"blocker": "lock.tenant_busy"' in outs


def test_stale_lock_is_taken_over_after_its_ttl(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(5))
    from dativo.runtime.paths import slug

    locks = p.state / "locks"
    locks.mkdir(parents=True)
    # a live pid on another host (cannot be checked), expired an hour ago
    stale = {
        "key": "tenant:t1",
        "slot": 0,
        "pid": os.getpid(),
        "host": "elsewhere",
        "run_id": "old",
        "acquired_at": time.time() - 7200,
        "expires_at": time.time() - 3600,
        "ttl_seconds": 3600,
    }
    (locks / f"{slug('tenant:t1')}.slot0.lock.json").write_text(json.dumps(stale))
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out
    taken = res.events("lock_taken_over")
    assert taken and taken[0]["previous_owner"]["host"] == "elsewhere"
    # the same lock, fresh: blocked
    stale["expires_at"] = time.time() + 3600
    (locks / f"{slug('tenant:t1')}.slot0.lock.json").write_text(json.dumps(stale))
    p.write_csv(rows(5, 5))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r2").code == 2


def test_retries_with_backoff_are_logged(tmp_path: Path) -> None:
    retry = (
        "retry_config:\n  max_retries: 2\n  initial_delay_seconds: 0.1\n  max_delay_seconds: 0.15\n"
        "  backoff_multiplier: 3\n  retryable_exit_codes: [2]\n"
    )
    p = make_project(tmp_path / "p", retry=retry, files="/app/data/t1/missing.csv")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2
    attempts = res.events("retry_attempt")
    assert [a["attempt"] for a in attempts] == [2, 3]
    assert [a["delay_seconds"] for a in attempts] == [0.1, 0.15]  # capped at max_delay_seconds
    assert len(res.events("job_error")) == 3
    # a pattern that does not match the error: no retry
    p2 = make_project(
        tmp_path / "p2",
        retry=retry + "  retryable_error_patterns: [ConnectionError]\n",
        files="/app/data/t1/missing.csv",
    )
    res = p2.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2 and not res.events("retry_attempt")
    # a failed run id is not rerun under the default policy
    res = p2.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2 and res.events("job_state.resume_required")


CANARY = "canary-Zq8vX3-s3cr3t-value"


def test_canary_secret_never_leaks(tmp_path: Path) -> None:
    conn = "  connection:\n    password: ${CANARY_DB_PASSWORD}\n    host: db.internal\n"
    # at DEBUG the catalog properties are logged: the referenced secret must still be masked
    p = make_project(
        tmp_path / "p",
        connection=conn,
        log_level="DEBUG",
        target_connection="    s3:\n      secret-access-key: ${CANARY_DB_PASSWORD}\n      region: ${CANARY_REGION}\n",
    )
    (p.root / "connectors" / "csv.yaml").write_text(
        (p.root / "connectors" / "csv.yaml").read_text()
        + "credentials:\n  type: env_file\n  file_template: /app/secrets/{tenant}/csv.env\n"
    )
    (p.root / "secrets" / "t1").mkdir(parents=True)
    (p.root / "secrets" / "t1" / "csv.env").write_text(f"CSV_SHARE_TOKEN={CANARY}-file\n")
    from rt_project import run_cli

    assert run_cli("compile", ".", cwd=p.root).code == 0
    env = {"CANARY_DB_PASSWORD": CANARY, "SOME_API_TOKEN": CANARY + "-env"}
    p.write_csv(rows(20))
    ok = p.run("--job", "t1.items_hourly", "--run-id", "r1", env={**env, "CANARY_REGION": CANARY + "-region"})
    assert ok.code == 0, ok.out
    assert ok.events("catalog_configured")[0]["properties"]["s3.region"] == "***REDACTED***"
    # a failing run (its source file is gone): the error path logs no secret either
    (p.root / "data" / "t1" / "items.csv").unlink()
    bad = p.run("--job", "t1.items_hourly", "--run-id", "r2", env=env)
    assert bad.code == 2 and bad.events("job_error")
    for run in (ok, bad):
        assert CANARY not in run.out + run.err
    for f in p.root.rglob("*"):
        if f.is_file() and "secrets" not in f.parts and f.suffix not in (".yaml",):
            assert CANARY.encode() not in f.read_bytes(), f


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_loads_every_row_once(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    rng = random.Random(20261123)
    n, trials = 20_000, 20
    # time one clean run to spread the kills over its whole length (start-up included)
    p.write_csv(rows(n, 10_000_000))
    started = time.monotonic()
    assert p.run("--job", "t1.items_hourly", "--run-id", "warmup").code == 0
    length = time.monotonic() - started
    expected = list(range(10_000_000, 10_000_000 + n))
    killed = 0
    for trial in range(trials):
        base = trial * n
        p.write_csv(rows(n, base))
        run_id = f"trial-{trial}"
        proc = p.popen("--job", "t1.items_hourly", "--run-id", run_id)
        time.sleep(rng.uniform(0.0, length * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.communicate()
        res = p.run("--job", "t1.items_hourly", "--run-id", run_id, "--resume-policy", "resume")
        assert res.code == 0, res.out + res.err
        expected += list(range(base, base + n))
    ids = p.rows().column("id").to_pylist()
    assert len(ids) == len(expected), (len(ids), len(expected), killed)
    assert sorted(ids) == sorted(expected)
    assert killed >= trials // 2, f"only {killed} of {trials} runs were killed mid-way"


def test_a_second_process_of_the_same_run_is_already_running(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(3))
    holder = _holder(p.state / "locks", "run:t1:t1.items_hourly:r1")
    try:
        res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
        assert res.code == 2 and res.events("job_state.already_running")
        assert not list(p.state.glob("job_state/**/*.json"))  # the running process's state is not touched
    finally:
        holder.kill()
        holder.wait()
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
