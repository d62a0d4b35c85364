"""Parts of a compile's tail that run beside the rest (compiler/forked.py's Side): the value is the same
whichever process computed it, and a child that fails only costs time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_cases import assemble

from dativo.compiler import forked
from dativo.compiler.pipeline import compile_project
from dativo.compiler.report.json_format import render as render_json


def test_a_side_runs_in_a_child_where_one_may_be_forked(forking: list[int]) -> None:
    assert forked.Side(os.getpid, forked.SIDE_ITEMS).result() == forking[0] != os.getpid()


def test_a_side_runs_here_where_no_child_may_be_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked.os, "fork", lambda: pytest.fail("forked in a process that may not"))
    assert forked.Side(os.getpid, forked.SIDE_ITEMS).result() == os.getpid()


def test_a_side_whose_child_raises_is_computed_here(forking: list[int]) -> None:
    parent = os.getpid()

    def work() -> str:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "here"

    assert forked.Side(work, forked.SIDE_ITEMS).result() == "here" and len(forking) == 1


def test_a_side_whose_child_dies_before_sending_is_computed_here(forking: list[int]) -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os._exit(3)  # killed, say: nothing sent
        return 42

    assert forked.Side(work, forked.SIDE_ITEMS).result() == 42 and len(forking) == 1


def test_a_side_of_few_items_runs_here(forking: list[int]) -> None:
    """Forking and sending back cost more than a check of a few jobs: it runs here, when asked for."""
    ran: list[int] = []
    side = forked.Side(lambda: ran.append(os.getpid()) or len(ran), forked.SIDE_ITEMS - 1)
    assert not ran and side.result() == 1 and ran == [os.getpid()] and not forking


def test_a_cancelled_side_stops_its_child_and_computes_nothing(forking: list[int]) -> None:
    """An error found beside drops the targets' checks (emit.emit_artifacts): their child is killed and reaped
    at once, not waited for, and nothing is computed here instead."""
    ran: list[int] = []

    def slow() -> int:
        ran.append(os.getpid())
        time.sleep(30)
        return 1

    side = forked.Side(slow, forked.SIDE_ITEMS)
    started = time.perf_counter()
    side.cancel()
    assert time.perf_counter() - started < 5 and not ran and not forked._children
    assert len(forking) == 1
    with pytest.raises(ChildProcessError):  # reaped already: no zombie left
        os.waitpid(forking[0], 0)
    side.cancel()  # twice: nothing left to stop


def test_what_a_side_raises_is_raised_here(forking: list[int]) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        forked.Side(lambda: int("x"), forked.SIDE_ITEMS).result()


def test_a_side_the_system_cannot_fork_for_is_computed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "enabled", True)
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)

    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked.os, "fork", refuse)
    assert forked.Side(os.getpid, forked.SIDE_ITEMS).result() == os.getpid()
    assert not forked._children


@pytest.mark.parametrize(
    ("case", "forks"),
    [
        # the checks that only report (pipeline.BESIDE), in one child: tenancy's and the secrets' project checks and each
        # job's capabilities, types, engines, upstream keys and destination; the plan is made meanwhile and
        # the targets' checks start on it (a second child), then an error beside drops both
        ("DTV402_two_tenants_write_one_table", 2),
        ("DTV404_recipe_file_template_of_globex", 2),
        ("DTV211_stripe_refunds", 2),
        ("DTV218_native_engine_for_stripe", 2),
        ("DTV219_decimal_without_precision", 2),
        ("DTV229_minio_target_without_bucket", 2),
        ("DTV405_password_in_connection_uri", 2),  # the secrets' project check
        ("DTV501_schedule_name_code_injection", 1),  # the schedules' check, here, finds an error: no plan
        # and the targets' checks, run beside while plan.json is made
        ("DTV545_kubernetes_image_latest", 2),
        ("DTV225_retention_days_not_enforced", 2),  # warnings only: the artifacts are made
    ],
)
def test_a_compile_reports_the_same_with_its_tail_beside(
    case: str, forks: int, forking: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = assemble(case, tmp_path / "project")
    monkeypatch.setattr(forked, "SIDE_ITEMS", 1)  # a case is a few jobs: beside anyway

    def report() -> tuple[str, bool]:
        result = compile_project(project, cwd=project)
        return render_json(result.diags), bool(result.artifacts)

    with monkeypatch.context() as alone_here:
        alone_here.setattr(forked, "enabled", False)
        alone = report()
    assert report() == alone and alone[0] != "[]\n"
    assert len(forking) == forks


def test_a_compile_is_held_until_exit_only_where_the_process_ends_with_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """forked.keep: the console script skips freeing a compile's objects on its way out; a longer-lived
    process (this one) frees them as usual."""
    held: list[object] = []
    monkeypatch.setattr(forked, "_held", held)
    root = assemble(None, tmp_path / "project")
    result = compile_project(root)
    assert held == [] and result.plan is not None
    monkeypatch.setattr(forked, "leaving", True)
    result = compile_project(root)
    assert len(held) == 1 and any(part is result for part in held[0])  # the result and its checked jobs
    monkeypatch.setattr(forked, "enabled", True)
    with forked.alone():  # `dativo plan`'s head: no child forked meanwhile, the process still ends with it
        assert not forked.enabled
        compile_project(root)
    assert len(held) == 2
