"""Plain-text secrets in any config file: a literal under a secret's name (DTV405), a password inside a
URI (DTV405), and an environment reference whose default is a literal secret (DTV227, a warning: the
value is only used when the variable is unset, as in upstream's `${PGPASSWORD:-postgres}`). A reference
alone is never a plain-text secret. Messages never repeat the value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import codes, docscan
from ..diagnostics import Diagnostics

if TYPE_CHECKING:
    from ..project import Project


def run(project: Project, diags: Diagnostics) -> None:
    for rel in sorted(project.documents):
        doc = project.documents[rel]
        for path, key, found in docscan.of(doc).secrets:  # found where it loaded (compiler/docscan.py)
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
