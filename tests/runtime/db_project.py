"""A small real project whose job reads one table of a real database server (tests/services/) into
Iceberg: the recipe's connection_template names ${PGHOST}/${MYSQL_HOST}..., the tenant's credentials
file gives them (user and password included), as a deployed job gets them."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from rt_project import Project, run_cli

ENV_NAMES = {
    "postgres": ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"),
    "mysql": ("MYSQL_HOST", "MYSQL_PORT", "MYSQL_DB", "MYSQL_USER", "MYSQL_PASSWORD"),
}

COLUMNS = """
    - {name: id, type: bigint, required: true}
    - {name: customer_id, type: bigint}
    - {name: total, type: decimal, precision: 12, scale: 2}
    - {name: status, type: string, required: true}
    - {name: updated_at, type: timestamp, required: true}
"""


def make_db_project(
    root: Path,
    server: Any,
    kind: str,
    table: str,
    *,
    incremental: bool = True,
    validation: str = "strict",
    columns: str = COLUMNS,
    engine_options: str = "",
) -> Project:
    def w(rel: str, text: str) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip(), "utf-8")

    host, port, db, user, pw = ENV_NAMES[kind]
    w("dativo.yaml", "version: 1\ncontainer_root: /app\ndeploy:\n  project_dir: /app\n  state_dir: /app/state\n")
    w(
        f"connectors/{kind}.yaml",
        f"""
        name: {kind}
        type: {kind}
        roles: [source]
        default_engine:
          type: native
          options: {{{engine_options}}}
        credentials:
          type: env_file
          file_template: /app/secrets/{{tenant}}/{kind}.env
        incremental:
          strategy: updated_at
          cursor_field_default: updated_at
        connection_template:
          host: ${{{host}}}
          port: ${{{port}:-{server.port}}}
          database: ${{{db}}}
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
    w(
        f"secrets/t1/{kind}.env",
        f"{host}={server.host}\n{db}={server.dbname}\n{user}={server.user}\n{pw}={server.password}\n",
    )
    schema = textwrap.indent(textwrap.dedent(columns), "  ")
    w(
        "assets/db/v1.0/items.yaml",
        f"asset:\n  name: items\n  source_type: {kind}\n  object: orders\n  version: '1.0'\n  schema:{schema}",
    )
    inc = "  incremental:\n    strategy: updated_at\n    cursor_field: updated_at\n" if incremental else ""
    cursor = "      cursor_field: updated_at\n" if incremental else ""
    w(
        "jobs/t1/items.yaml",
        f"""\
tenant_id: t1
source_connector: {kind}
source_connector_path: /app/connectors/{kind}.yaml
target_connector: iceberg
target_connector_path: /app/connectors/iceberg.yaml
asset: items
asset_path: /app/assets/db/v1.0/items.yaml
source:
  tables:
    - name: {table}
      object: orders
{cursor}{inc}target:
  catalog: local
  warehouse: file:///app/state/warehouse/t1/
  connection:
    catalog_type: sql
    uri: sqlite:////app/state/catalog/t1.db
schema_validation_mode: {validation}
""",
    )
    w(
        "configs/runner.yaml",
        """
        runner:
          mode: orchestrated
          orchestrator:
            type: dagster
            schedules:
              - name: items_hourly
                config: /app/jobs/t1/items.yaml
                cron: "0 * * * *"
        """,
    )
    res = run_cli("compile", ".", cwd=root)
    assert res.code == 0, res.out + res.err
    return Project(root)
