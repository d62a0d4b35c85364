"""Discovery and loading: every filesystem refusal is a diagnostic (never an internal error, never a
silently missing file), and nothing from outside the project is read.

Root reads whatever the mode, so refusals are simulated where the compiler meets them (os.scandir,
os.stat), as a user without the permission sees them; the CHMOD cases of test_cases.py check the
real thing when the suite runs as another user."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from test_cases import BAD, assemble, run_in_process

from dativo.compiler import codes, discover
from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.pipeline import compile_project


def _refuse(monkeypatch: pytest.MonkeyPatch, under: Path) -> None:
    """os.scandir and os.stat fail with EACCES at and under `under`, as for a folder of mode 000."""
    real_scandir, real_stat = os.scandir, os.stat

    def refused(path: object) -> bool:
        p = str(path)
        return p == str(under) or p.startswith(str(under) + os.sep)

    def scandir(path: object):  # type: ignore[no-untyped-def]
        if refused(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    def stat(path: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if refused(path) and str(path) != str(under):  # the folder itself can be stat'ed, not what is in it
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(discover.os, "scandir", scandir)
    monkeypatch.setattr(discover.os, "stat", stat)


def test_an_unreadable_tenant_folder_is_dtv007_as_in_its_chmod_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path.glob skipped the folder without a word (its jobs vanished from the plan); the report is the
    golden of DTV007_tenant_folder_permission_denied, which runs for real when not root."""
    case = "DTV007_tenant_folder_permission_denied"
    project = assemble(None, tmp_path / "project")
    _refuse(monkeypatch, project / "jobs" / "globex")
    run = run_in_process(project)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout == (BAD / case / "expected.txt").read_text("utf-8")


def test_a_file_discovery_cannot_stat_is_dtv007(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Path.is_file raised PermissionError (an internal error) on a file it could not stat."""
    project = assemble(None, tmp_path / "project")
    real = os.scandir

    class Entry:
        def __init__(self, entry: os.DirEntry) -> None:
            self._e, self.name, self.path = entry, entry.name, entry.path

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            if self.name == "events_csv.yaml" and name in ("is_dir", "is_file", "is_symlink"):

                def refuse(*args: object, **kwargs: object) -> bool:
                    raise PermissionError(errno.EACCES, "Permission denied", self.path)

                return refuse
            return getattr(self._e, name)

    class Scan:
        def __init__(self, path: object) -> None:
            self._it = real(path)  # type: ignore[arg-type]

        def __enter__(self):  # type: ignore[no-untyped-def]
            return (Entry(e) for e in self._it)

        def __exit__(self, *exc: object) -> None:
            self._it.close()

    monkeypatch.setattr(discover.os, "scandir", Scan)
    result = compile_project(project, emit=False, cwd=project)
    errors = [(d.code, d.span.file, d.message) for d in result.diags.errors]
    assert errors == [(codes.UNREADABLE, "jobs/globex/events_csv.yaml", "cannot read file: Permission denied")]


def test_a_config_path_that_cannot_be_stated_is_dtv007(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = assemble(None, tmp_path / "project")
    _refuse(monkeypatch, project / "configs")
    result = compile_project(project, emit=False, cwd=project)
    assert [(d.code, d.span.file, d.message) for d in result.diags.errors] == [
        (codes.UNREADABLE, "configs/runner.yaml", "cannot read file: Permission denied")
    ]


def test_a_pipe_named_like_a_config_is_dtv007_and_never_read(tmp_path: Path) -> None:
    project = assemble(None, tmp_path / "project")
    os.mkfifo(project / "jobs" / "acme" / "pipe.yaml")  # reading it would block for ever
    result = compile_project(project, emit=False, cwd=project)
    assert [(d.code, d.span.file) for d in result.diags.errors] == [(codes.UNREADABLE, "jobs/acme/pipe.yaml")]


def test_symlinks_inside_the_project_are_read_and_from_outside_refused(tmp_path: Path) -> None:
    project = assemble(None, tmp_path / "project")
    (project / "jobs" / "acme" / "same.yaml").symlink_to("stripe_customers.yaml")
    (tmp_path / "outside.yaml").write_text("tenant_id: acme\n", "utf-8")
    (project / "jobs" / "acme" / "foreign.yaml").symlink_to(tmp_path / "outside.yaml")
    (project / "jobs" / "acme" / "dangling.yaml").symlink_to("gone.yaml")
    (project / "jobs" / "acme" / ".#stripe_customers.yaml").symlink_to("me@host.1234:1700000000")  # an emacs lock
    result = compile_project(project, emit=False, cwd=project)
    assert "jobs/acme/same.yaml" in result.project.jobs and "jobs/acme/foreign.yaml" not in result.project.jobs
    assert sorted((d.code, d.span.file) for d in result.diags.errors) == [
        (codes.UNREADABLE, "jobs/acme/dangling.yaml"),
        (codes.PATH_ESCAPES_ROOT, "jobs/acme/foreign.yaml"),
    ]


def test_find_configs_lists_yaml_files_sorted_and_skips_the_rest(tmp_path: Path) -> None:
    from dativo.compiler.paths import PathResolver

    for rel in ("b/x.yml", "a/y.yaml", "a/z.txt", "c.yaml/w.yaml", "top.yaml"):
        (tmp_path / "jobs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "jobs" / rel).write_text("a: 1\n", "utf-8")
    diags, reported = Diagnostics(), set()
    found = discover.find_configs(tmp_path, "jobs", PathResolver(tmp_path.resolve()), str, diags, reported)
    assert found == ["jobs/a/y.yaml", "jobs/b/x.yml", "jobs/c.yaml/w.yaml", "jobs/top.yaml"]
    assert list(diags) == [] and reported == set()


@pytest.mark.parametrize(
    "out, plan_path, written",
    [
        ("generated", "/app/generated/plan.json", "generated"),
        ("/app/build/out/", "/app/build/out/plan.json", "build/out"),  # a container path: was /app/app/build/out
        ("./build/../gen", "/app/gen/plan.json", "gen"),
    ],
)
def test_paths_out_in_the_project_is_project_relative(tmp_path: Path, out: str, plan_path: str, written: str) -> None:
    project = assemble(None, tmp_path / "project")
    (project / "dativo.yaml").write_text(
        (project / "dativo.yaml").read_text("utf-8") + f"paths:\n  out: {out}\n", "utf-8"
    )
    result = compile_project(project, emit=False, cwd=project)
    assert not result.diags.has_errors() and result.plan is not None
    assert (result.plan.deployment.plan_path, result.project.settings.paths.out) == (plan_path, written)


def test_paths_out_outside_the_project_needs_deploy_plan_path(tmp_path: Path) -> None:
    """Outside the project the default plan path named /app/<the compiling machine's path>/plan.json;
    with deploy.plan_path set, the output dir may be anywhere (it is written, never read)."""
    project = assemble(None, tmp_path / "project")
    outside = tmp_path / "out"
    text = (project / "dativo.yaml").read_text("utf-8") + f"paths:\n  out: {outside}\n"
    (project / "dativo.yaml").write_text(text, "utf-8")
    result = compile_project(project, emit=False, cwd=project)
    assert [d.code for d in result.diags.errors] == [codes.PATH_OUTSIDE_CONTAINER]
    (project / "dativo.yaml").write_text(text + "deploy:\n  plan_path: /srv/plans/plan.json\n", "utf-8")
    result = compile_project(project, emit=False, cwd=project)
    assert not result.diags.has_errors() and result.plan is not None
    assert (
        result.plan.deployment.plan_path == "/srv/plans/plan.json"
        and str(tmp_path) not in result.plan.model_dump_json()
    )


@pytest.mark.parametrize("rel", ["dativo.yaml", "registry/connectors.yaml"])
def test_a_fixed_config_symlinked_from_outside_is_dtv202(tmp_path: Path, rel: str) -> None:
    project = assemble(None, tmp_path / "project")
    source = (
        project / "dativo.yaml"
        if rel == "dativo.yaml"
        else Path(discover.__file__).parent.parent / "registry" / "connectors.yaml"
    )
    (tmp_path / "outside.yaml").write_bytes(source.read_bytes())
    (project / rel).parent.mkdir(parents=True, exist_ok=True)
    (project / rel).unlink(missing_ok=True)
    (project / rel).symlink_to(tmp_path / "outside.yaml")
    result = compile_project(project, emit=False, cwd=project)
    assert [(d.code, d.span.file) for d in result.diags.errors][:1] == [(codes.PATH_ESCAPES_ROOT, rel)]


def test_finding_the_root_past_a_folder_it_may_not_search_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path.exists raised PermissionError on a marker in a folder the user may not search."""
    from dativo.compiler import paths
    from dativo.compiler.commands.common import project_root

    start = tmp_path / "a" / "b"
    start.mkdir(parents=True)
    (tmp_path / "a" / "jobs").mkdir()
    real = os.stat

    def stat(path: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if "configs" in str(path) or str(path).endswith("dativo.yaml"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(paths.os, "stat", stat)
    assert paths.find_root(start) == (tmp_path / "a").resolve()
    assert project_root(str(start)) == (tmp_path / "a").resolve()
