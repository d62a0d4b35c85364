"""Schedules (DTV3xx): one job or DAG each, cron XOR interval, valid crons and time zones, DST hazards."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from dativo.runtime.plan import SAFE_NAME

from .. import codes, refs
from ..cron import dst_hazards, interval_to_cron, normalize_cron
from ..diagnostics import Diagnostics, did_you_mean
from ..models.runner import Schedule
from ..project import Loaded, Project
from ..zones import host_zone_hint, iana_zones

_TRANSITION_BEHAVIOUR = {
    "skipped": "croniter and Dagster fire at the first valid time after the gap, systemd skips the run, "
    "Airflow and Kubernetes follow their own time-zone libraries",
    "repeated": "croniter and Kubernetes fire twice, systemd once (first occurrence), Dagster once (second occurrence)",
}


@dataclass
class ResolvedSchedule:
    index: int
    model: Schedule
    job_rel: str | None = None
    dag_rel: str | None = None
    tenant: str | None = None
    cron_lines: list[str] = field(default_factory=list)
    ok: bool = True

    @property
    def id(self) -> str:
        return f"{self.tenant}.{self.model.name}"


def run(project: Project, diags: Diagnostics) -> list[ResolvedSchedule]:
    runner = project.runner
    if runner is None:
        return []
    out: list[ResolvedSchedule] = []
    first_name: dict[str, int] = {}
    for i, s in enumerate(runner.model.runner.orchestrator.schedules):
        since = diags.mark()
        base = ("runner", "orchestrator", "schedules", i)
        doc = runner.doc
        rs = ResolvedSchedule(i, s)
        if s.name in first_name:
            line = doc.span(("runner", "orchestrator", "schedules", first_name[s.name], "name")).line
            diags.report(codes.DUPLICATE_SCHEDULE, doc.span(base + ("name",)), schedule=s.name, line=line)
            rs.ok = False
        first_name.setdefault(s.name, i)
        if not SAFE_NAME.fullmatch(s.name):
            diags.report(
                codes.UNSAFE_NAME,
                doc.span(base + ("name",)),
                subject=f"schedule name {s.name!r}",
                artifacts="artifacts",
            )
            rs.ok = False
        _target(project, runner, rs, base, diags)
        _timing(runner, rs, base, diags)
        diags.attribute(since, rs.job_rel)  # a schedule's findings concern the job it runs
        out.append(rs)
    return out


def _target(project: Project, runner: Loaded, rs: ResolvedSchedule, base: tuple, diags: Diagnostics) -> None:
    s, doc = rs.model, runner.doc
    if (s.config is None) == (s.dag is None):
        which = "both 'config' and 'dag'" if s.config is not None else "neither 'config' nor 'dag'"
        diags.report(codes.CONFIG_XOR_DAG, doc.span(base, key=False), schedule=s.name, which=which)
        rs.ok = False
        return
    # `is not None`: an empty `config: ""` is a path to diagnose, not a missing one
    field_name, kind, what = ("config", "job", "job config") if s.config is not None else ("dag", "dag", "DAG")
    raw = s.config if s.config is not None else s.dag
    assert raw is not None
    rel, loaded = refs.lookup(project, kind, raw, functools.partial(doc.span, base + (field_name,)), diags, what)
    if loaded is None:
        rs.ok = False
        return
    if field_name == "config":
        rs.job_rel, rs.tenant = rel, loaded.model.tenant_id
    else:
        rs.dag_rel, rs.tenant = rel, loaded.model.tenant_id


def _timing(runner: Loaded, rs: ResolvedSchedule, base: tuple, diags: Diagnostics) -> None:
    s, doc = rs.model, runner.doc
    has_cron = bool(s.cron)  # `cron: []` is no cron at all
    if has_cron == (s.interval_seconds is not None):
        which = "both 'cron' and 'interval_seconds'" if has_cron else "neither 'cron' nor 'interval_seconds'"
        span = doc.span(base + ("cron",) if s.cron is not None else base)
        diags.report(codes.CRON_XOR_INTERVAL, span, schedule=s.name, which=which)
        rs.ok = False
    elif s.cron:
        for j, line in enumerate(s.cron):
            path = base + ("cron",) + ((j,) if len(s.cron) > 1 else ())
            normalized, problem = normalize_cron(line)
            if problem:
                diags.problem(problem, doc.span(path))
                rs.ok = False
            elif normalized is not None and normalized not in rs.cron_lines:
                rs.cron_lines.append(normalized)
    elif s.interval_seconds is not None:
        lines, problem = interval_to_cron(s.interval_seconds)
        if problem:
            diags.problem(problem, doc.span(base + ("interval_seconds",)))
            rs.ok = False
        else:
            rs.cron_lines = list(lines or [])
    if s.timezone not in iana_zones():
        hint = (
            host_zone_hint(s.timezone)
            or did_you_mean(s.timezone, iana_zones())
            or "use an IANA name such as 'UTC' or 'Europe/Berlin'"
        )
        diags.report(codes.UNKNOWN_TIMEZONE, doc.span(base + ("timezone",)), zone=s.timezone, hint=hint)
        rs.ok = False
        return
    if rs.ok and rs.cron_lines:
        seen: set[str] = set()
        for hazard in dst_hazards(rs.cron_lines, s.timezone):
            if hazard.kind in seen:
                continue  # the first transition of each kind shows the problem
            seen.add(hazard.kind)
            diags.report(
                codes.DST_TRANSITION,
                doc.span(base + (("cron",) if s.cron else ("interval_seconds",))),
                schedule=s.name,
                times=", ".join(hazard.local_times),
                date=hazard.local_date,
                kind=hazard.kind,
                zone=s.timezone,
                behaviour=_TRANSITION_BEHAVIOUR[hazard.kind],
            )
