"""The sink streams batches into data files of the target size and commits them all in the run's one
snapshot (runtime/datafiles.py); peak memory follows the batch, not the input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from rt_project import make_project


def write_rows(path: Path, n: int, start: int = 0) -> None:
    """An n-row csv of the project's columns, made by Arrow (fast enough for millions of rows)."""
    ids = pa.array(range(start, start + n), type=pa.int64())
    price = pc.round(pc.divide(pc.cast(pc.bit_wise_and(ids, 4095), pa.float64()), 7), 2)
    table = pa.table(
        {
            "id": ids,
            "name": pc.binary_join_element_wise("item-", pc.cast(ids, pa.string()), ""),
            "price": pc.cast(price, pa.string()),
            "qty": pc.bit_wise_and(ids, 127),
            "ts": pa.array(["2026-01-02T03:04:05Z"] * n),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)


def test_a_large_input_is_written_as_several_files_in_one_snapshot(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", target_connection="  parquet_target_size_mb: 1\n")
    write_rows(p.root / "data" / "t1" / "items.csv", 400_000)
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    table = p.table()
    snaps = [s for s in table.metadata.snapshots if s.summary.additional_properties.get("dativo.run-id") == "r1"]
    assert len(snaps) == 1  # every file of the run in its one snapshot
    files = int(snaps[0].summary.additional_properties["added-data-files"])
    assert files >= 2, files
    sizes = [t.file.file_size_in_bytes for t in table.scan().plan_files()]
    assert all(s < 3 << 20 for s in sizes), sizes  # rolled over at about 1 MB (plus one row group)
    ids = p.rows().column("id")
    assert ids.length() == 400_000 and len(ids.unique()) == 400_000
    assert pc.sum(ids).as_py() == sum(range(400_000))


# the peak of the run alone: measured by a small parent (a child forked from this test process would count
# the test's own pages, the generated rows among them)
MEASURE = (
    "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
    "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)"
)


def _peak_mb(cmd: list[str], cwd: Path) -> int:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    code, peak = out.stdout.split()
    assert code == "0", out.stderr
    return int(peak)


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_input(tmp_path: Path) -> None:
    peaks = {}
    for n in (300_000, 2_400_000):
        p = make_project(tmp_path / f"p{n}")
        write_rows(p.root / "data" / "t1" / "items.csv", n)
        cmd = [sys.executable, "-m", "dativo.compiler.cli", "run", "--plan", str(p.plan), "--job", "t1.items_hourly"]
        peaks[n] = _peak_mb(cmd + ["--run-id", "r1"], p.root)
        assert p.rows().num_rows == n
    small, large = peaks[300_000], peaks[2_400_000]
    assert large <= small * 1.2, peaks
