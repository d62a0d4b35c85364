"""Parsed documents reused across the two compiles of `dativo plan` (base and head share most files)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .document import Document

#: documents already parsed, by (how shown, content digest), while `reusing()` is active: a file with the
#: same name and bytes parses the same
_SEEN: dict[tuple[str, str], Document] | None = None


@contextlib.contextmanager
def reusing() -> Iterator[None]:
    """Within this block, a file loaded before (same shown path, same bytes) is not parsed again."""
    global _SEEN
    _SEEN = {}
    try:
        yield
    finally:
        _SEEN = None


def remember(doc: Document) -> None:
    """Offer a document accepted into a project for reuse (see `reusing`)."""
    if _SEEN is not None:
        _SEEN[(doc.path, doc.digest)] = doc


def seen(display: str, digest: str) -> Document | None:
    """The document parsed before from the same shown path and bytes, inside `reusing()`."""
    return None if _SEEN is None else _SEEN.get((display, digest))
