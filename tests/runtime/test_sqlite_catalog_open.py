"""Runs that open a new embedded (SQLite) catalog at the same moment: each gets the catalog, none fails
because another created its tables first."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyiceberg.catalog.sql  # noqa: F401  (imported before the fork, so the runs meet at the catalog)

from dativo.runtime import sink

RUNS = 8


def _open(barrier: Any, uri: str, warehouse: str, out: Any) -> None:
    spec: Any = SimpleNamespace(target=SimpleNamespace(catalog=None))
    barrier.wait()
    try:
        sink.load(spec, {"type": "sql", "uri": uri, "warehouse": warehouse}).list_namespaces()
        out.put("ok")
    except Exception as e:  # the failure this test is about: report it, do not hang the parent
        out.put(f"{type(e).__name__}: {e}")


def test_runs_opening_a_new_sqlite_catalog_at_once_all_get_it(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    for attempt in range(4):  # a fresh catalog each time: the race is on creating its tables
        db = tmp_path / f"catalog{attempt}" / "t.db"
        barrier, out = ctx.Barrier(RUNS), ctx.Queue()
        procs = [
            ctx.Process(target=_open, args=(barrier, f"sqlite:///{db}", f"file://{tmp_path}/wh", out))
            for _ in range(RUNS)
        ]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert results == ["ok"] * RUNS, results
