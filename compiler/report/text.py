"""`path:line:col: error DTV301: message` and an indented hint; a summary line at the end."""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic, Severity

# One diagnostic, one line: control characters and line separators in user values (a tenant_id or
# file name holding a newline) are written as escapes, so no value ends a line or forges a diagnostic.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    return _BREAKS.sub(lambda m: ascii(m[0])[1:-1], text) if _BREAKS.search(text) else text


def render(diags: list[Diagnostic]) -> str:
    lines: list[str] = []
    for d in diags:
        s = d.span
        lines.append(one_line(f"{s.file}:{s.line}:{s.col}: {d.severity.value} {d.code}: {d.message}"))
        if d.hint:
            lines.append(one_line(f"  hint: {d.hint}"))
    errors = sum(1 for d in diags if d.severity is Severity.ERROR)
    warnings = len(diags) - errors
    if diags:
        lines.append(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}")
    return "\n".join(lines) + ("\n" if lines else "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
