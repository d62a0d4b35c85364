"""Artifacts land inside the output dir and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from dativo.compiler.outdir import MARKER
from dativo.compiler.write import UnsafeOutput, safe_join, write_artifacts


@pytest.mark.parametrize("rel", ["/etc/passwd", "../x", "a/../../x", "", ".", "a\\..\\x", "a\x00b"])
def test_escapes_are_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UnsafeOutput):
        safe_join(tmp_path, rel)


def test_systemd_escapes_are_file_names(tmp_path: Path) -> None:
    """A schedule or tenant named with '-' becomes 'a\\x2db' in a systemd unit name (compile exited 2)."""
    assert (
        safe_join(tmp_path, "systemd/dativo-acme-a\\x2db.service")
        == tmp_path / "systemd" / "dativo-acme-a\\x2db.service"
    )
    for rel in ("\\etc\\passwd", "a\\..\\..\\x", "systemd\\..\\..\\x.service"):
        with pytest.raises(UnsafeOutput):
            safe_join(tmp_path, rel)


def test_symlinked_subdir_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere)
    with pytest.raises(UnsafeOutput):
        safe_join(out, "link/x.txt")


def test_write_is_idempotent_and_prunes(tmp_path: Path) -> None:
    out, root = tmp_path / "out", tmp_path / "proj"
    assert write_artifacts(out, {"plan.json": "{}\n", "a/b.txt": "b\n"}, root) == ([MARKER, "a/b.txt", "plan.json"], [])
    assert write_artifacts(out, {"plan.json": "{}\n", "a/b.txt": "b\n"}, root) == ([], [])
    assert write_artifacts(out, {"plan.json": "{}\n"}, root) == ([], ["a/b.txt"])
    assert not (out / "a").exists()


def test_an_unreadable_folder_in_the_output_dir_shows_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from dativo.compiler import drift, write
    from dativo.compiler.diagnostics import Diagnostics

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("1", "utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "y").write_text("2", "utf-8")
    real = os.scandir

    def scandir(path):  # root reads whatever the mode: a refusal is simulated
        if str(path).endswith("/b"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(write.os, "scandir", scandir)
    assert sorted(write.existing_files(tmp_path)) == ["a/x"]
    diags = Diagnostics()
    report = drift.check(tmp_path, "out", {"a/x": "1", "b/y": "2"}, diags)
    assert report.missing == ["b/y"] and not report.changed and [d.code for d in diags] == ["DTV602"]
