"""Stable diagnostic codes, one `Code` object each (as mypy's errorcodes.py): a code, once shipped, keeps
its meaning forever.

Ranges (docs/diagnostics.md#the-catalogue): 0xx load, 1xx schema, 2xx resolve, 3xx schedule, 4xx graph
and tenancy, 5xx target and emit, 6xx drift. Each code carries its severity, title, message template and
hint template (`str.format` fields); call sites pass the fields (`diags.report(codes.X, span, name=...)`).
docs/diagnostics.md's catalogue is generated from `REGISTRY` (docs/generate.py). Every code has a bad case
under tests/cases/bad/ or, for the target and drift codes, a test that produces it (tests/test_codes.py).

A stdlib-only leaf: the targets and the runtime import it.
"""

from __future__ import annotations

from typing import Any, Literal

Level = Literal["error", "warning"]

#: code string -> Code, in the catalogue's order
REGISTRY: dict[str, Code] = {}


class Code(str):
    """One diagnostic code. A Code is its own string ('DTV301'), so `d.code == codes.INVALID_CRON`, f-strings
    and the older `diags.error(codes.X, message, span)` form keep working while call sites move to fields.
    (`summary` is the title: a str subclass cannot take `title`, which is str's method.)"""

    severity: Level
    summary: str
    message: str
    hint: str | None
    docs: str

    def __new__(
        cls,
        code: str,
        summary: str,
        message: str,
        hint: str | None = None,
        *,
        severity: Level = "error",
        docs: str = "diagnostics.md#the-catalogue",
    ) -> Code:
        if code in REGISTRY:
            raise ValueError(f"diagnostic code {code} is defined twice")
        self = super().__new__(cls, code)
        self.severity, self.summary, self.message, self.hint, self.docs = severity, summary, message, hint, docs
        REGISTRY[code] = self
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled as its string and unpickled as the registry's object: the project loader's worker
        processes send diagnostics back through a pipe (and __new__ would refuse a second definition)."""
        return _registered, (str(self),)

    def render(self, **fields: Any) -> tuple[str, str | None]:
        """The message and hint with their fields filled in (a KeyError names a field the site forgot)."""
        if self.hint == SITE_HINT:  # the site computes it (a did-you-mean), and it may be None
            return self.message.format(**fields), fields.get("hint")
        if "hint" in fields:
            raise TypeError(f"{self} has a hint of its own; the site passed another")
        return self.message.format(**fields), self.hint.format(**fields) if self.hint is not None else None


def _registered(code: str) -> Code:
    return REGISTRY[code]


# A message template of "{problem}" marks a code whose text comes from elsewhere (the YAML parser, pydantic,
# a pure helper such as the cron checker, a target): the site passes it whole.
FREE = "{problem}"
# A hint template of "{hint}" marks a hint the site computes (a did-you-mean, a path of its own), or None.
SITE_HINT = "{hint}"

# 0xx load
YAML_SYNTAX = Code("DTV001", "YAML syntax error", FREE)
DUPLICATE_KEY = Code(
    "DTV002",
    "duplicate key in a mapping",
    "duplicate key {key!r} (first at line {line})",
    "YAML keeps only one of them; remove or rename the other",
)
ALIAS_BOMB = Code("DTV003", "anchors/aliases expand past the bound", FREE, SITE_HINT)
UNSAFE_TAG = Code(
    "DTV004", "unsafe or unknown YAML tag", "tag {tag!r} is not allowed", "configs hold plain data only: remove the tag"
)
NOT_A_MAPPING = Code("DTV005", "document is not a mapping", FREE)
NOT_TEXT = Code("DTV006", "file is binary or not UTF-8", FREE)
UNREADABLE = Code("DTV007", "file cannot be read", "cannot read {what}: {reason}", SITE_HINT)
MULTI_DOCUMENT = Code(
    "DTV008", "more than one YAML document", "expected one YAML document, found more ('---' separates documents)"
)

# 1xx schema
UNKNOWN_KEY = Code("DTV101", "unknown key", "unknown key {key!r} in {where}", SITE_HINT)
WRONG_TYPE = Code("DTV102", "value has the wrong type", "{field!r} must be {want}, got {got}", SITE_HINT)
MISSING_FIELD = Code("DTV103", "required field missing", "missing required field {field!r} in {where}")
# (compiler/load.py reports a number too long to read with this code too, its message whole)
INVALID_VALUE = Code("DTV104", "value not allowed", "{field!r} must be {expected}, got {got}", SITE_HINT)
UNKNOWN_ASSET_FORM = Code(
    "DTV105",
    "asset file is neither the legacy nor the ODCS form",
    "cannot tell the asset form: expected a top-level 'asset' (legacy form) "
    "or 'apiVersion' and 'kind: DataContract' (ODCS form)",
    "see docs/configuration.md#assets for both forms",
)

# 2xx resolve
PATH_OUTSIDE_CONTAINER = Code("DTV201", "absolute path outside the container root", FREE, SITE_HINT)
PATH_ESCAPES_ROOT = Code("DTV202", "path escapes the project root", FREE, SITE_HINT)
FILE_NOT_FOUND = Code("DTV203", "referenced file does not exist", FREE, SITE_HINT)
UNKNOWN_CONNECTOR = Code("DTV204", "unknown connector", FREE, SITE_HINT)
UNKNOWN_ASSET = Code("DTV205", "unknown asset", "unknown asset {asset!r}", SITE_HINT)
CONNECTOR_ROLE = Code(
    "DTV206", "connector used in a role it lacks", "{what} {name} cannot be a {role} (roles: {roles})"
)
ENGINE_UNSUPPORTED = Code(
    "DTV207",
    "engine not supported by the connector",
    "engine {engine!r} is not supported by connector {connector!r} (engines_supported: {supported})",
    SITE_HINT,
)
NOT_ALLOWED_IN_CLOUD = Code(
    "DTV208",
    "connector not allowed in cloud mode",
    "connector {connector!r} is not allowed in cloud mode",
    "run this job in self_hosted mode, or use a connector allowed in cloud",
)
INCREMENTAL_UNSUPPORTED = Code(
    "DTV209",
    "incremental sync not supported",
    "connector {connector!r} does not support incremental sync",
    "remove source.incremental",
)
CURSOR_FIELD_MISSING = Code(
    "DTV210",
    "cursor strategy without cursor_field",
    "incremental strategy {strategy!r} needs a cursor_field",
    "set source.incremental.cursor_field, or cursor_field_default in the recipe",
)
OBJECT_UNSUPPORTED = Code(
    "DTV211",
    "object not offered by the connector",
    "object {object!r} is not offered by connector {connector!r} (objects_supported: {supported})",
    SITE_HINT,
)
TABLES_REQUIRED = Code(
    "DTV212",
    "connector requires source.tables",
    "connector {connector!r} requires source.tables",
    "list the tables: source.tables: [{{name: public.orders, object: orders}}]",
)
ASSET_MISMATCH = Code(
    "DTV213",
    "asset of another source type than the job's connector",
    "asset {asset!r} has source_type {source_type!r}, but the source connector is {connector!r}",
    "use an asset of {connector!r}, or fix source_type in {file}",
)
FILE_FORMAT_UNSUPPORTED = Code(
    "DTV215",
    "file format not supported by the target",
    "file_format {file_format!r} is not supported by {target!r} (file_formats: {supported})",
    SITE_HINT,
)
RECIPE_MISMATCH = Code(
    "DTV216",
    "recipe does not match the job's connector name",
    "recipe {recipe} is named {recipe_name!r} but the job names {name!r}",
    "set {field}: {recipe_name}, or fix the path",
)
CURSOR_NOT_IN_ASSET = Code(
    "DTV217",
    "cursor_field is not a column of the asset",
    "cursor_field {cursor!r} is not a column of asset {asset!r}",
    SITE_HINT,
)
ENGINE_NOT_RUN = Code(
    "DTV218",
    "engine not run by this runtime (warning)",
    "engine {engine!r} of source {source!r} is not run by this runtime yet; dativo run exits {exit} on this job",
    "use engine 'native' for csv, jsonl or parquet files, or run this engine elsewhere",
    severity="warning",
    docs="runtime.md#fails-closed",
)
NO_ICEBERG_TYPE = Code(
    "DTV219",
    "column type has no exact Iceberg type",
    "column {column!r} of type 'decimal' {problem}",
    "set precision (1-38) and scale (0 to precision), e.g. precision: 12, scale: 2",
)
TARGET_NOT_WRITTEN = Code(
    "DTV220", "target the runtime does not write", FREE, SITE_HINT, docs="runtime.md#fails-closed"
)
# DTV203 (a job config naming a recipe) and DTV007 (paths.jobs naming a file) said this until it had a code
OTHER_KIND_OF_FILE = Code("DTV221", "reference names a file or folder of another kind", FREE, SITE_HINT)
# DTV205 ('unknown asset') said this until it had a code: the asset is known, twice
AMBIGUOUS_ASSET = Code(
    "DTV222",
    "asset name defined by several files",
    "asset name {asset!r} is defined by several files ({files})",
    "set asset_path to choose one",
)
# DTV230-DTV237: problems that shared DTV104, DTV213 or DTV403 until each had a code and a template
NOT_FINITE = Code(
    "DTV230",
    "number is infinite or not a number",
    "{field!r} must be a finite number, got {number!r}",
    "YAML reads .inf, .nan and numbers past 1.8e308 (1e400) as infinite or not a number, "
    "which the plan (JSON) cannot hold: write a finite value",
)
# a bound or a rule of the field's model (pydantic's message, or the model validator's)
VALUE_REFUSED = Code("DTV231", "value refused by a rule of its field", "{field!r}: {problem}")
CONFIG_XOR_DAG = Code(
    "DTV232",
    "schedule needs exactly one of config, dag",
    "schedule {schedule!r} has {which}",
    "set config: <job yaml> to run one job, or dag: <dag yaml> to run a DAG",
)
MERGE_WITHOUT_KEYS = Code(
    "DTV233",
    "merge mode without key_columns",
    "target.mode 'merge' needs target.key_columns",
    "name the key columns, e.g. key_columns: [id]",
)
KEY_NOT_IN_ASSET = Code(
    "DTV234",
    "key column is not a column of the asset",
    "key column {column!r} is not a column of asset {asset!r}",
    SITE_HINT,
)
ASSET_NAME_MISMATCH = Code(
    "DTV235",
    "asset file defines another asset than the job names",
    "asset file {file} defines {defined!r} but the job names {named!r}",
    "set asset: {defined}, or fix asset_path",
)
ASSET_OBJECT_NOT_READ = Code(
    "DTV236",
    "asset describes an object the job does not read",
    "asset {asset!r} describes object {object!r}, which the job does not read (objects: {objects})",
)
OUTSIDE_TENANT_NAMESPACE = Code(
    "DTV237",
    "job writes outside its tenant's namespace",
    "job of tenant {tenant!r} writes to namespace {namespace!r}, outside its own ({tenant!r} or {tenant}.*)",
    "list it under tenancy.shared_namespaces in dativo.yaml if it is shared on purpose",
)

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
FOREIGN_SECRET = Code("DTV404", "secret path of another tenant", FREE, SITE_HINT)
PLAINTEXT_SECRET = Code("DTV405", "plain-text secret in config", FREE, SITE_HINT)
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

# 5xx target and emit. A settings code (DTV510, 517, 520, 529) reports a value the target's settings model
# refuses: its `problem` and hint are the message and hint of the refusal's own code (DTV101-104, 230, 231),
# rendered from this registry by compiler/validate.py.
UNSAFE_NAME = Code(
    "DTV501",
    "name cannot be used in generated artifacts",
    "{subject} cannot name {artifacts}",
    "use letters, digits, '_' and '-' (at most 63, starting with a letter or digit)",
)
# 510-514 the Dagster target
DAGSTER_SETTINGS = Code("DTV510", "invalid Dagster target settings", FREE, SITE_HINT)
# the `problem`: how Dagster would reject or reinterpret the line (targets/dagster/check.py cron_problem)
DAGSTER_CRON = Code(
    "DTV511",
    "cron line Dagster cannot run exactly",
    "Dagster cannot run cron {cron!r} of schedule {schedule} exactly: {problem}",
    "write the values the step would reach, e.g. '0' for '*/90' in the minute field",
)
DAGSTER_NAME_CLASH = Code(
    "DTV512",
    "two schedules map to one Dagster name",
    "schedules {first} and {second} both become Dagster definition {name!r}",
    "Dagster names allow only letters, digits and '_': rename one schedule",
)
DAGSTER_RESERVED_TAG = Code(
    "DTV513",
    "tag key reserved by Dagster or dativo",
    "tag {key!r} of schedule {schedule} uses a reserved prefix ('dagster/' is Dagster's, 'dativo/' is set by dativo)",
    "rename the tag key",
)
DAGSTER_TAG_KEY = Code(
    "DTV514",
    "tag key Dagster does not accept cleanly (warning)",
    "tag key {key!r} of schedule {schedule} is not a valid Dagster tag key; Dagster accepts it with a warning",
    "use letters, digits, '_', '-', '.', and at most one 'namespace/' prefix (63 each)",
    severity="warning",
)
# 515-519 the Airflow target
AIRFLOW_BAD_NAME = Code(
    "DTV515",
    "schedule cannot name an Airflow DAG",
    "schedule {schedule!r} cannot be an Airflow dag_id ({dag_id!r}): letters, digits, '_', '.' and '-', at most 250",
    "rename the schedule or shorten targets.airflow.dag_id_prefix",
)
AIRFLOW_TAG_TOO_LONG = Code(
    "DTV516",
    "tag longer than Airflow's 100 characters",
    "schedule {schedule!r}: tag {start!r}... is {length} characters as an Airflow DAG tag (key:value); "
    "Airflow allows {limit}",
    "shorten the tag's key or value",
)
AIRFLOW_SETTINGS = Code("DTV517", "invalid targets.airflow setting", FREE, SITE_HINT)
AIRFLOW_UNPASSABLE = Code(
    "DTV518",
    "deployment path no command line can pass",
    "deployment path {word!r} holds a NUL character, which no command line can pass (Airflow target)",
)
AIRFLOW_INEXPRESSIBLE = Code(
    "DTV519",
    "schedule Airflow cannot run exactly",
    "schedule {schedule!r} cannot run exactly on Airflow: its cron lines {cron!r} are not one or more five-field lines",
)
# 520-524 the Kubernetes target
# pydantic's refusals, and the checks of targets/kubernetes/checks.py that the model cannot make (an image
# reference, resource names, label values, volumes and their mounts): settings validation written as code
K8S_SETTINGS = Code("DTV520", "invalid targets.kubernetes setting", FREE, SITE_HINT)
# the `problem`: targets/kubernetes/names.py label_problem (too long, or not a DNS-1123 label)
K8S_NAME = Code(
    "DTV521",
    "schedule cannot name a Kubernetes CronJob",
    "Kubernetes CronJob name {name!r} of schedule {schedule!r} {problem} "
    "(the controller appends 11 characters to name each Job)",
    "shorten the schedule name or the tenant id; dativo never truncates names",
)
K8S_NAME_COLLISION = Code(
    "DTV522",
    "two schedules map to one Kubernetes CronJob",
    "schedules {first!r} and {second!r} both map to Kubernetes CronJob {namespace}/{name}",
    "names are lowercased and '_' becomes '-'; rename one of the schedules",
)
K8S_INEXPRESSIBLE = Code(
    "DTV523",
    "cron lines of a schedule that fire at the same time (Kubernetes)",
    "schedule {schedule!r}: cron lines {first!r} and {second!r} fire at the same time; Kubernetes runs "
    "one CronJob per line, so it would start two runs where the plan has one",
    "make the cron lines disjoint, or split them into two schedules",
)
K8S_UNREPRESENTABLE = Code(
    "DTV524",
    "deployment value a Kubernetes manifest cannot carry",
    "deploy.{field} holds {char}, which a Kubernetes container command or path cannot carry",
)
# 525-529 the systemd target
SYSTEMD_INEXPRESSIBLE = Code(
    "DTV525",
    "schedule systemd cannot run exactly",
    "systemd cannot run cron {cron!r} of schedule {schedule} exactly: {problem}",
    "spell the day fields out (e.g. '1-31', '0-6'), or drop the systemd target",
)
# dativo_bin, project_dir and plan_path each say their own problem and hint
SYSTEMD_UNREPRESENTABLE = Code(
    "DTV527", "deployment value a systemd unit cannot carry", "{setting} {value!r} {problem}", SITE_HINT
)
SYSTEMD_NAME = Code(
    "DTV528",
    "systemd unit name too long",
    "unit name {start!r} of schedule {schedule} is {length} characters; systemd allows {limit}",
    "shorten the tenant or schedule name ('-' costs 4 characters: '\\x2d')",
)
SYSTEMD_SETTINGS = Code("DTV529", "invalid targets.systemd setting", FREE, SITE_HINT)
# DTV530-DTV539: problems that shared DTV511, 515, 520, 521, 523 or 528 until each had a code and a template
DAGSTER_UNPASSABLE = Code(
    "DTV530",
    "deployment path Dagster cannot pass",
    "Dagster cannot run any schedule: deploy.{field} {value!r} holds a NUL character, "
    "which no process argument or directory can carry",
)
DAGSTER_TIMEZONE = Code(
    "DTV531",
    "time zone Dagster cannot load",
    "Dagster cannot load time zone {zone!r} of schedule {schedule}",
    "use an IANA name such as 'UTC' or 'Europe/Berlin'",
)
# a plan the compiler did not write (the compiler always gives a schedule a cron line, DTV303)
NO_CRON_LINE = Code(
    "DTV532",
    "schedule without a cron line",
    "schedule {schedule!r} has no cron line; {target} needs at least one",
    "set cron or interval_seconds on the schedule, and compile the plan again",
)
K8S_CRON_UNREADABLE = Code(
    "DTV533",
    "cron line Kubernetes cannot read",
    "schedule {schedule!r} cannot run on Kubernetes: cron line {cron!r} is not a five-field line",
    "write five fields of numbers, names, ranges and steps ('L', '#' and '?' are not Kubernetes')",
)
AIRFLOW_POOL_NAME = Code(
    "DTV534",
    "tenant cannot name an Airflow pool",
    "tenant {tenant!r} cannot name an Airflow pool ({pool!r})",
    "a pool name is targets.airflow.pool_prefix and the tenant id, at most 256 characters",
)
SYSTEMD_ENVIRONMENT_FILE = Code(
    "DTV535",
    "systemd environment_file is not an absolute plain path",
    "invalid systemd setting 'environment_file': {file!r} is not an absolute path without backslashes, "
    "control characters or surrounding spaces",
    "write an absolute path such as /etc/dativo/dativo.env",
)
SYSTEMD_NAME_CLASH = Code(
    "DTV536",
    "two schedules map to one systemd unit",
    "schedules {first} and {second} both map to systemd unit {unit}",
    "rename one of the schedules",
)
K8S_LABEL_VALUE = Code(
    "DTV537",
    "tenant or schedule name cannot be a Kubernetes label value",
    "{what} {value!r} of schedule {schedule!r} {problem}, so Kubernetes cannot label its CronJob",
    "end names with a letter or digit",
)
# a name of targets.kubernetes with '{tenant}' filled in (namespace, secrets, service account, claim)
K8S_TENANT_NAME = Code(
    "DTV538",
    "Kubernetes name not valid for a tenant",
    "Kubernetes name {name!r} (for tenant {tenant!r}) {problem}",
    "'{{tenant}}' is the only placeholder; it becomes the tenant id in lowercase with '-' for '_'",
)
K8S_QUANTITY = Code(
    "DTV539",
    "Kubernetes resource quantity not valid",
    "Kubernetes quantity {quantity!r} for {resource} is not valid",
    "write e.g. '500m' CPU or '512Mi' memory",
)

# 6xx drift (compile --check)
ARTIFACT_CHANGED = Code(
    "DTV601",
    "generated artifact is stale",
    "generated artifact {rel} is stale",
    "run `dativo compile` and commit the result",
)
ARTIFACT_MISSING = Code(
    "DTV602",
    "generated artifact is missing",
    "generated artifact {rel} is missing",
    "run `dativo compile` and commit the result",
)
ARTIFACT_EXTRA = Code(
    "DTV603",
    "file in the output dir that compile would not write",
    "{rel} is in the output dir but compile does not produce it",
    "run `dativo compile` (it removes stale files) and commit the result",
)
