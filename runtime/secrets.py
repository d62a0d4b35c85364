"""Secret values a job may touch: `${ENV}` references, credential env files, secret-looking
environment variables. They are resolved for the catalog and registered with the redactor,
so no log line, error message or state file can carry them."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .logs import Redactor

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_NAME = re.compile(r"(?i)(secret|passw|token|api_?key|private|credential|access_?key)")


class Missing(Exception):
    """A `${VAR}` reference without a value."""


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def collect(env: dict[str, str], redactor: Redactor, *blocks: Any) -> None:
    """Register every value referenced from `blocks`, and every secret-looking variable."""
    for name, value in env.items():
        # by name only when long enough to be a credential: `SOME_TOKEN_ENABLED=true` must not mask "true"
        if _SECRET_NAME.search(name) and len(value) >= 8:
            redactor.add(value)
    for block in blocks:
        for ref in _refs(block):
            redactor.add(env.get(ref))


def _refs(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_REF.findall(value))
    if isinstance(value, dict):
        return set().union(*(_refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


def substitute(value: str, env: dict[str, str]) -> str:
    def repl(m: re.Match) -> str:
        if m.group(1) not in env:
            raise Missing(m.group(1))
        return env[m.group(1)]

    return _REF.sub(repl, value)


def environment(file_env: dict[str, str]) -> dict[str, str]:
    """The variables a job sees: the process environment, then its credentials file."""
    return {**os.environ, **file_env}
