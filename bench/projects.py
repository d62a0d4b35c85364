"""The synthetic projects bench/compile.py times: N jobs across N/20 tenants, one schedule each.

Two kinds of job file: `job_yaml` writes full ones (paths, retry policy, logging; about 35 lines),
`small_job_yaml` the few lines users write when the defaults suit them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
JOBS_PER_TENANT = 20

# Recipes and assets are copied from the example project (both asset forms: legacy and flat ODCS).
RECIPES = ("csv", "stripe", "postgres", "iceberg")
ASSETS = (
    "csv/v1.0/orders.yaml",
    "csv/v1.0/events.yaml",
    "stripe/v1.0/customers.yaml",
    "stripe/v1.0/charges.yaml",
    "stripe/v1.0/invoices.yaml",
    "postgres/v1.0/db_orders.yaml",
)

PROJECT = """\
# Synthetic benchmark project (bench/compile.py).
version: 1
container_root: /app
mode: self_hosted
deploy: {project_dir: /app, dativo_bin: dativo, state_dir: /app/state}
"""

JOB = """\
# Synthetic job {i} of {tenant}: {what}.
tenant_id: {tenant}
environment: production

source_connector: {conn}
source_connector_path: /app/connectors/{conn}.yaml
target_connector: iceberg
target_connector_path: /app/connectors/iceberg.yaml
asset: {asset}
asset_path: /app/assets/{asset_file}

source:
{source}
target:
  branch: {tenant}
  warehouse: s3://lake/{tenant}/
  catalog: nessie
  table: {asset}_{i:05d}
  partitioning: [{partition}]

schema_validation_mode: {mode}
logging:
  level: INFO
  redaction: true

retry_config:
  max_retries: {retries}
  initial_delay_seconds: 10
  max_delay_seconds: 300
  backoff_multiplier: 2.0
  retryable_exit_codes: [2]
  retryable_error_patterns:
    - "ConnectionError"
    - "TimeoutError"
"""


def _stripe(obj: str, lookback: int, native: bool) -> str:
    engine = "  engine:\n    type: native\n    options:\n      page_size: 100\n" if native else ""
    return (
        f"  objects: [{obj}]\n  incremental:\n    strategy: created\n    cursor_field: created\n"
        f"    lookback_days: {lookback}\n{engine}"
    )


def _csv(tenant: str, name: str, i: int) -> str:
    return (
        f"  files:\n    - path: /app/data/{tenant}/{name}_{i:05d}.csv\n      object: file\n      file_format: csv\n"
        "  incremental:\n    strategy: file_modified_time\n"
    )


def _postgres(tenant: str, i: int) -> str:
    return (
        f"  tables:\n    - name: public.orders_{i:05d}\n      object: db_orders\n      cursor_field: updated_at\n"
        "  incremental:\n    strategy: cursor_field\n    cursor_field: updated_at\n"
        f"  connection:\n    database: shop_{tenant}\n    application_name: dativo-{tenant}\n"
    )


def job_yaml(i: int, tenant: str) -> str:
    """Job i: six kinds in turn (stripe x3, csv legacy, csv ODCS, postgres), all valid."""
    kind = i % 6
    if kind in (0, 1, 4):
        obj = ("customers", "charges", "", "", "invoices")[kind]
        conn, asset, afile, src = "stripe", f"stripe_{obj}", f"stripe/v1.0/{obj}.yaml", _stripe(obj, i % 4, i % 12 == 0)
    elif kind == 2:
        conn, asset, afile, src = "csv", "orders", "csv/v1.0/orders.yaml", _csv(tenant, "orders", i)
    elif kind == 3:
        conn, asset, afile, src = "postgres", "db_orders", "postgres/v1.0/db_orders.yaml", _postgres(tenant, i)
    else:
        conn, asset, afile, src = "csv", "events", "csv/v1.0/events.yaml", _csv(tenant, "events", i)
    return JOB.format(
        i=i,
        tenant=tenant,
        what=f"{conn} {asset} into Iceberg",
        conn=conn,
        asset=asset,
        asset_file=afile,
        source=src,
        partition="event_date" if asset == "events" else "ingest_date",
        mode="warn" if asset == "events" else "strict",
        retries=1 + i % 4,
    )


SMALL_JOB = """\
tenant_id: {tenant}
source_connector: {conn}
target_connector: iceberg
asset: {asset}
source:
{source}target:
  branch: {tenant}
"""


def small_job_yaml(i: int, tenant: str) -> str:
    """Job i as users write one when the defaults suit them: names instead of paths, the recipe's and the
    asset's defaults left alone (a few lines; per-file costs weigh most). Stripe objects and csv files."""
    kind = i % 4
    if kind < 3:
        obj = ("customers", "charges", "invoices")[kind]
        return SMALL_JOB.format(tenant=tenant, conn="stripe", asset=f"stripe_{obj}", source=f"  objects: [{obj}]\n")
    files = f"  files:\n    - path: data/{tenant}/orders_{i:05d}.csv\n"
    return SMALL_JOB.format(tenant=tenant, conn="csv", asset="orders", source=files)


# (cron line or None, interval_seconds or None, time zone); DST-safe so validation stays silent
TIMINGS: tuple[tuple[str | None, int | None, str], ...] = (
    ("0 * * * *", None, "UTC"),
    ("*/15 * * * *", None, "UTC"),
    ("30 6 * * 1-5", None, "UTC"),
    (None, 21600, "UTC"),
    ("30 6 * * *", None, "Europe/Berlin"),
    ("0 12 * * *", None, "America/New_York"),
    (None, 21600, "America/New_York"),
)


def schedule_yaml(i: int, tenant: str) -> str:
    cron, interval, tz = TIMINGS[i % len(TIMINGS)]
    lines = [
        f"      - name: {tenant}_job_{i:05d}",
        f"        config: /app/jobs/{tenant}/job_{i:05d}.yaml",
        f'        cron: "{cron}"' if cron else f"        interval_seconds: {interval}",
        f"        timezone: {tz}",
    ]
    if i % 10 == 9:
        lines.append("        enabled: false")
    if i % 5 == 1:
        lines.append("        max_concurrent_runs: 2")
    if i % 3 == 0:
        lines += ["        tags:", "          environment: production", f"          team: data-{i % 7}"]
    return "\n".join(lines) + "\n"


def generate(root: Path, n_jobs: int, job: Callable[[int, str], str] = job_yaml) -> int:
    """Write a project of n_jobs jobs (`job(i, tenant)`) across n_jobs/20 tenants; returns the number of tenants."""
    n_tenants = max(1, n_jobs // JOBS_PER_TENANT)
    (root / "configs").mkdir(parents=True)
    (root / "connectors").mkdir()
    (root / "dativo.yaml").write_text(PROJECT)
    for name in RECIPES:
        shutil.copyfile(EXAMPLES / "connectors" / f"{name}.yaml", root / "connectors" / f"{name}.yaml")
    for rel in ASSETS:
        (root / "assets" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLES / "assets" / rel, root / "assets" / rel)
    runner = [
        "runner:",
        "  mode: orchestrated",
        "  orchestrator:",
        "    type: dagster",
        "    concurrency_per_tenant: 1",
        "    retry_config:",
        "      max_retries: 2",
        "      initial_delay_seconds: 5",
        "      max_delay_seconds: 300",
        "      backoff_multiplier: 2.0",
        "      retryable_exit_codes: [2]",
        "    schedules:",
    ]
    text = ["\n".join(runner) + "\n"]
    for i in range(n_jobs):
        tenant = f"tenant_{min(i // JOBS_PER_TENANT, n_tenants - 1):03d}"
        folder = root / "jobs" / tenant
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"job_{i:05d}.yaml").write_text(job(i, tenant))
        text.append(schedule_yaml(i, tenant))
    (root / "configs" / "runner.yaml").write_text("".join(text))
    return n_tenants
