"""A JSON list of diagnostic objects (stable keys, sorted)."""

from __future__ import annotations

import json

from ..diagnostics import Diagnostic


def render(diags: list[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diags], indent=2, sort_keys=True, ensure_ascii=False) + "\n"
