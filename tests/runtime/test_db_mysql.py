"""The native `mysql` source against a real MariaDB server (tests/services/mysql.py): full load,
incremental by cursor across runs, exactly once after a SIGKILL mid-read, strict and warn on bad values."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from db_project import make_db_project
from services.mysql import MyServer

# MariaDB's sequence engine makes the rows: seq_1_to_N is a table of 1..N
ROWS_SQL = """INSERT INTO {t} SELECT seq, seq % 100, (seq % 10000) / 100, 'open',
  TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND, NULL FROM seq_{a}_to_{b}"""


def table(my: MyServer, name: str, rows: int = 0, customer: str = "bigint") -> str:
    my.sql(
        f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id bigint primary key, customer_id {customer},"
        " total decimal(12,2), status varchar(20) not null, updated_at datetime(6) not null, extra text)"
    )
    if rows:
        my.sql(ROWS_SQL.format(t=name, a=1, b=rows))
    return name


def metrics(res) -> dict:  # type: ignore[no-untyped-def]
    return res.events("metrics_complete")[-1]


def test_full_load_reads_every_row_with_its_types(tmp_path: Path, mysql_server: MyServer) -> None:
    name = table(mysql_server, "full_load", rows=1000)
    p = make_db_project(tmp_path / "p", mysql_server, "mysql", name, incremental=False)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    rows = p.rows().sort_by("id")
    assert rows.num_rows == 1000 and metrics(res)["records_extracted"] == 1000
    first = rows.slice(0, 1).to_pylist()[0]
    assert first["id"] == 1 and first["customer_id"] == 1 and str(first["total"]) == "0.01"
    assert first["updated_at"].isoformat() == "2026-01-01T00:00:01+00:00"


def test_incremental_by_cursor_reads_only_new_rows_across_runs(tmp_path: Path, mysql_server: MyServer) -> None:
    my = mysql_server
    name = table(my, "incremental", rows=100)
    p = make_db_project(tmp_path / "p", my, "mysql", name)
    first = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    assert metrics(first)["records_extracted"] == 100
    my.sql(ROWS_SQL.format(t="incremental", a=101, b=150))
    my.sql("UPDATE incremental SET status = 'shipped', updated_at = '2026-02-01 00:00:00' WHERE id = 7")
    second = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert second.code == 0, second.out + second.err
    assert metrics(second)["records_extracted"] == 51
    third = p.run("--job", "t1.items_hourly", "--run-id", "r3")
    assert third.code == 0 and metrics(third)["records_extracted"] == 0
    assert sorted(p.rows().column("id").to_pylist()) == sorted(list(range(1, 151)) + [7])
    state = json.loads(p.table().current_snapshot().summary.additional_properties["dativo.incremental"])
    assert state["tables"][name]["cursor"] == "2026-02-01T00:00:00"


@pytest.mark.slow
def test_sigkill_mid_read_then_rerun_loads_every_row_once(tmp_path: Path, mysql_server: MyServer) -> None:
    my, n = mysql_server, 300_000
    name = table(my, "killed", rows=n)
    p = make_db_project(tmp_path / "p", my, "mysql", name, engine_options="batch_size: 2000")
    proc = p.popen("--job", "t1.items_hourly", "--run-id", "r1")
    assert proc.stdout is not None
    for line in proc.stdout:
        if '"source_opened"' in line:
            break
    time.sleep(0.1)  # connectorx reads 300k rows in well under a second on a quiet machine
    assert proc.poll() is None, "the run ended before it could be killed mid-read"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert p.table().current_snapshot() is None or not p.rows().num_rows
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1", "--resume-policy", "resume")
    assert res.code == 0, res.out + res.err
    my.sql(ROWS_SQL.format(t="killed", a=n + 1, b=n + 10))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r2").code == 0
    ids = p.rows().column("id")
    assert ids.length() == n + 10 and len(ids.unique()) == n + 10


@pytest.mark.parametrize("mode", ["strict", "warn"])
def test_a_value_of_the_wrong_type_fails_strict_and_is_skipped_by_warn(
    tmp_path: Path, mysql_server: MyServer, mode: str
) -> None:
    my = mysql_server
    name = table(my, f"mismatch_{mode}", rows=20, customer="varchar(20)")  # the asset says bigint
    my.sql(f"UPDATE mismatch_{mode} SET customer_id = 'not-a-number' WHERE id = 5")
    p = make_db_project(tmp_path / "p", my, "mysql", name, validation=mode)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    if mode == "strict":
        assert res.code == 2, res.out + res.err
        assert p.table().current_snapshot() is None or not p.rows().num_rows
    else:
        assert res.code == 1, res.out + res.err
        assert sorted(p.rows().column("id").to_pylist()) == [i for i in range(1, 21) if i != 5]
