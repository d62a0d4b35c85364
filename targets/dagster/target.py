"""The Dagster target: `dagster/definitions.py` (assets, jobs, schedules) and `dagster/dagster.yaml` (run queue)."""

from __future__ import annotations

from dataclasses import dataclass

from dativo.runtime.plan import Plan
from dativo.targets.base import Findings

from . import check
from .settings import Settings


@dataclass(frozen=True)
class DagsterTarget:
    name: str = "dagster"

    def check(self, plan: Plan, settings: Settings, found: Findings) -> None:
        check.check(plan, settings, found)

    def render(self, plan: Plan, settings: Settings) -> dict[str, str]:
        from . import render  # jinja2 and the templates: not needed by a check the manifest passes

        return render.render(plan, settings)


TARGET = DagsterTarget()
