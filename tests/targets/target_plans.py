"""Plans for the target tests: the compiled examples, and schedule entries built by hand (edge cases,
hostile values) that no valid project would produce but a target must still render safely."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES

from dativo.compiler.pipeline import compile_project
from dativo.compiler.plan import Plan, ScheduleEntry

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
    )
    fields.update(kw)
    return ScheduleEntry.model_validate(fields)
