"""The one canonical form of paths and URIs that tenancy, secrets and table identity compare.

Textual, never the file system: the paths name the workers' machine (`/app/...`), not this one, so
realpath would answer the wrong question. `//`, `.` and `..` collapse; an absolute path cannot climb
above `/` (as the kernel resolves `/../etc`); a trailing `/` (a folder) is kept. The compiler imports
this module (the runtime never imports the compiler), so both sides apply the same rule.
"""

from __future__ import annotations

import posixpath
import re

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.S)
_SQLITE = re.compile(r"^sqlite(\+\w+)?$")


def canonical_path(path: str) -> str:
    """`path` with `//`, `.` and `..` collapsed textually: `/app/secrets//globex/` is `/app/secrets/globex/`."""
    if not path:
        return path
    norm = posixpath.normpath(path)
    if norm.startswith("//"):  # POSIX keeps exactly two leading slashes; Linux treats them as one
        norm = "/" + norm.lstrip("/")
    if path.endswith("/") and not norm.endswith("/"):
        norm += "/"
    return norm


def file_uri_path(uri: str) -> str | None:
    """The absolute path of a `file:` URI on this machine (`file:///p`, `file:/p`, `file://localhost/p`),
    or None when it is not one (another scheme, or a file URI naming another host)."""
    m = _SCHEME.match(uri)
    if not m or m.group(1).lower() != "file":
        return None
    rest = m.group(2)
    if rest.startswith("///") or (rest.startswith("/") and not rest.startswith("//")):
        return canonical_path("/" + rest.lstrip("/"))
    if rest.lower().startswith("//localhost/"):
        return canonical_path(rest[len("//localhost") :])
    return None


def canonical_uri(uri: str) -> str:
    """One spelling per location: the scheme in lower case, the path part canonical (`canonical_path`);
    `file:` URIs as `file:///path`, `sqlite:` URIs as `sqlite:///path` (four slashes when absolute).
    A query string is kept as written. A plain path is canonicalised as a path."""
    m = _SCHEME.match(uri)
    if not m:
        return canonical_path(uri)
    scheme, rest = m.group(1).lower(), m.group(2)
    rest, sep, query = rest.partition("?")
    if scheme == "file":
        path = file_uri_path(f"file:{rest}")
        return (f"file://{path}" if path is not None else f"file:{rest}") + sep + query
    if _SQLITE.match(scheme) and rest.startswith("///"):  # sqlite:///relative.db, sqlite:////absolute.db
        return f"{scheme}:///{canonical_path(rest[3:])}" + sep + query
    if rest.startswith("//"):  # scheme://authority/path
        authority, slash, path = rest[2:].partition("/")
        return f"{scheme}://{authority}" + (canonical_path("/" + path) if slash else "") + sep + query
    return f"{scheme}:{canonical_path(rest)}" + sep + query
