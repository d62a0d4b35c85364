"""One pipeline: compile, validate and `dativo run --config` run the same check lists, and a run keeps
the diagnostics about its job by their `job` field, never by matching file names or message text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import REPO, dativo
from helpers import edit as _edit

from dativo.compiler import pipeline
from dativo.compiler.cli import main
from dativo.compiler.diagnostics import Diagnostics, Span

BASE = REPO / "tests" / "cases" / "base"
A = "jobs/globex/events_csv.yaml"  # the job run in these tests (tenant globex)
B = "jobs/acme/postgres_orders.yaml"  # another tenant's job: a postgres job here (the base's reads a CSV file)
B_TEXT = """\
tenant_id: acme
environment: production

source_connector: postgres
source_connector_path: /app/connectors/postgres.yaml
target_connector: iceberg
target_connector_path: /app/connectors/iceberg.yaml
asset: db_orders
asset_path: assets/postgres/v1.0/db_orders.yaml

source:
  tables:
    - name: public.orders
      object: db_orders
      cursor_field: updated_at
  incremental:
    strategy: cursor_field
    cursor_field: updated_at
  connection:
    database: shop

target:
  branch: acme
  warehouse: s3://lake/acme/
  catalog: nessie
"""


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(BASE, root)
    (root / B).write_text(B_TEXT, "utf-8")
    return root


def _own_error(root: Path) -> None:
    """Job A commits to another tenant's branch (DTV403): its run stops before touching any data."""
    _edit(root, A, "branch: globex", "branch: main")


def _run_a(root: Path) -> tuple[int, str]:
    r = dativo("run", "--config", A, "--state-dir", str(root / "state"), cwd=root)
    assert r.out == "", r.out  # diagnostics go to stderr; nothing ran
    return r.code, r.err


def test_a_check_added_to_the_job_list_runs_for_run_config_too(
    proj: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []

    def dummy(c: pipeline.Compilation, u: pipeline.JobUnit) -> None:
        seen.append(u.rj.job.rel)
        c.diags.error("DTV999", f"dummy check on {u.rj.tenant}", u.rj.span("tenant_id"))

    monkeypatch.setattr(pipeline, "JOB_CHECKS", (*pipeline.JOB_CHECKS, dummy))
    monkeypatch.chdir(proj)
    assert main(["run", "--config", A, "--state-dir", str(proj / "state")]) == 2
    err = capsys.readouterr().err
    assert f"{A}:1:12: error DTV999: dummy check on globex" in err
    assert "dummy check on acme" not in err  # it ran for every job; only this job's finding is shown
    assert sorted(seen) == sorted(str(p.relative_to(proj)) for p in (proj / "jobs").rglob("*.yaml"))
    seen.clear()
    assert main(["validate", str(proj)]) == 1  # the same list for validate (and compile)
    assert len(seen) == 3 and "dummy check on acme" in capsys.readouterr().out


def test_run_config_ignores_another_job_whose_message_names_this_job(proj: Path) -> None:
    """Job B points its asset_path at A's file: B's error names A's path, but it is B's error."""
    _own_error(proj)
    _edit(proj, B, "asset_path: assets/postgres/v1.0/db_orders.yaml", f"asset_path: {A}")
    assert f"{B}:9:13: error DTV221: asset '{A}' is not a valid file" in dativo("validate", cwd=proj).out
    code, err = _run_a(proj)
    assert code == 2 and f"{A}:18:11: error DTV403" in err
    assert "DTV221" not in err and B not in err, err


def test_run_config_reports_a_finding_in_a_recipe_the_job_reads(proj: Path) -> None:
    """A plain-text password in the job's source recipe: compile refused it, the old `run --config`
    (file name or message text) ran the job with it."""
    _edit(proj, "connectors/csv.yaml", "type: csv", "type: csv\nconnection_template:\n  password: hunter2")
    code, err = _run_a(proj)
    assert code == 2 and "connectors/csv.yaml:4:13: error DTV405: 'password' holds a plain-text secret" in err, err
    assert "hunter2" not in err


def test_run_config_keeps_a_clash_found_in_another_tenant_s_job(proj: Path) -> None:
    """A and B (tenants globex and acme) write one Iceberg table: B's error, in B's file, concerns A too."""
    _edit(proj, "dativo.yaml", "version: 1", "version: 1\ntenancy:\n  shared_namespaces: [shared]")
    for rel, tenant in ((A, "globex"), (B, "acme")):
        _edit(proj, rel, f"branch: {tenant}", f"branch: {tenant}\n  namespace: shared\n  table: t")
    code, err = _run_a(proj)
    clash = "error DTV402: Iceberg table 'shared.t' is written by several tenants (acme, globex)"
    assert code == 2 and f"{A}:17:1: {clash}" in err and f"{B}:22:1: {clash}" in err, err
    assert err.count("DTV402") == 2  # B's finding is copied for each job it concerns, printed once
    assert dativo("validate", cwd=proj).out.count("DTV402") == 2


def test_run_config_does_not_show_unrelated_broken_jobs(proj: Path) -> None:
    _own_error(proj)
    (proj / "jobs" / "acme" / "dangling.yaml").symlink_to("nowhere.yaml")  # DTV007: not a regular file
    (proj / "jobs" / "acme" / "syntax.yaml").write_text("tenant_id: acme\n  bad: indent\n")  # DTV001
    _edit(proj, B, "database: shop", "database: shop\n  password: hunter2")  # DTV405 in B
    _edit(proj, "connectors/postgres.yaml", "type: postgres", "type: postgres\nsurprise: 1")  # a recipe A does not read
    assert {"DTV007", "DTV001", "DTV405"} <= set(_codes(dativo("validate", cwd=proj).out))
    code, err = _run_a(proj)
    assert code == 2 and _codes(err) == ["DTV403"], err


def test_run_config_shows_load_errors_of_the_files_it_reads(proj: Path) -> None:
    """A recipe the job names by path fails to load: its error (not a silent exit) stops the run; the
    runner config, whose settings the run uses, too."""
    (proj / "connectors" / "csv.yaml").write_text("name: csv\ntype: [csv\n")
    code, err = _run_a(proj)
    assert code == 2 and _codes(err) == ["DTV001"] and "connectors/csv.yaml:" in err, err
    shutil.copy(BASE / "connectors" / "csv.yaml", proj / "connectors" / "csv.yaml")
    _own_error(proj)
    _edit(proj, "configs/runner.yaml", "concurrency_per_tenant: 1", "concurrency_per_tenant: many")
    code, err = _run_a(proj)
    assert code == 2 and sorted(_codes(err)) == ["DTV102", "DTV403"], err


def test_findings_name_the_job_they_concern(proj: Path) -> None:
    _edit(proj, "configs/runner.yaml", 'cron: "30 6 * * 1-5"', 'cron: "30 25 * * 1-5"')  # B's schedule
    _edit(
        proj, "connectors/csv.yaml", "type: csv", "type: csv\nconnection_template:\n  password: hunter2"
    )  # only A reads it
    c = pipeline.check_project(proj, cwd=proj)
    by_code = {d.code: d for d in c.diags.items}
    assert by_code["DTV301"].job == B  # a schedule's finding concerns its job
    assert by_code["DTV405"].job is None and by_code["DTV405"].span.file == "connectors/csv.yaml"
    assert [d.code for d in c.concerning(A)] == ["DTV405"]  # located in a recipe A reads
    assert [d.code for d in c.concerning(B)] == ["DTV301"]  # B reads postgres on meltano, which runs


def test_about_stamps_what_a_check_adds() -> None:
    diags = Diagnostics()
    diags.error("DTV001", "before", Span("x.yaml"))
    with diags.about("jobs/a.yaml", "jobs/b.yaml"):
        diags.error("DTV406", "clash", Span("jobs/a.yaml", 1, 1))
        with diags.about("jobs/c.yaml"):
            diags.error("DTV404", "inner", Span("r.yaml", 1, 1))
    assert [(d.message, d.job) for d in diags.items] == [
        ("before", None),
        ("clash", "jobs/a.yaml"),
        ("clash", "jobs/b.yaml"),
        ("inner", "jobs/c.yaml"),
    ]
    assert len(diags.sorted()) == 3  # the copies print once
    assert "job" not in diags.items[1].to_dict()  # not part of the JSON report


def _codes(report: str) -> list[str]:
    return [
        line.split(" ")[2].rstrip(":") for line in report.splitlines() if ": error " in line or ": warning " in line
    ]


def test_plan_project_plans_without_emitting() -> None:
    result = pipeline.plan_project(REPO / "examples", cwd=REPO)
    assert result.plan is not None and not result.artifacts and not result.diags.has_errors()
    assert result.plan == pipeline.compile_project(REPO / "examples", emit=False, cwd=REPO).plan
