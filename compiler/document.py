"""A loaded YAML file as the compiler holds it: its data and where each value was written.

Its own module, apart from the loading (compiler/load.py): a compile whose files the loading worker read
(compiler/prefetch.py) unpickles documents and never imports the YAML parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import docscan
from .diagnostics import Span

PathT = tuple  # tuple[str | int, ...]


@dataclass
class Document:
    """A loaded YAML file: its data, and spans for every value and mapping key."""

    path: str  # as shown in diagnostics (relative to the project root)
    data: Any
    digest: str
    # (line, col, end_line, end_col), 1-based: tuples, because a Span per node costs more than the parse
    spans: dict[PathT, tuple[int, int, int, int]] = field(default_factory=dict)
    key_spans: dict[PathT, tuple[int, int, int, int]] = field(default_factory=dict)
    scan: docscan.Scan | None = None  # what the secrets and tenancy checks look for (docscan.of)

    def span(self, path: PathT = (), *, key: bool = False) -> Span:
        """The span at `path`, falling back to the nearest ancestor that has one."""
        p = tuple(path)
        while True:
            if key and p in self.key_spans:
                return Span(self.path, *self.key_spans[p])
            if p in self.spans:
                return Span(self.path, *self.spans[p])
            if not p:
                return Span.of_file(self.path)
            p = p[:-1]
