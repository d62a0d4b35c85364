"""`dativo plan` as users run it: a real git repository (`--base HEAD~1`), `--base-dir`, exit codes,
`--out`, and byte-identical output for the same inputs and `--at`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import EXAMPLES, dativo, edit

AT = "2026-03-27T12:00:00Z"
RUNNER = "configs/runner.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def project(at: Path) -> Path:
    shutil.copytree(EXAMPLES, at, ignore=shutil.ignore_patterns("generated", "state"))
    return at


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the example project in `proj/` and two commits: the second changes a cron."""
    root = tmp_path / "repo"
    project(root / "proj")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    edit(root / "proj", RUNNER, 'cron: "30 6 * * *"', 'cron: "45 6 * * *"')
    git(root, "commit", "-qam", "later")
    return root


def test_base_from_git_history(repo: Path) -> None:
    before = git(repo, "status", "--porcelain")
    run = dativo("plan", "proj", "--base", "HEAD~1", "--format", "json", "--at", AT, cwd=repo)
    assert run.code == 0, run.err
    report = json.loads(run.out)
    (s,) = report["schedules"]
    assert s["id"] == "acme.orders_csv_morning"
    assert s["fields"]["cron"] == {"before": ["30 6 * * *"], "after": ["45 6 * * *"]}
    assert report["base"] == {"compiled": True, "diagnostics": [], "errors": 0, "ref": "HEAD~1"}
    assert git(repo, "status", "--porcelain") == before  # the work tree is never touched
    assert not (repo / "proj" / "generated").exists()  # nothing written into the project


def test_base_head_is_the_work_tree_against_a_commit(repo: Path) -> None:
    """Uncommitted edits are the head; `--base HEAD` the last commit; run from inside the project."""
    edit(repo / "proj", RUNNER, "enabled: false", "enabled: true")
    run = dativo("plan", "--base", "HEAD", "--at", AT, cwd=repo / "proj")
    assert run.code == 0, run.err
    assert "~ globex.globex_stripe_customers_nightly (changed)" in run.out
    assert "enabled: false -> true" in run.out
    assert run.out.startswith("dativo plan: HEAD -> work tree, fire times from 2026-03-27T12:00:00Z\n")


def test_base_dir(tmp_path: Path) -> None:
    base, head = project(tmp_path / "base"), project(tmp_path / "head")
    edit(head, RUNNER, "interval_seconds: 21600", "interval_seconds: 10800")
    run = dativo("plan", str(head), "--base-dir", str(base), "--format", "markdown", "--at", AT)
    assert run.code == 0, run.err
    assert "**1 schedule changed, 0 added, 0 removed, 6 unchanged;" in run.out
    assert "<code>interval_seconds</code> | <code>21600</code> | <code>10800</code>" in run.out


def test_no_change_is_one_line(tmp_path: Path) -> None:
    base, head = project(tmp_path / "base"), project(tmp_path / "head")
    run = dativo("plan", str(head), "--base-dir", str(base), "--at", AT)
    assert run.code == 0
    assert run.out.splitlines()[1] == f"No changes: the plan and every artifact are the same as at {base}."


def test_same_inputs_same_bytes_and_out_file(tmp_path: Path) -> None:
    base, head = project(tmp_path / "base"), project(tmp_path / "head")
    edit(head, RUNNER, 'cron: "30 6 * * *"', 'cron: "30 2 * * *"')
    args = ("plan", str(head), "--base-dir", str(base), "--format", "markdown", "--at", AT)
    one = dativo(*args)
    out = tmp_path / "plan.md"
    two = dativo(*args, "--out", str(out))
    assert one.code == two.code == 0
    assert two.out == "" and out.read_text("utf-8") == one.out
    assert "DST warning appears" in one.out


def test_head_that_does_not_compile_exits_1(tmp_path: Path) -> None:
    base, head = project(tmp_path / "base"), project(tmp_path / "head")
    edit(head, RUNNER, 'cron: "30 6 * * *"', 'cron: "61 6 * * *"')
    run = dativo("plan", str(head), "--base-dir", str(base), "--at", AT)
    assert run.code == 1
    assert "error DTV301" in run.out and "the head (the work tree) does not compile" in run.err


def test_base_that_does_not_compile_is_reported(tmp_path: Path) -> None:
    base, head = project(tmp_path / "base"), project(tmp_path / "head")
    edit(base, RUNNER, 'cron: "30 6 * * *"', 'cron: "61 6 * * *"')
    run = dativo("plan", str(head), "--base-dir", str(base), "--format", "json", "--at", AT)
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["base"]["compiled"] is False and "DTV301" in report["base"]["diagnostics"][0]
    assert len(report["schedules"]) == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "one of the arguments --base --base-dir is required"),
        (("--base", "HEAD", "--base-dir", "."), "not allowed with argument"),
        (("--base-dir", "missing"), "is not a directory"),
        (("--base-dir", ".", "--at", "tomorrow"), "is not an ISO 8601 instant"),
        (("--base-dir", ".", "--at", "2026-03-27T12:00:00"), "has no UTC offset"),
        (("--base", "no-such-ref"), "is not a commit of the repository"),
        (("--base=--output=x",), "is not a git revision"),
        (("--base-dir", ".", "--format", "html"), "invalid choice"),
    ],
)
def test_usage_errors_exit_2(repo: Path, args: tuple[str, ...], message: str) -> None:
    run = dativo("plan", *args, cwd=repo / "proj")
    assert run.code == 2, run
    assert message in run.err
    assert run.out == ""


def test_not_a_git_repository_exits_2(tmp_path: Path) -> None:
    head = project(tmp_path / "head")
    run = dativo("plan", str(head), "--base", "HEAD", env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert run.code == 2
    assert "git rev-parse" in run.err


def test_project_new_at_the_base_is_reported(repo: Path) -> None:
    """A project that does not exist at the base: the base does not compile, the head is shown whole."""
    project(repo / "other")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "another project")
    run = dativo("plan", "other", "--base", "HEAD~1", "--format", "json", "--at", AT, cwd=repo)
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["base"]["diagnostics"] == ["the project directory does not exist at the base"]
    assert {s["change"] for s in report["schedules"]} == {"added"}


@pytest.mark.parametrize("base", [("--base", "HEAD~1"), ("--base", "no-such-ref")])
def test_the_base_compiled_in_a_child_reports_the_same(
    repo: Path,
    base: tuple[str, ...],
    forking: list[int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """The base is compiled in a child while the head compiles here, alone (commands/plan.py); where no
    child may be forked, after the head: the same report and exit code either way. A revision that is
    not one is a usage error before anything is compiled or forked."""
    from dativo.compiler import cli, forked

    monkeypatch.chdir(repo)

    def plan() -> tuple[int, str, str]:
        code = cli.main(["plan", "proj", *base, "--format", "json", "--at", AT])
        out, err = capsys.readouterr()
        return code, out, err

    in_a_child = plan()
    good = base[1] == "HEAD~1"
    assert len(forking) == (1 if good else 0)  # the base's child only: the head forks no worker meanwhile
    with monkeypatch.context() as alone:
        alone.setattr(forked, "enabled", False)
        assert plan() == in_a_child
    assert in_a_child[0] == (0 if good else 2)
