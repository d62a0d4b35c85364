"""One diagnostic type for every stage: a code, a severity, a position, a hint.

Stages never raise on bad input; they add to a `Diagnostics` collection, which
sorts and deduplicates (as mypy's errors.py does) before any report renders it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from dativo.runtime.jsonpath import json_path  # noqa: F401 (re-exported: the diagnostics API)

from .codes import REGISTRY, Code


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Span:
    """A region of a file; lines and columns are 1-based (as editors show them)."""

    file: str
    line: int = 0
    col: int = 0
    end_line: int = 0
    end_col: int = 0

    @staticmethod
    def of_file(file: str) -> Span:
        return Span(file, 1, 1, 1, 1)


@dataclass(frozen=True)
class Problem:
    """What a pure helper (cron, paths) found wrong; the caller adds the position."""

    code: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    json_path: str = "$"
    hint: str | None = None
    # the project-relative job file this concerns (None: no one job); not printed, and not part of
    # sort_key, so copies of one finding for several jobs (Diagnostics.about) print once
    job: str | None = None

    def sort_key(self) -> tuple:
        s = self.span
        return (s.file, s.line, s.col, self.code, self.message, self.hint or "")

    def to_dict(self) -> dict:
        s = self.span
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": s.file,
            "line": s.line,
            "col": s.col,
            "end_line": s.end_line,
            "end_col": s.end_col,
            "json_path": self.json_path,
            "hint": self.hint,
        }


@dataclass
class Diagnostics:
    """Collects diagnostics; iteration yields them sorted and deduplicated."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def report(self, code: Code, span: Span, *, path: str = "$", **fields: Any) -> None:
        """Report `code` at `span`: its severity, and its message and hint filled in from `fields`."""
        message, hint = code.render(**fields)
        self.items.append(Diagnostic(code, Severity(code.severity), message, span, path, hint))

    def problem(self, problem: Problem, span: Span, *, path: str = "$", hint: str | None = None) -> None:
        """A pure helper's finding at `span` (its message whole; `hint` when the helper has none)."""
        code = REGISTRY[problem.code]
        self.items.append(Diagnostic(code, Severity(code.severity), problem.message, span, path, problem.hint or hint))

    # The older form: a whole message (a target finding already rendered, sites not yet moved to fields).
    def error(self, code: str, message: str, span: Span, *, path: str = "$", hint: str | None = None) -> None:
        self.items.append(Diagnostic(code, Severity.ERROR, message, span, path, hint))

    def warning(self, code: str, message: str, span: Span, *, path: str = "$", hint: str | None = None) -> None:
        self.items.append(Diagnostic(code, Severity.WARNING, message, span, path, hint))

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    def mark(self) -> int:
        """Where the next diagnostic goes; give it to `attribute`."""
        return len(self.items)

    def attribute(self, since: int, *jobs: str | None) -> None:
        """Say which job(s) the diagnostics added since `mark` concern; one that already names a job keeps
        it. With several jobs each gets a copy per job (reports print it once: `job` is not in sort_key)."""
        if since == len(self.items):
            return  # nearly always: nothing found
        named = [j for j in jobs if j is not None]
        if not named:
            return
        added = self.items[since:]
        self.items[since:] = [e for d in added for e in ([d] if d.job else [replace(d, job=j) for j in named])]

    @contextmanager
    def about(self, *jobs: str | None) -> Iterator[Diagnostics]:
        """Run a check with jobs in scope: what it adds concerns them (see `attribute`)."""
        since = self.mark()
        try:
            yield self
        finally:
            self.attribute(since, *jobs)

    def sorted(self) -> list[Diagnostic]:
        seen: set[tuple] = set()
        out: list[Diagnostic] = []
        for d in sorted(self.items, key=Diagnostic.sort_key):
            key = d.sort_key()
            if key not in seen:
                seen.add(key)
                out.append(d)
        return out

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.WARNING]

    def has_errors(self, strict: bool = False) -> bool:
        if strict:
            return bool(self.items)
        return any(d.severity is Severity.ERROR for d in self.items)


def did_you_mean(word: str, candidates: Sequence[str] | Iterable[str], *, prefix: str = "did you mean") -> str | None:
    """A did-you-mean hint from the closest candidates (difflib; no hand-rolled distance)."""
    import difflib  # only for a typo: a clean compile imports no difflib (docs/performance.md)

    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=3, cutoff=0.6)
    if not matches:
        matches = [c for c in pool if c.lower() == word.lower()][:1]
    if not matches:
        return None
    return f"{prefix} " + " or ".join(repr(m) for m in matches) + "?"
