"""The native `postgres` source against a real PostgreSQL server (tests/services/postgres.py): full load,
incremental by cursor across runs, exactly once after a SIGKILL mid-read, strict and warn on bad values,
refused credentials."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from db_project import make_db_project
from services.postgres import PgServer

ROWS_SQL = """INSERT INTO {t} SELECT g, g % 100, (g % 10000) / 100.0, 'open',
  timestamp '2026-01-01 00:00:00' + make_interval(secs => g) FROM generate_series({a}, {b}) g"""


def table(pg: PgServer, name: str, rows: int = 0, customer: str = "bigint") -> str:
    pg.psql(
        f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id bigint primary key, customer_id {customer},"
        " total numeric(12,2), status text not null, updated_at timestamp not null, extra text)"
    )
    if rows:
        pg.psql(ROWS_SQL.format(t=name, a=1, b=rows))
    return f"public.{name}"


def metrics(res) -> dict:  # type: ignore[no-untyped-def]
    return res.events("metrics_complete")[-1]


def test_full_load_reads_every_row_with_its_types(tmp_path: Path, postgres_server: PgServer) -> None:
    name = table(postgres_server, "full_load", rows=1000)
    p = make_db_project(tmp_path / "p", postgres_server, "postgres", name, incremental=False)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    rows = p.rows().sort_by("id")
    assert rows.num_rows == 1000
    first = rows.slice(0, 1).to_pylist()[0]
    assert first["id"] == 1 and first["customer_id"] == 1 and str(first["total"]) == "0.01"
    assert first["updated_at"].isoformat() == "2026-01-01T00:00:01+00:00"
    assert "extra" not in rows.schema.names
    assert metrics(res)["records_extracted"] == 1000
    state = json.loads(p.table().current_snapshot().summary.additional_properties.get("dativo.incremental", "{}"))
    assert state == {}  # a full load keeps no state


def test_incremental_by_cursor_reads_only_new_rows_across_runs(tmp_path: Path, postgres_server: PgServer) -> None:
    pg = postgres_server
    name = table(pg, "incremental", rows=100)
    p = make_db_project(tmp_path / "p", pg, "postgres", name)
    first = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    assert metrics(first)["records_extracted"] == 100
    pg.psql(ROWS_SQL.format(t="incremental", a=101, b=150))
    pg.psql("UPDATE incremental SET status = 'shipped', updated_at = timestamp '2026-02-01' WHERE id = 7")
    second = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert second.code == 0, second.out + second.err
    assert metrics(second)["records_extracted"] == 51  # 50 new rows and the updated one
    third = p.run("--job", "t1.items_hourly", "--run-id", "r3")
    assert third.code == 0 and metrics(third)["records_extracted"] == 0
    ids = p.rows().column("id").to_pylist()
    assert sorted(ids) == sorted(list(range(1, 151)) + [7])
    summary = p.table().current_snapshot().summary.additional_properties
    state = json.loads(summary["dativo.incremental"])
    assert state["tables"][name] == {"cursor": "2026-02-01T00:00:00", "cursor_field": "updated_at", "kind": "timestamp"}


@pytest.mark.slow
def test_sigkill_mid_read_then_rerun_loads_every_row_once(tmp_path: Path, postgres_server: PgServer) -> None:
    pg, n = postgres_server, 400_000
    name = table(pg, "killed", rows=n)
    # small batches: the read takes long enough to be killed in the middle of it
    p = make_db_project(tmp_path / "p", pg, "postgres", name, engine_options="batch_size_bytes: 65536")
    proc = p.popen("--job", "t1.items_hourly", "--run-id", "r1")
    assert proc.stdout is not None
    for line in proc.stdout:
        if '"source_opened"' in line:
            break
    time.sleep(0.5)
    assert proc.poll() is None, "the run ended before it could be killed mid-read"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert p.table().current_snapshot() is None or not p.rows().num_rows  # nothing committed
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1", "--resume-policy", "resume")
    assert res.code == 0, res.out + res.err
    again = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert again.code == 0 and again.events("job_state.already_committed")
    pg.psql(ROWS_SQL.format(t="killed", a=n + 1, b=n + 10))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r2").code == 0
    ids = p.rows().column("id")
    assert ids.length() == n + 10 and len(ids.unique()) == n + 10


@pytest.mark.parametrize("mode", ["strict", "warn"])
def test_a_value_of_the_wrong_type_fails_strict_and_is_skipped_by_warn(
    tmp_path: Path, postgres_server: PgServer, mode: str
) -> None:
    pg = postgres_server
    name = table(pg, f"mismatch_{mode}", rows=20, customer="text")  # the asset says bigint
    pg.psql(f"UPDATE mismatch_{mode} SET customer_id = 'not-a-number' WHERE id = 5")
    p = make_db_project(tmp_path / "p", pg, "postgres", name, validation=mode)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    if mode == "strict":
        assert res.code == 2, res.out + res.err
        assert "invalid record(s) in " + name in res.err + res.out
        assert p.table().current_snapshot() is None or not p.rows().num_rows
    else:
        assert res.code == 1, res.out + res.err
        assert [e["reasons"] for e in res.events("record_invalid")] == [["column 'customer_id' is not a valid bigint"]]
        assert sorted(p.rows().column("id").to_pylist()) == [i for i in range(1, 21) if i != 5]


def test_refused_credentials_fail_clearly_without_the_password(tmp_path: Path, postgres_server: PgServer) -> None:
    name = table(postgres_server, "refused", rows=3)
    p = make_db_project(tmp_path / "p", postgres_server, "postgres", name)
    env_file = p.root / "secrets" / "t1" / "postgres.env"
    env_file.write_text(env_file.read_text().replace(postgres_server.password, "Wr0ng-s3cret-pw"))
    started = time.monotonic()
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    assert "password authentication failed" in res.out, res.out
    assert "Wr0ng-s3cret-pw" not in res.out + res.err
    assert time.monotonic() - started < 30


def test_a_missing_table_is_named_in_one_clear_line(tmp_path: Path, postgres_server: PgServer) -> None:
    p = make_db_project(tmp_path / "p", postgres_server, "postgres", "public.no_such_table")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    error = res.events("job_error")[-1]["error"]
    assert 'postgres table public.no_such_table: NOT_FOUND: [libpq] ERROR:  relation "public.no_such_table"' in error
    assert "SELECT" not in error  # not the driver's own query
