"""Every output format renders the same sorted, deduplicated Diagnostic records."""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import Diagnostic
from . import github, json_format, text

FORMATS: dict[str, Callable[[list[Diagnostic]], str]] = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
}
