"""Reading files from their descriptor (compiler/readfile.py) and what the check cache keys on
(compiler/cache.py): the same bytes and the same failures as `open().read()`, cheaper."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from dativo.compiler import cache
from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.load import MAX_FILE_BYTES, load_file
from dativo.compiler.readfile import CHUNK, open_fd, read_fd


def _read(path: Path, limit: int = sys.maxsize) -> bytes:
    fd = open_fd(path)
    try:
        return read_fd(fd, limit)
    finally:
        os.close(fd)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7])
def test_a_file_reads_whole_across_chunks(tmp_path: Path, size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    (tmp_path / "f").write_bytes(data)
    assert _read(tmp_path / "f") == data
    assert _read(tmp_path / "f", limit=CHUNK + 1) == data[: CHUNK + 1]  # bounded


def test_an_endless_file_is_read_to_the_bound_only() -> None:
    assert len(_read(Path("/dev/zero"), limit=MAX_FILE_BYTES + 1)) == MAX_FILE_BYTES + 1


def test_a_folder_fails_as_open_fails(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as want:
        open(tmp_path, "rb").read()
    with pytest.raises(OSError) as got:
        _read(tmp_path)
    assert got.value.strerror == want.value.strerror
    diags = Diagnostics()
    assert load_file(tmp_path, "jobs/x.yaml", diags) is None
    [d] = list(diags)
    assert d.code == "DTV007" and want.value.strerror in d.message


def test_an_installed_distribution_changes_the_tool_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = cache._tool_fingerprint()
    (tmp_path / "somelib-1.0.dist-info").mkdir()
    installed = cache._tool_fingerprint()
    (tmp_path / "somelib-1.0.dist-info").rename(tmp_path / "somelib-1.1.dist-info")  # an upgrade
    assert len({before, installed, cache._tool_fingerprint()}) == 3


def test_the_cache_digests_yaml_files_under_the_folders_and_enters_no_linked_folder(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "jobs" / "acme").mkdir(parents=True)
    (root / "jobs" / "acme" / "a.yaml").write_text("a: 1\n", "utf-8")
    (root / "jobs" / "b.yml").write_text("b: 1\n", "utf-8")
    (root / "jobs" / "notes.txt").write_text("x\n", "utf-8")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "c.yaml").write_text("c: 1\n", "utf-8")
    (root / "jobs" / "linked").symlink_to(root / "elsewhere")
    (root / "dativo.yaml").write_text("version: 1\n", "utf-8")
    files = cache._files(root, ["jobs", "dags"], ["dativo.yaml", "configs/runner.yaml"])
    assert sorted(files) == ["dativo.yaml", "jobs/acme/a.yaml", "jobs/b.yml"]
    assert files["jobs/b.yml"] == cache.hashlib.sha256(b"b: 1\n").hexdigest()
