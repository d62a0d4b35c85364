"""Artifacts land inside the output dir and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from dativo.compiler.write import UnsafeOutput, safe_join, write_artifacts


@pytest.mark.parametrize("rel", ["/etc/passwd", "../x", "a/../../x", "", ".", "a\\..\\x", "a\x00b"])
def test_escapes_are_refused(tmp_path: Path, rel: str) -> None:
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
    out = tmp_path / "out"
    assert write_artifacts(out, {"plan.json": "{}\n", "a/b.txt": "b\n"}) == (["a/b.txt", "plan.json"], [])
    assert write_artifacts(out, {"plan.json": "{}\n", "a/b.txt": "b\n"}) == ([], [])
    assert write_artifacts(out, {"plan.json": "{}\n"}) == ([], ["a/b.txt"])
    assert not (out / "a").exists()
