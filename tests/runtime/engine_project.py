"""A small real project for the connector-engine tests: one tenant, one job whose source runs on a
connector engine (Airbyte's faker source, a Singer tap, a Python plugin), compiled to a plan; the runs
and the table reader are rt_project's. Connector venvs are built once and shared between test runs
(under `$DATIVO_TOOLS_DIR/connectors`, as tests/toolenv.py keeps the real tools)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tests.runtime.rt_project import Project, run_cli
from tests.toolenv import TOOLS_DIR

FAKER = "airbyte-source-faker==7.2.1"
CONNECTORS_DIR = TOOLS_DIR / "connectors"

USERS = """
    - name: id
      type: bigint
      required: true
    - name: name
      type: string
    - name: age
      type: integer
    - name: email
      type: string
    - name: created_at
      type: timestamp
    - name: updated_at
      type: timestamp
      required: true
"""


def engine_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run: the shared connector cache, plus `extra`."""
    return {"DATIVO_CONNECTORS_DIR": str(CONNECTORS_DIR), **(extra or {})}


def faker_recipe(count: int, *, parallelism: int = 1, records_per_slice: int = 1000) -> str:
    return f"""
        name: faker
        type: faker
        roles: [source]
        default_engine:
          type: airbyte
          options:
            package: {FAKER}
            config:
              count: {count}
              seed: 7
              parallelism: {parallelism}
              records_per_slice: {records_per_slice}
              always_updated: false
        incremental:
          strategy: updated_at
          cursor_field_default: updated_at
        """


def registry(source: str, obj: str) -> str:
    """The project's registry (it replaces dativo's default): the engine source and the Iceberg target."""
    return (
        "version: 3\nconnectors:\n"
        f"  {source}:\n    roles: [source]\n    category: test\n    default_engine: airbyte\n"
        "    engines_supported: [airbyte, singer, meltano, native]\n    allowed_in_cloud: true\n"
        f"    supports_incremental: true\n    incremental_strategy_default: updated_at\n"
        f"    objects_supported: [{obj}]\n"
        "  iceberg:\n    roles: [target]\n    category: lakehouse\n    default_engine: native\n"
        "    engines_supported: [native]\n    allowed_in_cloud: true\n"
    )


def make_engine_project(
    root: Path,
    recipe: str,
    *,
    source: str = "faker",
    obj: str = "users",
    columns: str = USERS,
    incremental: bool = True,
    source_block: str = "",
    validation: str = "strict",
    key_columns: list[str] | None = None,
    compile_: bool = True,
) -> Project:
    def w(rel: str, text: str) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip(), "utf-8")

    w("dativo.yaml", "version: 1\ncontainer_root: /app\ndeploy:\n  project_dir: /app\n  state_dir: /app/state\n")
    w(f"connectors/{source}.yaml", recipe)
    w("registry/connectors.yaml", registry(source, obj))
    w(
        "connectors/iceberg.yaml",
        "name: iceberg\ntype: iceberg\nroles: [target]\ndefault_engine:\n  type: native\n"
        "connection_template:\n  catalog_type: sql\n",
    )
    mode = f"merge\n    key_columns: {key_columns}" if key_columns else "strict"
    cols = textwrap.indent(textwrap.dedent(columns), "  ")
    w(
        "assets/files/v1.0/items.yaml",
        f'asset:\n  name: items\n  source_type: {source}\n  object: {obj}\n  version: "1.0"\n'
        f"  schema:{cols}\n  target:\n    mode: {mode}\n",
    )
    inc = "  incremental:\n    strategy: updated_at\n    cursor_field: updated_at\n" if incremental else ""
    job = (
        f"tenant_id: t1\nsource_connector: {source}\nsource_connector_path: /app/connectors/{source}.yaml\n"
        "target_connector: iceberg\ntarget_connector_path: /app/connectors/iceberg.yaml\n"
        "asset: items\nasset_path: /app/assets/files/v1.0/items.yaml\n"
        f"source:\n  objects: [{obj}]\n{inc}{source_block}"
        "target:\n  catalog: local\n  warehouse: file:///app/state/warehouse/t1/\n  connection:\n"
        "    catalog_type: sql\n    uri: sqlite:////app/state/catalog/t1.db\n"
        f"schema_validation_mode: {validation}\nlogging:\n  level: INFO\n  redaction: true\n"
    )
    w("jobs/t1/items.yaml", job)
    w(
        "configs/runner.yaml",
        "runner:\n  mode: orchestrated\n  orchestrator:\n    type: dagster\n    concurrency_per_tenant: 1\n"
        '    schedules:\n      - name: items_hourly\n        config: /app/jobs/t1/items.yaml\n        cron: "0 * * * *"\n',
    )
    project = Project(root)
    if compile_:
        res = run_cli("compile", ".", cwd=root)
        assert res.code == 0, res.out + res.err
    return project


def faker_venv() -> Path:
    """The faker source's venv, built once (the first test to need it pays the ~1 min pip install)."""
    os.environ.setdefault("DATIVO_CONNECTORS_DIR", str(CONNECTORS_DIR))
    from dativo.runtime.sources import venvs

    return venvs.ensure([FAKER])
