"""`--format text`: the report for a terminal."""

from __future__ import annotations

from typing import Any

from .words import base_note, removed_note, show, summary

MARK = {"added": "+", "removed": "-", "changed": "~", None: " "}


def render(report: dict[str, Any]) -> str:
    lines = [f"dativo plan: {report['base']['ref']} -> work tree, fire times from {report['at']}", summary(report)]
    if (note := base_note(report)) is not None:
        lines += [note, *(f"  {d}" for d in report["base"]["diagnostics"])]
    if not report["changes"]:
        return "\n".join(lines) + "\n"
    if report["project"]:
        lines += ["", "Project", *_fields(report["project"])]
    for s in report["schedules"]:
        lines += ["", f"{MARK[s['change']]} {s['id']} ({s['change']})", *_schedule(s)]
    if report["tenants"]:
        lines += ["", "Tenants"]
    for t in report["tenants"]:
        lines += [
            f"{MARK[t['change']]} {t['id']}" + (f" ({t['change']})" if t["change"] else ""),
            *_fields(t["fields"]),
        ]
        lines += [f"    needs: {p}" for p in t["prerequisites"]["new"]]
        lines += [f"    no longer needs: {p}" for p in t["prerequisites"]["gone"]]
    lines += _artifacts(report)
    return "\n".join(lines) + "\n"


def _fields(fields: dict[str, Any]) -> list[str]:
    return [f"    {name}: {show(v['before'])} -> {show(v['after'])}" for name, v in fields.items()]


def _schedule(s: dict[str, Any]) -> list[str]:
    out = _fields(s["fields"])
    out += [f"    file {f['path']} ({f['role']}, {f['change']})" for f in s["files"]]
    runs = s["runs_7d"]
    out.append(f"    runs in 7 days: {show(runs['before'])} -> {show(runs['after'])}")
    for side in ("before", "after"):
        fires = s["next_fires_utc"][side]
        if fires is not None:
            out.append(f"    next fires {side} (UTC): {', '.join(fires) or 'none (disabled)'}")
    out += [f"    DST warning appears: {w}" for w in s["dst"]["appears"]]
    out += [f"    DST warning disappears: {w}" for w in s["dst"]["disappears"]]
    return out


def _artifacts(report: dict[str, Any]) -> list[str]:
    a = report["artifacts"]
    out = ["", "Artifacts"]
    out += [f"  + {p}" for p in a["added"]]
    out += [f"  ~ {p}" for p in a["changed"]]
    if a["removed"]:
        out += [f"  {removed_note(a['removed'])}:", *(f"  - {p}" for p in a["removed"])]
    if report["actions"]:
        out += ["", "Deployment actions", *(f"  {x}" for x in report["actions"])]
    return out
