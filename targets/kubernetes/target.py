"""The Kubernetes target: one batch/v1 CronJob per cron line, per schedule, and a kustomization.yaml."""

from __future__ import annotations

from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.plan import Plan

from . import checks
from .render import render
from .settings import Settings


class KubernetesTarget:
    name = checks.NAME

    def check(self, plan: Plan, diags: Diagnostics) -> None:
        checks.check(plan, diags)

    def render(self, plan: Plan) -> dict[str, str]:
        # the pipeline renders only after check() passed, so the settings parse here
        return render(plan, Settings.model_validate(plan.targets.get(checks.NAME, {})))


TARGET = KubernetesTarget()
