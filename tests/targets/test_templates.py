"""Compiled templates are a cache: a warm, corrupt or unwritable cache renders what no cache renders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dativo.targets.templates import environment


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.j2").write_text("{% for i in items %}\n{{ i }}\n{% endfor %}\ndone\n", "utf-8")
    return tmp_path / "t"


def _render(folder: Path, trim: bool) -> str:
    return environment(folder, trim_blocks=trim).get_template("x.j2").render(items=[1, 2])


def test_cached_renders_equal_fresh_ones(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = {trim: _render(folder, trim) for trim in (False, True)}
    cached = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").rglob("*.cache"))
    assert cached == ["plain", "trim"]  # one compiled form per style: trimming changes the code
    assert {trim: _render(folder, trim) for trim in (False, True)} == first
    assert first[True] == "1\n2\ndone\n" and first[False] == "\n1\n\n2\n\ndone\n"


def test_corrupt_cache_files_are_ignored(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    want = _render(folder, True)
    for path in (tmp_path / "cache").rglob("*.cache"):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])  # magic and checksum intact, code truncated
    assert _render(folder, True) == want


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes whatever the mode")
def test_unwritable_cache_only_means_compiling_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ro").mkdir(mode=0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ro"))
    assert _render(folder, True) == "1\n2\ndone\n"


def test_cache_dir_that_is_a_file_only_means_compiling_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert _render(folder, True) == "1\n2\ndone\n"
