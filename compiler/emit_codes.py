"""Codes 5xx (targets and emit) and 6xx (drift): part of the registry of compiler/codes.py, which
re-exports them (import them from there: `codes.DAGSTER_CRON`)."""

from __future__ import annotations

from .code import FREE, SITE_HINT, Code

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
DAGSTER_TASK_NAME_CLASH = Code(
    "DTV560",
    "a DAG task maps to a Dagster name already taken",
    "task {task!r} of schedule {schedule} becomes Dagster op {name!r}, which {other} is already",
    "Dagster names allow only letters, digits and '_' ('-' becomes '_'): rename one of the two",
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

# 545-554 deployment hardening (issue 15): a pinned image, a non-root hardened pod, per-schedule timeouts
K8S_FLOATING_IMAGE = Code(
    "DTV545",
    "Kubernetes image that floats",
    "Kubernetes image {image!r} {why}: each run may pull another dativo and another project than the "
    "reviewed artifacts were compiled for",
    "pin it (registry/name:tag, best with @sha256:<digest>; docs/deploy.md), or set "
    "targets.kubernetes.allow_floating_image: true",
)
K8S_ROOT = Code(
    "DTV546",
    "Kubernetes security context that contradicts itself",
    "targets.kubernetes.security_context has run_as_non_root: true but run_as_user: 0 (root), so no pod would start",
    "use the image's user (10001 for dativo's Dockerfile), or leave run_as_user out",
)
K8S_STATE_READ_ONLY = Code(
    "DTV547",
    "state dir not writable in a read-only Kubernetes pod",
    "the pod's root filesystem is read-only (security_context.read_only_root_filesystem) and nothing is "
    "mounted at the state dir {state_dir}: `dativo run` could not write state, logs or locks",
    "set targets.kubernetes.state_volume_claim, mount a volume at {state_dir} (volume_mounts), or set "
    "security_context.read_only_root_filesystem: false",
)
UNKNOWN_SCHEDULE_SETTING = Code(
    "DTV548",
    "target setting for a schedule the project does not have",
    "targets.{target}.{setting} names {schedule!r}, which is not a schedule of the project",
    "use a schedule id as <tenant>.<schedule name>, e.g. acme.orders_csv_morning",
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
