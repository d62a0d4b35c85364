"""Render `dagster/definitions.py` and `dagster/dagster.yaml` from the plan.

User strings reach the generated Python only as literals made by `py_literal` (repr of plain
str/int/bool/None, tuples and dicts of them), and the YAML only as JSON-quoted scalars; the
templates add no other user text. Templates are compiled once, at import.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.targets.common import mounts_note, run_argv
from dativo.targets.templates import environment

from . import names
from .settings import Settings

DEFINITIONS = "dagster/definitions.py"
INSTANCE = "dagster/dagster.yaml"

_PLAIN = re.compile(r"[A-Za-z0-9_./-]*")
_LITERAL_LEAVES = (str, int, bool, type(None))  # no float: repr(inf) is not a literal


def py_literal(value: Any) -> str:
    """A Python literal for `value`; refuses anything whose repr() is not a literal (custom classes)."""
    if type(value) is str:  # the common case, first: this runs ~40 times per schedule
        return repr(value)
    _assert_literal(value)
    return repr(value)


def _assert_literal(value: Any) -> None:
    if type(value) in _LITERAL_LEAVES:  # exact types: a str subclass could override __repr__
        return
    if type(value) is tuple:
        for v in value:
            _assert_literal(v)
        return
    if type(value) is dict:
        for k, v in value.items():
            _assert_literal(k)
            _assert_literal(v)
        return
    raise TypeError(f"not a plain literal: {type(value).__name__}")


def yaml_scalar(value: str | int | bool) -> str:
    """A YAML scalar: numbers and booleans as JSON; strings double-quoted with every character outside
    printable ASCII escaped (\\u/\\U, which YAML 1.1 readers such as PyYAML decode; JSON's surrogate pairs
    they would not, and a raw U+2028 would fold as a line break)."""
    if type(value) is not str:
        return json.dumps(value)
    if _PLAIN.fullmatch(value):  # ids and tag keys: nothing to escape
        return f'"{value}"'
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


_ENV = environment(Path(__file__).parent / "templates", trim_blocks=True)
_ENV.filters["py"] = py_literal
_ENV.filters["yaml"] = yaml_scalar
_DEFINITIONS = _ENV.get_template("definitions.py.j2")
_INSTANCE = _ENV.get_template("dagster.yaml.j2")

#: stands in for the run id, which only Dagster knows at run time; the generated code puts None there
_RUN_ID: Any = object()  # Any: it stands in for a str in run_argv


def render(plan: Plan, settings: Settings) -> dict[str, str]:
    entries = [plan.schedules[k] for k in sorted(plan.schedules)]
    table = "".join(_entry_block(_schedule(plan, e)) for e in entries)
    limits = "".join(_limit_block(x) for x in tag_limits(plan))
    return {
        DEFINITIONS: _DEFINITIONS.render(project_dir=plan.deployment.project_dir, schedules_block=table),
        INSTANCE: _INSTANCE.render(settings=settings, limits_block=limits, pool_limit=pool_limit(plan)),
    }


def _entry_block(entry: dict[str, Any]) -> str:
    """One SCHEDULES entry, one key per line (and one per line inside tags and metadata, for review diffs).

    Built here rather than in the template: a Jinja loop over 2,000 entries costs several times the
    whole render budget. Every value still goes through `py_literal` (strings inline, for speed).
    """
    lit = py_literal
    lines = ["    {\n"]
    for key, value in entry.items():
        if key == "tasks" and value:  # a DAG schedule's tasks: one per line
            lines.append(f"        {lit(key)}: (\n")
            lines.extend(f"            {lit(task)},\n" for task in value)
            lines.append("        ),\n")
        elif type(value) is dict:
            lines.append(f"        {lit(key)}: {{\n")
            lines.extend(
                [
                    f"            {repr(k) if type(k) is str else lit(k)}: {repr(v) if type(v) is str else lit(v)},\n"
                    for k, v in value.items()
                ]
            )
            lines.append("        },\n")
        else:
            lines.append(f"        {lit(key)}: {repr(value) if type(value) is str else lit(value)},\n")
    lines.append("    },\n")
    return "".join(lines)


def _limit_block(limit: dict[str, Any]) -> str:
    value = (
        "\n          applyLimitPerUniqueValue: true" if limit.get("per_value") else f" {yaml_scalar(limit['value'])}"
    )
    return (
        f"      - key: {yaml_scalar(limit['key'])}\n"
        f"        value:{value}\n"
        f"        limit: {yaml_scalar(limit['limit'])}\n"
    )


def run_tags(entry: ScheduleEntry) -> dict[str, str]:
    """The run tags of one schedule's job and schedule: the user's, then ours (which the check keeps unshadowed)."""
    tags = dict(sorted(entry.tags.items()))
    tags[names.TENANT_TAG] = entry.tenant
    tags[names.SCHEDULE_TAG] = entry.id
    tags[names.MAX_RETRIES_TAG] = "0"
    return tags


def _schedule(plan: Plan, entry: ScheduleEntry) -> dict[str, Any]:
    # `--partial fail`: the asset sees a partial run as exit 1 and renders the schedule's `partial` itself
    argv = [*run_argv(plan, entry, _RUN_ID), "--partial", "fail"]  # _RUN_ID replaced below
    assert argv.count(_RUN_ID) == 1
    source_types, tables = _sources_and_tables(plan, entry)
    what = f"job {entry.job}" if entry.kind == "job" else f"DAG {entry.dag}"
    return {
        "id": entry.id,
        "job": names.job_name(entry.tenant, entry.name),
        "schedule": names.schedule_name(entry.tenant, entry.name),
        "asset_key": (entry.tenant, entry.name),
        "group": names.identifier(entry.tenant),
        "description": f"dativo schedule {entry.id}: {what}{mounts_note(entry)}",
        "argv": tuple(None if a is _RUN_ID else a for a in argv),
        "pool": names.pool(entry.tenant),
        "partial": entry.partial,
        "tasks": _tasks(plan, entry, argv),
        "cron": tuple(entry.cron),
        "timezone": entry.timezone,
        "running": entry.enabled,
        "tags": run_tags(entry),
        "metadata": {
            "tenant_id": entry.tenant,
            "job_name": entry.name,
            "connector_type": ", ".join(source_types),
            "tables": ", ".join(tables),
            "config": (entry.job if entry.kind == "job" else entry.dag) or "",
            "schedule_id": entry.id,
        },
    }


def _tasks(plan: Plan, entry: ScheduleEntry, argv: list[Any]) -> tuple[dict[str, Any], ...]:
    """A DAG schedule's tasks, each an asset [tenant, schedule name, task id] depending on its upstream tasks'
    assets and running `dativo run ... --task <id>` (empty for a job schedule)."""
    dag = plan.dags.get(entry.dag or "") if entry.kind == "dag" else None
    if dag is None:
        return ()
    key = (entry.tenant, entry.name)
    return tuple(
        {
            "id": t.id,
            "asset_key": (*key, t.id),
            "deps": tuple((*key, d) for d in t.depends_on),
            "argv": tuple(None if a is _RUN_ID else a for a in [*argv, "--task", t.id]),
            "description": f"task {t.id} of dativo schedule {entry.id}: job {t.job}",
            "metadata": {
                "tenant_id": entry.tenant,
                "schedule_id": entry.id,
                "task": t.id,
                "config": t.job,
                "table": _table(plan, t.job),
            },
        }
        for t in dag.tasks
    )


def _table(plan: Plan, job: str) -> str:
    spec = plan.jobs.get(job)
    return f"{spec.target.namespace}.{spec.target.table}" if spec else ""


def _sources_and_tables(plan: Plan, entry: ScheduleEntry) -> tuple[list[str], list[str]]:
    """Source connector types and Iceberg tables of a job schedule, or of every task of a DAG schedule."""
    if entry.kind == "job":
        job_ids = [entry.job or ""]
    else:
        dag = plan.dags.get(entry.dag or "")
        job_ids = [t.job for t in dag.tasks] if dag else []
    specs = [plan.jobs[j] for j in job_ids if j in plan.jobs]
    return (sorted({s.source.type for s in specs}), sorted({f"{s.target.namespace}.{s.target.table}" for s in specs}))


def pool_limit(plan: Plan) -> int:
    """Each tenant pool's limit: dagster.yaml sets one for every pool, so the smallest tenant concurrency (a
    compiled plan gives every tenant the same, concurrency_per_tenant); never more than any tenant allows."""
    return min((t.concurrency for t in plan.tenants.values()), default=1)


def tag_limits(plan: Plan) -> list[dict[str, Any]]:
    """tag_concurrency_limits: each tenant's concurrency, then each schedule's max_concurrent_runs."""
    limits: list[dict[str, Any]] = []
    per_tenant = {t: e.concurrency for t, e in sorted(plan.tenants.items())}
    if not per_tenant:
        pass
    elif len(set(per_tenant.values())) == 1:
        limits.append({"key": names.TENANT_TAG, "limit": next(iter(per_tenant.values())), "per_value": True})
    else:  # tenants differ: one limit per tenant value
        limits.extend({"key": names.TENANT_TAG, "value": t, "limit": c} for t, c in per_tenant.items())
    entries = [plan.schedules[k] for k in sorted(plan.schedules)]
    limits.extend({"key": names.SCHEDULE_TAG, "value": e.id, "limit": e.max_concurrent_runs} for e in entries)
    return limits
