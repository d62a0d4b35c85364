"""`--format markdown`: the report as a pull-request comment: a summary line, a table of the listed
schedules, one collapsible block per schedule. Every value is HTML-escaped inside <code> (so no value
can open a table cell, a tag or a code span of its own)."""

from __future__ import annotations

import html
from typing import Any

from .words import base_note, removed_note, show, summary

HEADER = "### dativo plan"


def code(value: Any) -> str:
    text = html.escape(show(value), quote=False).replace("|", "&#124;").replace("\n", " ")
    return f"<code>{text}</code>"


def render(report: dict[str, Any]) -> str:
    lines = [HEADER, "", f"**{summary(report)}**", ""]
    lines.append(f"Base {code(report['base']['ref'])}, head: this change; fire times from {code(report['at'])}.")
    if (note := base_note(report)) is not None:
        lines += ["", f"> {note}", *(f"> - {code(d)}" for d in report["base"]["diagnostics"])]
    if not report["changes"]:
        return "\n".join(lines) + "\n"
    if report["project"]:
        lines += ["", "#### Project", "", *_field_table(report["project"])]
    if report["schedules"]:
        lines += ["", "#### Schedules", "", *_table(report["schedules"])]
        for s in report["schedules"]:
            lines += ["", *_details(s)]
    if report["tenants"]:
        lines += ["", "#### Tenants", "", *_tenants(report["tenants"])]
    lines += ["", "#### Artifacts", "", *_artifacts(report)]
    return "\n".join(lines) + "\n"


def _table(schedules: list[dict[str, Any]]) -> list[str]:
    rows = ["| schedule | change | what changed | runs in 7 days | next fire (UTC) |", "|---|---|---|---|---|"]
    for s in schedules:
        names = _what(s)
        runs, fires = s["runs_7d"], s["next_fires_utc"]
        first = [code(f[0]) if f else "-" for f in (fires["before"], fires["after"])]
        rows.append(
            f"| {code(s['id'])} | {s['change']} | {names} | {show(runs['before'])} → {show(runs['after'])} "
            f"| {first[0]} → {first[1]} |"
        )
    return rows


def _what(s: dict[str, Any]) -> str:
    """The table's "what changed": the changed fields, or the when of a schedule added or removed."""
    if s["change"] == "changed":
        return ", ".join(code(n) for n in _shown_fields(s["fields"]))
    side = "after" if s["change"] == "added" else "before"
    return " ".join(code(s["fields"][n][side]) for n in ("cron", "timezone") if n in s["fields"])


def _shown_fields(fields: dict[str, Any], most: int = 4) -> list[str]:
    """Top-level names of the changed fields (`job.source.engine` -> `job.source`), at most `most`."""
    tops = sorted({".".join(name.split(".")[:2]) for name in fields})
    return tops if len(tops) <= most else [*tops[:most], f"and {len(tops) - most} more"]


def _field_table(fields: dict[str, Any]) -> list[str]:
    rows = ["| field | before | after |", "|---|---|---|"]
    rows += [f"| {code(n)} | {code(v['before'])} | {code(v['after'])} |" for n, v in fields.items()]
    return rows


def _details(s: dict[str, Any]) -> list[str]:
    out = [f"<details><summary>{code(s['id'])}: {s['change']}</summary>", ""]
    if s["fields"]:
        out += [*_field_table(s["fields"]), ""]
    if s["files"]:
        out += ["Files: " + ", ".join(f"{code(f['path'])} ({f['role']}, {f['change']})" for f in s["files"]), ""]
    out += [*_fires(s), ""]
    out += [f"- DST warning appears: {code(w)}" for w in s["dst"]["appears"]]
    out += [f"- DST warning disappears: {code(w)}" for w in s["dst"]["disappears"]]
    return [*out, "</details>"] if out[-1] == "" else [*out, "", "</details>"]


def _fires(s: dict[str, Any]) -> list[str]:
    """Runs in 7 days, then the next fire times side by side; local columns only where a zone is not UTC."""
    utc, local, runs = s["next_fires_utc"], s["next_fires_local"], s["runs_7d"]
    head = [f"Runs in the next 7 days: {show(runs['before'])} → {show(runs['after'])}", ""]
    depth = max(len(utc[k] or []) for k in ("before", "after"))
    if not depth:
        return head[:1]
    zoned = any(not t.endswith("+00:00") for k in ("before", "after") for t in local[k] or [])
    sides = [utc, local] if zoned else [utc]
    names = ["UTC", "local"] if zoned else ["UTC"]
    columns = [(k, side) for k in ("before", "after") for side in sides]
    rows = [
        "| " + " | ".join(f"{k} ({n})" for k in ("before", "after") for n in names) + " |",
        "|" + "---|" * len(columns),
    ]
    rows += ["| " + " | ".join(_at(side[k], i) for k, side in columns) + " |" for i in range(depth)]
    return head + rows


def _at(fires: list[str] | None, i: int) -> str:
    return code(fires[i]) if fires is not None and i < len(fires) else "-"


def _tenants(tenants: list[dict[str, Any]]) -> list[str]:
    out = []
    for t in tenants:
        out.append(f"- {code(t['id'])}" + (f": {t['change']}" if t["change"] else ""))
        out += [f"  - {code(n)}: {code(v['before'])} → {code(v['after'])}" for n, v in t["fields"].items()]
        out += [f"  - needs {code(p)}" for p in t["prerequisites"]["new"]]
        out += [f"  - no longer needs {code(p)}" for p in t["prerequisites"]["gone"]]
    return out


def _artifacts(report: dict[str, Any]) -> list[str]:
    a = report["artifacts"]
    out = []
    if a["removed"]:
        out += [f"**{removed_note(a['removed'])}:**", "", *(f"- {code(p)}" for p in a["removed"]), ""]
    for kind in ("added", "changed"):
        if a[kind]:
            out += [f"<details><summary>{len(a[kind])} {kind}</summary>", ""]
            out += [*(f"- {code(p)}" for p in a[kind]), "", "</details>", ""]
    if report["actions"]:
        out += ["Deployment actions:", "", *(f"- {x}" for x in report["actions"]), ""]
    return out[:-1] if out and out[-1] == "" else out
