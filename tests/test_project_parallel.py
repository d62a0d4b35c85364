"""Loading many files in a forked worker gives exactly what one process gives: same plan, same diagnostics."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLES

from dativo.compiler import project as project_module
from dativo.compiler.pipeline import compile_project
from dativo.compiler.report.json_format import render as render_json


def _big_project(tmp_path: Path, broken: bool) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("generated", "state"))
    jobs = sorted((root / "jobs" / "acme").glob("*.yaml"))
    for i in range(40):  # copies of acme's jobs, each to a table of its own
        for job in jobs:
            text = job.read_text("utf-8")
            (root / "jobs" / "acme" / f"copy{i:02d}_{job.name}").write_text(
                text.replace("target:\n", f"target:\n  table: copy{i:02d}_{job.stem}\n", 1), "utf-8"
            )
    if not broken:
        return root
    (root / "jobs" / "acme" / "broken.yaml").write_text("tenant_id: acme\nsource: [\n", "utf-8")
    (root / "jobs" / "acme" / "typo.yaml").write_text("tenant_idd: acme\n", "utf-8")
    return root


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, threshold: int) -> tuple[str, str]:
    monkeypatch.setattr(project_module, "PARALLEL_MIN_FILES", threshold)
    result = compile_project(root, targets=[], cwd=root)
    plan = result.plan.to_json() if result.plan else ""
    return render_json(result.diags.sorted()), plan


def test_parallel_load_reports_what_serial_load_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _big_project(tmp_path, broken=True)
    serial = _run(root, monkeypatch, 10**9)
    parallel = _run(root, monkeypatch, 1)
    assert '"DTV001"' in serial[0] and '"DTV101"' in serial[0]  # both broken files are reported
    assert parallel == serial


def test_parallel_load_plans_what_serial_load_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _big_project(tmp_path, broken=False)
    serial = _run(root, monkeypatch, 10**9)
    parallel = _run(root, monkeypatch, 1)
    assert serial[1].count('"tenant_id"') == 0 and len(serial[1]) > 10_000  # a real plan
    assert parallel == serial


def test_split_gives_the_parent_the_last_share_of_the_bytes(tmp_path: Path) -> None:
    sizes = [100] * 8 + [800]  # eight jobs, then a runner config as big as all of them
    rels = [f"f{i}.yaml" for i in range(len(sizes))]
    for rel, size in zip(rels, sizes):
        (tmp_path / rel).write_bytes(b"x" * size)
    split = project_module._split(tmp_path, rels)
    parent = sum(sizes[split:])
    assert parent <= project_module.PARENT_SHARE * sum(sizes) < parent + sizes[split - 1]
    assert project_module._split(tmp_path, rels[-1:]) == 1  # the worker always has something to load


def test_one_allowed_core_loads_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cpuset of one core (taskset, a container's CPU limit) on a many-core machine: a worker would only
    share the parent's core, so none is forked (os.cpu_count() counts the machine's cores, not ours)."""
    root = _big_project(tmp_path, broken=False)
    serial = _run(root, monkeypatch, 10**9)

    def no_fork(method: str) -> None:
        raise AssertionError(f"a {method} worker was started on one allowed core")

    monkeypatch.setattr(project_module.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(project_module.mp, "get_context", no_fork)
    assert _run(root, monkeypatch, 1) == serial
