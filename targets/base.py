"""The target seam: what a target gets (the plan and its typed, already-validated settings) and what it
gives back (artifacts, and findings at logical locations that the compiler maps to file positions).

A target never sees a source position: the plan carries none (a comment added to runner.yaml must not
change plan.json beyond its digest). It says *what* a finding concerns (a schedule's field, a setting,
a deployment value) and compiler/emit.py says *where* that is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from dativo.compiler.codes import Code
from dativo.runtime.plan import Plan

Key = str | int


@dataclass(frozen=True, slots=True)
class At:
    """A logical location: `schedule` (key: schedule id; fields inside its runner.yaml entry), `settings`
    (key: target name; fields inside `targets.<name>` of dativo.yaml) or `deploy` (fields of dativo.yaml)."""

    kind: Literal["schedule", "settings", "deploy"]
    key: str = ""
    fields: tuple[Key, ...] = ()


def at_schedule(schedule_id: str, *fields: Key) -> At:
    return At("schedule", schedule_id, fields)


def at_settings(target: str, *fields: Key) -> At:
    return At("settings", target, fields)


def at_deploy(*fields: Key) -> At:
    return At("deploy", "", fields)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    at: At
    severity: Literal["error", "warning"] = "error"
    path: str = "$"  # the JSON path of the value in its file, for machine-readable reports
    hint: str | None = None


@dataclass
class Findings:
    """What a target's check reports, in order."""

    items: list[Finding] = field(default_factory=list)

    def report(self, code: Code, at: At, *, path: str = "$", **fields: Any) -> None:
        """Report `code` at `at`: its severity, and its message and hint filled in from `fields`."""
        message, hint = code.render(**fields)
        self.items.append(Finding(code, message, at, code.severity, path, hint))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "error"]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Target(Protocol):
    name: str
    #: the model of `targets.<name>` in dativo.yaml; the compiler validates the block with it, once
    settings_model: type[BaseModel]
    #: the code of a `targets.<name>` value its settings model refuses
    settings_code: str

    def check(self, plan: Plan, settings: BaseModel, findings: Findings) -> None:
        """Report (DTV5xx) what this target cannot express exactly."""

    def render(self, plan: Plan, settings: BaseModel) -> dict[str, str]:
        """Artifacts (path inside the output dir -> file content); never raises for a plan `check` passed."""
