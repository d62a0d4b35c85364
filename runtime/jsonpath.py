"""One spelling of a location inside a document as a JSON path (`$.schedules['acme.daily'].runner`): the
runtime's plan errors and the compiler's diagnostics both use it. A stdlib-only leaf, so the compiler's
diagnostics module (which the targets and `dativo --help` import) stays light."""

from __future__ import annotations

from collections.abc import Sequence


def json_path(parts: Sequence[str | int]) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p.isidentifier():
            out += f".{p}"
        else:
            out += f"[{p!r}]"
    return out
