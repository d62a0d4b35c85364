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
NOT_A_MAPPING = Code("DTV005", "document is not a mapping", "expected a mapping at the top of the file, found {found}")
NOT_TEXT = Code("DTV006", "file is binary or not UTF-8", "file is {what} ({byte} at offset {offset})")
UNREADABLE = Code("DTV007", "file cannot be read", "cannot read {what}: {reason}", SITE_HINT)
MULTI_DOCUMENT = Code(
    "DTV008", "more than one YAML document", "expected one YAML document, found more ('---' separates documents)"
)

# 1xx schema
UNKNOWN_KEY = Code("DTV101", "unknown key", "unknown key {key!r} in {where}", SITE_HINT)
WRONG_TYPE = Code("DTV102", "value has the wrong type", "{field!r} must be {want}, got {got}", SITE_HINT)
MISSING_FIELD = Code("DTV103", "required field missing", "missing required field {field!r} in {where}")
INVALID_VALUE = Code("DTV104", "value not allowed", FREE, SITE_HINT)
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
ASSET_MISMATCH = Code("DTV213", "asset does not match the job", FREE, SITE_HINT)
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

# 3xx schedule (compiler/cron.py and compiler/checks/schedules.py write the messages)
INVALID_CRON = Code("DTV301", "invalid cron expression", FREE)
UNKNOWN_TIMEZONE = Code("DTV302", "unknown time zone", FREE)
CRON_XOR_INTERVAL = Code("DTV303", "schedule needs exactly one of cron, interval_seconds", FREE)
INTERVAL_INEXPRESSIBLE = Code("DTV304", "interval cannot be expressed as cron", FREE)
DUPLICATE_SCHEDULE = Code("DTV305", "duplicate schedule name", FREE)
DST_TRANSITION = Code(
    "DTV306",
    "schedule fires inside a DST transition hour (warning)",
    FREE,
    severity="warning",
    docs="targets.md#daylight-saving-time",
)
CRON_UNSUPPORTED_SYNTAX = Code("DTV307", "cron syntax our targets cannot run", FREE)
CRON_NEVER_FIRES = Code("DTV308", "cron expression never fires", FREE)
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
OUTSIDE_TENANT_NAMESPACE = Code("DTV403", "job writes outside its tenant's namespace or branch", FREE, SITE_HINT)
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

# 5xx target and emit. A code the targets use for several unrelated problems, each with a hint of its own,
# keeps the free form (the site passes `problem` and `hint`); so do the settings codes, whose messages
# mostly come from pydantic (compiler/settings.py reports them).
UNSAFE_NAME = Code(
    "DTV501",
    "name cannot be used in generated artifacts",
    "{subject} cannot name {artifacts}",
    "use letters, digits, '_' and '-' (at most 63, starting with a letter or digit)",
)
# 510-514 the Dagster target
DAGSTER_SETTINGS = Code("DTV510", "invalid Dagster target settings", FREE)
# a NUL in a deploy path, no cron line, a cron line Dagster reads otherwise, an unknown time zone
DAGSTER_CRON = Code("DTV511", "schedule Dagster cannot run exactly", FREE, SITE_HINT)
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
# a tenant that cannot name a pool (no hint), a schedule that cannot be a dag_id
AIRFLOW_BAD_NAME = Code("DTV515", "schedule or tenant cannot name an Airflow DAG or pool", FREE, SITE_HINT)
AIRFLOW_TAG_TOO_LONG = Code(
    "DTV516",
    "tag longer than Airflow's 100 characters",
    "schedule {schedule!r}: tag {start!r}... is {length} characters as an Airflow DAG tag (key:value); "
    "Airflow allows {limit}",
    "shorten the tag's key or value",
)
AIRFLOW_SETTINGS = Code("DTV517", "invalid targets.airflow setting", FREE)
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
# pydantic's refusals and about ten checks of names, quantities and volumes (compiler-side: checks.py)
K8S_SETTINGS = Code("DTV520", "invalid targets.kubernetes setting", FREE, SITE_HINT)
# a name that cannot be a label value, a CronJob name too long or malformed (each its own hint)
K8S_NAME = Code("DTV521", "schedule or tenant cannot name a Kubernetes CronJob", FREE, SITE_HINT)
K8S_NAME_COLLISION = Code(
    "DTV522",
    "two schedules map to one Kubernetes CronJob",
    "schedules {first!r} and {second!r} both map to Kubernetes CronJob {namespace}/{name}",
    "names are lowercased and '_' becomes '-'; rename one of the schedules",
)
# cron lines that fire at the same time (hint), a line Kubernetes cannot read or no line (no hint)
K8S_INEXPRESSIBLE = Code("DTV523", "schedule Kubernetes cannot run exactly", FREE, SITE_HINT)
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
# two schedules on one unit name, a unit name too long (each its own hint)
SYSTEMD_NAME = Code("DTV528", "schedule cannot name a systemd unit", FREE, SITE_HINT)
SYSTEMD_SETTINGS = Code("DTV529", "invalid targets.systemd setting", FREE)

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
