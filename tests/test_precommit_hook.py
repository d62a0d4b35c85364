"""The published pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself in a throwaway git
repository holding a copy of the example project: a hand-edited generated file and a `git rm` of a job
that is still scheduled are both blocked (issue 15: with `files: \\.(ya?ml)$` both were committed, the
hook "Skipped")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CACHE, EXAMPLES, REPO
from ruamel.yaml import YAML
from toolenv import tool_bin, tool_venv

pytestmark = pytest.mark.slow  # builds a pre-commit venv once, then each commit runs the hook for real

DATIVO = Path(sys.executable).parent / "dativo"


def _local_hooks() -> dict:
    """This repository's hooks as published, as a `repo: local` config: every field as written, except
    that the entry runs this checkout's dativo (language `system`) instead of one pre-commit would install."""
    hooks = YAML(typ="safe", pure=True).load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    for hook in hooks:
        assert hook["entry"].startswith("dativo ")
        hook.update(language="system", entry=f"{DATIVO} {hook['entry'].removeprefix('dativo ')}")
    return {"repos": [{"repo": "local", "hooks": hooks}]}


@pytest.fixture(scope="module")
def pre_commit() -> str:
    return tool_bin(tool_venv("pre-commit", ["pre-commit==4.*"]), "pre-commit")


@pytest.fixture
def repo(tmp_path: Path, pre_commit: str) -> Path:
    root = tmp_path / "their-repo"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    with open(root / ".pre-commit-config.yaml", "w", encoding="utf-8") as fh:
        YAML().dump(_local_hooks(), fh)
    _git(root, "init", "-q", "-b", "main")
    _run(root, pre_commit, "install")
    _git(root, "add", "-A")
    first = _git(root, "commit", "-q", "-m", "the project", check=False)
    assert first.returncode == 0, first.stdout  # a clean project commits
    return root


def _env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
        "XDG_CACHE_HOME": str(CACHE),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }


def _run(root: Path, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    # git prints the hook's report on stderr: both streams, in one
    done = subprocess.run(
        argv, cwd=root, env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300
    )
    if check:
        assert done.returncode == 0, done.stdout
    return done


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return _run(root, "git", *args, check=check)


def _head(root: Path) -> str:
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def test_a_hand_edited_generated_file_is_blocked(repo: Path) -> None:
    head = _head(repo)
    dags = repo / "generated" / "airflow" / "dativo_runner_dags.py"
    dags.write_text(dags.read_text("utf-8").replace("cd -- /app", "cd -- /opt/app", 1), "utf-8")
    _git(repo, "add", "generated/airflow/dativo_runner_dags.py")
    done = _git(repo, "commit", "-m", "hand edit", check=False)
    assert done.returncode != 0 and _head(repo) == head
    assert "DTV601" in done.stdout and "dativo_runner_dags.py" in done.stdout, done.stdout


def test_deleting_a_job_that_is_still_scheduled_is_blocked(repo: Path) -> None:
    head = _head(repo)
    _git(repo, "rm", "-q", "jobs/acme/orders_csv_to_iceberg.yaml")  # the schedule orders_csv_morning runs it
    done = _git(repo, "commit", "-m", "remove a job", check=False)
    assert done.returncode != 0 and _head(repo) == head, done.stdout
    assert "dativo compile --check" in done.stdout and "Failed" in done.stdout
    assert "orders_csv_to_iceberg.yaml" in done.stdout, done.stdout


def test_a_commit_outside_the_config_still_passes_and_is_checked(repo: Path) -> None:
    (repo / "NOTES.md").write_text("notes\n")
    _git(repo, "add", "NOTES.md")
    done = _git(repo, "commit", "-m", "notes", check=False)
    assert done.returncode == 0, done.stdout
    assert "dativo compile --check" in done.stdout and "Passed" in done.stdout
