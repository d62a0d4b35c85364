"""Stable diagnostic codes. A code, once shipped, keeps its meaning forever.

Ranges (docs/diagnostics.md#the-catalogue): 0xx load, 1xx schema, 2xx resolve, 3xx schedule,
4xx graph and tenancy, 5xx target and emit, 6xx drift. The catalogue in
docs/diagnostics.md is checked against `CATALOGUE` by a test; every code below DTV510 has a bad case under
tests/cases/bad/, the target codes are proven by the tests under tests/targets/.
"""

from __future__ import annotations

# 0xx load
YAML_SYNTAX = "DTV001"
DUPLICATE_KEY = "DTV002"
ALIAS_BOMB = "DTV003"
UNSAFE_TAG = "DTV004"
NOT_A_MAPPING = "DTV005"
NOT_TEXT = "DTV006"
UNREADABLE = "DTV007"
MULTI_DOCUMENT = "DTV008"

# 1xx schema
UNKNOWN_KEY = "DTV101"
WRONG_TYPE = "DTV102"
MISSING_FIELD = "DTV103"
INVALID_VALUE = "DTV104"
UNKNOWN_ASSET_FORM = "DTV105"

# 2xx resolve
PATH_OUTSIDE_CONTAINER = "DTV201"
PATH_ESCAPES_ROOT = "DTV202"
FILE_NOT_FOUND = "DTV203"
UNKNOWN_CONNECTOR = "DTV204"
UNKNOWN_ASSET = "DTV205"
CONNECTOR_ROLE = "DTV206"
ENGINE_UNSUPPORTED = "DTV207"
NOT_ALLOWED_IN_CLOUD = "DTV208"
INCREMENTAL_UNSUPPORTED = "DTV209"
CURSOR_FIELD_MISSING = "DTV210"
OBJECT_UNSUPPORTED = "DTV211"
TABLES_REQUIRED = "DTV212"
ASSET_MISMATCH = "DTV213"
FILE_FORMAT_UNSUPPORTED = "DTV215"
RECIPE_MISMATCH = "DTV216"
CURSOR_NOT_IN_ASSET = "DTV217"
ENGINE_NOT_RUN = "DTV218"
NO_ICEBERG_TYPE = "DTV219"
TARGET_NOT_WRITTEN = "DTV220"

# 3xx schedule
INVALID_CRON = "DTV301"
UNKNOWN_TIMEZONE = "DTV302"
CRON_XOR_INTERVAL = "DTV303"
INTERVAL_INEXPRESSIBLE = "DTV304"
DUPLICATE_SCHEDULE = "DTV305"
DST_TRANSITION = "DTV306"
CRON_UNSUPPORTED_SYNTAX = "DTV307"
CRON_NEVER_FIRES = "DTV308"
OVERLAPPING_APPEND = "DTV320"

# 4xx graph and tenancy
TENANT_FOLDER_MISMATCH = "DTV401"
TABLE_MULTI_TENANT = "DTV402"
OUTSIDE_TENANT_NAMESPACE = "DTV403"
FOREIGN_SECRET = "DTV404"
PLAINTEXT_SECRET = "DTV405"
DUPLICATE_TABLE_WRITER = "DTV406"
DAG_CYCLE = "DTV407"
UNKNOWN_DEPENDENCY = "DTV408"
DUPLICATE_TASK = "DTV409"
DAG_MIXED_TENANTS = "DTV410"

# 5xx target and emit
UNSAFE_NAME = "DTV501"
# 510-514 the Dagster target
DAGSTER_SETTINGS = "DTV510"
DAGSTER_CRON = "DTV511"
DAGSTER_NAME_CLASH = "DTV512"
DAGSTER_RESERVED_TAG = "DTV513"
DAGSTER_TAG_KEY = "DTV514"
AIRFLOW_BAD_NAME = "DTV515"
AIRFLOW_TAG_TOO_LONG = "DTV516"
AIRFLOW_SETTINGS = "DTV517"
AIRFLOW_UNPASSABLE = "DTV518"
AIRFLOW_INEXPRESSIBLE = "DTV519"
# 520-524 the Kubernetes target
K8S_SETTINGS = "DTV520"
K8S_NAME = "DTV521"
K8S_NAME_COLLISION = "DTV522"
K8S_INEXPRESSIBLE = "DTV523"
K8S_UNREPRESENTABLE = "DTV524"
# 525-529 the systemd target
SYSTEMD_INEXPRESSIBLE = "DTV525"
SYSTEMD_UNREPRESENTABLE = "DTV527"
SYSTEMD_NAME = "DTV528"
SYSTEMD_SETTINGS = "DTV529"

# 6xx drift
ARTIFACT_CHANGED = "DTV601"
ARTIFACT_MISSING = "DTV602"
ARTIFACT_EXTRA = "DTV603"

#: code -> (one-line title, one-line example of the message)
CATALOGUE: dict[str, tuple[str, str]] = {
    YAML_SYNTAX: ("YAML syntax error", "jobs/acme/x.yaml:4:3: error DTV001: mapping values are not allowed here"),
    DUPLICATE_KEY: ("duplicate key in a mapping", "duplicate key 'cron' (first at line 8)"),
    ALIAS_BOMB: ("anchors/aliases expand past the bound", "aliases expand to more than 100000 nodes"),
    UNSAFE_TAG: ("unsafe or unknown YAML tag", "tag '!!python/object' is not allowed"),
    NOT_A_MAPPING: ("document is not a mapping", "expected a mapping at the top of the file, found a sequence"),
    NOT_TEXT: ("file is binary or not UTF-8", "file is not UTF-8 text (invalid byte 0xff at offset 12)"),
    UNREADABLE: ("file cannot be read", "cannot read file: permission denied"),
    MULTI_DOCUMENT: ("more than one YAML document", "expected one YAML document, found 2"),
    UNKNOWN_KEY: ("unknown key", "unknown key 'cronn' in schedule; hint: did you mean 'cron'?"),
    WRONG_TYPE: ("value has the wrong type", "'max_concurrent_runs' must be an integer, got 'two'"),
    MISSING_FIELD: ("required field missing", "missing required field 'tenant_id'"),
    INVALID_VALUE: ("value not allowed", "'schema_validation_mode' must be one of 'strict', 'warn'"),
    UNKNOWN_ASSET_FORM: ("asset file is neither the legacy nor the ODCS form", "cannot tell the asset form"),
    PATH_OUTSIDE_CONTAINER: ("absolute path outside the container root", "path '/etc/x.yaml' is not under '/app'"),
    PATH_ESCAPES_ROOT: ("path escapes the project root", "path '../../x.yaml' escapes the project root"),
    FILE_NOT_FOUND: ("referenced file does not exist", "job config 'jobs/acme/missing.yaml' not found"),
    UNKNOWN_CONNECTOR: ("unknown connector", "unknown connector 'strpe'; hint: did you mean 'stripe'?"),
    UNKNOWN_ASSET: ("unknown asset", "unknown asset 'stripe_customer'"),
    CONNECTOR_ROLE: ("connector used in a role it lacks", "connector 'iceberg' cannot be a source (roles: target)"),
    ENGINE_UNSUPPORTED: (
        "engine not supported by the connector",
        "engine 'spark' not in engines_supported of 'stripe'",
    ),
    NOT_ALLOWED_IN_CLOUD: ("connector not allowed in cloud mode", "connector 'postgres' is not allowed in cloud mode"),
    INCREMENTAL_UNSUPPORTED: ("incremental sync not supported", "connector 's3' does not support incremental sync"),
    CURSOR_FIELD_MISSING: (
        "cursor strategy without cursor_field",
        "incremental strategy 'cursor_field' needs a cursor_field",
    ),
    OBJECT_UNSUPPORTED: (
        "object not offered by the connector",
        "object 'refunds' not in objects_supported of 'stripe'",
    ),
    TABLES_REQUIRED: ("connector requires source.tables", "connector 'postgres' requires source.tables"),
    ASSET_MISMATCH: (
        "asset does not match the job",
        "asset source_type 'hubspot' differs from source connector 'stripe'",
    ),
    FILE_FORMAT_UNSUPPORTED: (
        "file format not supported by the target",
        "file_format 'orc' not in file_formats of 'iceberg'",
    ),
    RECIPE_MISMATCH: (
        "recipe does not match the job's connector name",
        "recipe at connectors/hubspot.yaml is 'hubspot', job names 'stripe'",
    ),
    CURSOR_NOT_IN_ASSET: (
        "cursor_field is not a column of the asset",
        "cursor_field 'updated' is not a column of asset 'stripe_customers'",
    ),
    ENGINE_NOT_RUN: (
        "engine not run by this runtime (warning)",
        "engine 'airbyte' of source 'stripe' is not run by this runtime yet; dativo run exits 2 on this job",
    ),
    NO_ICEBERG_TYPE: (
        "column type has no exact Iceberg type",
        "column 'total' of type 'decimal' has no exact Iceberg type without precision and scale",
    ),
    TARGET_NOT_WRITTEN: (
        "target the runtime does not write",
        "catalog_type 'nessie' is not a pyiceberg catalog this runtime loads; dativo run exits 2 on this job",
    ),
    INVALID_CRON: ("invalid cron expression", "invalid cron '61 * * * *': minute 61 is out of range 0-59"),
    UNKNOWN_TIMEZONE: ("unknown time zone", "unknown time zone 'America/New_Yrok'"),
    CRON_XOR_INTERVAL: (
        "schedule needs exactly one of cron, interval_seconds",
        "schedule has both cron and interval_seconds",
    ),
    INTERVAL_INEXPRESSIBLE: (
        "interval cannot be expressed as cron",
        "interval_seconds 7000 is not a multiple of 60 dividing 86400",
    ),
    DUPLICATE_SCHEDULE: ("duplicate schedule name", "duplicate schedule name 'stripe_hourly' (first at line 6)"),
    DST_TRANSITION: (
        "schedule fires inside a DST transition hour (warning)",
        "'30 2 * * *' in America/New_York fires in a skipped hour",
    ),
    CRON_UNSUPPORTED_SYNTAX: (
        "cron syntax our targets cannot run",
        "cron 'L' (last day) is not supported by every target",
    ),
    CRON_NEVER_FIRES: ("cron expression never fires", "cron '0 0 30 2 *' never fires"),
    OVERLAPPING_APPEND: (
        "overlapping runs of an incremental append job (warning)",
        "schedule 'events_every_15m' lets 2 runs of the incremental append job 'jobs/globex/events.yaml' overlap",
    ),
    TENANT_FOLDER_MISMATCH: (
        "tenant_id differs from its jobs/<tenant>/ folder",
        "tenant_id 'globex' but the file is in jobs/acme/",
    ),
    TABLE_MULTI_TENANT: (
        "two tenants write one Iceberg table",
        "table 'shared.customers' is written by tenants acme and globex",
    ),
    OUTSIDE_TENANT_NAMESPACE: (
        "job writes outside its tenant's namespace or branch",
        "branch 'main' is not tenant 'acme''s branch",
    ),
    FOREIGN_SECRET: (
        "secret path of another tenant",
        "secret path '/app/secrets/globex/stripe.env' belongs to tenant 'globex'",
    ),
    PLAINTEXT_SECRET: ("plain-text secret in config", "'password' holds a plain-text secret; use '${ENV_VAR}'"),
    DUPLICATE_TABLE_WRITER: (
        "one tenant writes a table from two assets",
        "table 'acme.customers' is written with two different assets",
    ),
    DAG_CYCLE: (
        "DAG tasks depend on each other in a cycle",
        "DAG 'acme_daily' has a dependency cycle: a -> b -> a (each depends on the next)",
    ),
    UNKNOWN_DEPENDENCY: (
        "depends_on names no task of the DAG",
        "task 'invoices' depends on unknown task 'charge'; hint: did you mean 'charges'?",
    ),
    DUPLICATE_TASK: ("duplicate task id in a DAG", "duplicate task id 'charges' (first at line 9)"),
    DAG_MIXED_TENANTS: (
        "DAG runs a job of another tenant",
        "task 'events' runs a job of tenant 'globex' in DAG 'acme_daily' of tenant 'acme'",
    ),
    UNSAFE_NAME: (
        "name cannot be used in generated artifacts",
        'schedule name "x\'); import os" cannot name artifacts',
    ),
    AIRFLOW_BAD_NAME: (
        "schedule or tenant cannot name an Airflow DAG or pool",
        "schedule 'acme.x y' cannot be an Airflow dag_id ('dativo.acme.x y')",
    ),
    AIRFLOW_TAG_TOO_LONG: (
        "tag longer than Airflow's 100 characters",
        "schedule 'acme.x': tag 'team:...' is 130 characters as an Airflow DAG tag",
    ),
    AIRFLOW_SETTINGS: (
        "invalid targets.airflow setting",
        "invalid Airflow setting 'start_date': must be a date written YYYY-MM-DD",
    ),
    AIRFLOW_UNPASSABLE: (
        "deployment path no command line can pass",
        "deployment path '/app\\x00' holds a NUL character",
    ),
    AIRFLOW_INEXPRESSIBLE: (
        "schedule Airflow cannot run exactly",
        "schedule 'acme.x' cannot run exactly on Airflow: its cron lines [] are not one or more five-field lines",
    ),
    K8S_SETTINGS: (
        "invalid targets.kubernetes setting",
        "invalid Kubernetes setting starting_deadline_seconds: Input should be greater than or equal to 10",
    ),
    K8S_NAME: (
        "schedule or tenant cannot name a Kubernetes CronJob",
        "Kubernetes CronJob name 'acme-...' of schedule 'acme.x' is 60 characters; Kubernetes allows 52",
    ),
    K8S_NAME_COLLISION: (
        "two schedules map to one Kubernetes CronJob",
        "schedules 'acme.a-b' and 'acme.a_b' both map to Kubernetes CronJob dativo-acme/acme-a-b",
    ),
    K8S_INEXPRESSIBLE: (
        "schedule Kubernetes cannot run exactly",
        "schedule 'acme.x': cron lines '0 * * * *' and '0 0 * * *' fire at the same time",
    ),
    K8S_UNREPRESENTABLE: (
        "deployment value a Kubernetes manifest cannot carry",
        "deploy.plan_path holds U+0000, which a Kubernetes container command or path cannot carry",
    ),
    DAGSTER_SETTINGS: (
        "invalid Dagster target settings",
        "targets.dagster.max_concurrent_runs: Input should be greater than or equal to -1",
    ),
    DAGSTER_CRON: (
        "schedule Dagster cannot run exactly",
        "Dagster cannot run cron '*/90 * * * *' of schedule acme.x exactly: step 90 in '*/90' exceeds the field's range",
    ),
    DAGSTER_NAME_CLASH: (
        "two schedules map to one Dagster name",
        "schedules acme.a-b and acme.a_b both become Dagster definition 'acme__a_b'",
    ),
    DAGSTER_RESERVED_TAG: (
        "tag key reserved by Dagster or dativo",
        "tag 'dagster/priority' of schedule acme.x uses a reserved prefix ('dagster/' is Dagster's, 'dativo/' is set by dativo)",
    ),
    DAGSTER_TAG_KEY: (
        "tag key Dagster does not accept cleanly (warning)",
        "tag key 'cost center' of schedule acme.x is not a valid Dagster tag key; Dagster accepts it with a warning",
    ),
    SYSTEMD_INEXPRESSIBLE: (
        "schedule systemd cannot run exactly",
        "systemd cannot run cron '0 0 1 * 1,*' of schedule acme.x exactly: day-of-week '1,*': cron and croniter disagree on OR or AND",
    ),
    SYSTEMD_UNREPRESENTABLE: (
        "deployment value a systemd unit cannot carry",
        "deploy.project_dir 'app' is not an absolute path, so it cannot be systemd's WorkingDirectory=",
    ),
    SYSTEMD_NAME: (
        "schedule cannot name a systemd unit",
        "unit name 'dativo-...' of schedule acme.x is 270 characters; systemd allows 255",
    ),
    SYSTEMD_SETTINGS: (
        "invalid targets.systemd setting",
        "invalid systemd setting 'persistent': Input should be a valid boolean",
    ),
    ARTIFACT_CHANGED: ("generated artifact is stale", "generated/plan.json differs from what compile would write"),
    ARTIFACT_MISSING: ("generated artifact is missing", "generated/plan.json is missing"),
    ARTIFACT_EXTRA: (
        "file in the output dir that compile would not write",
        "generated/old.py is not produced by compile",
    ),
}
