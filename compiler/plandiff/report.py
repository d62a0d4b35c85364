"""The plan diff as one plain, JSON-shaped report (docs/plan.md): every renderer prints this data, so
text, markdown and json always say the same thing. Ordering is sorted throughout; the only times are
derived from `at`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dativo.runtime.plan import Plan, ScheduleEntry

from . import prereqs
from .fields import changed, dump, same
from .fires import iso, timing
from .sides import Side

#: schedule fields that identify it (shown as its id) or are listed as files instead of fields
_IDENTITY = ("id", "name", "tenant", "inputs", "concurrency_key")
#: plan fields diffed per schedule and per tenant, not as project fields
_PER_ENTRY = ("schedules", "jobs", "dags", "tenants", "inputs", "version")
MAX_BASE_DIAGNOSTICS = 10


def build(base: Side, head: Side, ref: str, at: dt.datetime) -> dict[str, Any]:
    """The report of what changes from `base` to `head` (head compiled; base may have failed)."""
    assert head.plan is not None
    old, new = base.plan, head.plan
    schedules = _schedules(base, head, at)
    tenants = _tenants(base, head)
    artifacts = _artifacts(base.artifacts, head.artifacts)
    project = changed(_project(old), _project(new)) if old is not None else {}
    files = _files(base, head, sorted({*(old.inputs if old else {}), *new.inputs}))
    counts = {k: sum(1 for s in schedules if s["change"] == k) for k in ("added", "removed", "changed")}
    counts["unchanged"] = len(set(new.schedules) & set(old.schedules if old else {})) - counts["changed"]
    any_artifact = any(artifacts[k] for k in ("added", "removed", "changed"))
    return {
        "base": _base(base, ref),
        "at": iso(at),
        "changes": bool(schedules or tenants or project or files or any_artifact),
        "summary": counts,
        "project": project,
        "files": files,
        "schedules": schedules,
        "tenants": tenants,
        "artifacts": artifacts,
        "actions": sorted({a for p, a in prereqs.SHARED_ACTIONS.items() if p in _touched(artifacts)}),
    }


def _base(base: Side, ref: str) -> dict[str, Any]:
    errors = [d for d in base.diagnostics if d.severity.value == "error"]
    return {
        "ref": ref,
        "compiled": base.ok,
        "errors": len(errors) + (base.missing is not None),
        "diagnostics": [base.missing]
        if base.missing is not None
        else [f"{d.span.file}:{d.span.line}: {d.code} {d.message}" for d in errors[:MAX_BASE_DIAGNOSTICS]],
    }


def _project(plan: Plan | None) -> dict[str, Any] | None:
    # the entries left out as they are dumped: a 2,000-job plan dumped whole took 50 ms
    return None if plan is None else plan.model_dump(mode="json", exclude=set(_PER_ENTRY))


def _schedules(base: Side, head: Side, at: dt.datetime) -> list[dict[str, Any]]:
    assert head.plan is not None
    old = base.plan.schedules if base.plan is not None else {}
    out = []
    for sid in sorted(old.keys() | head.plan.schedules.keys()):
        b, a = old.get(sid), head.plan.schedules.get(sid)
        fields = _entry_fields(base.plan, b, head.plan, a)
        if b is not None and a is not None and not fields:
            continue
        change = "added" if b is None else "removed" if a is None else "changed"
        out.append(_schedule(sid, change, fields, (base, b), (head, a), at))
    return out


def _schedule(
    sid: str,
    change: str,
    fields: dict[str, Any],
    old: tuple[Side, ScheduleEntry | None],
    new: tuple[Side, ScheduleEntry | None],
    at: dt.datetime,
) -> dict[str, Any]:
    before, after = timing(old[1], at), timing(new[1], at)
    inputs = sorted({*(old[1].inputs if old[1] else []), *(new[1].inputs if new[1] else [])})
    dst_b, dst_a = (set(t["dst"]) if t else set() for t in (before, after))

    def side(key: str) -> dict[str, Any]:
        return {"before": before[key] if before else None, "after": after[key] if after else None}

    return {
        "id": sid,
        "change": change,
        "fields": fields,
        "files": _files(old[0], new[0], inputs),
        "runs_7d": side("runs_7d"),
        "next_fires_utc": side("next_fires_utc"),
        "next_fires_local": side("next_fires_local"),
        "dst": {"appears": sorted(dst_a - dst_b), "disappears": sorted(dst_b - dst_a)},
    }


def _entry_fields(
    old_plan: Plan | None, old: ScheduleEntry | None, new_plan: Plan, new: ScheduleEntry | None
) -> dict[str, Any]:
    """Every changed field of the schedule and of what it runs (its job spec, or its DAG and the DAG's
    jobs); for an added or removed schedule, its own fields only (what it runs is all new or all gone)."""
    if old is not None and new is not None and old.job is not None and new.job is not None:
        assert old_plan is not None
        if same(old, new) and same(old_plan.jobs.get(old.job), new_plan.jobs.get(new.job)):
            return {}  # most schedules: nothing of theirs changed
    own = changed(_own(old), _own(new))
    if old is None or new is None:
        return own
    assert old_plan is not None
    return {**own, **changed(_runs(old_plan, old), _runs(new_plan, new))}


def _own(entry: ScheduleEntry | None) -> dict[str, Any] | None:
    data = dump(entry)
    return None if data is None else {k: v for k, v in data.items() if k not in _IDENTITY}


def _runs(plan: Plan, entry: ScheduleEntry) -> dict[str, Any]:
    """What the schedule runs, by the names its fields are shown under: `job.*`, or `dag.*` and `jobs[...]`."""
    if entry.job is not None:
        return {"job": dump(plan.jobs.get(entry.job))}
    dag = plan.dags.get(entry.dag or "")
    jobs = {t.job: dump(plan.jobs.get(t.job)) for t in dag.tasks} if dag is not None else {}
    return {"dag": dump(dag), **{f"jobs[{j}]": spec for j, spec in sorted(jobs.items())}}


def _tenants(base: Side, head: Side) -> list[dict[str, Any]]:
    assert head.plan is not None
    old_plan, new_plan = base.plan, head.plan
    old = old_plan.tenants if old_plan is not None else {}
    need_b = prereqs.by_tenant(old_plan, _targets(base.artifacts)) if old_plan is not None else None
    need_a = prereqs.by_tenant(new_plan, _targets(head.artifacts))
    out = []
    for t in sorted(old.keys() | new_plan.tenants.keys()):
        b, a = old.get(t), new_plan.tenants.get(t)
        fields = changed(_tenant_fields(b), _tenant_fields(a))
        needs = prereqs.diff(need_b, need_a, t)
        change = "added" if b is None else "removed" if a is None else "changed" if fields else None
        if change is None and not (needs["new"] or needs["gone"]):
            continue
        out.append({"id": t, "change": change, "fields": fields, "prerequisites": needs})
    return out


def _tenant_fields(entry: Any) -> dict[str, Any] | None:
    data = dump(entry)
    return None if data is None else {k: v for k, v in data.items() if k != "schedules"}


def _targets(artifacts: dict[str, str]) -> set[str]:
    return {path.split("/", 1)[0] for path in artifacts if "/" in path}


def _artifacts(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(p for p in before.keys() & after.keys() if before[p] != after[p]),
    }


def _touched(artifacts: dict[str, list[str]]) -> set[str]:
    return {p for k in ("added", "removed", "changed") for p in artifacts[k]}


def _files(base: Side, head: Side, paths: list[str]) -> list[dict[str, str]]:
    """The input files among `paths` whose content differs, each with its role (what kind of config it is)."""
    old = base.plan.inputs if base.plan is not None else {}
    new = head.plan.inputs if head.plan is not None else {}
    out = []
    for path in paths:
        b, a = old.get(path), new.get(path)
        if b == a:
            continue
        change = "added" if b is None else "removed" if a is None else "changed"
        out.append({"path": path, "role": role(head if a is not None else base, path), "change": change})
    return out


def role(side: Side, path: str) -> str:
    """What kind of config file `path` is in that side's project."""
    plan = side.plan
    assert plan is not None
    if path == "dativo.yaml":
        return "project"
    if path == side.registry:
        return "registry"
    if path in plan.jobs:
        return "job"
    if path in plan.dags:
        return "dag"
    if any(s.runner == path for s in plan.schedules.values()):
        return "runner"
    if any(j.asset.path == path for j in plan.jobs.values()):
        return "asset"
    return "recipe" if path.startswith(side.recipes_dir.rstrip("/") + "/") else "file"
