"""Errors that stop a run before or around its work, each with the file or key it concerns and
a hint. `dativo run` logs them as one event (`event`), writes nothing more and exits 2."""

from __future__ import annotations

from pathlib import Path


class RunError(Exception):
    """A run cannot go on: unusable state dir, unparsable state, job-state or lock file, a plan of the
    wrong shape, a commit conflict that did not resolve, an interrupted run."""

    def __init__(
        self, event: str, message: str, *, path: Path | str | None = None, hint: str | None = None, exit_code: int = 2
    ):
        super().__init__(message)
        self.event, self.message, self.hint, self.exit_code = event, message, hint, exit_code
        self.path = str(path) if path is not None else None

    def fields(self) -> dict[str, object]:
        out: dict[str, object] = {"error": self.message, "exit_code": self.exit_code}
        if self.path is not None:
            out["path"] = self.path
        if self.hint is not None:
            out["hint"] = self.hint
        return out


class Unreadable(Exception):
    """A JSON file that exists but cannot be read or parsed (or holds the wrong kind of value)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason
