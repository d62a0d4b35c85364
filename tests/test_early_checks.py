"""Jobs checked while the project loads (compiler/pipeline.py `_EarlyJobs`) give exactly what checking them
after the load gives: the same diagnostics in the same order, about the same jobs, and the same specs.
Every bad-input case, the examples and upstream's shapes are compiled both ways; the projects below make
the early checks stop (a job naming a file not loaded yet) or start over (a recipe read after them)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import EXAMPLES
from test_cases import CASE_NAMES, IS_ROOT, assemble

from dativo.compiler import pipeline
from dativo.compiler.environments import UnknownEnvironment

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream_shapes"


def _outcome(root: Path) -> tuple[list, list[str], dict]:
    """Every diagnostic in the order found with the job it concerns, the jobs in order, and their specs."""
    c = pipeline.check_project(root, cwd=root)
    return [(d.to_dict(), d.job) for d in c.diags.items], list(c.jobs), c.specs


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many jobs each check_project checked before its load finished."""
    seen: list[int] = []
    adopt = pipeline._EarlyJobs.adopt

    def counting(self: pipeline._EarlyJobs, c: pipeline.Compilation) -> pipeline.Resolver:
        seen.append(len(self.c.jobs) if self.c is not None else 0)
        return adopt(self, c)

    monkeypatch.setattr(pipeline._EarlyJobs, "adopt", counting)
    yield seen


def _both_ways(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, tuple]:
    early = _outcome(root)
    with monkeypatch.context() as m:
        m.setattr(pipeline._EarlyJobs, "check", lambda self, project, rel: None)  # every job after the load
        late = _outcome(root)
    return early, late


def test_examples_are_checked_while_they_load_with_the_same_outcome(
    monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    early, late = _both_ways(EXAMPLES, monkeypatch)
    assert early == late
    assert counted[0] == len(early[1]) > 10  # every job was checked early (their recipes and assets load first)


def test_upstream_shapes_give_the_same_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    early, late = _both_ways(UPSTREAM, monkeypatch)
    assert early == late


@pytest.mark.parametrize("case", CASE_NAMES)
def test_every_bad_case_gives_the_same_outcome(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if IS_ROOT and "permission" in case:
        pytest.skip("root reads files whatever their mode")
    root = assemble(case, tmp_path / "proj")
    try:
        early, late = _both_ways(root, monkeypatch)
    except UnknownEnvironment:
        pytest.skip("the case is about a command-line environment")
    assert early == late


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state", "generated"))
    return root


def test_a_recipe_read_after_the_early_checks_starts_them_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    """The first job names connector `ledger` (no recipe in connectors/ has that name): it resolves to
    the recipe a later job names by path outside connectors/, which loading reads after the jobs."""
    root = _project(tmp_path)
    (root / "elsewhere").mkdir()
    recipe = (root / "connectors" / "stripe.yaml").read_text("utf-8")
    (root / "elsewhere" / "ledger.yaml").write_text(recipe.replace("name: stripe", "name: ledger", 1), "utf-8")
    stripe = sorted((root / "jobs" / "acme").glob("stripe_*.yaml"))
    named = "source_connector: stripe\nsource_connector_path: /app/connectors/stripe.yaml\n"
    first = stripe[0].read_text("utf-8")
    assert named in first
    stripe[0].write_text(first.replace(named, "source_connector: ledger\n"), "utf-8")
    last = stripe[-1].read_text("utf-8")
    stripe[-1].write_text(
        last.replace(named, "source_connector: ledger\nsource_connector_path: /app/elsewhere/ledger.yaml\n"), "utf-8"
    )
    early, late = _both_ways(root, monkeypatch)
    assert early == late
    assert not [d for d, _ in early[0] if d["code"] == "DTV204"], early[0]  # `ledger` resolved by name
    assert counted[0] > 0  # some were checked early, then dropped


def test_a_job_naming_a_file_not_loaded_yet_waits_for_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    """A job names, as its asset, a job file later in its folder that fails to load: after the load
    that file is reported, and the reference to it adds no follow-on error."""
    root = _project(tmp_path)
    jobs = sorted((root / "jobs" / "acme").glob("*.yaml"))
    (root / "jobs" / "acme" / "zz_broken.yaml").write_text("tenant_id: acme\nsource: [\n", "utf-8")
    text = jobs[1].read_text("utf-8")
    head, _, tail = text.partition("asset_path:")
    jobs[1].write_text(head + "asset_path: /app/jobs/acme/zz_broken.yaml\n" + tail.split("\n", 1)[1], "utf-8")
    early, late = _both_ways(root, monkeypatch)
    assert early == late
    assert counted[0] == 1  # the first job only: the second names a file not loaded yet
