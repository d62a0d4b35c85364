"""Every adversarial input answered cleanly, with real files, a real SQLite catalog and
subprocesses: unusable state dirs, plans of the wrong shape, unparsable state, job-state and
lock files, hostile run ids, a closed stdout, a programming error. Each is one clear message
naming the file or key, the documented exit code, no traceback, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rt_project import Project, make_project

TS = "2026-01-01T00:00:00Z"
JOB = ("--job", "t1.items_hourly")


def rows(n: int, start: int = 0) -> list[tuple]:
    return [(i, f"item-{i}", f"{i % 1000}.25", i % 7, TS) for i in range(start, start + n)]


def tree(root: Path) -> dict[str, bytes]:
    return {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()}


def loaded(tmp_path: Path) -> Project:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(20))
    assert p.run(*JOB, "--run-id", "r1").code == 0
    return p


# -- state dir ---------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["a_file", "under_a_file"])
def test_a_state_dir_that_is_a_file_is_refused_and_nothing_is_written(tmp_path: Path, where: str) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(5))
    blocker = tmp_path / "state.txt"
    blocker.write_text("not a dir\n")
    state = blocker if where == "a_file" else blocker / "state"
    res = p.run(*JOB, "--run-id", "r1", "--state-dir", str(state))
    assert res.code == 2
    err = res.events("state.unusable")[0]
    assert err["path"] == str(blocker) and "is a file, not a directory" in err["error"] and err["hint"]
    assert f"dativo run: error: state dir {state} cannot be used" in res.err
    assert blocker.read_text() == "not a dir\n"
    assert not p.state.exists()  # no catalog, no table, no lock


def test_an_unwritable_state_dir_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(5))
    if os.geteuid() == 0:  # root writes through permissions; a read-only kernel file system does not
        state = Path("/sys/dativo-state")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        state = ro / "state"
    res = p.run(*JOB, "--run-id", "r1", "--state-dir", str(state))
    assert res.code == 2
    err = res.events("state.unusable")[0]
    assert err["path"] == str(state) and "is not writable" in err["error"], err
    assert "--state-dir" in err["hint"]
    assert not p.state.exists() and not state.exists()


# -- the plan ----------------------------------------------------------------------------------

SID = "t1.items_hourly"
JOB_KEY = "jobs/t1/items.yaml"
#: case -> (how to break the compiled plan, what the error says): each names the JSON path of the wrong field
WRONG_PLANS: dict[str, tuple[Callable[[dict], object], str]] = {
    "a_list": (lambda plan: [], "holds a JSON list"),
    "not_json": (lambda plan: "{not json", "is not JSON"),
    "jobs_a_list": (lambda plan: {**plan, "jobs": []}, "$.jobs: Input should be an object"),
    "schedule_without_kind": (
        lambda plan: _drop(plan["schedules"][SID], "kind"),
        f"$.schedules['{SID}'].kind: Field required",
    ),
    "schedule_without_runner": (
        lambda plan: _drop(plan["schedules"][SID], "runner"),
        f"$.schedules['{SID}'].runner: Field required",
    ),
    "no_version": (lambda plan: _drop(plan, "version"), "$.version: Field required"),
    "version_a_string": (lambda plan: plan.update(version="1"), "$.version: Input should be a valid integer"),
    "unknown_field": (
        lambda plan: plan["deployment"].update(surprise=1),
        "$.deployment.surprise: Extra inputs are not permitted",
    ),
    "schedule_of_a_missing_job": (
        lambda plan: plan["schedules"][SID].update(job="jobs/t1/gone.yaml"),
        f"$.schedules['{SID}'].job: 'jobs/t1/gone.yaml' is not in its jobs",
    ),
    "bad_concurrency": (
        lambda plan: plan["tenants"]["t1"].update(concurrency=0),
        "$.tenants.t1.concurrency: Input should be greater than or equal to 1",
    ),
    "job_spec_without_target": (
        lambda plan: _drop(plan["jobs"][JOB_KEY], "target"),
        f"$.jobs['{JOB_KEY}'].target: Field required",
    ),
    "unknown_timezone": (
        lambda plan: plan["schedules"][SID].update(timezone="Mars/Olympus"),
        f"schedule '{SID}' of the plan has no fire time",
    ),
    "newer_version": (
        lambda plan: plan.update(version=2),
        "plan.json is version 2; this dativo reads version 1: ",
    ),
    "older_version": (lambda plan: plan.update(version=0), "plan.json is version 0; this dativo reads version 1: "),
}


def _drop(d: dict, key: str) -> None:
    del d[key]


@pytest.mark.parametrize("case", sorted(WRONG_PLANS))
def test_a_plan_of_the_wrong_shape_or_version_is_one_clear_error(tmp_path: Path, case: str) -> None:
    """Refused on load, before any state is touched: exit 2 naming the field's JSON path, or both versions."""
    p = make_project(tmp_path / "p")
    p.write_csv(rows(5))
    breaks, message = WRONG_PLANS[case]
    plan = json.loads(p.plan.read_text())
    changed = breaks(plan)
    p.plan.write_text(changed if isinstance(changed, str) else json.dumps(plan if changed is None else changed))
    res = p.run(*JOB, "--run-id", "r1")
    assert res.code == 2 and not res.out
    assert res.err.startswith("dativo run: error: ") and message in res.err, res.err
    assert "dativo compile" in res.err or "compile it again" in res.err, res.err
    assert "Traceback" not in res.err
    assert not p.state.exists()


# -- unparsable state, job-state and lock files ------------------------------------------------


@pytest.mark.parametrize("content", ["{not json", "[]", '{"files": ["a.csv"]}', '{"format": 9, "state": {}}'])
def test_an_unparsable_incremental_state_stops_the_run_never_resets_it(tmp_path: Path, content: str) -> None:
    p = loaded(tmp_path)
    state = next(p.state.glob("incremental/**/*.json"))
    state.write_text(content)
    before = tree(p.state)
    res = p.run(*JOB, "--run-id", "r2")
    assert res.code == 2
    err = res.events("state.corrupt")[0]
    assert err["path"] == str(state) and "delete it to rebuild it from the table" in err["hint"]
    assert str(state) in res.err
    assert tree(p.state) == before  # no job state for r2, nothing committed, the file kept as evidence
    assert p.rows().num_rows == 20


def test_an_unparsable_job_state_stops_the_run_and_restart_resets_it_on_purpose(tmp_path: Path) -> None:
    p = loaded(tmp_path)
    from dativo.runtime.state import StateStore

    path = StateStore(p.state).job_state_path("t1", "t1.items_hourly", "r2")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"status": "running", "attempt": ')
    p.write_csv(rows(30))
    before = tree(p.state)
    res = p.run(*JOB, "--run-id", "r2", "--resume-policy", "resume")
    assert res.code == 2
    err = res.events("job_state.corrupt")[0]
    assert err["path"] == str(path) and "--resume-policy restart" in err["hint"]
    assert tree(p.state) == before and p.rows().num_rows == 20
    path.write_text('{"status": "exploded"}')
    assert (
        p.run(*JOB, "--run-id", "r2")
        .events("job_state.corrupt")[0]["error"]
        .endswith("has an unknown status 'exploded'")
    )
    res = p.run(*JOB, "--run-id", "r2", "--resume-policy", "restart")
    assert res.code == 0 and res.events("job_state.reset")[0]["path"] == str(path)
    assert sorted(p.rows().column("id").to_pylist()) == sorted(list(range(20)) + list(range(30)))


def test_an_unparsable_lock_file_is_an_error_not_a_free_slot(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(5))
    from dativo.runtime.paths import slug

    lock = p.state / "locks" / f"{slug('tenant:t1')}.slot0.lock.json"
    lock.parent.mkdir(parents=True)
    lock.write_text('{"pid": 12')
    res = p.run(*JOB, "--run-id", "r1")
    assert res.code == 2
    err = res.events("lock.corrupt")[0]
    assert err["path"] == str(lock) and "delete the file" in err["hint"]
    assert lock.read_text() == '{"pid": 12'
    assert not (p.state / "catalog").exists() and not (p.state / "warehouse").exists()
    state = json.loads(next(p.state.glob("job_state/**/*.job_state.json")).read_text())
    assert state["status"] == "failed" and state["error"].startswith("lock file")  # the run's own record
    lock.unlink()
    assert p.run(*JOB, "--run-id", "r1", "--resume-policy", "resume").code == 0


# -- run ids -----------------------------------------------------------------------------------


def test_a_run_id_with_slashes_and_dots_stays_inside_the_state_dir(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(5))
    outside = {f for f in tree(tmp_path) if not f.startswith("p/state/")}
    hostile = "../../../../escaped/../../run/x"
    res = p.run(*JOB, "--run-id", hostile)
    assert res.code == 0, res.out
    assert {f for f in tree(tmp_path) if not f.startswith("p/state/")} == outside
    state = json.loads(next(p.state.glob("job_state/**/*.job_state.json")).read_text())
    assert state["run_id"] == hostile and res.events("job_finished")[0]["run_id"] == hostile
    assert p.run(*JOB, "--run-id", hostile).events("job_state.already_committed")


@pytest.mark.parametrize("run_id", ["", "   ", "a\nb", "x" * 300])
def test_an_empty_or_control_character_run_id_is_a_usage_error(tmp_path: Path, run_id: str) -> None:
    p = make_project(tmp_path / "p")
    res = p.run(*JOB, "--run-id", run_id)
    assert res.code == 2 and "--run-id" in res.err and not res.out
    assert not p.state.exists()


# -- a closed stdout ---------------------------------------------------------------------------


def test_a_reader_that_goes_away_does_not_change_the_outcome(tmp_path: Path) -> None:
    """`dativo run | head -1`: the run commits and exits 0, never 1 ("partial")."""
    p = make_project(tmp_path / "p")
    p.write_csv(rows(50))
    proc = p.popen(*JOB, "--run-id", "r1")
    assert proc.stdout.readline().startswith("{")
    proc.stdout.close()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert p.rows().num_rows == 50
    state = json.loads(next(p.state.glob("job_state/**/*.job_state.json")).read_text())
    assert state["status"] == "committed"


def test_a_shell_pipeline_into_head_keeps_the_runs_exit_code(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(50))
    cmd = (
        f"{sys.executable} -m dativo.compiler.cli run --plan {p.plan} --job t1.items_hourly --run-id r1 | head -1;"
        ' echo "exit=${PIPESTATUS[0]}"'
    )
    out = subprocess.run(["bash", "-c", cmd], cwd=p.root, capture_output=True, text=True, timeout=300)
    assert out.stdout.splitlines()[-1] == "exit=0", out.stdout + out.stderr
    assert p.rows().num_rows == 50


# -- a programming error -----------------------------------------------------------------------

BUG = (
    "import sys\nimport dativo.runtime.validate as v\n"
    "def broken(self, batch):\n    return 1 / 0\n"
    "v.Validator.check = broken\n"
    "from dativo.compiler.cli import main\nsys.exit(main(sys.argv[1:]))\n"
)


def test_a_programming_error_is_reported_once_with_its_traceback_and_not_retried(tmp_path: Path) -> None:
    retry = (
        "retry_config:\n  max_retries: 3\n  initial_delay_seconds: 0.1\n  max_delay_seconds: 0.1\n"
        "  retryable_exit_codes: [2]\n"
    )
    p = make_project(tmp_path / "p", retry=retry)
    p.write_csv(rows(5))
    args = [sys.executable, "-c", BUG, "run", "--plan", str(p.plan), *JOB, "--run-id", "r1"]
    env = {k: v for k, v in os.environ.items() if k != "DATIVO_DEBUG"}
    quiet = subprocess.run(args, cwd=p.root, env=env, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    lines = [json.loads(line) for line in quiet.stdout.splitlines()]
    kinds = [e["event_type"] for e in lines]
    assert "retry_attempt" not in kinds and kinds.count("internal_error") == 1, kinds
    bug = next(e for e in lines if e["event_type"] == "internal_error")
    assert bug["error"] == "internal error: ZeroDivisionError: division by zero"
    assert "ZeroDivisionError" in bug["traceback"] and "broken" in bug["traceback"]
    assert p.rows().num_rows == 0
    debug = subprocess.run(
        args[:-1] + ["r2"], cwd=p.root, env={**env, "DATIVO_DEBUG": "1"}, capture_output=True, text=True, timeout=300
    )
    assert debug.returncode == 2 and "Traceback" in debug.stderr and "ZeroDivisionError" in debug.stderr


def test_a_table_whose_schema_differs_is_not_retried(tmp_path: Path) -> None:
    retry = (
        "retry_config:\n  max_retries: 3\n  initial_delay_seconds: 0.1\n  max_delay_seconds: 0.1\n"
        "  retryable_exit_codes: [2]\n"
    )
    p = make_project(tmp_path / "p", retry=retry)
    p.write_csv(rows(5))
    assert p.run(*JOB, "--run-id", "r1").code == 0
    asset = p.root / "assets" / "files" / "v1.0" / "items.yaml"
    asset.write_text(asset.read_text().replace("  - name: qty\n", "  - name: extra\n    type: string\n  - name: qty\n"))
    from rt_project import run_cli

    assert run_cli("compile", ".", cwd=p.root).code == 0
    assert "extra" in p.plan.read_text()
    res = p.run(*JOB, "--run-id", "r2")
    assert res.code == 2 and not res.events("retry_attempt")
    assert "schema that differs" in res.events("job_error")[0]["error"]


def test_io_errors_are_retryable_and_bugs_are_not() -> None:
    from pyiceberg.exceptions import CommitStateUnknownException, NoSuchTableError
    from sqlalchemy.exc import OperationalError

    from dativo.runtime.retry import is_io_error

    for e in (
        ConnectionResetError(),
        TimeoutError(),
        PermissionError(),
        CommitStateUnknownException("x"),
        NoSuchTableError("x"),
        OperationalError("select", {}, Exception("locked")),
    ):
        assert is_io_error(e), e
    for e in (ZeroDivisionError(), KeyError("x"), TypeError(), AttributeError(), ValueError()):
        assert not is_io_error(e), e
