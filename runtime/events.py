"""The events file: the lifecycle events of DAG runs and of the built-in scheduler (dag_start, task_ok,
schedule_enqueued, run_finished, ...) as JSON lines under the state dir, the same lines the log prints.

One `os.write` per line on a descriptor opened with O_APPEND: concurrent writers (two schedulers, the
tasks of a DAG running in parallel) interleave whole lines, never parts of them, on a local filesystem.
"""

from __future__ import annotations

import os
from pathlib import Path

EVENTS_FILE = "events.jsonl"


def events_path(state_dir: Path) -> Path:
    """Where the events of runs keeping their state in `state_dir` are appended."""
    return state_dir / EVENTS_FILE


def append_line(path: Path, line: str) -> None:
    """Append one JSON line (without its newline). A failure to record is an OSError for the caller."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)
