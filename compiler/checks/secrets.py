"""Plain-text secrets in any config file (DTV405). Messages never repeat the value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dativo.runtime.envvars import has_reference
from dativo.runtime.secretnames import is_secret_name

from .. import codes
from ..diagnostics import Diagnostics

if TYPE_CHECKING:
    from ..project import Project

_IN_URI = " (password in the URI)"
_URI_PASSWORD = re.compile(r"://[^/\s:@]*:([^@\s/]+)@")  # scheme://user:password@host


def run(project: Project, diags: Diagnostics) -> None:
    for rel in sorted(project.documents):
        doc = project.documents[rel]
        for path, key in _secret_values(doc.data, ()):
            message = f"{key!r} holds a plain-text secret"
            if key.endswith(_IN_URI):
                message = f"{key.removesuffix(_IN_URI)!r} holds a plain-text password inside its URI"
                hint = "write the password as an environment reference inside the URI: user:${DB_PASSWORD}@host"
            else:
                hint = (
                    f'reference it instead: {key}: "${{{key.upper()}}}" (an environment variable), '
                    "or a secret file under secrets/<tenant>/"
                )
            diags.report(codes.PLAINTEXT_SECRET, doc.span(path), problem=message, hint=hint)


def _secret_values(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if is_secret_name(k) and _is_literal(v):
                yield path + (k,), str(k)
            elif isinstance(v, str) and "@" in v and any(_is_literal(p) for p in _URI_PASSWORD.findall(v)):
                yield path + (k,), f"{k}{_IN_URI}"
            else:
                yield from _secret_values(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _secret_values(v, path + (i,))


def _is_literal(v: Any) -> bool:
    if v is None or isinstance(v, bool) or v == "":
        return False
    if isinstance(v, (dict, list)):
        return False
    return not (isinstance(v, str) and has_reference(v))  # the runtime's ${VAR} grammar
