"""Checking the jobs on two cores (compiler/jobsplit.py) gives exactly what one process gives: the same
diagnostics in the same order, the same job units and plan; a child that dies costs time only."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_prefetch import _big_project

from dativo.compiler import forked, jobsplit
from dativo.compiler.pipeline import check_project, compile_project
from dativo.compiler.report.json_format import render as render_json


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(forked, "enabled", True)
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(jobsplit, "MIN_JOBS", 10)
    yield
    for _ in range(100):
        forked.reap()
        if not forked._children:
            break
        time.sleep(0.05)
    assert not forked._children


def _run(root: Path) -> tuple[str, str, list[str]]:
    result = compile_project(root, targets=[], cwd=root)
    plan = result.plan.to_json() if result.plan else ""
    return render_json(result.diags.items), plan, [d.job or "" for d in result.diags.items]


def _serial(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, list[str]]:
    with monkeypatch.context() as m:
        m.setattr(forked, "enabled", False)
        return _run(root)


def test_split_checks_report_and_plan_what_serial_checks_do(
    tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _big_project(tmp_path, broken=True)
    (root / "jobs" / "acme" / "zz_bad_asset.yaml").write_text(
        (root / "jobs" / "acme" / "copy00_hubspot_contacts_to_iceberg.yaml")
        .read_text("utf-8")
        .replace("asset_path: /app/assets/hubspot/v1.0/contacts.yaml", "asset_path: /app/assets/nope.yaml"),
        "utf-8",
    )
    serial = _serial(root, monkeypatch)
    assert "jobs/acme/zz_bad_asset.yaml" in serial[2]  # a resolving finding, attributed to its job
    assert _run(root) == serial


def test_split_units_are_the_parents_objects(tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the child made comes back referencing the parent's own project objects, not copies."""
    root = _big_project(tmp_path, broken=False)
    forks: list[object] = []
    real_fork = forked.fork
    monkeypatch.setattr(forked, "fork", lambda work: forks.append(work) or real_fork(work))
    c = check_project(root, cwd=root)
    assert len(forks) == 1  # the first jobs were checked in a child
    first = next(iter(c.jobs))
    unit = c.jobs[first]
    assert list(c.jobs) == list(c.project.jobs)  # job order kept
    assert unit.rj.job is c.project.jobs[first]
    assert unit.rj.source is not None and unit.rj.source.recipe is c.project.recipes[unit.rj.source.recipe.rel]
    assert unit.spec is not None and unit.spec.asset is c.memo.assets[unit.rj.asset.loaded.rel]


def test_a_child_that_dies_costs_time_only(tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _big_project(tmp_path, broken=True)
    serial = _serial(root, monkeypatch)
    real_fork = forked.fork

    def fork_and_kill(work):  # the child is killed at once: nothing is sent
        fd = real_fork(work)
        os.kill(forked._children[-1], signal.SIGKILL)
        return fd

    monkeypatch.setattr(forked, "fork", fork_and_kill)
    assert _run(root) == serial
