"""The systemd target: `systemd/dativo-<tenant>-<schedule>.service` + `.timer` per schedule.

The service is Type=oneshot and runs `dativo run --plan <plan_path> --job <schedule id>` in the
project directory. It passes no `--run-id`: a service started by a timer is not told the nominal
fire time, so the runtime derives the run id from the schedule's most recent nominal fire time
(its documented default). With `Persistent=true` a run missed during downtime starts once at boot
and is still that logical run.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dativo.compiler import codes
from dativo.compiler.diagnostics import json_path
from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.targets.base import Findings, at_deploy, at_schedule, at_settings
from dativo.targets.common import run_argv

from . import escape, hardening
from .oncalendar import Inexpressible, to_oncalendar
from .settings import Settings

if TYPE_CHECKING:
    import jinja2

_BIN_PREFIXES = "-@:+!|"  # ExecStart= reads these at the start of the command as flags, even quoted


@functools.lru_cache(maxsize=1)
def _templates() -> tuple[jinja2.Template, jinja2.Template]:
    from dativo.targets.templates import environment  # only when rendering: `dativo --help` stays free of jinja2

    env = environment(Path(__file__).parent / "templates")
    return env.get_template("dativo.service.j2"), env.get_template("dativo.timer.j2")


def unit_base(entry: ScheduleEntry) -> str:
    """`dativo-<tenant>-<schedule>`, each part escaped as systemd-escape does ('-' is '\\x2d')."""
    return f"dativo-{escape.unit_name_escape(entry.tenant)}-{escape.unit_name_escape(entry.name)}"


def service_argv(plan: Plan, entry: ScheduleEntry, settings: Settings | None = None) -> list[str]:
    """run_argv without `--run-id` (the runtime derives it from the nominal fire time: see module doc), run by
    its absolute path (hardening.exec_bin): ExecStart= does not search PATH the way a shell does."""
    argv = run_argv(plan, entry, "")
    assert argv[-2] == "--run-id"
    return [hardening.exec_bin(plan.deployment, settings or Settings()), *argv[1:-2]]


def _bin_problem(dativo_bin: str) -> str | None:
    if not dativo_bin or dativo_bin[0] in _BIN_PREFIXES:
        return "is empty or starts with a character ExecStart= reads as a flag"
    if not escape.exec_word(dativo_bin) == dativo_bin:
        return "holds characters ExecStart= cannot take in the executable (quotes, spaces, '%', '$', '\\', controls)"
    if "/" in dativo_bin and not dativo_bin.startswith("/"):
        return "is neither an absolute path nor a bare command name"
    return None


def _deployment_problems(plan: Plan) -> list[tuple[str, str, str, str | None]]:
    """(setting, value, problem, hint) for deployment values a unit cannot carry exactly."""
    d = plan.deployment
    out: list[tuple[str, str, str, str | None]] = []
    if escape.mount_path(d.worker_state_dir) is None:
        out.append(
            (
                "deploy.state_dir",
                d.worker_state_dir,
                "holds a control character or a backslash, which ReadWritePaths= cannot carry",
                "use a plain absolute path such as /var/lib/dativo",
            )
        )
    problem = _bin_problem(d.dativo_bin)
    if problem:
        out.append(
            (
                "deploy.dativo_bin",
                d.dativo_bin,
                problem,
                "use an absolute path such as /usr/local/bin/dativo",
            )
        )
    if not d.project_dir.startswith("/") or escape.plain_value(d.project_dir) is None:
        out.append(
            (
                "deploy.project_dir",
                d.project_dir,
                "is not an absolute path without backslashes, control characters or surrounding spaces, "
                "so it cannot be systemd's WorkingDirectory=",
                "use an absolute path such as /srv/dativo",
            )
        )
    if "\x00" in d.plan_path or not _utf8(d.plan_path):
        out.append(
            (
                "deploy.plan_path",
                d.plan_path,
                "holds a NUL character or a lone surrogate, which no unit file can carry",
                None,
            )
        )
    return out


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class SystemdTarget:
    name = "systemd"

    def check(self, plan: Plan, settings: Settings, found: Findings) -> None:
        if settings.environment_file is not None:
            path = settings.environment_file
            if not path.startswith("/") or escape.plain_value(path) is None:
                found.report(
                    codes.SYSTEMD_ENVIRONMENT_FILE,
                    at_settings(self.name, "environment_file"),
                    path="$.targets.systemd.environment_file",
                    file=path,
                )
        for setting, value, problem, hint in _deployment_problems(plan):
            found.report(
                codes.SYSTEMD_UNREPRESENTABLE,
                at_deploy(*setting.split(".")[1:]),
                path=f"$.{setting}",
                setting=setting,
                value=value,
                problem=problem,
                hint=hint,
            )
        for sid in sorted(settings.schedule_timeouts):
            if sid not in plan.schedules:
                found.report(
                    codes.UNKNOWN_SCHEDULE_SETTING,
                    at_settings(self.name, "schedule_timeouts", sid),
                    path=json_path(["targets", self.name, "schedule_timeouts", sid]),
                    target=self.name,
                    setting="schedule_timeouts",
                    schedule=sid,
                )
        seen: dict[str, str] = {}
        for entry in plan.schedules.values():
            base = unit_base(entry)
            self._check_entry(entry, base, found)
            first = seen.setdefault(base, entry.id)
            if first != entry.id:  # only names outside SAFE_NAME ('/' escapes to '-') can collide
                unit = base + ".service"
                found.report(
                    codes.SYSTEMD_NAME_CLASH, at_schedule(entry.id, "name"), first=first, second=entry.id, unit=unit
                )

    def _check_entry(self, entry: ScheduleEntry, base: str, found: Findings) -> None:
        """`base`: the entry's unit_base."""
        try:
            to_oncalendar(entry.cron, entry.timezone)
        except Inexpressible as exc:
            found.report(
                codes.SYSTEMD_INEXPRESSIBLE,
                at_schedule(entry.id, "cron"),
                cron=" | ".join(entry.cron),
                schedule=entry.id,
                problem=exc,
            )
        for mount in entry.mounts:
            if escape.mount_path(mount) is None:
                found.report(
                    codes.SYSTEMD_UNREPRESENTABLE,
                    at_schedule(entry.id, "config"),
                    setting=f"runtime mount of schedule {entry.id}",
                    value=mount,
                    problem="holds a control character or a backslash, which RequiresMountsFor= cannot carry",
                    hint="mount the data under a plain path and name that path in the job",
                )
        name = base + ".service"
        if len(name) > escape.UNIT_NAME_MAX:
            found.report(
                codes.SYSTEMD_NAME,
                at_schedule(entry.id, "name"),
                start=name[:40] + "...",
                schedule=entry.id,
                length=len(name),
                limit=escape.UNIT_NAME_MAX,
            )

    def render(self, plan: Plan, settings: Settings) -> dict[str, str]:
        """Artifacts for a plan that passed check(); raises ValueError for values check() rejects."""
        problems = _deployment_problems(plan)
        if problems:
            raise ValueError(problems[0][1])
        service_t, timer_t = _templates()
        d = plan.deployment
        common: dict[str, Any] = {
            "working_directory": escape.plain_value(d.project_dir),
            # the lines every unit shares, joined once (2,000 units would loop over them 2,000 times)
            "extra": "".join(line + "\n" for line in hardening.service_lines(plan, settings)),
            "persistent": "true" if settings.persistent else "false",
        }
        units = [_unit_vars(plan, settings, entry) for entry in plan.schedules.values()]
        out: dict[str, str] = {}
        for template in (service_t, timer_t):
            for chunk in template.render(common, units=units, RS=_RS).split(_RS)[1:]:
                path, _nl, content = chunk.partition("\n")
                out[path] = content
        return out


_RS = "\x1e"  # splits one render into files; escaping keeps control characters out of every value


@dataclass(frozen=True, slots=True)
class _Unit:
    """What the templates need of one schedule (attributes: Jinja finds them without a dict fallback)."""

    path: str
    source: str
    schedule_id: str
    timer: str
    service: str
    tags: str
    description: str
    exec_start: str
    timeout: int
    cron: str
    calendar: list[str]
    enabled: bool
    mounts: list[str]  # RequiresMountsFor= values: the unit waits for (and needs) each runtime mount


def _unit_vars(plan: Plan, settings: Settings, entry: ScheduleEntry) -> _Unit:
    base = unit_base(entry)
    return _Unit(
        path=f"systemd/{base}",
        source=escape.comment(entry.runner),
        schedule_id=escape.comment(entry.id),
        timer=f"{base}.timer",
        service=f"{base}.service",
        tags=escape.comment(json.dumps(entry.tags, sort_keys=True, ensure_ascii=True)),
        description=escape.plain_value(escape.comment(f"dativo {entry.id}")) or "dativo schedule",
        exec_start=escape.exec_line(service_argv(plan, entry, settings)),
        timeout=hardening.timeout(settings, entry),
        cron=escape.comment(" | ".join(entry.cron)),
        calendar=to_oncalendar(entry.cron, entry.timezone),
        enabled=entry.enabled,
        mounts=[m for m in map(escape.mount_path, entry.mounts) if m is not None],
    )


TARGET = SystemdTarget()
