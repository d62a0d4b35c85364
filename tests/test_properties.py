"""Property test: `dativo validate` and `dativo compile` keep their contract on generated projects.

Projects come from prop_projects.py: small, in the shapes of tests/cases/base, often hostile
(paths with `//`, `.`, `..` and symlinks, numbers at the limits, invalid crons and zones, unicode
and hostile names, DAG cycles, other tenants' secrets). For every project:
- no traceback and no internal error, exit 0 or 1 (a fresh output dir inside the project is never
  a usage error);
- every error is positioned (`path:line:col: error CODE:` in text, line/col in JSON), and compile
  (text) reports the same errors as validate (JSON);
- validate writes nothing; compile writes only inside its output dir, and nothing at all on errors;
- a job given another tenant's secret path, however spelled, fails; its own secret path passes.

CI runs 2,000 derandomized examples: 106 s of CPU (96 s user, 10 s system) on the 2-core dev machine,
189 s wall while it was shared with other jobs. Longer local runs: DATIVO_HYPOTHESIS_EXAMPLES=20000,
and DATIVO_HYPOTHESIS_SEED=<n> for other examples than CI's.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from prop_projects import Project, projects

from dativo.compiler.report.text import one_line

EXAMPLES = int(os.environ.get("DATIVO_HYPOTHESIS_EXAMPLES", "2000"))
SEED = os.environ.get("DATIVO_HYPOTHESIS_SEED")
_seeded = seed(int(SEED)) if SEED else (lambda test: test)
OUT = "out"  # the output dir, inside the project
#: projects are written to memory where there is a tmpfs: a disk's metadata writes cost most of an example
TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

_DIAG = re.compile(r"^(?P<file>.+):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): (?P<sev>error|warning) (?P<code>DTV\d{3}): ")
_SUMMARY = re.compile(r"^\d+ errors?, \d+ warnings?$")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The template cache goes to XDG_CACHE_HOME: keep it out of the snapshotted tree (and of ~)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        mp.delenv("DATIVO_DEBUG", raising=False)
        yield


def dativo(project: Path, *args: str) -> Run:
    """The CLI's main() in this interpreter, from inside `project`."""
    from dativo.compiler import cli

    out, err, cwd = io.StringIO(), io.StringIO(), os.getcwd()
    os.chdir(project)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as e:  # argparse
                code = e.code if isinstance(e.code, int) else 2
    finally:
        os.chdir(cwd)
    return Run(code, out.getvalue(), err.getvalue())


# ------------------------------------------------------------------------------ the tmp tree


def materialize(project: Project, tmp: Path) -> Path:
    """The project in tmp/p, a copy of it in tmp/outside (what link_out and outside links reach)."""
    for base in ("p", "outside"):
        for rel, text in project.files.items():
            path = tmp / base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for link, target in project.links.items():
        path = tmp / link
        if not path.exists() and not path.is_symlink():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)
    return tmp / "p"


def snapshot(tmp: Path) -> dict[str, object]:
    """Every dir, file (bytes) and symlink (target) under tmp, symlinks not followed."""
    state: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(tmp):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, tmp)
            if os.path.islink(path):
                state[rel] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                state[rel] = ("dir",)
            else:
                with open(path, "rb") as f:
                    state[rel] = ("file", f.read())
    return state


# ------------------------------------------------------------------------------ checks


def no_crash(r: Run, what: str) -> None:
    both = r.out + r.err
    assert "Traceback" not in both and "internal error" not in both, f"{what} crashed:\n{both}"
    assert r.code in (0, 1), f"{what} exited {r.code}:\n{both}"


def text_errors(r: Run) -> set[tuple[str, int, int, str]]:
    """(file, line, col, code) of each error; any line that is not a diagnostic, hint or summary fails."""
    errors = set()
    for line in r.out.splitlines():
        m = _DIAG.match(line)
        if m:
            if m["sev"] == "error":
                errors.add((m["file"], int(m["line"]), int(m["col"]), m["code"]))
            continue
        assert line.startswith("  hint: ") or _SUMMARY.match(line), f"unpositioned line {line!r} in:\n{r.out}"
    return errors


def json_errors(r: Run) -> list[dict]:
    diags = json.loads(r.out)
    errors = [d for d in diags if d["severity"] == "error"]
    for d in errors:
        assert d["file"] and d["line"] >= 1 and d["col"] >= 1, f"unpositioned error {d}"
    return errors


def _reject(constant: str) -> None:
    raise AssertionError(f"plan.json holds {constant}, which is not JSON")


def secrets_isolated(project: Project, code: int, errors: list[dict]) -> None:
    by_file: dict[str, set[str]] = {}
    for d in errors:
        by_file.setdefault(d["file"], set()).add(d["code"])

    def unchecked(rel: str) -> bool:
        """The job did not load, validate or resolve (DTV0xx-2xx), or the layout is broken: no tenancy checks."""
        return any(c < "DTV300" for c in by_file.get(rel, ())) or bool(by_file.get("dativo.yaml"))

    planted = f"another tenant's secret path {project.planted!r}"
    for rel in sorted(project.foreign_secret_jobs):
        assert code == 1, f"{planted} in {rel} was accepted"
        if rel.startswith("connectors/"):  # a recipe's template: DTV404 there, for each job of OWN it reaches
            reached = [j for j in sorted(project.own_jobs) if not unchecked(j)]
            assert "DTV404" in by_file.get(rel, ()) or not reached, f"{planted} in {rel}, no DTV404: {errors}"
        else:
            assert "DTV404" in by_file.get(rel, ()) or unchecked(rel), f"{planted} in {rel}, no DTV404: {errors}"
    for rel in sorted(project.own_secret_jobs):
        assert "DTV404" not in by_file.get(rel, ()), (
            f"{rel}: its own secret path {project.planted!r} is DTV404: {errors}"
        )


@_seeded
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(project=projects())
def test_compile_and_validate_keep_their_contract(project: Project) -> None:
    check(project)


def check(project: Project) -> None:
    """Every property on one project; AssertionError names the first that fails."""
    with tempfile.TemporaryDirectory(prefix="dativo-prop-", dir=TMP) as name:
        tmp = Path(name)
        root = materialize(project, tmp)
        before = snapshot(tmp)
        v = dativo(root, "validate", ".", "--format", "json")
        no_crash(v, "validate")
        assert snapshot(tmp) == before, "validate wrote files"
        c = dativo(root, "compile", ".", "--out", OUT)
        no_crash(c, "compile")
        after = snapshot(tmp)
        outside = {k: entry for k, entry in after.items() if k != f"p/{OUT}" and not k.startswith(f"p/{OUT}/")}
        assert outside == before, f"compile wrote outside its output dir: {sorted(set(outside) ^ set(before))}"
        assert (c.code == 0) == (f"p/{OUT}/plan.json" in after), "compile wrote output with errors, or none without"
        if c.code == 0:  # strict JSON: no NaN or Infinity
            json.loads((root / OUT / "plan.json").read_text("utf-8"), parse_constant=_reject)
        errors = json_errors(v)
        assert text_errors(c) == {(one_line(d["file"]), d["line"], d["col"], d["code"]) for d in errors}, (
            f"compile and validate disagree:\n{c.out}\n{v.out}"
        )
        assert c.code == v.code == (1 if errors else 0)
        secrets_isolated(project, v.code, errors)
