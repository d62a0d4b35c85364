"""Environment references in config values: the one grammar, used by the runtime and imported
by the compiler (which never defines its own).

dativo-ingest's forms: `${VAR}`, `${VAR:-default}` (the default when VAR is unset or empty, as
in the shell; the default may be empty and is taken literally) and bare `$VAR` (as
`os.path.expandvars` expands it). An unset variable without a default is an error naming the
variable and the config key: a value is never silently dropped or left as literal text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
#: `${NAME}`, `${NAME:-default}` or `$NAME`; group 1/2: braced name and default, group 3: bare name
REFERENCE = re.compile(rf"\$\{{({NAME})(?::-([^}}]*))?\}}|\$({NAME})")


class UnsetVariable(Exception):
    """A reference to a variable that is not set and has no default."""

    def __init__(self, variable: str, key: str):
        self.variable, self.key = variable, key
        super().__init__(
            f"environment variable {variable} is not set (referenced by {key}); "
            f"set it, or give a default as ${{{variable}:-default}}"
        )


def has_reference(value: str) -> bool:
    return REFERENCE.search(value) is not None


def literal_defaults(value: str) -> list[str]:
    """The variables of `value` whose `${VAR:-default}` default is a non-empty literal (one with no
    reference of its own), in order: the text a config falls back to when the variable is unset."""
    return [m.group(1) for m in REFERENCE.finditer(value) if m.group(2) and not has_reference(m.group(2))]


def names(value: Any) -> set[str]:
    """Every variable referenced anywhere in `value` (strings, nested dicts and lists)."""
    return {m.group(1) or m.group(3) for text in _strings(value) for m in REFERENCE.finditer(text)}


def required(value: Any) -> set[str]:
    """The variables referenced without a default (`${VAR}`, `$VAR`): a run fails when one is unset."""
    return {
        m.group(1) or m.group(3) for text in _strings(value) for m in REFERENCE.finditer(text) if m.group(2) is None
    }


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def expand(value: str, env: Mapping[str, str], key: str) -> str:
    """`value` with every reference replaced; `key` names the config key for the error."""

    def repl(m: re.Match[str]) -> str:
        name, default = m.group(1) or m.group(3), m.group(2)
        got = env.get(name)
        if default is not None:
            return got if got else default
        if got is None:
            raise UnsetVariable(name, key)
        return got

    return REFERENCE.sub(repl, value)
