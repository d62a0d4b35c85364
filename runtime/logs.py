"""Structured JSON log lines on stdout (seed 001/002 event types), secret values redacted.

Every line passes through the redactor, whatever `logging.redaction` says: the setting
can only add redaction (of classified column names in reasons), never print a secret.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

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


@dataclass
class Logger:
    context: dict[str, Any]
    redact: Redactor = field(default_factory=Redactor)
    level: str = "INFO"
    stream: TextIO | None = None

    def event(self, event_type: str, level: str = "INFO", **fields: Any) -> None:
        if LEVELS.get(level.upper(), 20) < LEVELS.get(self.level.upper(), 20):
            return
        record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level.upper(),
                  "event_type": event_type, **self.context, **fields}
        line = self.redact(json.dumps(self.redact.scrub(record), sort_keys=True, default=str, ensure_ascii=False))
        out = self.stream or sys.stdout
        out.write(line + "\n")
        out.flush()

    def child(self, **context: Any) -> "Logger":
        return Logger({**self.context, **context}, self.redact, self.level, self.stream)
