"""The 3xx (schedule) and 4xx (graph and tenancy) codes: compiler/codes.py re-exports them, so every code
is `codes.X` (split off to keep each module under the house's 400 lines)."""

from __future__ import annotations

from .code import SITE_HINT, Code

# 3xx schedule. A cron `detail` and its hint come from the scan of compiler/cron.py (which field and item
# is wrong, and how to write it), the parse of runtime/cron.py, or a target's reading of the line.
INVALID_CRON = Code("DTV301", "invalid cron expression", "invalid cron {cron!r}: {detail}", SITE_HINT)
# the hint: the host's zone file, a did-you-mean, or an IANA name
UNKNOWN_TIMEZONE = Code("DTV302", "unknown time zone", "unknown time zone {zone!r}", SITE_HINT)
CRON_XOR_INTERVAL = Code(
    "DTV303",
    "schedule needs exactly one of cron, interval_seconds",
    "schedule {schedule!r} has {which}",
    "set exactly one: cron (a cron expression) or interval_seconds",
)
# not positive, longer than a day, or not a divisor of the day (the hint names the nearest valid ones)
INTERVAL_INEXPRESSIBLE = Code(
    "DTV304", "interval cannot be expressed as cron", "interval_seconds {seconds} {reason}", SITE_HINT
)
DUPLICATE_SCHEDULE = Code(
    "DTV305",
    "duplicate schedule name",
    "duplicate schedule name {schedule!r} (first at line {line})",
    "schedule names are unique within runner.yaml",
)
DST_TRANSITION = Code(
    "DTV306",
    "schedule fires inside a DST transition hour (warning)",
    "schedule {schedule!r} fires at {times} on {date}, inside a {kind} hour of {zone}; "
    "targets disagree there: {behaviour}",
    "schedule in UTC, or outside 01:00-03:59 local time",
    severity="warning",
    docs="targets.md#daylight-saving-time",
)
CRON_UNSUPPORTED_SYNTAX = Code(
    "DTV307", "cron syntax our targets cannot run", "unsupported cron {cron!r}: {detail}", SITE_HINT
)
CRON_NEVER_FIRES = Code(
    "DTV308",
    "cron expression never fires",
    "cron {cron!r} never fires: month {month} has no day {day}",
    "February has at most 29 days; April, June, September and November have 30",
)
OVERLAPPING_APPEND = Code(
    "DTV320",
    "overlapping runs of an incremental append job (warning)",
    "schedule {schedule!r} lets {runs} runs of the incremental append job {job!r} overlap; they select the "
    "same new {unit}, and all but one commit nothing (the runtime refuses a commit whose incremental state "
    "is no longer the table's latest)",
    "set max_concurrent_runs: 1 (a late run then waits or is blocked and the next one catches up), "
    "or load by key with mode: merge",
    severity="warning",
    docs="runtime.md#overlapping-runs",
)

# 4xx graph and tenancy
TENANT_FOLDER_MISMATCH = Code(
    "DTV401",
    "tenant_id differs from its jobs/<tenant>/ folder",
    "tenant_id {tenant!r} differs from the tenant folder {folder}",
    "one tenant per folder: set tenant_id: {folder_tenant}, or move the file",
)
TABLE_MULTI_TENANT = Code(
    "DTV402",
    "two tenants write one Iceberg table",
    "Iceberg table {table!r} is written by several tenants ({tenants})",
    "give each tenant its own namespace (target.namespace defaults to the tenant id)",
)
# (a namespace of another tenant was DTV403 too, until it had its own code: DTV237)
OUTSIDE_TENANT_BRANCH = Code(
    "DTV403",
    "job commits to a branch that is not its tenant's",
    "job of tenant {tenant!r} commits to branch {branch!r}, which is not the tenant's",
    "use branch {tenant!r} or one starting with '{tenant}/'",
)
FOREIGN_SECRET = Code("DTV404", "secret path of another tenant", "{what} tenant {owner!r}{detail}", SITE_HINT)
PLAINTEXT_SECRET = Code("DTV405", "plain-text secret in config", "{key!r} holds a plain-text {what}", SITE_HINT)
DUPLICATE_TABLE_WRITER = Code(
    "DTV406",
    "one tenant writes a table from two assets",
    "Iceberg table {table!r} is written with different assets ({assets})",
    "one table, one data contract: point the jobs at the same asset",
)
DAG_CYCLE = Code(
    "DTV407",
    "DAG tasks depend on each other in a cycle",
    "DAG {dag!r} has a dependency cycle: {cycle} (each depends on the next)",
    "remove one of these depends_on entries",
)
UNKNOWN_DEPENDENCY = Code(
    "DTV408", "depends_on names no task of the DAG", "task {task!r} depends on unknown task {dep!r}", SITE_HINT
)
DUPLICATE_TASK = Code(
    "DTV409",
    "duplicate task id in a DAG",
    "duplicate task id {task!r} (first at line {line})",
    "task ids are unique within a DAG",
)
DAG_MIXED_TENANTS = Code(
    "DTV410",
    "DAG runs a job of another tenant",
    "task {task!r} runs a job of tenant {job_tenant!r} in DAG {dag!r} of tenant {tenant!r}",
    "a DAG runs the jobs of one tenant; give the other tenant a DAG of its own",
)
DAG_TASK_NAME = Code(
    "DTV411",
    "DAG task id is not a safe name",
    "task id {task!r} of DAG {dag!r} is not a safe name",
    "a letter or digit, then letters, digits, '_' or '-', at most 63 in all: every orchestrator names its own "
    "task after it (an Airflow task, a Dagster asset) and the runtime keeps its state under it",
)
