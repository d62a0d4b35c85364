"""A small real project for runtime tests: one tenant, one csv job, compiled to a plan;
`dativo run` in a subprocess, and a reader for the Iceberg table it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

COLUMNS = """
    - name: id
      type: bigint
      required: true
    - name: name
      type: string
      required: true
    - name: price
      type: decimal
      precision: 10
      scale: 2
    - name: qty
      type: integer
    - name: ts
      type: timestamp
      required: true
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        rows = [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]
        return [r for r in rows if kind is None or r["event_type"] == kind]


@dataclass
class Project:
    root: Path

    @property
    def plan(self) -> Path:
        return self.root / "generated" / "plan.json"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def write_csv(self, rows: list[tuple], name: str = "items.csv", header: str = "id,name,price,qty,ts") -> Path:
        path = self.root / "data" / "t1" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            header + "\n" + "".join(",".join("" if v is None else str(v) for v in r) + "\n" for r in rows), "utf-8"
        )
        os.replace(tmp, path)
        return path

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
        return run_cli("run", "--plan", str(self.plan), *args, cwd=self.root, env=env, timeout=timeout)

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "dativo.compiler.cli", "run", "--plan", str(self.plan), *args],
            cwd=self.root,
            env=_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def table(self, ns: str = "t1", name: str = "items") -> Any:
        from pyiceberg.catalog.sql import SqlCatalog

        cat = SqlCatalog(
            "local", uri=f"sqlite:///{self.state}/catalog/t1.db", warehouse=f"file://{self.state}/warehouse/t1/"
        )
        return cat.load_table((ns, name))

    def rows(self) -> Any:
        return self.table().scan().to_arrow()


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATIVO_DEBUG"}
    env.update(extra or {})
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
    p = subprocess.run(
        [sys.executable, "-m", "dativo.compiler.cli", *args],
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in p.stdout + p.stderr, p.stdout + p.stderr
    return Result(p.returncode, p.stdout, p.stderr)


def make_project(
    root: Path,
    *,
    validation: str = "strict",
    mode: str = "strict",
    key_columns: list[str] | None = None,
    strategy: str | None = "file_modified_time",  # None: no incremental block (a full load)
    cursor: str | None = None,
    files: str = "/app/data/t1/items.csv",
    file_format: str | None = None,
    source: str = "csv",
    retry: str = "",
    connection: str = "",
    concurrency: int = 1,
    partitioning: str = "",
    log_level: str = "INFO",
    target_connection: str = "",
    columns: str = COLUMNS,
    extra_jobs: dict[str, str] | None = None,
    compile_: bool = True,
) -> Project:
    def w(rel: str, text: str) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip(), "utf-8")

    w(
        "dativo.yaml",
        """
        version: 1
        container_root: /app
        deploy:
          project_dir: /app
          state_dir: /app/state
        """,
    )
    w(
        f"connectors/{source}.yaml",
        f"""
        name: {source}
        type: {source}
        roles: [source]
        default_engine:
          type: native
        incremental:
          strategy: file_modified_time
        """,
    )
    w(
        "connectors/iceberg.yaml",
        """
        name: iceberg
        type: iceberg
        roles: [target]
        default_engine:
          type: native
        connection_template:
          catalog_type: sql
        """,
    )
    keys = f"\n    key_columns: {json.dumps(key_columns)}" if key_columns else ""
    w(
        "assets/files/v1.0/items.yaml",
        f"""
asset:
  name: items
  source_type: {source}
  object: file
  version: "1.0"
  schema:{textwrap.indent(textwrap.dedent(columns), "  ")}
  target:
    mode: {mode}{keys}
""",
    )
    inc = f"  incremental:\n    strategy: {strategy}\n" + (f"    cursor_field: {cursor}\n" if cursor else "")
    inc = inc if strategy is not None else ""
    fmt = f"      file_format: {file_format}\n" if file_format else ""
    job = f"""\
tenant_id: t1
source_connector: {source}
source_connector_path: /app/connectors/{source}.yaml
target_connector: iceberg
target_connector_path: /app/connectors/iceberg.yaml
asset: items
asset_path: /app/assets/files/v1.0/items.yaml
source:
  files:
    - path: {files}
      object: file
{fmt}{inc}{connection}target:
  catalog: local
  warehouse: file:///app/state/warehouse/t1/
  connection:
    catalog_type: sql
    uri: sqlite:////app/state/catalog/t1.db
{target_connection}{partitioning}schema_validation_mode: {validation}
logging:
  level: {log_level}
  redaction: true
{retry}"""
    (root / "jobs" / "t1").mkdir(parents=True, exist_ok=True)
    (root / "jobs" / "t1" / "items.yaml").write_text(job, "utf-8")
    schedules = '      - name: items_hourly\n        config: /app/jobs/t1/items.yaml\n        cron: "0 * * * *"\n'
    for name, text in (extra_jobs or {}).items():
        (root / "jobs" / "t1" / f"{name}.yaml").write_text(text, "utf-8")
        schedules += (
            f'      - name: {name}_hourly\n        config: /app/jobs/t1/{name}.yaml\n        cron: "0 * * * *"\n'
        )
    w(
        "configs/runner.yaml",
        f"""
runner:
  mode: orchestrated
  orchestrator:
    type: dagster
    concurrency_per_tenant: {concurrency}
    schedules:
{schedules}""",
    )
    project = Project(root)
    if compile_:
        res = run_cli("compile", ".", cwd=root)
        assert res.code == 0, res.out + res.err
    return project
