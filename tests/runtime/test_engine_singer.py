"""Engines `singer` and `meltano` against a real Singer tap and a real database: MeltanoLabs' tap-postgres
(from PyPI, in the venv dativo builds for it) reading a PostgreSQL server the tests start
(tests/services/postgres.py), through `dativo run` into Iceberg."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dativo.runtime.sources.singer import package_of
from tests.runtime.engine_project import engine_env, make_engine_project
from tests.runtime.rt_project import Project, _env
from tests.services.postgres import PgServer

JOB = "jobs/t1/items.yaml"
TAP = "meltanolabs-tap-postgres==0.10.0"
COLUMNS = """
    - name: id
      type: bigint
      required: true
    - name: name
      type: string
    - name: updated_at
      type: timestamp
      required: true
"""


def _recipe(pg: PgServer, engine: str) -> str:
    options = f"package: {TAP}" if engine == "singer" else "extractor: tap-postgres\n            variant: meltanolabs"
    return f"""
        name: postgres
        type: postgres
        roles: [source]
        default_engine:
          type: {engine}
          options:
            {options}
            config:
              host: {pg.host}
              port: {pg.port}
              user: {pg.user}
              password: ${{PG_TEST_PASSWORD}}
              database: DB
        incremental:
          strategy: cursor_field
          cursor_field_default: updated_at
        """


def _table(pg: PgServer, db: str, rows: int) -> None:
    pg.psql(f'CREATE DATABASE "{db}"', dbname="postgres")
    pg.psql(
        "CREATE TABLE public.orders (id bigint PRIMARY KEY, name text, updated_at timestamptz NOT NULL);"
        f"INSERT INTO public.orders SELECT g, 'order ' || g, timestamptz '2026-01-01' + g * interval '1 second'"
        f" FROM generate_series(1, {rows}) g;",
        dbname=db,
    )


def _project(root: Path, pg: PgServer, db: str, engine: str = "singer") -> Project:
    block = "  tables:\n    - name: public.orders\n      object: orders\n"
    return make_engine_project(
        root, _recipe(pg, engine).replace("database: DB", f"database: {db}"), source="postgres", obj="orders",
        columns=COLUMNS, source_block=block,
    )  # fmt: skip


def _env_for(pg: PgServer) -> dict[str, str]:
    return engine_env({"PG_TEST_PASSWORD": pg.password})


def test_the_tap_comes_from_package_or_meltano_names() -> None:
    assert package_of({"package": TAP}) == (TAP, "tap-postgres")
    assert package_of({"extractor": "tap-postgres", "variant": "meltanolabs"}) == (
        "meltanolabs-tap-postgres",
        "tap-postgres",
    )
    assert package_of({"tap_name": "tap-hubspot"}) == ("tap-hubspot", "tap-hubspot")


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["singer", "meltano"])
def test_a_tap_loads_a_table_then_only_what_changed(tmp_path: Path, postgres_server: PgServer, engine: str) -> None:
    pg, db = postgres_server, f"orders_{engine}"
    _table(pg, db, 3000)
    p = _project(tmp_path, pg, db, engine)
    first = p.run("--job", JOB, "--run-id", "r1", env=_env_for(pg))
    assert first.code == 0, first.out + first.err
    assert sorted(p.rows().column("id").to_pylist()) == list(range(1, 3001))
    pg.psql(
        "INSERT INTO public.orders SELECT g, 'late ' || g, timestamptz '2026-02-01' + g * interval '1 second'"
        " FROM generate_series(3001, 3200) g;",
        dbname=db,
    )
    second = p.run("--job", JOB, "--run-id", "r2", env=_env_for(pg))
    assert second.code == 0 and second.events("source_opened")[0]["resumed"] is True, second.out
    assert second.events("metrics_complete")[0]["records_written"] == 200  # the tap resumed from its STATE
    ids = p.rows().column("id").to_pylist()
    assert sorted(ids) == list(range(1, 3201))


def _reading(pid: int) -> bool:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
                if os.getsid(int(proc.name)) == pid and b"--catalog" in cmd:
                    return True
            except (OSError, ProcessLookupError):
                continue
    return False


@pytest.mark.slow
def test_a_run_killed_while_the_tap_reads_is_read_again_once(tmp_path: Path, postgres_server: PgServer) -> None:
    pg, db = postgres_server, "orders_killed"
    _table(pg, db, 200000)
    p = _project(tmp_path, pg, db)
    argv = [sys.executable, "-m", "dativo.compiler.cli", "run", "--plan", str(p.plan), "--job", JOB]
    proc = subprocess.Popen(
        [*argv, "--run-id", "killed"], cwd=p.root, env=_env(_env_for(pg)), stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while not _reading(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(3)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert p.table().current_snapshot() is None
    res = p.run("--job", JOB, "--run-id", "after", env=_env_for(pg))
    assert res.code == 0, res.out + res.err
    ids = p.rows().column("id").to_pylist()
    assert len(ids) == 200000 and len(set(ids)) == 200000
    again = p.run("--job", JOB, "--run-id", "next", env=_env_for(pg))
    assert again.code == 0 and again.events("metrics_complete")[0]["records_written"] == 0
    assert p.rows().num_rows == 200000
