"""dativo-ingest's eight documented jobs (its docs/examples/jobs/acme/), in a project of our own with the
same shapes (tests/projects/upstream_examples: our recipes, assets, jobs and data).

All eight compile with 0 errors. The five "Nessie" jobs name no `target.catalog`, so dativo-ingest writes
their rows as Parquet files to `s3://<s3.bucket>/<domain>/<dataProduct>/<table>` and never reads
`nessie.*`, `warehouse` or `branch`; so does dativo (DTV245 warns of each ignored setting). The one whose
source this runtime reads (csv) runs as written into Parquet files on the tests' S3 server; it also runs
with its target pointed at the embedded Iceberg catalog (its propagated tags read back through pyiceberg),
and with the target blocks of the s3 and minio examples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import REGION, S3Server
from rt_project import REPO, Result, run_cli

PROJECT = REPO / "tests" / "projects" / "upstream_examples"
JOBS = PROJECT / "jobs" / "acme"
NESSIE = {
    "employee_with_overrides",
    "gdrive_deals_to_iceberg",
    "hubspot_contacts_to_iceberg",
    "postgres_orders_to_iceberg",
    "stripe_customers_to_iceberg",
}
ROWS = 3  # tests/fixtures/seeds/employee_complete_dataset.csv
# the embedded catalog: a target recipe with no catalog connection (outside connectors/, named by path)
LOCAL_RECIPE = "name: iceberg\ntype: iceberg\nroles: [target]\ndefault_engine:\n  type: native\n"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    return root


def _block(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def _retarget(root: Path, name: str, connector: str, recipe: str, target: str) -> str:
    """employee_with_overrides as written but for its target: `target` replaces its target block."""
    text = (JOBS / "employee_with_overrides.yaml").read_text("utf-8")
    text = text.replace(_block(text, "target:\n", "\n# column"), target)
    text = text.replace("target_connector: iceberg\n", f"target_connector: {connector}\n")
    text = text.replace("target_connector_path: /app/connectors/iceberg.yaml", f"target_connector_path: {recipe}")
    (root / "jobs" / "acme" / f"{name}.yaml").write_text(text, "utf-8")
    return f"jobs/acme/{name}.yaml"


def _errors(res: Result, *files: str) -> list[dict[str, Any]]:
    """The errors of `res` (a JSON report), in `files` when given."""
    return [d for d in json.loads(res.out) if d["severity"] == "error" and (not files or d["file"] in files)]


def test_the_eight_examples_compile_and_the_nessie_settings_are_ignored_warnings(tmp_path: Path) -> None:
    assert sorted(p.stem for p in JOBS.glob("*.yaml")) == sorted(
        NESSIE | {"gsheets_vendors_to_minio", "mysql_customers_to_s3", "stripe_customers_to_s3"}
    )
    res = run_cli("validate", ".", "--format", "json", cwd=_copy(tmp_path))
    assert _errors(res) == []
    ignored = [d for d in json.loads(res.out) if d["code"] == "DTV245"]
    # per Nessie job: its nessie block, warehouse and branch, each a warning at the job's key
    assert sorted((Path(d["file"]).stem, d["message"].split(" ", 1)[0]) for d in ignored) == sorted(
        (job, key) for job in NESSIE for key in ("target.branch", "target.connection.nessie", "target.warehouse")
    )
    for d in ignored:
        line = (PROJECT / d["file"]).read_text("utf-8").splitlines()[d["line"] - 1]
        assert d["severity"] == "warning" and line.strip().startswith(d["message"].split(" ", 1)[0].rsplit(".")[-1])
        assert "dativo-ingest reads it only when target.catalog is set, and so does dativo" in d["message"]
        assert d["message"].endswith("Parquet files in the bucket target.connection.s3.bucket names")


def test_the_employee_example_as_written_writes_parquet_files_to_its_s3_bucket(
    tmp_path: Path, s3_server: S3Server
) -> None:
    """dativo-ingest's meaning of the job as written (an iceberg target, nessie.uri, s3.bucket and s3.prefix,
    no target.catalog): Parquet files under the bucket, not a table in a catalog."""
    root = _copy(tmp_path)
    bucket = s3_server.bucket("acme-lake")  # the job's s3.bucket
    job = "jobs/acme/employee_with_overrides.yaml"
    assert _errors(run_cli("validate", ".", "--format", "json", cwd=root), job) == []
    assert run_cli("compile", ".", cwd=root).code == 0
    plan = json.loads((root / "generated" / "plan.json").read_text("utf-8"))["jobs"][job]
    assert (plan["target"]["writes"], plan["target"]["parquet_path"]) == ("parquet", "default/default/csv_employee")
    env = {
        "S3_ENDPOINT": f"http://{s3_server.endpoint}",
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "AWS_REGION": REGION,
    }
    res = run_cli("run", "--config", job, "--run-id", "r1", cwd=root, env=env)
    assert res.code == 0, res.out + res.err
    # s3.prefix, then dativo-ingest's <domain>/<dataProduct>/<table> (a legacy asset names neither: default)
    where = f"{bucket}/landing/hr/employees/default/default/csv_employee"
    files = [f for f in _listing(s3_server, f"{bucket}/") if f.endswith(".parquet")]
    assert files and all(f.startswith(f"{where}/") for f in files), files
    assert sum(_rows(s3_server, f) for f in files) == ROWS
    # the commit marker records what an Iceberg table's properties would: the job's tag overrides, the tenant
    (marker,) = [i for i in _all(s3_server, f"{where}/_dativo/commits/") if i.endswith(".json")]
    body = json.loads(s3_server.filesystem().open_input_stream(marker).read())
    assert (body["tenant"], body["rows"]) == ("acme", ROWS)
    props = body["table_properties"]
    assert (props["classification.fields.email"], props["classification.default"]) == ("high_pii", "confidential")
    assert (props["finops.cost_center"], props["governance.owner"]) == ("HR-200", "hr-platform@acme.example")
    assert not (root / "state" / "catalog").exists()  # no Iceberg catalog was written


def _all(server: S3Server, where: str) -> list[str]:
    import pyarrow.fs as pafs

    infos = server.filesystem().get_file_info(pafs.FileSelector(where, recursive=True, allow_not_found=True))
    return sorted(i.path for i in infos if i.type == pafs.FileType.File)


def test_the_employee_example_runs_into_iceberg_with_its_propagated_tags(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "local").mkdir()
    (root / "local" / "iceberg.yaml").write_text(LOCAL_RECIPE, "utf-8")
    job = _retarget(root, "employee_local", "iceberg", "/app/local/iceberg.yaml", "target:\n  branch: acme\n")
    assert _errors(run_cli("validate", ".", "--format", "json", cwd=root), job) == []
    res = run_cli("run", "--config", job, "--run-id", "r1", cwd=root)
    assert res.code == 0, res.out + res.err
    table = _table(root / "state")
    props = table.properties
    # per column: the job's overrides over the asset's classifications (lower-cased); default: the job's
    assert props["classification.default"] == "confidential"
    assert (props["classification.fields.email"], props["classification.fields.phone_number"]) == (
        "high_pii",
        "high_pii",
    )
    assert props["classification.fields.salary"] == "financial"
    assert props["classification.fields.full_name"] == "pii"  # the asset's, not overridden
    # governance: the job's overrides over the asset's compliance and owner; regulations from compliance
    assert (props["governance.retention_days"], props["governance.owner"]) == ("730", "hr-platform@acme.example")
    assert props["governance.regulations"] == "GDPR"
    # finops: the job's keys over the asset's
    assert props["finops.cost_center"] == "HR-200" and props["finops.project"] == "people-platform"
    assert (props["finops.business_tags"], props["finops.environment"]) == ("hr,payroll", "production")
    # the tenant and the asset
    assert (props["dativo.tenant"], props["asset.name"], props["dativo.tags"]) == (
        "acme",
        "csv_employee",
        "employee,hr",
    )
    rows = table.scan(snapshot_id=table.snapshot_by_name("acme").snapshot_id).to_arrow()  # target.branch
    assert sorted(rows.column("employee_id").to_pylist()) == [101, 102, 103]


def _table(state: Path) -> Any:
    from pyiceberg.catalog.sql import SqlCatalog

    # the embedded catalog: named `dativo` (no target.catalog), one SQLite file per tenant under the state dir
    cat = SqlCatalog("dativo", uri=f"sqlite:///{state}/catalog/acme.db", warehouse=f"file://{state}/warehouse/acme/")
    (ident,) = [t for ns in cat.list_namespaces() for t in cat.list_tables(ns)]
    return cat.load_table(ident)


def test_the_employee_example_runs_with_the_s3_and_minio_examples_targets(tmp_path: Path, s3_server: S3Server) -> None:
    root = _copy(tmp_path)
    bucket = s3_server.bucket("acme-lake")  # the bucket both examples name
    s3 = _block((JOBS / "stripe_customers_to_s3.yaml").read_text("utf-8"), "target:\n", "\nlogging:")
    minio = _block((JOBS / "gsheets_vendors_to_minio.yaml").read_text("utf-8"), "target:\n", "\nlogging:")
    minio = minio.replace("objects.acme.example:9000", s3_server.endpoint)  # the example's host is not ours
    jobs = {
        "landing/stripe/customers": _retarget(root, "employee_s3", "s3", "/app/connectors/s3.yaml", s3),
        "landing/gsheets/vendors_master": _retarget(
            root, "employee_minio", "minio", "/app/connectors/minio.yaml", minio
        ),
    }
    assert _errors(run_cli("validate", ".", "--format", "json", cwd=root), *jobs.values()) == []
    env = {
        "S3_ENDPOINT": f"http://{s3_server.endpoint}",
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "AWS_REGION": REGION,
        "MINIO_BUCKET": "unused-the-job-names-its-bucket",
        "MINIO_ACCESS_KEY": s3_server.access_key,
        "MINIO_SECRET_KEY": s3_server.secret_key,
    }
    for prefix, job in jobs.items():
        res = run_cli("run", "--config", job, "--run-id", "r1", cwd=root, env=env)
        assert res.code == 0, res.out + res.err
        # the example's prefix, then dativo-ingest's <domain>/<dataProduct>/<table> layout (a legacy asset
        # names neither: default/default)
        files = [f for f in _listing(s3_server, f"{bucket}/{prefix}") if f.endswith(".parquet")]
        assert files and all(f.startswith(f"{bucket}/{prefix}/default/default/csv_employee/") for f in files), files
        assert sum(_rows(s3_server, f) for f in files) == ROWS


def _listing(server: S3Server, where: str) -> list[str]:
    import pyarrow.fs as pafs

    infos = server.filesystem().get_file_info(pafs.FileSelector(where, recursive=True, allow_not_found=True))
    return sorted(i.path for i in infos if i.type == pafs.FileType.File and "/_dativo/" not in i.path)


def _rows(server: S3Server, path: str) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path, filesystem=server.filesystem()).num_rows)
