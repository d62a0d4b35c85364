"""Acceptance corpus for bad input: tests/cases/base (a valid project) and tests/cases/bad/<case>.

Each bad case is an overlay on the base project: its files replace or add files of
the base at the same relative path, and an optional `_delete.txt` lists base files
to remove (one relative path per line, `#` comments allowed). `expected.txt` is the
exact `dativo validate --format text` output, run from inside the assembled project.
The case name starts with the code it demonstrates (`DTV301_cron_minute_out_of_range`).

Files that cannot live in git as text (invalid UTF-8, NUL bytes, an oversized file)
are written by this module (`GENERATED`), and a permission-denied file is made by
`chmod 000` (`CHMOD`, skipped as root, who can read everything), as are configs that are
folders (`FOLDERS`) and symlinks to files outside the project (`OUTSIDE_LINKS`).

The text report (the golden) comes from `python -m dativo.compiler.cli validate .` in a
subprocess per case, the cases running in parallel; the JSON report, checked against the
text, from the same CLI entry point inside the test process (it halves the run time).

Regenerate the goldens with `pytest tests/test_cases.py --force-regen`; the cases in
`XFAIL` hold hand-written goldens (what the compiler should print) and are never
regenerated.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.load import MAX_FILE_BYTES, load_file

CASES = Path(__file__).parent / "cases"
BASE = CASES / "base"
BAD = CASES / "bad"
META_FILES = {"expected.txt", "_delete.txt"}
CASE_NAMES = sorted(p.name for p in BAD.iterdir() if p.is_dir()) if BAD.is_dir() else []
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _knot_dag(n: int) -> bytes:
    """n tasks, each depending on all earlier ones, and the first on the last: about 2**(n-2) cycles."""
    tasks = [
        f"  - id: t{i}\n    job: jobs/acme/stripe_customers.yaml\n    depends_on: [{', '.join(f't{j}' for j in range(i))}]\n"
        for i in range(n)
    ]
    tasks[0] = tasks[0].replace("depends_on: []", f"depends_on: [t{n - 1}]")
    return ("name: acme_knot\ntenant_id: acme\ntasks:\n" + "".join(tasks)).encode()


#: case -> {relative path: bytes} written after the overlay (binary content kept out of git, or large)
GENERATED: dict[str, dict[str, bytes]] = {
    "DTV006_job_not_utf8": {
        "jobs/acme/latin1.yaml": "tenant_id: acme\nenvironment: 'caf\u00e9'\n".encode("latin-1"),
    },
    "DTV006_job_with_nul_bytes": {
        "jobs/acme/nul.yaml": b"tenant_id: acme\n\x00\x00\x00\x00source_connector: stripe\n",
    },
    "DTV007_file_too_large": {
        "jobs/acme/huge.yaml": b"tenant_id: acme\n" + b"#" * MAX_FILE_BYTES,
    },
    # 28 KB and 80 KB files that crashed the compiler (exit 139): libyaml's composer recursed in C
    "DTV003_flow_sequences_nested_28000_deep": {
        "jobs/acme/deep.yaml": b"tenant_id: acme\nsource: " + b"[" * 28000 + b"\n"
    },
    # Python reads at most 4300 digits into an int: int() raised ValueError, an internal error
    "DTV238_integer_of_5000_digits": {
        "jobs/acme/stripe_customers.yaml": (BASE / "jobs/acme/stripe_customers.yaml")
        .read_bytes()
        .replace(b"lookback_days: 1", b"lookback_days: 1" + b"0" * 4999),
    },
    # listing every elementary cycle before keeping 10 did not finish
    "DTV407_dag_cycle_among_200_tasks_each_depending_on_all_earlier": {"dags/acme_knot.yaml": _knot_dag(200)},
    "DTV003_block_sequences_nested_40000_deep": {"jobs/acme/deep.yaml": b"- " * 40000 + b"\n"},
}

#: case -> relative path made unreadable (chmod 000) after assembly
CHMOD: dict[str, str] = {
    "DTV007_job_permission_denied": "jobs/acme/private.yaml",
    "DTV007_tenant_folder_permission_denied": "jobs/globex",
}

#: case -> relative paths replaced by an empty folder after assembly (configs that are folders)
FOLDERS: dict[str, list[str]] = {
    "DTV007_runner_config_is_a_folder": ["configs/runner.yaml"],
    "DTV007_dativo_yaml_is_a_folder": ["dativo.yaml"],
}

#: case -> (relative path of a symlink, base file copied outside the project for it to point at)
OUTSIDE_LINKS: dict[str, tuple[str, str]] = {
    "DTV202_job_symlinked_from_outside_the_project": ("jobs/acme/foreign.yaml", "jobs/acme/stripe_customers.yaml"),
}

#: case -> literal secret values that must never be printed (stdout or stderr, any format)
SECRETS: dict[str, list[str]] = {
    "DTV405_password_in_job_connection": ["hunter2"],
    "DTV405_api_key_in_recipe": ["sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    "DTV405_password_in_connection_uri": ["hunter2"],
}

# Suspected compiler bugs: the case's expected.txt holds what the compiler should print.
XFAIL: dict[tuple[str, str], str] = {}

_TEXT_LINE = re.compile(r"^(?P<file>.*):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning) (?P<code>DTV\d{3}): ")


# ------------------------------------------------------------------------------ assembly and runs


def assemble(case: str | None, dest: Path) -> Path:
    """Copy the base project to `dest`, overlay the case, delete its `_delete.txt` files."""
    shutil.copytree(BASE, dest)
    if case is None:
        return dest
    case_dir = BAD / case
    for src in sorted(case_dir.rglob("*")):
        rel = src.relative_to(case_dir)
        if src.is_dir() or rel.as_posix() in META_FILES:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    delete = case_dir / "_delete.txt"
    if delete.is_file():
        for line in delete.read_text("utf-8").splitlines():
            rel = line.split("#", 1)[0].strip()
            if rel:
                victim = dest / rel
                assert victim.exists(), f"{case}/_delete.txt: {rel} is not a file of the base project"
                shutil.rmtree(victim) if victim.is_dir() else victim.unlink()
    for rel, data in GENERATED.get(case, {}).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for rel in FOLDERS.get(case, []):
        (dest / rel).unlink()
        (dest / rel).mkdir()
    if case in OUTSIDE_LINKS:
        link, source = OUTSIDE_LINKS[case]
        outside = dest.parent / "outside" / Path(link).name
        outside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BASE / source, outside)
        (dest / link).symlink_to(outside)
    if case in CHMOD:
        (dest / CHMOD[case]).chmod(0)
    return dest


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_cli(project: Path, *args: str) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "DATIVO_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-m", "dativo.compiler.cli", "validate", ".", *args],
        cwd=project,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        timeout=60,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class CaseResult:
    case: str
    project: Path
    text: Run
    json: Run


def run_in_process(project: Path, *args: str) -> Run:
    """`dativo validate . ARGS` inside this interpreter (main thread only: it changes the cwd)."""
    from dativo.compiler import cli

    out, err, cwd = io.StringIO(), io.StringIO(), os.getcwd()
    debug = os.environ.pop("DATIVO_DEBUG", None)
    os.chdir(project)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(["validate", ".", *args])
            except SystemExit as e:  # argparse usage errors
                code = e.code if isinstance(e.code, int) else 2
            except Exception:  # what the CLI would print as an internal error
                traceback.print_exc()
                code = -1
    finally:
        os.chdir(cwd)
        if debug is not None:
            os.environ["DATIVO_DEBUG"] = debug
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """case -> CaseResult. The text report, the golden, comes from a subprocess per case (run in
    parallel); the JSON report from the same CLI in this interpreter, which halves the run time."""
    root = tmp_path_factory.mktemp("cases")
    selected = sorted(
        {
            item.callspec.params["case"]
            for item in request.session.items
            if getattr(item, "callspec", None)
            and "case" in item.callspec.params
            and item.module is request.module
            and item.callspec.params["case"] in CASE_NAMES
        }
    )

    def text_run(case: str) -> tuple[Path, Run]:
        project = assemble(case, root / case / "project")
        return project, run_cli(project)

    done: dict[str, CaseResult] = {}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        futures = {case: pool.submit(text_run, case) for case in selected}

        def get(case: str) -> CaseResult:
            if case not in done:
                if case not in futures:
                    futures[case] = pool.submit(text_run, case)
                project, text = futures[case].result()
                done[case] = CaseResult(case, project, text, run_in_process(project, "--format", "json"))
            return done[case]

        yield get
    for case in CHMOD:  # let pytest clean up the tmp dirs
        path = root / case / "project" / CHMOD[case]
        if path.exists():
            path.chmod(0o755 if path.is_dir() else 0o644)


def _params(check: str) -> list:
    out = []
    for case in CASE_NAMES:
        marks = []
        if (case, check) in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case, check]))
        if case in CHMOD and IS_ROOT:
            marks.append(pytest.mark.skip(reason="root reads files whatever their mode; see the DTV007 unit tests"))
        out.append(pytest.param(case, marks=marks, id=case))
    return out


def case_code(case: str) -> str:
    return case.split("_", 1)[0]


def parse_text(out: str) -> list[tuple]:
    """(code, severity, file, line, col, message, hint) of every diagnostic of a text report."""
    items: list[list] = []
    for line in out.splitlines():
        m = _TEXT_LINE.match(line)
        if m:
            items.append([m["code"], m["sev"], m["file"], int(m["line"]), int(m["col"]), line[m.end() :], None])
        elif line.startswith("  hint: ") and items and items[-1][6] is None:
            items[-1][6] = line[len("  hint: ") :]
    return [tuple(i) for i in items]


# ------------------------------------------------------------------------------ the base project


def test_base_project_is_clean(tmp_path: Path) -> None:
    project = assemble(None, tmp_path / "project")
    text = run_cli(project)
    js = run_cli(project, "--format", "json")
    # nothing at all, so that each golden holds its own case's diagnostics only (every golden repeated the
    # base's two DTV218 warnings, from engines of its stripe and postgres recipes the runtime does not run)
    assert text.returncode == 0 and text.stdout == "", text.stdout + text.stderr
    assert js.returncode == 0 and json.loads(js.stdout) == []
    assert "Traceback" not in text.stderr + js.stderr


# ------------------------------------------------------------------------------ the bad cases


@pytest.mark.parametrize("case", _params("text"))
def test_case_output(case: str, results, file_regression) -> None:
    res = results(case)
    expected = BAD / case / "expected.txt"
    if any(c == case for c, _ in XFAIL):  # hand-written golden: compare, never regenerate
        assert expected.is_file(), f"{expected} is missing"
        assert res.text.stdout == expected.read_text("utf-8")
        return
    file_regression.check(res.text.stdout, fullpath=expected, encoding="utf-8", newline="\n")


@pytest.mark.parametrize("case", _params("exit"))
def test_case_exit_code_and_no_traceback(case: str, results) -> None:
    res = results(case)
    expected = (BAD / case / "expected.txt").read_text("utf-8")
    has_error = any(m["sev"] == "error" for m in map(_TEXT_LINE.match, expected.splitlines()) if m)
    for run in (res.text, res.json):
        assert "Traceback" not in run.stdout + run.stderr
        assert "internal error" not in run.stderr
        assert run.returncode == (1 if has_error else 0), run.stdout + run.stderr
    assert re.search(rf" (error|warning) {case_code(case)}: ", res.text.stdout), res.text.stdout


@pytest.mark.parametrize("case", _params("json"))
def test_case_json_matches_text(case: str, results) -> None:
    res = results(case)
    items = json.loads(res.json.stdout)
    text = parse_text(res.text.stdout)
    assert {(d["code"], d["file"], d["line"], d["col"]) for d in items} == {t[0:1] + t[2:5] for t in text}
    # the same diagnostics in the same order, not just the same positions
    assert [(d["code"], d["severity"], d["file"], d["line"], d["col"], d["message"], d["hint"]) for d in items] == text


def test_every_load_schema_resolve_schedule_tenancy_code_has_a_case() -> None:
    wanted = {c for c in codes.REGISTRY if "DTV000" <= c < "DTV500"}
    covered = {case_code(c) for c in CASE_NAMES}
    assert wanted - covered == set()
    assert covered - set(codes.REGISTRY) == set(), "case names must start with a registered code"


def test_case_folders_are_well_formed() -> None:
    assert CASE_NAMES
    for case in CASE_NAMES:
        assert re.fullmatch(r"DTV\d{3}_[a-z0-9_]+", case), case
        assert (BAD / case / "expected.txt").is_file(), f"{case}: expected.txt is missing"
    for case in [*GENERATED, *CHMOD, *FOLDERS, *OUTSIDE_LINKS, *SECRETS, *(c for c, _ in XFAIL)]:
        assert case in CASE_NAMES, f"{case} is configured in test_cases.py but has no folder"


# ------------------------------------------------------------------------------ case-specific checks


@pytest.mark.parametrize("case", sorted(SECRETS))
def test_secret_values_are_never_printed(case: str, results) -> None:
    res = results(case)
    for run in (res.text, res.json):
        for secret in SECRETS[case]:
            assert secret not in run.stdout and secret not in run.stderr


def test_alias_bomb_is_refused_before_any_expansion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails fast in bounded work, counted rather than timed: the guard walks each node once (aliases
    are sized, not followed) and the value builder, which would expand them, never runs on the bomb."""
    from dativo.compiler import load
    from dativo.compiler.pipeline import compile_project

    project = assemble("DTV003_billion_laughs_job", tmp_path / "project")
    built: list[str] = []
    real_build = load._Builder.build

    def counting_build(self, node, path, depth=0):  # type: ignore[no-untyped-def]
        if depth == 0:
            built.append(self.file)
        return real_build(self, node, path, depth)

    monkeypatch.setattr(load._Builder, "build", counting_build)
    result = compile_project(project, emit=False, cwd=project)
    assert [d.code for d in result.diags.errors] == [codes.ALIAS_BOMB]
    bomb = result.diags.errors[0].span.file
    assert bomb not in built and len(built) > 5  # every other file was built; the bomb was not


@pytest.mark.parametrize("case", [c for c in CASE_NAMES if c.startswith(codes.DST_TRANSITION)])
def test_dst_warning_fails_only_with_strict(case: str, results) -> None:
    res = results(case)
    assert res.text.returncode == 0
    strict = run_cli(res.project, "--strict")
    assert strict.returncode == 1
    assert strict.stdout == res.text.stdout  # --strict changes the exit code, not the report
    assert strict.stderr == "dativo validate: failed: --strict treats the 1 warning as errors\n"  # and says why


# ------------------------------------------------------------------------------ DTV007 as a unit


def test_unreadable_directory_path_is_dtv007(tmp_path: Path) -> None:
    (tmp_path / "jobs.yaml").mkdir()
    diags = Diagnostics()
    assert load_file(tmp_path / "jobs.yaml", "jobs.yaml", diags) is None
    assert [(d.code, d.span.file, d.span.line, d.span.col) for d in diags] == [(codes.UNREADABLE, "jobs.yaml", 1, 1)]
    assert list(diags)[0].message.startswith("cannot read file: ")


def test_missing_path_is_dtv007(tmp_path: Path) -> None:
    diags = Diagnostics()
    assert load_file(tmp_path / "gone.yaml", "jobs/acme/gone.yaml", diags) is None
    [d] = list(diags)
    assert (d.code, d.span.file, d.message) == (
        codes.UNREADABLE,
        "jobs/acme/gone.yaml",
        "cannot read file: No such file or directory",
    )


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their mode")
def test_permission_denied_is_dtv007(tmp_path: Path) -> None:
    path = tmp_path / "private.yaml"
    path.write_text("tenant_id: acme\n", encoding="utf-8")
    path.chmod(0)
    try:
        diags = Diagnostics()
        assert load_file(path, "jobs/acme/private.yaml", diags) is None
        [d] = list(diags)
        assert (d.code, d.message) == (codes.UNREADABLE, "cannot read file: Permission denied")
    finally:
        path.chmod(0o644)
