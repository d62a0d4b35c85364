"""A loaded YAML file as the compiler holds it: its data and where each value was written.

Its own module, apart from the loading (compiler/load.py): a compile whose files the loading worker read
(compiler/prefetch.py) unpickles documents and never imports the YAML parser.
"""

from __future__ import annotations

import pickle
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

    def __getstate__(self) -> tuple[str, Any, str, docscan.Scan | None, bytes]:
        # The loading worker sends documents to the process that checks them, which reads spans only to
        # report something: they travel as one bytes object, unpickled on first use (__getattr__). They
        # are half of a small file's pickle, and most documents never report anything.
        packed = pickle.dumps((self.spans, self.key_spans), protocol=pickle.HIGHEST_PROTOCOL)
        return self.path, self.data, self.digest, self.scan, packed

    def __setstate__(self, state: tuple[str, Any, str, docscan.Scan | None, bytes]) -> None:
        self.path, self.data, self.digest, self.scan, self._packed = state

    def __getattr__(self, name: str) -> Any:
        # only for attributes not set: the spans of an unpickled document, on their first use
        if name not in ("spans", "key_spans") or "_packed" not in self.__dict__:
            raise AttributeError(name)  # before unpacking: asking for another name leaves the spans packed
        self.spans, self.key_spans = pickle.loads(self.__dict__.pop("_packed"))
        return getattr(self, name)

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
