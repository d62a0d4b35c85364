"""PathResolver: container paths map into the root; `..` and symlinks out of the root are rejected."""

from __future__ import annotations

import os
from pathlib import Path

from dativo.compiler import codes
from dativo.compiler.paths import PathResolver


def _project(tmp_path: Path) -> tuple[PathResolver, Path]:
    root = tmp_path / "proj"
    (root / "jobs" / "acme").mkdir(parents=True)
    (root / "jobs" / "acme" / "a.yaml").write_text("x: 1\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("x: 1\n")
    return PathResolver(root.resolve()), outside


def test_container_and_relative_paths_map_to_the_same_file(tmp_path: Path) -> None:
    r, _ = _project(tmp_path)
    assert r.to_rel("/app/jobs/acme/a.yaml") == ("jobs/acme/a.yaml", None)
    assert r.to_rel("jobs/acme/./a.yaml") == ("jobs/acme/a.yaml", None)


def test_dotdot_out_of_the_root_is_rejected(tmp_path: Path) -> None:
    r, _ = _project(tmp_path)
    rel, problem = r.to_rel("jobs/../../outside/secret.yaml")
    assert rel is None and problem is not None and problem.code == codes.PATH_ESCAPES_ROOT


def test_symlinked_file_leading_out_is_rejected(tmp_path: Path) -> None:
    r, outside = _project(tmp_path)
    os.symlink(outside / "secret.yaml", r.root / "jobs" / "acme" / "link.yaml")
    rel, problem = r.to_rel("/app/jobs/acme/link.yaml")
    assert rel is None and problem is not None and "symlink" in problem.message


def test_symlinked_folder_leading_out_is_rejected(tmp_path: Path) -> None:
    r, outside = _project(tmp_path)
    os.symlink(outside, r.root / "jobs" / "globex")
    rel, problem = r.to_rel("jobs/globex/secret.yaml")
    assert rel is None and problem is not None and "symlink" in problem.message


def test_symlink_inside_the_root_is_fine(tmp_path: Path) -> None:
    r, _ = _project(tmp_path)
    os.symlink(r.root / "jobs" / "acme" / "a.yaml", r.root / "jobs" / "acme" / "b.yaml")
    assert r.to_rel("jobs/acme/b.yaml") == ("jobs/acme/b.yaml", None)


def test_every_spelling_of_a_container_path_maps_to_one_project_path(tmp_path: Path) -> None:
    r, _ = _project(tmp_path)
    for raw in (
        "/app//jobs/acme/a.yaml",
        "//app/jobs/acme/a.yaml",
        "/app/./jobs//acme/a.yaml",
        "file:///app/jobs/acme/a.yaml",
        "file:/app/jobs/acme/a.yaml",
        "file://localhost/app/jobs/acme/a.yaml",
    ):
        assert r.to_rel(raw) == ("jobs/acme/a.yaml", None), raw


def test_a_container_dotdot_still_escapes_the_root(tmp_path: Path) -> None:
    r, _ = _project(tmp_path)
    rel, problem = r.to_rel("/app/../etc/passwd")
    assert rel is None and problem is not None and problem.code == codes.PATH_ESCAPES_ROOT


def test_uris_that_are_not_local_files_are_rejected(tmp_path: Path) -> None:
    r, _ = _project(tmp_path)
    for raw in ("s3://lake/acme/a.csv", "file://fileserver/app/jobs/acme/a.yaml", "https://x/app/a.yaml"):
        rel, problem = r.to_rel(raw)
        assert rel is None and problem is not None and problem.code == codes.PATH_OUTSIDE_CONTAINER, raw


def test_a_folder_is_as_real_as_realpath_makes_it(tmp_path: Path) -> None:
    """The real path of a folder is built from its parent's (PathResolver._real): through a symlink out of
    the root and one back in, a relative one, a dangling one and a loop, it is what os.path.realpath gives."""
    r, outside = _project(tmp_path)
    root = r.root
    (root / "data" / "acme").mkdir(parents=True)
    (outside / "back").symlink_to(root / "data")  # out, then back in: data/acme is inside again
    (root / "out").symlink_to(outside)
    (root / "rel").symlink_to("data/acme")
    (root / "dangling").symlink_to(root / "nowhere")
    (root / "loop").symlink_to(root / "loop")
    folders = ["", "data", "data/acme", "out", "out/back", "out/back/acme", "rel", "rel/x", "dangling", "dangling/y"]
    folders += ["loop", "nowhere/z", "jobs/acme"]
    for folder in folders:
        assert r._real(folder) == os.path.realpath(root / folder), folder
    assert r.to_data("out/back/acme/orders.csv") == ("out/back/acme/orders.csv", None)  # inside, through outside
    rel, problem = r.to_data("out/secret.yaml")
    assert rel is None and problem is not None and "symlink" in problem.message


def test_a_file_the_folder_walk_saw_plain_costs_no_lstat(tmp_path: Path, monkeypatch) -> None:
    """Thousands of schedules name job files the jobs folder's walk found: no lstat each (paths.plain_file)."""
    from dativo.compiler import discover
    from dativo.compiler.diagnostics import Diagnostics

    r, _ = _project(tmp_path)
    assert discover.find_configs(r.root, "jobs", r, str, Diagnostics(), set()) == ["jobs/acme/a.yaml"]
    looked: list[str] = []
    real_islink = os.path.islink
    monkeypatch.setattr(os.path, "islink", lambda p: looked.append(str(p)) or real_islink(p))
    assert r.to_rel("/app/jobs/acme/a.yaml") == ("jobs/acme/a.yaml", None)
    assert not any(p.endswith("a.yaml") for p in looked)


def test_a_plain_file_in_a_symlinked_folder_leading_out_is_still_rejected(tmp_path: Path) -> None:
    """The walk's top folder is followed if it is a symlink: its files' real paths are still looked at."""
    from dativo.compiler import discover
    from dativo.compiler.diagnostics import Diagnostics

    r, outside = _project(tmp_path)
    os.symlink(outside, r.root / "elsewhere")
    assert discover.find_configs(r.root, "elsewhere", r, str, Diagnostics(), set()) == ["elsewhere/secret.yaml"]
    rel, problem = r.to_rel("elsewhere/secret.yaml")
    assert rel is None and problem is not None and "symlink" in problem.message
