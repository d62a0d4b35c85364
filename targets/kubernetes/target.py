"""The Kubernetes target: one batch/v1 CronJob per cron line, per schedule, and a kustomization.yaml."""

from __future__ import annotations

from dativo.runtime.plan import Plan
from dativo.targets.base import Findings

from . import checks
from .settings import Settings


class KubernetesTarget:
    name = checks.NAME

    def check(self, plan: Plan, settings: Settings, found: Findings) -> None:
        checks.check(plan, settings, found)

    def render(self, plan: Plan, settings: Settings) -> dict[str, str]:
        from .render import render  # jinja2 and the templates: not needed by a check the manifest passes

        return render(plan, settings)


TARGET = KubernetesTarget()
