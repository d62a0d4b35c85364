"""The Dagster target: `dagster/definitions.py` (assets, jobs, schedules) and `dagster/dagster.yaml` (run queue)."""

from __future__ import annotations

from dataclasses import dataclass

from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.plan import Plan

from . import check, render


@dataclass(frozen=True)
class DagsterTarget:
    name: str = "dagster"

    def check(self, plan: Plan, diags: Diagnostics) -> None:
        check.check(plan, diags)

    def render(self, plan: Plan) -> dict[str, str]:
        return render.render(plan)


TARGET = DagsterTarget()
