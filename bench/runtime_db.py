"""bench/runtime.py's memory and database parts:

3. peak memory of `dativo run` on a CSV of 1M and of 8M rows (5 columns, 45 MB and 380 MB): the sink
   streams batches into data files, so the two peaks must agree within 20 %.
4. 1M rows from a real PostgreSQL (tests/services/postgres.py starts one) into Iceberg: `dativo run`
   (native postgres source, ADBC) vs a bare read with the same driver (ADBC `fetch_arrow_table`) plus a
   pyiceberg `append`, both as fresh processes; budget: at most 1.3x.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]

# the peak of one command alone, measured by a small parent process
MEASURE = (
    "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
    "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024);"
    "sys.stderr.write(p.stdout[-2000:] + p.stderr[-2000:] if p.returncode else '')"
)


def run(args: Any, work: Path, write_csv: Any, project: Any) -> None:
    """Parts 3 and 4, as bench/runtime.py's flags select them."""
    if not args.skip_memory:
        memory(work, write_csv, project, [int(n) for n in args.memory_rows.split(",")])
    if not args.skip_postgres:
        postgres(work, args.pg_rows)


def peak_mb(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> int:
    out = subprocess.run([PY, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True, env=env)
    code, peak = out.stdout.split()
    if code != "0":
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return int(peak)


def memory(work: Path, write_csv, project, sizes: list[int]) -> None:  # type: ignore[no-untyped-def]
    peaks: dict[int, int] = {}
    for n in sizes:
        proj = work / f"mem{n}"
        project(proj, "strict")
        write_csv(proj / "data" / "items.csv", 0, n, "a")
        cmd = [PY, "-m", "dativo.compiler.cli", "run", "--config", "jobs/b/items.yaml", "--run-id", "m1"]
        peaks[n] = peak_mb(cmd, proj)
    low, high = min(peaks.values()), max(peaks.values())
    figures = ", ".join(f"{n:,} rows {mb} MB" for n, mb in peaks.items())
    print(f"peak memory of dativo run: {figures}; spread {high / low - 1:.0%} (budget <= 20%)")


BARE_PG = """
import sys, pyarrow as pa, adbc_driver_postgresql.dbapi as pg
from pyiceberg.catalog.sql import SqlCatalog
cat = SqlCatalog("bare", uri="sqlite:///" + sys.argv[1] + "/cat.db", warehouse="file://" + sys.argv[1] + "/wh")
cat.create_namespace_if_not_exists("b")
with pg.connect(sys.argv[2]) as c, c.cursor() as cur:
    cur.execute("SELECT id, customer_id, total, status, updated_at FROM orders")
    data = cur.fetch_arrow_table()
# the driver hands numeric over as text (an opaque extension type); pyiceberg needs a decimal
total = pa.chunked_array([c.storage for c in data.column("total").chunks]).cast(pa.decimal128(12, 2))
data = data.set_column(2, "total", total)
cat.create_table_if_not_exists("b.orders", schema=data.schema).append(data)
"""

PG_FILES = {
    "dativo.yaml": "version: 1\ncontainer_root: /app\n",
    "connectors/postgres.yaml": """\
        name: postgres
        type: postgres
        roles: [source]
        default_engine: {type: native}
        connection_template: {host: "${PGHOST}", port: "${PGPORT}", database: "${PGDATABASE}"}
        """,
    "connectors/iceberg.yaml": "name: iceberg\ntype: iceberg\nroles: [target]\ndefault_engine:\n  type: native\n",
    "assets/b/v1/orders.yaml": """\
        asset:
          name: orders
          source_type: postgres
          object: orders
          version: "1"
          schema:
            - {name: id, type: bigint, required: true}
            - {name: customer_id, type: bigint}
            - {name: total, type: decimal, precision: 12, scale: 2}
            - {name: status, type: string}
            - {name: updated_at, type: timestamp}
        """,
    "jobs/b/orders.yaml": """\
        tenant_id: b
        source_connector: postgres
        target_connector: iceberg
        asset: orders
        source:
          tables: [{name: public.orders, object: orders}]
        target:
          catalog: local
          connection: {catalog_type: sql}
        """,
}


def postgres(work: Path, rows: int) -> None:
    import os

    sys.path.insert(0, str(REPO / "tests"))
    from services.postgres import start_postgres, stop_postgres

    pg = start_postgres()
    try:
        pg.psql(
            "CREATE TABLE orders AS SELECT g::bigint AS id, (g % 1000)::bigint AS customer_id,"
            " ((g % 100000) / 100.0)::numeric(12,2) AS total, 'status-' || (g % 7) AS status,"
            f" timestamp '2026-01-01' + make_interval(secs => g) AS updated_at FROM generate_series(1, {rows}) g"
        )
        (work / "bare_pg").mkdir()
        started = time.perf_counter()
        bare = subprocess.run([PY, "-c", BARE_PG, str(work / "bare_pg"), pg.dsn], capture_output=True, text=True)
        bare_s = time.perf_counter() - started
        if bare.returncode != 0:
            sys.exit(bare.stderr[-2000:])
        proj = work / "pg"
        for rel, text in PG_FILES.items():
            (proj / rel).parent.mkdir(parents=True, exist_ok=True)
            (proj / rel).write_text(textwrap.dedent(text))
        env = {**os.environ, "PGHOST": pg.host, "PGPORT": str(pg.port), "PGDATABASE": pg.dbname}
        env.update({"PGUSER": pg.user, "PGPASSWORD": pg.password})
        cmd = [PY, "-m", "dativo.compiler.cli", "run", "--config", "jobs/b/orders.yaml", "--run-id", "p1"]
        started = time.perf_counter()
        ours = subprocess.run(cmd, cwd=proj, env=env, capture_output=True, text=True)
        ours_s = time.perf_counter() - started
        if ours.returncode != 0:
            sys.exit(ours.stdout[-2000:] + ours.stderr[-2000:])
        print(
            f"postgres {rows:,} rows into Iceberg: dativo run {ours_s:.2f} s, bare ADBC read + append {bare_s:.2f} s, "
            f"ratio {ours_s / bare_s:.2f}x (budget <= 1.3x)"
        )
    finally:
        stop_postgres(pg)
