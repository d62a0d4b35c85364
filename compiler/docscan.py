"""What the secrets and tenancy checks look for in a document's values, found in one walk when the
document is loaded (compiler/load.py), so in the loading worker for most files (compiler/prefetch.py):
the checks then read two short lists (nearly always empty) instead of walking every document again in
the process that checks the jobs (docs/performance.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dativo.runtime.envvars import has_reference, literal_defaults
from dativo.runtime.secretnames import is_secret_name

if TYPE_CHECKING:
    from .document import Document

_URI_PASSWORD = re.compile(r"://[^/\s:@]*:([^@\s/]+)@")  # scheme://user:password@host
_SECRETS_FOLDER = "secrets/"  # a string without it names no tenant's secrets (checks/tenancy.py)


@dataclass(frozen=True)
class Scan:
    #: (path, key, what) of each plain-text secret: what is "literal", "uri", or the variable whose
    #: default is a literal secret (checks/secrets.py reports them)
    secrets: tuple[tuple[tuple, str, str], ...] = ()
    #: (path, value) of every string that may name a secrets folder (checks/tenancy.py decides whose)
    secret_paths: tuple[tuple[tuple, str], ...] = ()


EMPTY = Scan()


def of(doc: Document) -> Scan:
    """The document's scan, made now if its loader did not make it."""
    if doc.scan is None:
        doc.scan = scan(doc.data)
    return doc.scan


def scan(data: Any) -> Scan:
    secrets: list[tuple[tuple, str, str]] = []
    paths: list[tuple[tuple, str]] = []
    _walk(data, (), True, secrets, paths)
    return Scan(tuple(secrets), tuple(paths)) if secrets or paths else EMPTY


def _walk(value: Any, path: tuple, look: bool, secrets: list, paths: list) -> None:
    """`look`: still looking for secrets here (not under a key already reported as one)."""
    if isinstance(value, str):
        if _SECRETS_FOLDER in value:
            paths.append((path, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            found = _secret(k, v) if look else None
            if found is not None:
                secrets.append((path + (k,), str(k), found))
            _walk(v, path + (k,), look and found is None, secrets, paths)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, path + (i,), look, secrets, paths)


def _secret(key: Any, value: Any) -> str | None:
    """What a plain-text secret under `key` is ("literal", "uri", or the variable whose default is one)."""
    if is_secret_name(key) and _is_literal(value):
        return "literal"
    if is_secret_name(key) and isinstance(value, str) and (names := literal_defaults(value)):
        return names[0]
    if isinstance(value, str) and "@" in value and any(_is_literal(p) for p in _URI_PASSWORD.findall(value)):
        return "uri"
    return None


def _is_literal(v: Any) -> bool:
    if v is None or isinstance(v, bool) or v == "":
        return False
    if isinstance(v, (dict, list)):
        return False
    return not (isinstance(v, str) and has_reference(v))  # the runtime's ${VAR} grammar
