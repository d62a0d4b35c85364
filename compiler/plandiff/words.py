"""Wording shared by the text and markdown renderers: values as one line, and the summary sentence."""

from __future__ import annotations

import json
from typing import Any


def show(value: Any) -> str:
    """A field value on one line: strings as written, anything else as compact JSON, a missing one as `-`."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def summary(report: dict[str, Any]) -> str:
    """One sentence: what changes, or that nothing does."""
    if not report["changes"]:
        return f"No changes: the plan and every artifact are the same as at {report['base']['ref']}."
    s = report["summary"]
    parts = [
        f"{_count(s['changed'], 'schedule')} changed, {s['added']} added, {s['removed']} removed, "
        f"{s['unchanged']} unchanged"
    ]
    tenants = report["tenants"]
    for change in ("added", "removed", "changed"):
        n = sum(1 for t in tenants if t["change"] == change)
        if n:
            parts.append(f"{_count(n, 'tenant')} {change}")
    a = report["artifacts"]
    parts.append(f"artifacts: {len(a['added'])} added, {len(a['removed'])} removed, {len(a['changed'])} changed")
    return "; ".join(parts) + "."


def base_note(report: dict[str, Any]) -> str | None:
    """Why every schedule shows as added: the base did not compile."""
    base = report["base"]
    if base["compiled"]:
        return None
    return (
        f"The base ({base['ref']}) does not compile ({_count(base['errors'], 'error')}); "
        "everything in the head is shown as added."
    )


def removed_note(paths: list[str]) -> str:
    return f"{_count(len(paths), 'artifact')} no longer generated: delete them from the deployment"
