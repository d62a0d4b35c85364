"""Runtime budgets (docs/performance.md), printed as ratios from one run:

1. a 1M-row, 5-column CSV into Iceberg via `dativo run` vs bare `pyarrow.csv.read_csv` +
   pyiceberg `append` of the same file (both as fresh processes, so both pay their imports);
   budget: at most 1.5x.
2. a keyed merge of 200k rows (100k updates, 100k new) into a 1M-row table: `dativo run`
   (delete-by-filter + append in one transaction) vs pyiceberg `Table.upsert`; budget: at least 5x faster.
3. and 4. (bench/runtime_db.py): peak memory at 1M and 8M rows (within 20 %); 1M rows from PostgreSQL
   against a bare ADBC read plus pyiceberg append (at most 1.3x).

5. engine overhead (bench_engine): 100k records of Airbyte's faker source through `dativo run` (engine airbyte:
   discover, read, validation, Iceberg commit) vs the connector's own `read` written to /dev/null;
   budget: at most 1.3x.

    python bench/runtime.py [--rows 1000000] [--merge-rows 200000] [--memory-rows 1000000,8000000]
                            [--pg-rows 1000000] [--skip-memory] [--skip-postgres]
    python bench/runtime.py --engine-only [--engine-records 100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PY = sys.executable


def write_csv(path: Path, start: int, n: int, tag: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        f.write("id,name,price,qty,ts\n")
        for i in range(start, start + n):
            f.write(f"{i},{tag}-{i},{(i % 10000) / 100:.2f},{i % 97},2026-01-0{1 + i % 9}T{i % 24:02d}:00:00Z\n")


def project(root: Path, mode: str) -> None:
    files = {
        "dativo.yaml": "version: 1\ncontainer_root: /app\n",
        "connectors/csv.yaml": "name: csv\ntype: csv\nroles: [source]\ndefault_engine:\n  type: native\n",
        "connectors/iceberg.yaml": "name: iceberg\ntype: iceberg\nroles: [target]\ndefault_engine:\n  type: native\n",
        "assets/b/v1/items.yaml": textwrap.dedent(f"""\
            asset:
              name: items
              source_type: csv
              object: file
              version: "1"
              schema:
                - {{name: id, type: bigint, required: true}}
                - {{name: name, type: string}}
                - {{name: price, type: double}}
                - {{name: qty, type: bigint}}
                - {{name: ts, type: timestamp}}
              target:
                mode: {mode}
                key_columns: [id]
            """),
        "jobs/b/items.yaml": textwrap.dedent("""\
            tenant_id: b
            source_connector: csv
            target_connector: iceberg
            asset: items
            source:
              files: [{path: data/items.csv, object: file}]
              incremental: {strategy: file_modified_time}
            target:
              catalog: local
              connection: {catalog_type: sql}
            """),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def timed(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return elapsed


BARE_APPEND = """
import sys, pyarrow.csv as pc
from pyiceberg.catalog.sql import SqlCatalog
cat = SqlCatalog("bare", uri="sqlite:///" + sys.argv[1] + "/cat.db", warehouse="file://" + sys.argv[1] + "/wh")
cat.create_namespace_if_not_exists("b")
df = pc.read_csv(sys.argv[2])
df = df.cast(df.schema.set(df.schema.get_field_index("ts"), df.schema.field("ts").with_type(__import__("pyarrow").timestamp("us", tz="UTC"))))
t = cat.create_table_if_not_exists("b.items", schema=df.schema)
t.append(df)
"""

BARE_UPSERT = """
import sys, time, pyarrow as pa, pyarrow.csv as pc
from pyiceberg.catalog.sql import SqlCatalog
cat = SqlCatalog("bare", uri="sqlite:///" + sys.argv[1] + "/cat.db", warehouse="file://" + sys.argv[1] + "/wh")
t = cat.load_table("b.items")
df = pc.read_csv(sys.argv[2])
df = df.cast(t.schema().as_arrow())
started = time.perf_counter()
t.upsert(df, join_cols=["id"])
print(time.perf_counter() - started)
"""


BARE_CATALOG = """
import json, subprocess, sys
out = subprocess.run([sys.argv[1], "discover", "--config", sys.argv[2]], capture_output=True, check=True).stdout
for line in out.splitlines():
    if line.startswith(b"{") and json.loads(line).get("type") == "CATALOG":
        streams = json.loads(line)["catalog"]["streams"]
stream = next(s for s in streams if s["name"] == "users")
print(json.dumps({"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}]}))
"""


def bench_engine(records: int) -> None:
    """Engine overhead: `dativo run` of the faker source vs the connector's own `read` to /dev/null."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.runtime.engine_project import engine_env, faker_recipe, faker_venv, make_engine_project

    os.environ.update(engine_env())
    exe = str(faker_venv() / "bin" / "source-faker")
    work = Path(tempfile.mkdtemp(prefix="dativo-bench-engine-"))
    try:
        config = work / "config.json"
        config.write_text(f'{{"count": {records}, "seed": 7, "parallelism": 1, "records_per_slice": 1000}}')
        catalog = work / "catalog.json"
        catalog.write_text(
            subprocess.run(
                [PY, "-c", BARE_CATALOG, exe, str(config)], capture_output=True, text=True, check=True
            ).stdout
        )
        started = time.perf_counter()
        with open(os.devnull, "wb") as null:
            subprocess.run([exe, "read", "--config", str(config), "--catalog", str(catalog)], stdout=null, check=True)
        bare = time.perf_counter() - started
        proj = work / "proj"
        make_engine_project(proj, faker_recipe(records), incremental=False)
        ours = timed(
            [
                PY,
                "-m",
                "dativo.compiler.cli",
                "run",
                "--plan",
                "generated/plan.json",
                "--job",
                "jobs/t1/items.yaml",
                "--run-id",
                "e1",
            ],
            proj,
        )
        print(
            f"engine airbyte, {records:,} faker records: dativo run {ours:.2f} s, connector read > /dev/null "
            f"{bare:.2f} s, ratio {ours / bare:.2f}x (budget <= 1.3x)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine-records", type=int, default=100_000)
    ap.add_argument("--engine-only", action="store_true", help="only the engine overhead (bench_engine)")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--merge-rows", type=int, default=200_000)
    ap.add_argument("--skip-upsert", action="store_true", help="skip pyiceberg upsert (slow)")
    ap.add_argument("--memory-rows", default="1000000,8000000", help="CSV sizes whose peak memory is compared")
    ap.add_argument("--pg-rows", type=int, default=1_000_000)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-postgres", action="store_true", help="needs Debian's postgresql (installed if root)")
    return ap.parse_args()


def main() -> None:
    args = _args()
    if args.engine_only:
        return bench_engine(args.engine_records)
    work = Path(tempfile.mkdtemp(prefix="dativo-bench-runtime-"))
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import runtime_db

        runtime_db.run(args, work, write_csv, project)
        # ---- 1. append
        csv_file = work / "items.csv"
        write_csv(csv_file, 0, args.rows, "a")
        (work / "bare").mkdir()
        bare = timed([PY, "-c", BARE_APPEND, str(work / "bare"), str(csv_file)], work)
        proj = work / "append"
        project(proj, "strict")
        (proj / "data").mkdir()
        shutil.copy(csv_file, proj / "data" / "items.csv")
        ours = timed([PY, "-m", "dativo.compiler.cli", "run", "--config", "jobs/b/items.yaml", "--run-id", "a1"], proj)
        print(
            f"append {args.rows:,} rows: dativo run {ours:.2f} s, bare pyarrow.csv + append {bare:.2f} s, "
            f"ratio {ours / bare:.2f}x (budget <= 1.5x)"
        )

        # ---- 2. keyed merge
        upd = work / "merge.csv"
        half = args.merge_rows // 2
        write_csv(upd, args.rows - half, args.merge_rows, "m")  # half updates, half new keys
        mproj = work / "merge"
        project(mproj, "merge")
        (mproj / "data").mkdir()
        shutil.copy(csv_file, mproj / "data" / "items.csv")
        timed([PY, "-m", "dativo.compiler.cli", "run", "--config", "jobs/b/items.yaml", "--run-id", "m0"], mproj)
        shutil.copy(upd, mproj / "data" / "items.csv")
        ours_m = timed(
            [PY, "-m", "dativo.compiler.cli", "run", "--config", "jobs/b/items.yaml", "--run-id", "m1"], mproj
        )
        if args.skip_upsert:
            print(f"merge {args.merge_rows:,} into {args.rows:,}: dativo run {ours_m:.2f} s (upsert skipped)")
            return
        (work / "ups").mkdir()
        timed([PY, "-c", BARE_APPEND, str(work / "ups"), str(csv_file)], work)
        started = time.perf_counter()
        p = subprocess.run([PY, "-c", BARE_UPSERT, str(work / "ups"), str(upd)], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(p.stderr[-2000:])
        ups = time.perf_counter() - started
        print(
            f"merge {args.merge_rows:,} into {args.rows:,}: dativo run {ours_m:.2f} s, pyiceberg upsert {ups:.2f} s "
            f"(upsert call alone {float(p.stdout.strip()):.2f} s), speed-up {ups / ours_m:.1f}x (budget >= 5x)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.pop("DATIVO_DEBUG", None)
    main()
