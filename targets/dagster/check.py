"""What the Dagster target cannot express exactly (DTV510-DTV514, DTV530-DTV532), found before anything renders.

The rules mirror dagster 1.13's own validators (dagster/_utils/schedules.py, dagster/_utils/tags.py,
dagster/_core/definitions/utils.py), re-stated here because the compiler never imports Dagster.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

from dativo.compiler import codes
from dativo.compiler.codes import Code
from dativo.runtime.cron import FIELDS, Cron, parse
from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.targets.base import At, Findings, at_deploy, at_schedule
from dativo.targets.common import SAFE_NAME

from . import names
from .settings import Settings

#: a comma item of a cron field as Dagster's out-of-range check reads it: low-high[/step]
_STEP_ITEM = re.compile(r"^([^-]+)-([^-/]+)(/(\d+))?$")
_INT = re.compile(r"\d+")


def check(plan: Plan, settings: Settings, diags: Findings) -> None:
    d = plan.deployment
    for what, path in (("dativo_bin", d.dativo_bin), ("plan_path", d.plan_path), ("project_dir", d.project_dir)):
        if "\0" in path:
            diags.report(codes.DAGSTER_UNPASSABLE, at_deploy(what), field=what, value=path)
    owners: dict[str, str] = {}  # Dagster name -> schedule id
    for sid in sorted(plan.schedules):
        entry = plan.schedules[sid]
        _check_names(entry, owners, diags)
        _check_tasks(plan, entry, owners, diags)
        _check_timing(entry, diags)
        _check_tags(entry, diags)


def _check_names(entry: ScheduleEntry, owners: dict[str, str], diags: Findings) -> None:
    for what, value in (("tenant id", entry.tenant), ("schedule name", entry.name)):
        if not SAFE_NAME.fullmatch(value):  # fullmatch: '$' alone lets a trailing newline through
            # the compiler rejects these already (DTV501); a hand-built plan must not get through either
            diags.report(
                codes.UNSAFE_NAME,
                at_schedule(entry.id, "name"),
                subject=f"{what} {value!r} of schedule {entry.id!r}",
                artifacts="Dagster definitions",
            )
    # Dagster names are [A-Za-z0-9_]+; ops, jobs and schedules share one check here so none can clash
    for name in names.definition_names(entry.tenant, entry.name):
        other = owners.setdefault(name, entry.id)
        if other != entry.id:
            diags.report(
                codes.DAGSTER_NAME_CLASH, at_schedule(entry.id, "name"), first=other, second=entry.id, name=name
            )


def _check_tasks(plan: Plan, entry: ScheduleEntry, owners: dict[str, str], diags: Findings) -> None:
    """A DAG schedule's tasks become assets [tenant, schedule, task]: their op names must be Dagster's own."""
    dag = plan.dags.get(entry.dag or "") if entry.kind == "dag" else None
    for task in dag.tasks if dag else []:
        name = names.task_op_name(entry.tenant, entry.name, task.id)
        other = owners.setdefault(name, f"task {task.id!r} of {entry.id}")
        if other != f"task {task.id!r} of {entry.id}":
            diags.report(
                codes.DAGSTER_TASK_NAME_CLASH,
                at_schedule(entry.id, "dag"),
                task=task.id,
                schedule=entry.id,
                name=name,
                other=other,
            )


def _check_timing(entry: ScheduleEntry, diags: Findings) -> None:
    def span() -> At:
        return at_schedule(entry.id, "interval_seconds" if entry.interval_seconds else "cron")

    if not entry.cron:
        diags.report(codes.NO_CRON_LINE, span(), schedule=entry.id, target="Dagster")
    for line in entry.cron:
        problem = cron_problem(line)
        if problem:
            diags.report(codes.DAGSTER_CRON, span(), cron=line, schedule=entry.id, problem=problem)
    if not _known_zone(entry.timezone):
        diags.report(codes.DAGSTER_TIMEZONE, at_schedule(entry.id, "timezone"), zone=entry.timezone, schedule=entry.id)


@functools.lru_cache(maxsize=1024)  # thousands of schedules share a few zones
def _known_zone(zone: str) -> bool:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def cron_problem(line: str) -> str | None:
    """Why Dagster would reject or reinterpret this cron line, or None (dagster/_utils/schedules.py)."""
    fields = line.split()
    # Dagster's validity is croniter's (the parse is cached: the compiler already parsed the line)
    parsed = parse(line)
    if len(fields) != 5 or (not isinstance(parsed, Cron) and parsed.kind == "syntax"):
        return "Dagster accepts only valid five-field cron lines"
    if fields[3] == "2" and fields[2] in ("30", "31"):
        return "Dagster rejects the 30th and 31st of February"
    for i, field in enumerate(fields):
        low, high = FIELDS[i].low, FIELDS[i].high
        for item in field.lower().split(","):
            text = re.sub(r"^\*(/.+)$", rf"{low}-{high}\1", item)
            m = _STEP_ITEM.search(text) or _STEP_ITEM.search(re.sub(r"^(.+)/(.+)$", rf"\1-{high}/\2", item))
            if not m or not (_INT.fullmatch(m.group(1)) and _INT.fullmatch(m.group(2))):
                continue
            step = int(m.group(4) or 1)
            if step > int(m.group(2)):
                # Dagster warns that it "normalizes this to an interval that may fire more often than expected"
                return f"step {step} in {item!r} exceeds the field's range"
    return None


def _check_tags(entry: ScheduleEntry, diags: Findings) -> None:
    for key in sorted(entry.tags):
        code = _tag_key_code(key)
        if code is not None:
            diags.report(code, at_schedule(entry.id, "tags", key), key=key, schedule=entry.id)


@functools.lru_cache(maxsize=1024)  # thousands of schedules share a few tag keys
def _tag_key_code(key: str) -> Code | None:
    if names.reserved_tag_key(key):
        return codes.DAGSTER_RESERVED_TAG
    return None if names.VALID_TAG_KEY.fullmatch(key) else codes.DAGSTER_TAG_KEY
