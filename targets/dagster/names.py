"""Names and tags as Dagster accepts them (rules read from dagster 1.13's own validators).

Dagster names (jobs, schedules, groups) must match `^[A-Za-z0-9_]+$`; our schedule names and
tenant ids may hold '-', so they are mapped to identifiers here and collisions reported by the
target's check. Tag keys follow dagster/_utils/tags.py: Dagster rejects keys under its own
`dagster/` prefix and only warns about others that break its key rule.
"""

from __future__ import annotations

import re

#: dagster/_core/definitions/utils.py VALID_NAME_REGEX
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_]")
#: dagster/_utils/tags.py VALID_TAG_KEY_REGEX (without the dagster/kind/ nesting, which users may not set)
VALID_TAG_KEY = re.compile(r"([A-Za-z0-9_.-]{1,63}/)?[A-Za-z0-9_.-]{1,63}")  # use with fullmatch
#: tag key prefixes the generated code sets itself (dativo/) or Dagster reserves (dagster/)
RESERVED_TAG_PREFIXES = ("dagster/", "dativo/")

TENANT_TAG = "dativo/tenant"
SCHEDULE_TAG = "dativo/schedule"
#: a user-editable Dagster system tag: no run retries even if the instance enables them
MAX_RETRIES_TAG = "dagster/max_retries"


def identifier(text: str) -> str:
    """A Dagster name for `text`: every character outside [A-Za-z0-9_] becomes '_'."""
    return _NOT_NAME_CHAR.sub("_", text) or "_"


def op_name(tenant: str, name: str) -> str:
    """What Dagster names the op of asset key [tenant, name] (AssetKey.to_python_identifier)."""
    return f"{identifier(tenant)}__{identifier(name)}"


def job_name(tenant: str, name: str) -> str:
    # ops and jobs share one namespace in a Dagster repository, so the job gets a suffix
    return f"{op_name(tenant, name)}_job"


def schedule_name(tenant: str, name: str) -> str:
    return f"{op_name(tenant, name)}_schedule"


def definition_names(tenant: str, name: str) -> tuple[str, str, str]:
    """op_name, job_name and schedule_name (the op name made once: the check asks for every schedule's)."""
    op = op_name(tenant, name)
    return op, f"{op}_job", f"{op}_schedule"


def reserved_tag_key(key: str) -> bool:
    return key.startswith(RESERVED_TAG_PREFIXES)


def task_op_name(tenant: str, name: str, task: str) -> str:
    """What Dagster names the op of a DAG task's asset key [tenant, schedule name, task id]."""
    return f"{op_name(tenant, name)}__{identifier(task)}"


def pool(tenant: str) -> str:
    """The concurrency pool of every asset of a tenant (dagster.yaml limits each pool)."""
    return f"dativo_tenant_{tenant}"
