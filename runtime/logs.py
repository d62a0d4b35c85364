"""Structured JSON log lines on stdout (seed 001/002 event types), secret values redacted.

A closed stdout (a reader that exited) silences the log instead of failing the run.
Every line passes through the redactor, whatever `logging.redaction` says: the setting
can only add redaction (of classified column names in reasons), never print a secret.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .events import append_line

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}
MASK = "***REDACTED***"


@dataclass
class Redactor:
    secrets: set[str] = field(default_factory=set)

    def add(self, value: str | None) -> None:
        # very short values would mask ordinary words; they are not credentials anyway
        if value and len(value) >= 4:
            self.secrets.add(value)

    def __call__(self, text: str) -> str:
        for s in sorted(self.secrets, key=len, reverse=True):
            if s in text:
                text = text.replace(s, MASK)
        return text

    def scrub(self, value: Any) -> Any:
        """Redact every string inside `value` (before JSON escaping could hide a secret)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self(str(k)): self.scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        return value


def write_line(out: TextIO | None, line: str) -> None:
    """Write one log line. A reader that went away (`dativo run | head -1`) must not change the run:
    the stream is pointed at /dev/null and the run goes on, its outcome alone deciding the exit code."""
    if out is None:  # started with stdout closed
        return
    try:
        out.write(line + "\n")
        out.flush()
    except OSError:  # EPIPE, or a descriptor that went bad
        _to_devnull(out)
    except ValueError:  # a closed file object
        pass


def _to_devnull(out: TextIO) -> None:
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file: nothing buffered will be flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)  # what is still buffered now drains into /dev/null, at exit too
    os.close(null)


@dataclass
class Logger:
    context: dict[str, Any]
    redact: Redactor = field(default_factory=Redactor)
    level: str = "INFO"
    stream: TextIO | None = None
    #: the events file (runtime/events.py) this logger also appends its lines to, if any
    events: Path | None = None

    def event(self, event_type: str, level: str = "INFO", **fields: Any) -> None:
        if LEVELS.get(level.upper(), 20) < LEVELS.get(self.level.upper(), 20):
            return
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": level.upper(),
            "event_type": event_type,
            **self.context,
            **fields,
        }
        line = self.redact(json.dumps(self.redact.scrub(record), sort_keys=True, default=str, ensure_ascii=False))
        write_line(self.stream or sys.stdout, line)
        if self.events is not None:
            append_line(self.events, line)

    def child(self, **context: Any) -> Logger:
        return Logger({**self.context, **context}, self.redact, self.level, self.stream, self.events)
