"""Where `dativo plan` extracts its base (compiler/plandiff/sides.py `scratch`): memory when there is room,
the system's temporary folder when the user names one or memory has no room."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dativo.compiler.plandiff import sides


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder standing in for /dev/shm, and no TMPDIR."""
    monkeypatch.setattr(sides, "MEMORY_DIR", str(tmp_path))
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _room(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    real = os.statvfs

    class Fs:
        f_frsize, f_bavail = 1, free

    monkeypatch.setattr(sides.os, "statvfs", lambda path: Fs() if path == sides.MEMORY_DIR else real(path))


def test_the_base_goes_to_memory_where_there_is_room(memory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _room(monkeypatch, 4 * 1000 + (64 << 20))
    assert sides.scratch(1000) == str(memory)


def test_not_without_room_for_four_times_the_archive(memory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _room(monkeypatch, 4 * 1000 + (64 << 20) - 1)
    assert sides.scratch(1000) is None


@pytest.mark.parametrize("name", ["TMPDIR", "TEMP", "TMP"])
def test_not_where_the_user_names_a_temporary_folder(memory: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, str(memory))
    assert sides.scratch(0) is None


def test_not_where_there_is_no_such_folder(memory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sides, "MEMORY_DIR", str(memory / "missing"))
    assert sides.scratch(0) is None


def test_the_checkout_is_removed_with_its_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """checkout_base's folder is made where scratch says and gone once the block ends."""
    import subprocess

    repo = tmp_path / "repo"
    (repo / "generated").mkdir(parents=True)
    (repo / "dativo.yaml").write_text("version: 1\n")
    (repo / "generated" / "plan.json").write_text("{}\n")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    who = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], [*who, "commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    place = tmp_path / "memory"
    place.mkdir()
    monkeypatch.setattr(sides, "scratch", lambda size: str(place))
    with sides.checkout_base(repo, "HEAD", skip="generated") as base:
        assert base.parent == place and (base / "dativo.yaml").read_text() == "version: 1\n"
        assert not (base / "generated").exists()  # the output folder is left out
    assert list(place.iterdir()) == []
