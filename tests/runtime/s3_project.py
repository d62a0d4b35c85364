"""An upstream-shaped project of our own for the S3/MinIO target tests: dativo-ingest's csv, s3 and
minio recipes (flat `connection_template` with `${VAR}` references), an ODCS asset with `domain` and
`dataProduct`, one csv -> s3 job and one csv -> minio job (file size, partition folders, path-style),
both scheduled; compiled to a plan and run with `dativo run` against the tests' moto server."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path
from typing import Any

from conftest import REGION, S3Server
from rt_project import Project, Result, run_cli

S3_JOB, MINIO_JOB = "jobs/t1/people_to_s3.yaml", "jobs/t1/people_to_minio.yaml"
S3_SCHEDULE, MINIO_SCHEDULE = "t1.people_to_s3_hourly", "t1.people_to_minio_hourly"
PATH = "hr/people_directory/people"  # <domain>/<dataProduct>/<table>


def _job(target: str, block: str) -> str:
    head = f"""
        tenant_id: t1
        environment: test
        source_connector: csv
        source_connector_path: /app/connectors/csv.yaml
        target_connector: {target}
        target_connector_path: /app/connectors/{target}.yaml
        asset: people
        asset_path: /app/assets/csv/v1.0/people.yaml
        source:
          files:
            - path: /app/data/t1/people.csv
              object: file
        target:"""
    tail = """
        schema_validation_mode: strict
        logging:
          redaction: true
          level: INFO
        """
    return head + block.rstrip() + tail


FILES = {
    "dativo.yaml": """
        version: 1
        container_root: /app
        deploy:
          project_dir: /app
          state_dir: /app/state
        """,
    "connectors/csv.yaml": """
        name: csv
        type: csv
        roles: [source]
        default_engine:
          type: native
        """,
    "connectors/s3.yaml": """
        # dativo-ingest's S3 target recipe shape
        name: s3
        type: s3
        roles: [target]
        description: "S3 object storage connector"
        default_engine:
          type: native
        connection_template:
          bucket: "${S3_BUCKET}"
          endpoint: "${S3_ENDPOINT:-s3.amazonaws.com}"
          access_key_id: "${AWS_ACCESS_KEY_ID}"
          secret_access_key: "${AWS_SECRET_ACCESS_KEY}"
          region: "${AWS_REGION}"
        """,
    "connectors/minio.yaml": """
        # dativo-ingest's MinIO target recipe shape
        name: minio
        type: minio
        roles: [target]
        default_engine:
          type: native
        connection_template:
          endpoint: "${MINIO_ENDPOINT}"
          bucket: "${MINIO_BUCKET}"
          access_key_id: "${MINIO_ACCESS_KEY}"
          secret_access_key: "${MINIO_SECRET_KEY}"
          secure: false
          path_style_access: true
        """,
    "assets/csv/v1.0/people.yaml": """
        apiVersion: v3.0.2
        kind: DataContract
        id: 0f3c2a4e-6b1d-4e7a-9c55-2d8e1f4b7a90
        name: people
        version: "1.0"
        status: active
        source_type: csv
        object: file
        domain: hr
        dataProduct: people_directory
        team:
          owner: hr-data@example.com
        schema:
          - name: id
            type: bigint
            required: true
          - name: name
            type: string
            required: true
          - name: country
            type: string
          - name: joined
            type: date
        """,
    # dativo-ingest's tests/fixtures/jobs shape: csv people to S3, and to MinIO (1 MB files in country= folders)
    S3_JOB: _job(
        "s3",
        """
          connection:
            bucket: "${PEOPLE_BUCKET}"
            prefix: raw/csv/people
            endpoint: "${S3_ENDPOINT}"
            access_key_id: "${AWS_ACCESS_KEY_ID}"
            secret_access_key: "${AWS_SECRET_ACCESS_KEY}"
            region: "${AWS_REGION}"
        """,
    ),
    MINIO_JOB: _job(
        "minio",
        """
          parquet_target_size_mb: 1
          partitioning: [country]
          connection:
            prefix: raw/csv/people_minio
        """,
    ),
    "configs/runner.yaml": """
        runner:
          mode: orchestrated
          orchestrator:
            type: dagster
            concurrency_per_tenant: 1
            schedules:
              - name: people_to_s3_hourly
                config: /app/jobs/t1/people_to_s3.yaml
                cron: "0 * * * *"
              - name: people_to_minio_hourly
                config: /app/jobs/t1/people_to_minio.yaml
                cron: "30 * * * *"
        """,
}


def make_s3_project(root: Path) -> Project:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
    res = run_cli("compile", ".", cwd=root)
    assert res.code == 0 and " warning " not in res.out, res.out + res.err
    return Project(root)


def people(n: int, start: int = 0, countries: tuple[str, ...] = ("DE", "US")) -> list[tuple]:
    """`n` rows; the names are digests, so the Parquet files do not compress to nothing."""
    return [(i, _digest(i), countries[i % len(countries)], "2025-03-01") for i in range(start, start + n)]


def _digest(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def write_people(p: Project, rows: list[tuple], name: str = "people.csv") -> None:
    p.write_csv(rows, name, header="id,name,country,joined")


def env_for(server: S3Server, bucket: str, *, secret: str | None = None) -> dict[str, str]:
    """The job's environment: upstream's variable names, for both recipes."""
    return {
        "PEOPLE_BUCKET": bucket,
        "S3_ENDPOINT": f"http://{server.endpoint}",
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": secret or server.secret_key,
        "AWS_REGION": REGION,
        "MINIO_ENDPOINT": server.endpoint,
        "MINIO_BUCKET": bucket,
        "MINIO_ACCESS_KEY": server.access_key,
        "MINIO_SECRET_KEY": secret or server.secret_key,
    }


def run(p: Project, schedule: str, run_id: str, env: dict[str, str], *args: str) -> Result:
    return p.run("--job", schedule, "--run-id", run_id, *args, env=env)


def listing(server: S3Server, bucket: str) -> list[str]:
    """Every object in `bucket` (files only), sorted."""
    import pyarrow.fs as pafs

    infos = server.filesystem().get_file_info(pafs.FileSelector(bucket, recursive=True))
    return sorted(i.path for i in infos if i.type == pafs.FileType.File)


def read(server: S3Server, where: str) -> Any:
    """The Parquet files under `where` as a reader sees them (pyarrow skips `_`-prefixed folders)."""
    import pyarrow.dataset as ds

    return ds.dataset(where, filesystem=server.filesystem(), format="parquet", partitioning=None).to_table()
