"""Plans for the target tests: the compiled examples, and schedule entries built by hand (edge cases,
hostile values) that no valid project would produce but a target must still render safely."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES
from pydantic import BaseModel

from dativo.compiler.diagnostics import Diagnostic, Diagnostics
from dativo.compiler.emit import Locator, validate_settings
from dativo.compiler.emit import check as check_target
from dativo.compiler.load import load_text
from dativo.compiler.pipeline import compile_project
from dativo.runtime.plan import DagEntry, DagTaskEntry, Plan, ScheduleEntry
from dativo.targets import settings_model
from dativo.targets.base import Target

HOSTILE_NAME = "x'); import os; os.system('id') #"
HOSTILE_TAGS = {
    "quote": "it's \"quoted\" '''",
    "newline": "line one\nline two\r\n",
    "jinja": "{{ run_id }}{% if 1 %}{# c #}",
    "unicode": "naïve ☃ \u2028",
    "python": "'); import os; os.system('id') #",
    "shell": "$(id) `id` ; rm -rf /",
}


@functools.lru_cache(maxsize=1)  # plans are frozen: one compile serves every test
def examples_plan() -> Plan:
    res = compile_project(EXAMPLES, emit=False)
    assert res.plan is not None, [d.message for d in res.diags]
    return res.plan


def entry(base: Plan, tenant: str, name: str, cron: list[str], **kw: Any) -> ScheduleEntry:
    """A job schedule on a real job spec of `base` (so targets find a connector type and a table)."""
    retry = next(iter(base.schedules.values())).retry
    fields: dict[str, Any] = dict(
        id=f"{tenant}.{name}",
        name=name,
        tenant=tenant,
        kind="job",
        job=next(iter(base.jobs)),
        cron=cron,
        timezone="UTC",
        enabled=True,
        max_concurrent_runs=1,
        tags={},
        retry=retry,
        concurrency_key=f"tenant:{tenant}",
        inputs=["configs/runner.yaml", "dativo.yaml"],
        runner="configs/runner.yaml",
    )
    fields.update(kw)
    return ScheduleEntry.model_validate(fields)


def typed_settings(target: Target, plan: Plan) -> BaseModel:
    """The target's settings from the plan's `targets` block (valid: the compiler validated them)."""
    return settings_model(target.name)[0].model_validate(plan.targets.get(target.name, {}))


def check_into(target: Target, plan: Plan, diags: Diagnostics) -> None:
    """As the compiler does it: the target's settings validated (once, as if written in dativo.yaml), then,
    if they are valid, the target's check, its findings placed in the files the plan names."""
    if target.name in plan.targets:
        found = settings_diagnostics(target.name, plan.targets[target.name])
        diags.extend(found)
        if found:
            return
    check_target(target, plan, typed_settings(target, plan), Locator(plan), diags)


def render_plan(target: Target, plan: Plan) -> dict[str, str]:
    return target.render(plan, typed_settings(target, plan))


def settings_diagnostics(target: str, raw: Any) -> list[Diagnostic]:
    """`targets.<target>: raw` in a dativo.yaml (JSON is YAML), validated as the compiler does, once."""
    diags = Diagnostics()
    doc = load_text(json.dumps({"targets": {target: raw}}, indent=2, default=str), "dativo.yaml", diags)
    assert doc is not None
    validate_settings(doc, {target: raw}, diags)
    return diags.sorted()


EDGE_DAG = "dags/it's {{ x }}.yaml"


def edge_dags(base: Plan) -> dict[str, DagEntry]:
    """The DAG of the edge plans' DAG schedule: a '-' in a task id (Dagster maps it), a fan-out and a fan-in."""
    jobs = sorted(base.jobs)
    tasks = [
        DagTaskEntry(id="first-load", job=jobs[0]),
        DagTaskEntry(id="second", job=jobs[1], depends_on=["first-load"]),
        DagTaskEntry(id="other_root", job=jobs[2], retries=2),
        DagTaskEntry(id="last", job=jobs[3], depends_on=["first-load", "other_root", "second"]),
    ]
    return {EDGE_DAG: DagEntry(name="hostile", tenant="beta-co", tasks=tasks)}
