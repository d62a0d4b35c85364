"""A small YAML emitter for JSON-shaped data (dicts, lists, str, int, float, bool, None).

Why not ruamel.yaml: it takes about a millisecond per manifest, and a 2,000-schedule
project must render in well under 0.1 s. The output here is a subset of YAML that
YAML 1.1 (Go's yaml.v2 behind kubectl, PyYAML) and YAML 1.2 read alike: a string is
plain only when it starts with a letter, holds no YAML indicator and is no 1.1 boolean
or null word; anything else is double-quoted, and everything outside printable ASCII is
escaped (`\\x`, `\\u`, `\\U`: never surrogate pairs, which Go's parser rejects), so a
tag or path cannot break out of its scalar or turn into another type.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*\Z")
_RESERVED = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})
_ESCAPE = re.compile(r'["\\]|[^\x20-\x7e]')
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote(text: str) -> str:
    """`text` as a double-quoted YAML scalar, pure ASCII."""
    return '"' + _ESCAPE.sub(_escape, text) + '"'


@functools.lru_cache(maxsize=65536)  # paths, ids and names repeat across thousands of manifests
def string(text: str) -> str:
    """`text` as a YAML scalar that reads back as this exact string."""
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return quote(text)


def scalar(value: Any) -> str:
    if isinstance(value, str):
        return string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def block(value: Any, indent: int = 0) -> str:
    """A block-style document (or nested block) at `indent` spaces, ending in a newline."""
    out: list[str] = []
    _emit(value, indent, out)
    return "".join(line + "\n" for line in out)


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{string(str(key))}:"
            if isinstance(item, (dict, list)) and item:
                out.append(head)
                _emit(item, indent + 2, out)
            else:
                out.append(f"{head} {scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub: list[str] = []
                _emit(item, indent + 2, sub)
                # the first line of the item goes after "- " (a mapping's first key, or a nested "- ")
                sub[0] = f"{pad}- {sub[0][indent + 2 :]}"
                out.extend(sub)
            else:
                out.append(f"{pad}- {scalar(item)}")
    else:
        out.append(pad + scalar(value))
