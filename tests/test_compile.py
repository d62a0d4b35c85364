"""`dativo compile`, `--check` and `validate` end to end on the example project."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLES, REPO, dativo

from dativo.compiler.outdir import MARKER_TEXT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "proj"
    shutil.copytree(EXAMPLES, dst)
    return dst


#: globex's stripe job (native, which reads files only) names a source the runtime does not run (DTV218); the
#: stripe and hubspot recipes (airbyte), the postgres recipe (meltano) and a hubspot job (singer) run
ENGINE_WARNINGS = 1
#: globex's events schedule lets 2 runs of its incremental append job overlap (DTV320): kept, it is the
#: example of `max_concurrent_runs` above 1 (Kubernetes concurrencyPolicy Allow, Dagster tag limit 2)
OVERLAP_WARNINGS = 1
#: eight of the examples' assets carry governance metadata nothing enforces (DTV225: retention_days, data_quality,
#: compliance.security); kept, they show what becomes a table property and what is only recorded
METADATA_WARNINGS = 8


def test_committed_example_output_is_fresh() -> None:
    r = dativo("compile", "examples", "--check")
    assert r.code == 0, r.out
    assert r.out.endswith(f"0 errors, {ENGINE_WARNINGS + OVERLAP_WARNINGS + METADATA_WARNINGS} warnings\n"), r.out
    assert r.out.count("warning DTV218") == ENGINE_WARNINGS
    assert r.out.count("warning DTV320") == OVERLAP_WARNINGS


def test_validate_examples_has_only_the_engine_and_overlap_warnings() -> None:
    r = dativo("validate", "examples", "--format", "json")
    assert r.code == 0
    assert sorted(d["code"] for d in json.loads(r.out)) == (
        ["DTV218"] * ENGINE_WARNINGS + ["DTV225"] * METADATA_WARNINGS + ["DTV320"] * OVERLAP_WARNINGS
    )


@pytest.mark.parametrize("command", [["validate"], ["compile", "--check"], ["compile"]])
def test_strict_says_why_warnings_fail(command: list[str]) -> None:
    """It printed '0 errors, 4 warnings' and exited 1 without a word on why. (compile fails before writing.)"""
    plain = dativo("validate", "examples")
    r = dativo(*command, "examples", "--strict")
    assert r.code == 1 and r.out == plain.out  # the report is the same; only the verdict differs
    assert (
        r.err
        == f"dativo {command[0]}: failed: --strict treats the {ENGINE_WARNINGS + OVERLAP_WARNINGS + METADATA_WARNINGS} warnings as errors\n"
    )


def test_check_reports_changed_missing_and_extra_files(project: Path) -> None:
    out = project / "generated"
    plan = out / "plan.json"
    plan.write_text(plan.read_text().replace('"enabled": true', '"enabled": false', 1))
    (out / "stray.txt").write_text("x\n")
    r = dativo("compile", ".", "--check", cwd=project)
    assert r.code == 1
    assert "generated/plan.json:1:1: error DTV601: generated artifact plan.json is stale" in r.out
    assert "generated/stray.txt:1:1: error DTV603:" in r.out
    assert '-      "enabled": false,' in r.out and '+      "enabled": true,' in r.out
    plan.unlink()
    r = dativo("compile", ".", "--check", "--format", "json", cwd=project)
    codes = sorted(d["code"] for d in json.loads(r.out) if d["severity"] == "error")
    assert (r.code, codes) == (1, ["DTV602", "DTV603"])


def test_compile_restores_output_and_removes_stale_files(project: Path) -> None:
    out = project / "generated"
    shutil.rmtree(out)
    out.mkdir()
    (out / ".dativo-generated").write_text(MARKER_TEXT)  # what makes the dir dativo's (a plan.json does not)
    (out / "plan.json").write_text("{}\n")
    (out / "old").mkdir()
    (out / "old" / "x.py").write_text("")
    r = dativo("compile", ".", cwd=project)
    assert r.code == 0, r.out + r.err
    assert not (out / "old").exists() and (out / "plan.json").read_text() != "{}\n"
    assert dativo("compile", ".", "--check", cwd=project).code == 0


def test_compile_refuses_a_foreign_output_dir(project: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "important"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me\n")
    r = dativo("compile", ".", "--out", str(foreign), cwd=project)
    assert r.code == 2 and "refusing" in r.err
    assert (foreign / "notes.txt").read_text() == "keep me\n"


def test_output_is_byte_identical_across_dirs_and_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for i, seed in enumerate(("0", "1", "12345")):
        proj = tmp_path / f"copy{i}" / ("nested/" * i) / "proj"
        shutil.copytree(EXAMPLES, proj)
        shutil.rmtree(proj / "generated")
        r = dativo("compile", str(proj), env={"PYTHONHASHSEED": seed})
        assert r.code == 0, r.out
        r = dativo("compile", str(proj), "--env", "staging", env={"PYTHONHASHSEED": seed})  # generated/staging
        assert r.code == 0, r.out
        outputs.append(
            {
                p.relative_to(proj).as_posix(): p.read_bytes()
                for p in sorted((proj / "generated").rglob("*"))
                if p.is_file()
            }
        )
    assert outputs[0] == outputs[1] == outputs[2]
    committed = {
        p.relative_to(EXAMPLES).as_posix(): p.read_bytes()
        for p in sorted((EXAMPLES / "generated").rglob("*"))
        if p.is_file()
    }
    assert outputs[0] == committed


def test_plan_holds_no_machine_paths() -> None:
    text = (EXAMPLES / "generated" / "plan.json").read_text()
    assert str(REPO) not in text and "/work/" not in text and "/home/" not in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["compile", "no/such/dir"], "does not exist"),
        (["compile", "--format", "xml"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["compile", "--nope"], "unrecognized arguments"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    r = dativo(*args)
    assert r.code == 2 and message in r.err


def test_formats_carry_the_same_diagnostics(project: Path) -> None:
    job = project / "jobs" / "acme" / "orders_csv_to_iceberg.yaml"
    job.write_text(job.read_text().replace("tenant_id: acme", "tenant_id: acme\ncolour: blue"))
    text = dativo("validate", ".", cwd=project)
    js = dativo("validate", ".", "--format", "json", cwd=project)
    gh = dativo("validate", ".", "--format", "github", cwd=project)
    assert text.code == js.code == gh.code == 1
    [d] = [d for d in json.loads(js.out) if d["severity"] == "error"]
    assert d["code"] == "DTV101" and d["file"] == "jobs/acme/orders_csv_to_iceberg.yaml"
    assert f"{d['file']}:{d['line']}:{d['col']}: error DTV101: unknown key 'colour' in job" in text.out
    assert f"::error file={d['file']},line={d['line']},col={d['col']}," in gh.out


def test_help_imports_no_heavy_modules() -> None:
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dativo.compiler.cli", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert p.returncode == 0
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if "|" in line}
    for heavy in ("jinja2", "pyiceberg", "pyarrow", "networkx", "pydantic"):
        assert heavy not in imported, heavy


def test_check_cache_never_hides_a_change(project: Path, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 0
    assert list((tmp_path / "cache" / "dativo" / "checks").glob("check-*.json")), "a clean check is remembered"
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 0  # served by the cache
    runner = project / "configs" / "runner.yaml"
    good = runner.read_text()
    runner.write_text(good.replace('"0 * * * *"', '"61 * * * *"', 1))
    r = dativo("compile", ".", "--check", cwd=project, env=env)
    assert r.code == 1 and "DTV301" in r.out
    runner.write_text(good)
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 0
    (project / "jobs" / "acme" / "new.yaml").write_text("tenant_id: acme\n")
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 1
    (project / "jobs" / "acme" / "new.yaml").unlink()
    plan = project / "generated" / "plan.json"
    plan.write_text(plan.read_text() + " ")
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 1


def test_check_cache_trusts_output_stats_only_from_before_the_check(project: Path, tmp_path: Path) -> None:
    """Outputs older than the check are recorded by stat; an edit changes size or mtime and is caught."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = project / "generated"
    old = 1_600_000_000
    for f in out.rglob("*"):
        if f.is_file():
            os.utime(f, (old, old))
    r = dativo("compile", ".", "--check", cwd=project, env=env)
    assert r.code == 0 and r.out.count("warning DTV218") == ENGINE_WARNINGS
    [record] = (tmp_path / "cache" / "dativo" / "checks").glob("check-*.json")
    outputs = json.loads(record.read_text())["outputs"]
    assert outputs and all(v.startswith("stat:") for v in outputs.values())
    cached = dativo("compile", ".", "--check", cwd=project, env=env)
    assert (cached.code, cached.out) == (0, r.out)  # served by the cache, warnings replayed
    unit = sorted((out / "systemd").glob("*.timer"))[0]
    text = unit.read_text()
    unit.write_text(text.replace("AccuracySec=1s", "AccuracySec=9s"))  # same size, new mtime
    stale = dativo("compile", ".", "--check", cwd=project, env=env)
    assert stale.code == 1 and "DTV601" in stale.out
