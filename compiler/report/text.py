"""`path:line:col: error DTV301: message` and an indented hint; a summary line at the end."""

from __future__ import annotations

from ..diagnostics import Diagnostic, Severity


def render(diags: list[Diagnostic]) -> str:
    lines: list[str] = []
    for d in diags:
        s = d.span
        lines.append(f"{s.file}:{s.line}:{s.col}: {d.severity.value} {d.code}: {d.message}")
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    errors = sum(1 for d in diags if d.severity is Severity.ERROR)
    warnings = len(diags) - errors
    if diags:
        lines.append(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}")
    return "\n".join(lines) + ("\n" if lines else "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
