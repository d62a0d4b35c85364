"""Plain-text secrets in any config file: a literal under a secret's name (DTV405), a password inside a
URI (DTV405), and an environment reference whose default is a literal secret (DTV227, a warning: the
value is only used when the variable is unset, as in upstream's `${PGPASSWORD:-postgres}`). A reference
alone is never a plain-text secret. Messages never repeat the value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dativo.runtime.envvars import has_reference, literal_defaults
from dativo.runtime.secretnames import is_secret_name

from .. import codes
from ..diagnostics import Diagnostics

if TYPE_CHECKING:
    from ..project import Project

_URI_PASSWORD = re.compile(r"://[^/\s:@]*:([^@\s/]+)@")  # scheme://user:password@host


def run(project: Project, diags: Diagnostics) -> None:
    for rel in sorted(project.documents):
        doc = project.documents[rel]
        for path, key, found in _secret_values(doc.data, ()):
            span = doc.span(path)
            if found == "uri":
                hint = "write the password as an environment reference inside the URI: user:${DB_PASSWORD}@host"
                diags.report(codes.PLAINTEXT_SECRET, span, key=key, what="password inside its URI", hint=hint)
            elif found == "literal":
                hint = (
                    f'reference it instead: {key}: "${{{key.upper()}}}" (an environment variable), '
                    "or a secret file under secrets/<tenant>/"
                )
                diags.report(codes.PLAINTEXT_SECRET, span, key=key, what="secret", hint=hint)
            else:
                diags.report(codes.PLAINTEXT_SECRET_DEFAULT, span, key=key, variable=found)


def _secret_values(value: Any, path: tuple) -> Iterator[tuple[tuple, str, str]]:
    """(path, key, what): what is "literal", "uri", or the variable whose default is a literal secret."""
    if isinstance(value, dict):
        for k, v in value.items():
            if is_secret_name(k) and _is_literal(v):
                yield path + (k,), str(k), "literal"
            elif is_secret_name(k) and isinstance(v, str) and (names := literal_defaults(v)):
                yield path + (k,), str(k), names[0]
            elif isinstance(v, str) and "@" in v and any(_is_literal(p) for p in _URI_PASSWORD.findall(v)):
                yield path + (k,), str(k), "uri"
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
