"""GitHub Actions workflow commands: `::error file=...,line=...,col=...::DTV301 message`."""

from __future__ import annotations

from ..diagnostics import Diagnostic


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(diags: list[Diagnostic]) -> str:
    out = []
    for d in diags:
        s = d.span
        props = (
            f"file={_prop(s.file)},line={s.line},col={s.col},endLine={s.end_line},endColumn={s.end_col},title={d.code}"
        )
        message = f"{d.code} {d.message}" + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"::{d.severity.value} {props}::{_data(message)}")
    return "\n".join(out) + ("\n" if out else "")
