"""`dativo run` end to end: real files, a real SQLite catalog, real subprocesses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rt_project import REPO, make_project, run_cli

from dativo.runtime.state import StateStore

TS = "2026-01-01T00:00:00Z"


def rows(n: int, start: int = 0) -> list[tuple]:
    return [(i, f"item-{i}", f"{i % 1000}.25", i % 7, TS) for i in range(start, start + n)]


def test_rows_in_equal_rows_committed_and_rerun_adds_nothing(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(2500))
    first = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    m = first.events("metrics_complete")[0]
    assert (m["records_extracted"], m["records_written"], m["records_invalid"]) == (2500, 2500, 0)
    table = p.rows()
    assert table.num_rows == 2500 and sorted(table.column("id").to_pylist()) == list(range(2500))
    snap = p.table().current_snapshot()
    assert snap.summary.additional_properties["dativo.run-id"] == "r1"
    # the same run id again: nothing added, reported as already committed
    again = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert again.code == 0 and again.events("job_state.already_committed")
    assert p.rows().num_rows == 2500
    # a new run id with the file unchanged (file_modified_time): nothing to read
    third = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert third.code == 0 and third.events("metrics_complete")[0]["records_extracted"] == 0
    assert p.rows().num_rows == 2500
    # job state file per run id, committed, with its transitions
    states = sorted(p.state.glob("job_state/**/*.job_state.json"))
    assert len(states) == 2
    data = json.loads(states[0].read_text())
    assert data["status"] == "committed"
    assert [t["to"] for t in data["transitions"]][:3] == ["started", "running", "committed"]


def test_restart_policy_reloads_a_committed_run(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", strategy="file_modified_time")
    p.write_csv(rows(10))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    # the incremental state says the file is unchanged; restart still re-commits the run key (nothing new to read)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1", "--resume-policy", "restart")
    assert res.code == 0 and not res.events("job_state.already_committed")


def test_a_job_without_an_incremental_block_is_a_full_load_and_keeps_no_state(tmp_path: Path) -> None:
    """dativo-ingest's default: the csv recipe names file_modified_time, but only the job's own block turns
    incremental reads on; a full load neither reads, applies nor saves incremental state."""
    p = make_project(tmp_path / "p", strategy=None)
    p.write_csv(rows(10))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    assert not list(p.state.glob("incremental/**/*.json"))
    assert "dativo.incremental" not in p.table().current_snapshot().summary.additional_properties
    # an unreadable state file left by an earlier incremental version of the job is not read
    stale = StateStore(p.state).incremental_path("t1", "jobs/t1/items.yaml")
    stale.parent.mkdir(parents=True)
    stale.write_text("{not json", "utf-8")
    second = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert second.code == 0, second.out + second.err
    assert second.events("metrics_complete")[0]["records_extracted"] == 10  # the unchanged file is read again
    assert p.rows().num_rows == 20 and stale.read_text("utf-8") == "{not json"


BAD = [
    (1, "ok", "1.00", 1, TS),
    (2, "", "2.00", 1, TS),
    (3, "bad-qty", "3.00", "many", TS),
    (4, "ok", "4.001", 1, TS),
    (5, "ok", "5.00", 5, "not-a-time"),
    (6, "ok", "6.00", 6, TS),
]


def test_warn_mode_commits_valid_rows_and_exits_1(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", validation="warn")
    p.write_csv(BAD)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 1, res.out + res.err
    m = res.events("metrics_complete")[0]
    assert (m["records_extracted"], m["records_valid"], m["records_invalid"], m["status"]) == (6, 2, 4, "partial")
    assert sorted(p.rows().column("id").to_pylist()) == [1, 6]
    invalid = res.events("record_invalid")
    assert [e["row"] for e in invalid] == [2, 3, 4, 5]
    assert invalid[1]["reasons"] == ["column 'qty' is not a valid integer"]
    assert invalid[0]["reasons"] == ["column 'name' is required"]
    # reasons, never values
    for value in ("bad-qty", "many", "4.001", "not-a-time"):
        assert value not in res.out + res.err


def test_strict_mode_commits_nothing_and_exits_2(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", validation="strict")
    p.write_csv(BAD)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    assert p.table().current_snapshot() is None
    assert res.events("job_error") and not res.events("retry_attempt")
    for value in ("bad-qty", "many", "not-a-time"):
        assert value not in res.out + res.err


def test_merge_mode_updates_by_key_in_one_transaction(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", mode="merge", key_columns=["id"])
    p.write_csv(rows(5))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    # id 2 updated twice in one file (last wins), id 9 new
    p.write_csv([(2, "old", "1.00", 1, TS), (2, "new", "2.00", 2, TS), (9, "nine", "9.00", 9, TS)])
    res = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert res.code == 0, res.out + res.err
    t = p.rows()
    got = dict(zip(t.column("id").to_pylist(), t.column("name").to_pylist()))
    assert got == {0: "item-0", 1: "item-1", 2: "new", 3: "item-3", 4: "item-4", 9: "nine"}
    snaps = [s for s in p.table().metadata.snapshots if s.summary.additional_properties.get("dativo.run-id") == "r2"]
    # one overwrite snapshot: matching rows dropped and new rows added atomically
    assert [s.summary.operation.value for s in snaps] == ["overwrite"]
    # rerunning the same run id changes nothing
    assert p.run("--job", "t1.items_hourly", "--run-id", "r2").code == 0 and p.rows().num_rows == 6


def test_jsonl_source_and_cursor_incremental(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", source="jsonl", files="/app/data/t1/*.jsonl", strategy="cursor_field", cursor="ts")
    data = p.root / "data" / "t1"
    data.mkdir(parents=True)
    lines = [{"id": i, "name": f"n{i}", "price": 1.5, "qty": i, "ts": f"2026-01-0{i}T00:00:00Z"} for i in range(1, 4)]
    (data / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    # a second file repeats old rows and adds one newer row: only the newer one is loaded
    more = lines + [{"id": 4, "name": "n4", "price": 2, "qty": 4, "ts": "2026-01-04T00:00:00Z"}]
    (data / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in more))
    res = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert res.code == 0, res.out
    assert sorted(p.rows().column("id").to_pylist()) == [1, 2, 3, 4]


@pytest.mark.parametrize(("line", "why"), [("{not json", "is not valid JSON"), ("[1, 2]", "is not a JSON object")])
def test_a_bad_jsonl_line_fails_the_run_naming_the_line(tmp_path: Path, line: str, why: str) -> None:
    p = make_project(tmp_path / "p", source="jsonl", files="/app/data/t1/*.jsonl", strategy="cursor_field", cursor="ts")
    data = p.root / "data" / "t1"
    data.mkdir(parents=True)
    good = {"id": 1, "name": "n1", "price": 1.5, "qty": 1, "ts": "2026-01-01T00:00:00Z"}
    (data / "a.jsonl").write_text(json.dumps(good) + "\n\n" + line + "\n")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2 and f"line 3 {why}" in res.out + res.err, res.out + res.err
    assert "Traceback" not in res.out + res.err


def test_parquet_source_with_partitioning(tmp_path: Path) -> None:
    p = make_project(
        tmp_path / "p",
        source="parquet",
        files="/app/data/t1/items.parquet",
        partitioning="  partitioning: [ingest_date]\n",
    )
    data = p.root / "data" / "t1"
    data.mkdir(parents=True)
    import datetime as dt
    from decimal import Decimal

    t = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "name": ["a", "b", "c"],
            "price": pa.array([Decimal("1.10"), None, Decimal("3.30")], pa.decimal128(10, 2)),
            "qty": pa.array([1, 2, 3], pa.int64()),
            "ts": pa.array([dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * 3, pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(t, data / "items.parquet")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    out = p.rows()
    assert out.num_rows == 3 and "ingest_date" in out.column_names
    assert p.table().spec().fields[0].name == "ingest_date"


def test_stripe_and_hubspot_on_airbyte_stop_only_for_their_missing_api_credentials(tmp_path: Path) -> None:
    """The examples' Stripe and HubSpot jobs run on engine airbyte (runtime/sources/airbyte.py): they compile
    without DTV218 and `dativo run` stops, exit 2, before any work, on the one thing missing here: the API key."""
    state = tmp_path / "state"
    env = {"STRIPE_API_KEY": "", "HUBSPOT_ACCESS_TOKEN": ""}
    for job, variable in (
        ("acme.stripe_customers_hourly", "STRIPE_API_KEY"),
        ("acme.hubspot_contacts_every_6h", "HUBSPOT_ACCESS_TOKEN"),
    ):
        res = run_cli(
            "run", "--plan", "examples/generated/plan.json", "--job", job, "--state-dir", str(state), cwd=REPO, env=env
        )
        assert res.code == 2, res.out + res.err
        err = res.events("job_error")[0]["error"]
        assert f"needs its API credentials in the environment variable {variable}, which is not set" in err
        assert not res.events("job_started") and not state.exists()  # refused before any state, lock or table
    res = run_cli(
        "run",
        "--config",
        "examples/jobs/acme/stripe_customers_to_iceberg.yaml",
        "--state-dir",
        str(state),
        cwd=REPO,
        env=env,
    )
    assert res.code == 2 and "STRIPE_API_KEY" in res.out
    assert "DTV218" not in res.err


def test_a_source_the_native_engine_cannot_read_exits_2_and_commits_nothing(tmp_path: Path) -> None:
    """globex's Stripe job runs on engine 'native', which the registry allows for stripe. The native engine
    here reads files only: it used to find no files, commit an empty run and exit 0."""
    state = tmp_path / "state"
    argv = ["run", "--plan", "examples/generated/plan.json", "--job", "globex.globex_stripe_customers_nightly"]
    res = run_cli(*argv, "--state-dir", str(state), cwd=REPO)
    assert res.code == 2, res.out + res.err
    err = res.events("job_error")[0]["error"]
    assert "source 'stripe'" in err and "not read by this runtime's native engine" in err
    assert not res.events("job_started") and not (state / "catalog").exists()  # refused before any work


def test_dag_schedule_skips_only_the_downstream_of_failed_tasks(tmp_path: Path) -> None:
    """The example DAG's roots (stripe, hubspot) are not run by this runtime: each fails, and only its own
    downstream task is skipped (before, the first failure skipped every later task, the other chain too)."""
    res = run_cli(
        "run",
        "--plan",
        "examples/generated/plan.json",
        "--job",
        "acme.acme_daily_batch",
        "--state-dir",
        str(tmp_path / "state"),
        cwd=REPO,
    )
    assert res.code == 2
    skipped = {e["task"]: e["upstream"] for e in res.events("task_skipped")}
    assert skipped == {"stripe_invoices": "stripe_charges", "hubspot_deals": "hubspot_companies"}
    assert [e["task"] for e in res.events("task_fail")] == ["stripe_charges", "hubspot_companies"]


def test_example_csv_job_runs_from_the_plan(tmp_path: Path) -> None:
    """The demo path: a plan compiled for /app runs from a local checkout; /app paths map to it."""
    project = tmp_path / "examples"
    shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns("state"))
    res = run_cli("run", "--plan", "generated/plan.json", "--job", "acme.orders_csv_morning", cwd=project)
    assert res.code == 0, res.out + res.err
    assert res.events("job_started")[0]["run_id"].startswith("scheduled__")
    assert (project / "state" / "catalog" / "acme.db").is_file()
    from pyiceberg.catalog.sql import SqlCatalog

    cat = SqlCatalog(
        "local", uri=f"sqlite:///{project}/state/catalog/acme.db", warehouse=f"file://{project}/state/warehouse/acme/"
    )
    csv_rows = (project / "data/acme/orders.csv").read_text().count("\n") - 1
    table = cat.load_table("acme.orders")
    # the job commits to its tenant branch (target.branch: acme); main holds none of its rows
    assert table.scan().use_ref("acme").to_arrow().num_rows == csv_rows
    assert table.scan().to_arrow().num_rows == 0


def test_usage_errors_exit_2() -> None:
    assert run_cli("run", cwd=REPO).code == 2
    assert run_cli("run", "--plan", "examples/generated/plan.json", cwd=REPO).code == 2
    res = run_cli("run", "--plan", "examples/generated/plan.json", "--job", "nope.nothing", cwd=REPO)
    assert res.code == 2 and "neither a schedule id nor a job" in res.err


def test_run_help_imports_no_pyiceberg_or_pyarrow() -> None:
    code = (
        "import sys\nfrom dativo.compiler.cli import main\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pyiceberg', 'pyarrow', 'jinja2'))\n"
        "print('BAD', bad, file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert "BAD []" in p.stderr, p.stderr


def test_merge_on_a_composite_key_into_a_partitioned_table(tmp_path: Path) -> None:
    p = make_project(
        tmp_path / "p", mode="merge", key_columns=["id", "name"], partitioning="  partitioning: [ingest_date]\n"
    )
    p.write_csv([(1, "a", "1.00", 1, TS), (1, "b", "2.00", 2, TS), (2, "a", "3.00", 3, TS)])
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    p.write_csv([(1, "b", "20.00", 20, TS), (3, "c", "4.00", 4, TS)])
    res = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert res.code == 0, res.out + res.err
    t = p.rows()
    got = sorted(zip(t.column("id").to_pylist(), t.column("name").to_pylist(), t.column("qty").to_pylist()))
    assert got == [(1, "a", 1), (1, "b", 20), (2, "a", 3), (3, "c", 4)]


def test_config_mode_prints_diagnostics_and_exits_2_on_errors(tmp_path: Path) -> None:
    cols = "\n    - name: id\n      type: bigint\n      required: true\n    - name: price\n      type: decimal\n"
    p = make_project(tmp_path / "p", columns=cols, compile_=False)
    res = run_cli("run", "--config", "jobs/t1/items.yaml", cwd=p.root)
    assert res.code == 2 and res.out == ""
    assert "error DTV219: column 'price' of type 'decimal' has no exact Iceberg type" in res.err


def test_config_mode_runs_the_job(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    p.write_csv(rows(3))
    res = run_cli("run", "--config", "jobs/t1/items.yaml", "--run-id", "c1", cwd=p.root)
    assert res.code == 0, res.out + res.err
    assert res.events("job_started")[0]["job_name"] == "jobs/t1/items.yaml"
    assert p.rows().num_rows == 3


def test_config_mode_checks_tenant_isolation_like_compile(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    p.write_csv(rows(3))
    job = p.root / "jobs" / "t1" / "items.yaml"
    job.write_text(job.read_text("utf-8").replace("target:\n", "target:\n  branch: main\n", 1), "utf-8")
    res = run_cli("run", "--config", "jobs/t1/items.yaml", "--run-id", "c1", cwd=p.root)
    assert res.code == 2 and res.out == ""
    assert "error DTV403: job of tenant 't1' commits to branch 'main'" in res.err
    assert not (p.state / "catalog").exists()  # nothing was ingested
