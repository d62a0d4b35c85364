"""The Target protocol: every emitter reads only the plan."""

from __future__ import annotations

from typing import Protocol

from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.plan import Plan


class Target(Protocol):
    name: str

    def check(self, plan: Plan, diags: Diagnostics) -> None:
        """Report (DTV5xx) what this target cannot express exactly."""

    def render(self, plan: Plan) -> dict[str, str]:
        """Artifacts: path inside the output dir -> file content."""
