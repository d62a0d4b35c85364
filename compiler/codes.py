"""Stable diagnostic codes, one `Code` object each (as mypy's errorcodes.py): a code, once shipped, keeps
its meaning forever.

Ranges (docs/diagnostics.md#the-catalogue): 0xx load, 1xx schema, 2xx resolve, 3xx schedule, 4xx graph
and tenancy, 5xx target and emit, 6xx drift. Each code carries its severity, title, message template and
hint template (`str.format` fields); call sites pass the fields (`diags.report(codes.X, span, name=...)`).
docs/diagnostics.md's catalogue is generated from `REGISTRY` (docs/generate.py). Every code has a bad case
under tests/cases/bad/ or, for the target and drift codes, a test that produces it (tests/test_codes.py).

The `Code` type and `REGISTRY` are in compiler/code.py, the 3xx-4xx codes in compiler/graph_codes.py and the
5xx-6xx codes in compiler/emit_codes.py
(re-exported here, so every code is `codes.X`): each module stays under the house's 400 lines.
A stdlib-only leaf: the targets and the runtime import it.
"""

from __future__ import annotations

from .code import FREE, SITE_HINT, Code
from .code import REGISTRY as REGISTRY
from .code import Level as Level

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
# (compiler/load.py reports a number too long to read with this code too, its message whole)
INVALID_VALUE = Code("DTV104", "value not allowed", "{field!r} must be {expected}, got {got}", SITE_HINT)
UNKNOWN_ASSET_FORM = Code(
    "DTV105",
    "asset file is neither the legacy nor the ODCS form",
    "cannot tell the asset form: expected a top-level 'asset' (legacy form) "
    "or 'apiVersion' and 'kind: DataContract' (ODCS form)",
    "see docs/configuration.md#assets for both forms",
)
# an environment's output folder (compiler/environments.py): each deployment owns a folder of its own
ENVIRONMENT_OUTPUT_CLASH = Code(
    "DTV106",
    "environment output folder clashes with another output",
    "environment {name!r} writes into {output!r}, {why}",
    "set environments.{name}.output to a folder of its own (default: <paths.out>/{name})",
    docs="configuration.md#environments",
)

# 2xx resolve
# a config file (recipe, asset, job, DAG, a paths.* setting) outside the project; a file the runtime reads
# (source file, credentials file) may be a runtime mount there (compiler/paths.py)
PATH_OUTSIDE_CONTAINER = Code(
    "DTV201", "config path outside the container root", "{kind}{ref!r} {why}{consequence}", SITE_HINT
)
PATH_ESCAPES_ROOT = Code("DTV202", "path escapes the project root", "path {ref!r} {how}{consequence}", SITE_HINT)
FILE_NOT_FOUND = Code("DTV203", "referenced file does not exist", "{what} {ref!r} not found{looked_for}", SITE_HINT)
UNKNOWN_CONNECTOR = Code("DTV204", "unknown connector", "{what} {name!r}{why}", SITE_HINT)
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
# dativo-ingest reads the recipe and the asset from the *_path keys and never compares the names, which are
# labels there: a differing name is a warning (a likely copy-paste slip), and the file the path names is used
RECIPE_MISMATCH = Code(
    "DTV216",
    "recipe named differently than the job names it (warning)",
    "recipe {recipe} is named {recipe_name!r} but the job names {name!r}; the recipe the path names is used",
    "set {field}: {recipe_name}, or fix the path",
    severity="warning",
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
    "run it on an engine this runtime runs (docs/runtime.md#engines): 'native' for csv, jsonl or parquet "
    "files, 'airbyte' for an Airbyte source package, 'singer' or 'meltano' for a Singer tap",
    severity="warning",
    docs="runtime.md#fails-closed",
)
NO_ICEBERG_TYPE = Code(
    "DTV219",
    "column type has no exact Iceberg type",
    "column {column!r} of type 'decimal' {problem}",
    "set precision (1-38) and scale (0 to precision), e.g. precision: 12, scale: 2",
)
# the runtime's template (dativo.runtime.destination.MESSAGE); its Problem objects carry the fields
TARGET_NOT_WRITTEN = Code(
    "DTV220",
    "target the runtime does not write",
    "{setting} {reason}; dativo run exits {exit} on this job",
    "{fix}",
    docs="runtime.md#fails-closed",
)
# DTV203 (a job config naming a recipe) and DTV007 (paths.jobs naming a file) said this until it had a code
OTHER_KIND_OF_FILE = Code(
    "DTV221", "reference names a file or folder of another kind", "{what} {ref!r} {why}", SITE_HINT
)
# DTV205 ('unknown asset') said this until it had a code: the asset is known, twice
AMBIGUOUS_ASSET = Code(
    "DTV222",
    "asset name defined by several files",
    "asset name {asset!r} is defined by several files ({files})",
    "set asset_path to choose one",
)
KEY_NOT_ACTED_ON = Code(
    "DTV223",
    "dativo-ingest key not acted on by this runtime yet (warning)",
    "{key}: {meaning}; accepted, but this runtime does not act on it yet",
    SITE_HINT,
    severity="warning",
    docs="configuration.md#keys-from-dativo-ingest",
)
KEY_NOT_HONOURED = Code(
    "DTV224",
    "dativo-ingest key that decides what is read or written, not honoured yet",
    "{key}: {meaning}; this runtime does not honour it yet, and would {instead}",
    SITE_HINT,
    docs="configuration.md#keys-from-dativo-ingest",
)
# dativo-ingest's governance metadata, compiled as it means it (docs/dativo-ingest.md)
METADATA_NOT_ENFORCED = Code(
    "DTV225",
    "asset metadata recorded but not acted on (warning)",
    "recorded, not enforced (by dativo as by dativo-ingest): {what}",
    "enforce these outside ingestion (table maintenance, quality checks, catalog and bucket settings), or remove them",
    severity="warning",
    docs="dativo-ingest.md#assets-and-table-properties",
)
# (an override naming no column and a `${VAR}` in a table property were DTV226 too: DTV240, DTV241)
COLUMN_TYPE_NOT_WRITABLE = Code(
    "DTV226",
    "column type the runtime cannot write",
    "column {column!r} of type {type!r} has no exact Iceberg type: its element type is not declared "
    "(dativo-ingest writes such a column as text)",
    "declare it `string` and load the values as JSON text, or leave the column out of the asset",
    docs="dativo-ingest.md#assets-and-table-properties",
)
PLAINTEXT_SECRET_DEFAULT = Code(
    "DTV227",
    "environment reference defaults to a plain-text secret (warning)",
    "{key!r} falls back to a plain-text secret when {variable} is unset",
    'drop the default ({key}: "${{{variable}}}" fails when the variable is unset), so the secret is not in the config',
    severity="warning",
)
MOUNT_NOT_NORMAL = Code(
    "DTV228",
    "runtime mount path not in normal form",
    "runtime mount {ref!r} is not a normalised absolute path",
    "write the path as the deployer mounts it: absolute, without '..' segments, not '/' itself",
)
NO_BUCKET = Code(
    "DTV229",
    "Parquet target without a bucket",
    "target {target!r} writes Parquet files but target.connection names no bucket: their location would be "
    "guessed; dativo run exits {exit} on this job",
    "set target.connection.bucket (in the job, or bucket: ${{S3_BUCKET}} in the connector recipe)",
    docs="runtime.md#s3-and-minio-targets",
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
    "asset file defines another asset than the job names (warning)",
    "asset file {file} defines {defined!r} but the job names {named!r}; the asset the path names is used",
    "set asset: {defined}, or fix asset_path",
    severity="warning",
)
ASSET_OBJECT_NOT_READ = Code(
    "DTV236",
    "asset describes an object the job does not read (warning)",
    "asset {asset!r} describes object {object!r}, which the job does not read (objects: {objects}); the job's "
    "objects are read into the asset's table",
    "read the asset's object, or use the asset of the object read (dativo-ingest never compares them)",
    severity="warning",
)
OUTSIDE_TENANT_NAMESPACE = Code(
    "DTV237",
    "job writes outside its tenant's namespace",
    "job of tenant {tenant!r} writes to namespace {namespace!r}, outside its own ({tenant!r} or {tenant}.*)",
    "list it under tenancy.shared_namespaces in dativo.yaml if it is shared on purpose",
)
NUMBER_TOO_LONG = Code(
    "DTV238",
    "integer too long to be a number",
    "integer of {digits} digits is too long to be a number (at most {limit} digits)",
    "quote it if it is text; no config number needs that many digits",
)
# DTV239-DTV241: problems that shared DTV225 or DTV226 until each had a code and a template
ASSET_MODE_WARN = Code(
    "DTV239",
    "asset target.mode 'warn' is no write mode (warning)",
    "target.mode 'warn' is no write mode (dativo-ingest never reads an asset's target.mode): rows are "
    "appended as with 'strict'",
    "remove it, or use 'strict' (append) or 'merge' (with key_columns); row validation follows the job's "
    "schema_validation_mode",
    severity="warning",
    docs="dativo-ingest.md#assets-and-table-properties",
)
OVERRIDE_NOT_A_COLUMN = Code(
    "DTV240",
    "classification override names no column",
    "classification_overrides names {key!r}, which is not a column of asset {asset!r}",
    SITE_HINT,
)
PROPERTY_HOLDS_REFERENCE = Code(
    "DTV241",
    "environment reference in a value that becomes a table property",
    "{where} holds an environment reference, and it becomes a table property: table properties are literal "
    "text that anyone who can read the catalog sees, never expanded",
    "write the value itself (a label, not a secret), or remove it",
    docs="runtime.md#table-properties",
)
# DTV242-DTV244: an environment reference in a path (docs/dativo-ingest.md#paths-mounts-and-variables)
PATH_VARIABLE_DEFAULT = Code(
    "DTV242",
    "environment reference in a config path: its default is compiled (warning)",
    "{ref!r} is read as {used!r}: the compiler reads this file and takes the default of {variables}, "
    "never the environment, so the plan is the same on every machine",
    "write the path itself ({used}): setting {variables} where the job runs changes nothing",
    severity="warning",
    docs="dativo-ingest.md#paths-mounts-and-variables",
)
PATH_VARIABLE_UNSET = Code(
    "DTV243",
    "environment reference without a default in a config path",
    "{ref!r} depends on {variables}, which the compiler does not read: the file a config names is read at "
    "compile time, the same on every machine",
    "write the path itself, or give a default: ${{{variable}:-<path>}} (the default is read)",
    docs="dativo-ingest.md#paths-mounts-and-variables",
)
DATA_PATH_VARIABLE = Code(
    "DTV244",
    "environment reference in a source file path",
    "source file path {ref!r} holds an environment reference, which is not expanded: the runtime reads the "
    "path as written, as dativo-ingest does, and would look for a file named so",
    "write the path itself; a glob (/data/acme/*.csv) reads several files",
    docs="dativo-ingest.md#paths-mounts-and-variables",
)
# dativo-ingest's airbyte/singer/meltano engines build the connector's config without source.files
FILES_ON_CONNECTOR_ENGINE = Code(
    "DTV250",
    "source.files on a connector engine (warning)",
    "source.files is ignored: dativo-ingest's {engine} engine builds the connector's config from the recipe's "
    "credentials and streams and source.connection, never from source.files, and so does dativo",
    "name the files in the connector's own settings (source.connection), or remove source.files",
    severity="warning",
    docs="dativo-ingest.md#job-keys",
)
IGNORED_WITHOUT_CATALOG = Code(
    "DTV245",
    "target setting read only with target.catalog, on a Parquet target (warning)",
    "{key} is ignored: dativo-ingest reads it only when target.catalog is set, and so does dativo; "
    "the rows go to Parquet files in the bucket target.connection.{bucket} names",
    "remove it: without target.catalog it changes nothing, here or in dativo-ingest (an Iceberg table "
    "through a Nessie catalog, with target.catalog, is not written by this runtime yet)",
    severity="warning",
    docs="dativo-ingest.md#iceberg-targets-without-a-catalog",
)

# DTV255-DTV259: connector engines and Python plugins (docs/runtime.md#engines)
PLUGIN_FORM = Code(
    "DTV255",
    "plugin reference of the wrong form",
    "{key} {value!r} is not a plugin reference: dativo-ingest's form is 'path/to/module.py:ClassName' "
    "(or 'path/to/lib.so:function' for a Rust plugin)",
    "name the Python file and the class in it, separated by ':'",
    docs="runtime.md#python-plugins",
)
PLUGIN_MISSING = Code(
    "DTV256",
    "plugin module not found",
    "{key}: the module {module!r} does not exist in the project",
    "add the file, or fix the path (a project path, or /app/... as the workers see it)",
    docs="runtime.md#python-plugins",
)
ENGINE_WITHOUT_PACKAGE = Code(
    "DTV258",
    "connector engine names no package (warning)",
    "engine {engine!r} of source {source!r} names no connector to install ({reason}); dativo run exits {exit} "
    "on this job",
    "set default_engine.options.package to the connector's pip requirement, pinned "
    "(e.g. airbyte-source-faker==7.2.1, meltanolabs-tap-postgres==0.10.0)",
    severity="warning",
    docs="runtime.md#engines",
)
PLUGIN_NOT_RUN = Code(
    "DTV257",
    "plugin not run by this runtime (warning)",
    "{key}: {what} is not run by this runtime; dativo run exits {exit} on this job",
    "use a Python plugin (module.py:ClassName), or run this job with dativo-ingest",
    severity="warning",
    docs="runtime.md#python-plugins",
)

from .mdkv_codes import *  # noqa: E402, F403, I001

# 3xx schedule, 4xx graph and tenancy; then 5xx target and emit, 6xx drift (the registry keeps the
# catalogue's order)
from .graph_codes import *  # noqa: E402, F403
from .emit_codes import *  # noqa: E402, F403
