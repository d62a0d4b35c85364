"""Acceptance corpus for bad input: tests/cases/base (a valid project) and tests/cases/bad/<case>.

Each bad case is an overlay on the base project: its files replace or add files of
the base at the same relative path, and an optional `_delete.txt` lists base files
to remove (one relative path per line, `#` comments allowed). `expected.txt` is the
exact `dativo validate --format text` output, run from inside the assembled project.
The case name starts with the code it demonstrates (`DTV301_cron_minute_out_of_range`).

Files that cannot live in git as text (invalid UTF-8, NUL bytes, an oversized file)
are written by this module (`GENERATED`), and a permission-denied file is made by
`chmod 000` (`CHMOD`, skipped as root, who can read everything).

Regenerate the goldens with `pytest tests/test_cases.py --force-regen`; the cases in
`XFAIL` hold hand-written goldens (what the compiler should print) and are never
regenerated.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
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

#: case -> {relative path: bytes} written after the overlay (binary content kept out of git)
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
}

#: case -> relative path made unreadable (chmod 000) after assembly
CHMOD: dict[str, str] = {
    "DTV007_job_permission_denied": "jobs/acme/stripe_customers.yaml",
}

#: case -> literal secret values that must never be printed (stdout or stderr, any format)
SECRETS: dict[str, list[str]] = {}

#: (case, check) -> reason; check is one of "text", "exit", "json"
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
        cwd=project, capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, timeout=60,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class CaseResult:
    case: str
    project: Path
    text: Run
    json: Run


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory):
    """case -> CaseResult, computed once per case (one subprocess per format)."""
    cache: dict[str, CaseResult] = {}

    def get(case: str) -> CaseResult:
        if case not in cache:
            project = assemble(case, tmp_path_factory.mktemp(case[:40]) / "project")
            cache[case] = CaseResult(case, project, run_cli(project), run_cli(project, "--format", "json"))
        return cache[case]

    yield get
    for res in cache.values():  # let pytest clean up the tmp dirs
        if res.case in CHMOD:
            (res.project / CHMOD[res.case]).chmod(0o644)


def _params(check: str) -> list:
    out = []
    for case in CASE_NAMES:
        marks = []
        if (case, check) in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case, check]))
        if case in CHMOD and IS_ROOT:
            marks.append(pytest.mark.skip(reason="root reads files whatever their mode; see test_unreadable_*"))
        out.append(pytest.param(case, marks=marks, id=case))
    return out


def case_code(case: str) -> str:
    return case.split("_", 1)[0]


def text_keys(out: str) -> set[tuple[str, str, int, int]]:
    keys = set()
    for line in out.splitlines():
        m = _TEXT_LINE.match(line)
        if m:
            keys.add((m["code"], m["file"], int(m["line"]), int(m["col"])))
    return keys


# ------------------------------------------------------------------------------ the base project


def test_base_project_is_clean(tmp_path: Path) -> None:
    project = assemble(None, tmp_path / "project")
    text = run_cli(project)
    assert (text.returncode, text.stdout) == (0, ""), text.stdout + text.stderr
    js = run_cli(project, "--format", "json")
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
    assert {(d["code"], d["file"], d["line"], d["col"]) for d in items} == text_keys(res.text.stdout)
    assert len(items) == len(text_keys(res.text.stdout))


def test_every_load_schema_resolve_schedule_tenancy_code_has_a_case() -> None:
    wanted = {c for c in codes.CATALOGUE if "DTV000" <= c < "DTV500"}
    covered = {case_code(c) for c in CASE_NAMES}
    assert wanted - covered == set()
    assert covered - set(codes.CATALOGUE) == set(), "case names must start with a catalogued code"


def test_case_folders_are_well_formed() -> None:
    assert CASE_NAMES
    for case in CASE_NAMES:
        assert re.fullmatch(r"DTV\d{3}_[a-z0-9_]+", case), case
        assert (BAD / case / "expected.txt").is_file(), f"{case}: expected.txt is missing"
    for case in [*GENERATED, *CHMOD, *SECRETS, *(c for c, _ in XFAIL)]:
        assert case in CASE_NAMES, f"{case} is configured in test_cases.py but has no folder"
