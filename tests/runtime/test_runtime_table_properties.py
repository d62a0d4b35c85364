"""The plan's table properties on the Iceberg table `dativo run` writes, read back through pyiceberg."""

from __future__ import annotations

from pathlib import Path

from rt_project import COLUMNS, make_project, run_cli

TS = "2026-01-01T00:00:00Z"
GOVERNED = COLUMNS.replace("      type: string\n", "      type: string\n      classification: PII\n", 1)
GOVERNANCE = """  governance:
    owner: items-team@example.com
    tags: [catalog, items]
    classification: [Internal]
    retention_days: 30
  finops:
    cost_center: OPS-1
"""
OVERRIDES = """classification_overrides:
  price: Financial
finops:
  project: inventory
governance_overrides:
  retention_days: 400
"""


def test_run_sets_the_plans_table_properties_and_leaves_others_alone(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", columns=GOVERNED, compile_=False)
    asset = p.root / "assets" / "files" / "v1.0" / "items.yaml"
    asset.write_text(asset.read_text("utf-8").replace("  target:\n", GOVERNANCE + "  target:\n"), "utf-8")
    job = p.root / "jobs" / "t1" / "items.yaml"
    plain_job = job.read_text("utf-8")
    job.write_text(plain_job + OVERRIDES, "utf-8")
    assert run_cli("compile", ".", cwd=p.root).code == 0
    p.write_csv([(1, "a", "1.50", 2, TS)])
    first = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    props = p.table().properties
    assert props["classification.default"] == "internal"
    assert props["classification.fields.name"] == "pii"
    assert props["classification.fields.price"] == "financial"
    assert props["governance.owner"] == "items-team@example.com"
    assert props["governance.retention_days"] == "400"
    assert (props["finops.cost_center"], props["finops.project"]) == ("OPS-1", "inventory")
    assert (props["asset.name"], props["dativo.tenant"], props["dativo.tags"]) == ("items", "t1", "catalog,items")
    assert p.rows().num_rows == 1

    # someone sets a property of their own; the job drops its overrides and runs again
    table = p.table()
    with table.transaction() as txn:
        txn.set_properties({"owner.note": "keep me"})
    job.write_text(plain_job, "utf-8")
    assert run_cli("compile", ".", cwd=p.root).code == 0
    second = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert second.code == 0, second.out + second.err
    props = p.table().properties
    assert props["owner.note"] == "keep me"
    assert "classification.fields.price" not in props and "finops.project" not in props  # no longer derived
    assert props["governance.retention_days"] == "30"

    # the same plan again: the table already has its properties, no metadata is written
    before = p.table().metadata_location
    third = p.run("--job", "t1.items_hourly", "--run-id", "r3")
    assert third.code == 0, third.out + third.err
    assert p.table().metadata_location == before
