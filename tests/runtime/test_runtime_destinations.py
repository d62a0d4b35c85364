"""Data lands only where the config says (issue 11): unset variables, incomplete catalog
connections, missing credentials files and targets this runtime does not write are errors
that name the variable, key or file, exit 2 and write nothing; `target.branch` commits to that
branch; defaults `${VAR:-x}` and bare `$VAR` expand as dativo-ingest expands them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rt_project import Project, make_project, run_cli

TS = "2026-01-01T00:00:00Z"
JOB = "jobs/t1/items.yaml"


def rows(n: int, start: int = 0, name: str = "item") -> list[tuple]:
    return [(i, f"{name}-{i}", "1.25", i % 7, TS) for i in range(start, start + n)]


def retarget(p: Project, block: str) -> None:
    """Replace the job's `target:` block (up to schema_validation_mode) and recompile."""
    path = p.root / JOB
    text = path.read_text("utf-8")
    text = re.sub(r"(?ms)^target:\n.*?(?=^schema_validation_mode:)", "target:\n" + block, text)
    path.write_text(text, "utf-8")
    res = run_cli("compile", ".", cwd=p.root)
    assert res.code == 0, res.out + res.err


def nothing_written(p: Project) -> None:
    """No catalog, table, warehouse, lock or job state: the state dir was never created."""
    assert not p.state.exists(), sorted(str(f.relative_to(p.root)) for f in p.state.rglob("*"))


def error_of(res) -> dict:
    assert res.code == 2, res.out + res.err
    errors = res.events("job_error")
    assert len(errors) == 1, res.out
    return errors[0]


def test_unset_variable_in_the_catalog_uri_is_an_error_not_the_embedded_catalog(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    retarget(
        p,
        "  catalog: prod\n  connection:\n    catalog_type: sql\n"
        "    uri: postgresql://ingest:${PG_PASSWORD}@db.prod/catalog\n",
    )
    p.write_csv(rows(5))
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")  # PG_PASSWORD unset
    err = error_of(res)
    assert "PG_PASSWORD" in err["error"] and "target.connection.uri" in err["error"], err
    assert "${PG_PASSWORD:-default}" in err["hint"]
    nothing_written(p)


def test_default_and_bare_variable_forms_expand(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    retarget(
        p,
        "  catalog: local\n  warehouse: file:///app/state/warehouse/$WH_DIR/\n  connection:\n"
        "    catalog_type: sql\n    uri: sqlite:////app/state/catalog/${CATALOG_DB:-t1}.db\n",
    )
    p.write_csv(rows(7))
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1", env={"WH_DIR": "t1"})
    assert res.code == 0, res.out + res.err
    assert (p.state / "catalog" / "t1.db").is_file()  # the default named the catalog file
    assert p.rows().num_rows == 7  # the table's files are in the warehouse $WH_DIR named
    assert any((p.state / "warehouse" / "t1").rglob("*.parquet"))
    # the same variable unset, no default: an error naming it and the key
    p2 = make_project(tmp_path / "p2", compile_=False)
    retarget(p2, "  catalog: local\n  warehouse: file:///app/state/warehouse/$WH_DIR/\n")
    err = error_of(p2.run("--job", "t1.items_hourly", "--run-id", "r1"))
    assert "WH_DIR" in err["error"] and "target.warehouse" in err["error"]
    nothing_written(p2)


def test_embedded_catalog_only_without_a_connection(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    retarget(p, "  catalog: local\n")  # the recipe's `catalog_type: sql` alone names no connection
    p.write_csv(rows(3))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    assert p.rows().num_rows == 3
    # a connection written without its uri is incomplete: an error, never the embedded catalog
    q = make_project(tmp_path / "q", compile_=False)
    retarget(q, "  catalog: local\n  connection:\n    catalog_type: sql\n    warehouse: file:///app/state/wh/\n")
    q.write_csv(rows(3))
    err = error_of(q.run("--job", "t1.items_hourly", "--run-id", "r1"))
    assert "has no uri" in err["error"] and "target.connection.uri" in err["hint"]
    nothing_written(q)
    rest = make_project(tmp_path / "rest", compile_=False)
    retarget(rest, "  catalog: lake\n  connection:\n    catalog_type: rest\n    token: ${LAKE_TOKEN:-}\n")
    err = error_of(rest.run("--job", "t1.items_hourly", "--run-id", "r1"))
    assert "catalog_type 'rest'" in err["error"] and "has no uri" in err["error"]
    nothing_written(rest)


def test_missing_credentials_file_is_an_error_with_its_path(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    recipe = p.root / "connectors" / "csv.yaml"
    recipe.write_text(
        recipe.read_text() + "credentials:\n  type: env_file\n  file_template: /app/secrets/{tenant}/csv.env\n"
    )
    assert run_cli("compile", ".", cwd=p.root).code == 0
    p.write_csv(rows(3))
    err = error_of(p.run("--job", "t1.items_hourly", "--run-id", "r1"))
    assert "secrets/t1/csv.env" in err["error"] and "does not exist" in err["error"], err
    assert "file_template" in err["hint"]
    nothing_written(p)
    # once it exists, the run goes through
    (p.root / "secrets" / "t1").mkdir(parents=True)
    (p.root / "secrets" / "t1" / "csv.env").write_text("CSV_TOKEN=abc\n")
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0


def test_the_target_recipe_s_credentials_file_is_read_and_must_exist(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    recipe = p.root / "connectors" / "iceberg.yaml"
    recipe.write_text(
        recipe.read_text()
        + "  token: ${CATALOG_TOKEN}\n"  # under connection_template
        + "credentials:\n  type: env_file\n  file_template: /app/secrets/{tenant}/iceberg.env\n"
    )
    assert run_cli("compile", ".", cwd=p.root).code == 0
    p.write_csv(rows(3))
    err = error_of(p.run("--job", "t1.items_hourly", "--run-id", "r1"))
    assert "secrets/t1/iceberg.env" in err["error"] and "target credentials" in err["error"], err
    nothing_written(p)
    # once it exists its values are the job's (the token expands), and masked in every line
    (p.root / "secrets" / "t1").mkdir(parents=True)
    (p.root / "secrets" / "t1" / "iceberg.env").write_text("CATALOG_TOKEN=tok-7f3a9c2e5b1d\n")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1", env={"DATIVO_DEBUG": "1"})
    assert res.code == 0, res.out + res.err
    assert "tok-7f3a9c2e5b1d" not in res.out + res.err


def test_a_target_the_runtime_does_not_write_fails_at_compile_and_at_run_with_one_message(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(3))
    # a plan compiled before the check (or edited by hand) that names s3.bucket: refused at run time
    plan = json.loads(p.plan.read_text())
    plan["jobs"][JOB]["target"]["connection"]["s3"] = {"bucket": "lake"}
    p.plan.write_text(json.dumps(plan))
    err = error_of(p.run("--job", "t1.items_hourly", "--run-id", "r1"))
    assert err["error"].startswith("target.connection.s3.bucket (Parquet files on S3) is not written")
    nothing_written(p)
    # the same config at compile time: DTV220 with the same message
    job = p.root / JOB
    job.write_text(
        job.read_text().replace(
            "    uri: sqlite:////app/state/catalog/t1.db\n",
            "    uri: sqlite:////app/state/catalog/t1.db\n    s3:\n      bucket: lake\n",
        )
    )
    res = run_cli("compile", ".", cwd=p.root)
    assert res.code == 1 and f"error DTV220: {err['error']}" in res.out, res.out
    cfg = run_cli("run", "--config", JOB, cwd=p.root)
    assert cfg.code == 2 and f"error DTV220: {err['error']}" in cfg.err
    nothing_written(p)


def test_target_branch_commits_to_that_branch_and_main_stays_as_it_was(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv(rows(4))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r0").code == 0  # main: 4 rows
    job = p.root / JOB
    job.write_text(job.read_text().replace("target:\n", "target:\n  branch: t1\n"))
    assert run_cli("compile", ".", cwd=p.root).code == 0
    p.write_csv(rows(6, start=100))
    first = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    assert not first.events("job_state.conflict")  # a branch made by this run is not a rival commit
    table = p.table()
    assert "t1" in table.metadata.refs
    main_ids = sorted(table.scan().to_arrow().column("id").to_pylist())
    branch_ids = sorted(table.scan().use_ref("t1").to_arrow().column("id").to_pylist())
    assert main_ids == list(range(4))  # readers of main do not see the branch's rows
    assert branch_ids == list(range(4)) + list(range(100, 106))  # the branch started from main
    head = table.snapshot_by_name("t1")
    assert head.summary.additional_properties["dativo.run-id"] == "r1"
    # exactly once on the branch: the same run id again adds nothing
    again = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert again.code == 0 and again.events("job_state.already_committed")
    assert p.table().scan().use_ref("t1").to_arrow().num_rows == 10


def test_merge_on_a_branch_reads_and_writes_that_branch(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", mode="merge", key_columns=["id"], compile_=False)
    job = p.root / JOB
    job.write_text(job.read_text().replace("target:\n", "target:\n  branch: t1/dev\n"))
    assert run_cli("compile", ".", cwd=p.root).code == 0
    p.write_csv(rows(10))
    assert p.run("--job", "t1.items_hourly", "--run-id", "r1").code == 0
    p.write_csv(rows(10, start=5, name="new"))
    res = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert res.code == 0, res.out + res.err
    table = p.table()
    assert table.scan().to_arrow().num_rows == 0  # main has no rows: every commit went to the branch
    got = {r["id"]: r["name"] for r in table.scan().use_ref("t1/dev").to_arrow().to_pylist()}
    assert got == {**{i: f"item-{i}" for i in range(5)}, **{i: f"new-{i}" for i in range(5, 15)}}
