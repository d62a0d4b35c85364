"""`compile` owns only a directory it marked, never one holding the project or an input, never `/` or a
file; concurrent compiles into one directory end in one complete output (compiler/outdir.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLES, dativo

from dativo.compiler.outdir import MARKER, MARKER_TEXT, UnsafeOutput, guard
from dativo.compiler.write import write_artifacts

HERE = Path(__file__).resolve().parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "proj"
    shutil.copytree(EXAMPLES, dst)
    return dst


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_copied_plan_does_not_make_the_project_an_output_dir(project: Path) -> None:
    shutil.copy(project / "generated" / "plan.json", project / "plan.json")
    before = _tree(project)
    r = dativo("compile", ".", "--out", ".", cwd=project)
    assert r.code == 2 and "holds the project root" in r.err, r.err
    assert _tree(project) == before


def test_terraform_plan_json_does_not_make_a_dir_dativo_s(project: Path) -> None:
    infra = project / "infra"
    infra.mkdir()
    (infra / "plan.json").write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.6.0"}))
    (infra / "main.tf").write_text('resource "null_resource" "x" {}\n')
    (infra / "terraform.tfstate").write_text("{}\n")
    before = _tree(infra)
    r = dativo("compile", ".", "--out", "infra", cwd=project)
    assert r.code == 2 and f"holds no {MARKER}" in r.err, r.err
    assert _tree(infra) == before


def test_a_dativo_plan_copied_into_a_data_folder_does_not_make_it_dativo_s(project: Path) -> None:
    shutil.copy(project / "generated" / "plan.json", project / "data" / "plan.json")
    before = _tree(project / "data")
    r = dativo("compile", ".", "--out", "data", cwd=project)
    assert r.code == 2 and f"no {MARKER} file, and files compile does not write (acme/orders.csv" in r.err, r.err
    assert _tree(project / "data") == before


@pytest.mark.parametrize(
    "out, message",
    [
        ("/", "is the file system root"),
        ("jobs", "overlaps the project input 'jobs'"),
        ("jobs/generated", "overlaps the project input 'jobs'"),
        ("state", "overlaps the project input 'state'"),  # deploy.state_dir /app/state, as a container path
        ("dativo.yaml", "is a file, not a directory"),
        ("dativo.yaml/sub", "which is a file, not a directory"),
        ("..", "holds the project root"),
    ],
)
@pytest.mark.parametrize("check", [False, True])
def test_impossible_output_dirs_are_usage_errors(project: Path, out: str, message: str, check: bool) -> None:
    before = _tree(project)
    r = dativo("compile", ".", "--out", out, *(["--check"] if check else []), cwd=project)
    assert r.code == 2 and message in r.err and "internal error" not in r.err, r.err
    assert _tree(project) == before


def test_a_symlink_to_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(project)
    r = dativo("compile", ".", "--out", str(tmp_path / "link"), cwd=project)
    assert r.code == 2 and "holds the project root" in r.err, r.err


def test_output_written_before_the_marker_is_stale_then_adopted(project: Path) -> None:
    """Decision: a marker-less dir whose plan.json is a dativo plan and whose every file compile writes
    now (output of a dativo before the marker) is reported stale by --check (DTV602 for the marker),
    and compile adopts it: it writes the marker and removes nothing."""
    (project / "generated" / MARKER).unlink()
    r = dativo("compile", ".", "--check", "--no-cache", cwd=project)
    assert r.code == 1 and f"error DTV602: generated artifact {MARKER} is missing" in r.out, r.out
    r = dativo("compile", ".", cwd=project)
    assert r.code == 0 and "(1 written, 0 removed)" in r.err, r.err
    assert (project / "generated" / MARKER).read_text() == MARKER_TEXT
    assert dativo("compile", ".", "--check", "--no-cache", cwd=project).code == 0


def test_a_marker_less_dativo_output_with_foreign_files_is_refused(project: Path) -> None:
    (project / "generated" / MARKER).unlink()
    (project / "generated" / "notes.md").write_text("mine\n")
    r = dativo("compile", ".", cwd=project)
    assert r.code == 2 and f"no {MARKER} file, and files compile does not write (notes.md)" in r.err, r.err
    assert (project / "generated" / "notes.md").read_text() == "mine\n"


def test_a_marker_is_recognised_by_its_content_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("someone else's file\n")
    (out / "x").write_text("keep\n")
    with pytest.raises(UnsafeOutput, match="holds no"):
        write_artifacts(out, {"plan.json": "{}\n"}, tmp_path / "proj")
    assert (out / "x").read_text() == "keep\n"


def test_guard_looks_at_paths_only(tmp_path: Path) -> None:
    """`/` is refused before anything is listed (it used to walk the whole file system first)."""
    with pytest.raises(UnsafeOutput, match="file system root"):
        guard(Path("/"), tmp_path, [])
    assert guard(tmp_path / "new" / "out", tmp_path / "proj", ["jobs"]) == (tmp_path / "new" / "out").resolve()


def test_a_write_failure_is_an_unsafe_output_not_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unwritable or full output dir (simulated: root writes everywhere) is an environment error
    the CLI reports with exit 2, not a traceback."""
    from dativo.compiler import write

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(write.tempfile, "mkstemp", refuse)
    with pytest.raises(UnsafeOutput, match="cannot write the output dir .*Permission denied"):
        write_artifacts(tmp_path / "out", {"plan.json": "{}\n"}, tmp_path / "proj")


_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from dativo.compiler.write import write_artifacts
from test_outdir import _artifacts
write_artifacts(Path(sys.argv[1]), _artifacts(sys.argv[3]), Path(sys.argv[2]))
"""


def _artifacts(version: str) -> dict[str, str]:
    """One compile's output: every file's content and one folder name differ per version."""
    arts = {f"d{i % 20}/f{i}.txt": f"{version}:{i}\n" for i in range(300)}
    arts[f"only{version}/x.txt"] = "x\n"
    arts["plan.json"] = "{}\n"
    return arts


def test_concurrent_writers_into_one_dir_end_in_one_complete_output(tmp_path: Path) -> None:
    """Real processes, bounded rounds, no timing: four writers of four different outputs into one dir
    all exit 0, and the dir then holds exactly one writer's output and the marker. Without the lock
    they removed each other's files and temporary files (an internal error) or left a mix."""
    wants = [
        {rel: text.encode() for rel, text in (_artifacts(str(v)) | {MARKER: MARKER_TEXT}).items()} for v in range(4)
    ]
    for round_ in range(5):
        out = tmp_path / f"out{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER, str(out), str(tmp_path / "proj"), str(v), str(HERE)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for v in range(4)
        ]
        results = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
        assert all(code == 0 for _, code in results), results
        assert _tree(out) in wants


@pytest.mark.slow  # three real compiles per round; the writer test above is the fast proof
def test_concurrent_compiles_into_one_dir(project: Path) -> None:
    shutil.rmtree(project / "generated")
    for round_ in range(3):
        out = project / f"gen{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "dativo.compiler.cli", "compile", ".", "--out", out.name],
                cwd=project,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        errs = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
        assert all(code == 0 for _, code in errs), errs
        assert dativo("compile", ".", "--out", out.name, "--check", "--no-cache", cwd=project).code == 0
