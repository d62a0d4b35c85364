"""The durable de-duplication of fires: one marker file per (schedule, nominal fire time) under
`<state_dir>/scheduler/fired/`, created atomically, so two schedulers on one state dir, or a restart,
never fire one run twice.

A marker is written whole to a temporary file and `os.link`ed to its name: link fails when the name
exists, so exactly one claimant creates it, and nobody ever reads a half-written marker. It records the
claiming scheduler (pid, host), the run's pid once started, and the status: `enqueued` -> `started` ->
`finished` (with the exit code), or `interrupted` when the scheduler itself stopped the run (a second
Ctrl+C), which the next scheduler fires again with `--resume-policy resume`. A scheduler that stops before starting a claimed run removes its
marker (a later scheduler fires it). A marker left `enqueued`/`started` by a scheduler that died on this
host, with its run gone too, is taken over (under an flock'ed guard, so one claimant wins): its run id is
run again with `--resume-policy resume`, and `dativo run`'s own job state makes that exactly-once.
Markers of other hosts are never taken over (their pids mean nothing here).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RunError, Unreadable
from ..files import read_json
from ..locks import HOST, _alive
from ..paths import slug
from .due import Fire

LEDGER_DIR = "scheduler/fired"
OPEN = ("enqueued", "started")
#: finished markers this much older than a newly claimed fire of their schedule are removed: only a
#: schedule's latest fire time is ever due, so older markers only matter to a clock set back this far
KEEP = dt.timedelta(days=7)
STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Claim:
    fire: Fire
    path: Path
    taken_over: dict[str, Any] | None = None  # the abandoned marker this claim replaced


class Ledger:
    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / LEDGER_DIR

    def marker(self, fire: Fire) -> Path:
        return self.dir / slug(fire.schedule) / f"{fire.nominal.strftime(STAMP)}.json"

    def claim(self, fire: Fire) -> Claim | None:
        """The fire, now ours; None when another scheduler (or an earlier run of this one) has it."""
        path = self.marker(fire)
        record = self._record(fire, "enqueued")
        if self._create(path, record):
            self._prune(fire)
            return Claim(fire, path)
        with self._guard():
            current = self.read(path)
            if current is None:  # removed by a scheduler that stopped before starting it
                return Claim(fire, path) if self._create(path, record) else None
            if not abandoned(current):
                return None
            _replace(path, record)
            return Claim(fire, path, taken_over=current)

    def update(self, claim: Claim, status: str, **fields: Any) -> None:
        _replace(claim.path, {**self._record(claim.fire, status), **fields})

    def release(self, claim: Claim) -> None:
        """Give back a claimed fire that was never started (a later scheduler fires it)."""
        with self._guard(), contextlib.suppress(FileNotFoundError):
            if (self.read(claim.path) or {}).get("pid") == os.getpid():
                claim.path.unlink()

    def read(self, path: Path) -> dict[str, Any] | None:
        try:
            return read_json(path)
        except Unreadable as e:
            raise RunError(
                "scheduler.ledger_corrupt",
                f"scheduler marker {path} {e.reason}",
                path=path,
                hint="markers are written atomically, so this one was changed from outside; "
                "delete it to let the scheduler fire that run (dativo run's job state keeps it exactly-once)",
            ) from None

    def _prune(self, fire: Fire) -> None:
        cutoff = f"{(fire.nominal - KEEP).strftime(STAMP)}.json"
        for old in sorted(self.marker(fire).parent.glob("*.json")):
            if old.name >= cutoff:
                break
            with contextlib.suppress(RunError, OSError):
                if (self.read(old) or {}).get("status") == "finished":
                    old.unlink()

    def _record(self, fire: Fire, status: str) -> dict[str, Any]:
        return {
            "schedule": fire.schedule,
            "nominal": fire.nominal.isoformat(),
            "run_id": fire.run_id,
            "status": status,
            "pid": os.getpid(),
            "host": HOST,
            "updated_at": time.time(),
        }

    def _create(self, path: Path, record: dict[str, Any]) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp(path)
        tmp.write_text(json.dumps(record, sort_keys=True), "utf-8")
        try:
            os.link(tmp, path)  # atomic, and fails when the marker exists: the one claim
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".guard", "a+") as g:
            fcntl.flock(g.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(g.fileno(), fcntl.LOCK_UN)


def abandoned(record: dict[str, Any]) -> bool:
    """A marker whose scheduler and run are both gone from this host, before the run finished; or whose
    run its scheduler stopped (a second Ctrl+C): the run id is resumable."""
    if record.get("status") == "interrupted":
        return True
    if record.get("status") not in OPEN or record.get("host") != HOST:
        return False
    pids = [p for p in (record.get("pid"), record.get("run_pid")) if isinstance(p, int) and p > 0]
    return not any(_alive(p) for p in pids)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _replace(path: Path, record: dict[str, Any]) -> None:
    tmp = _tmp(path)
    tmp.write_text(json.dumps(record, sort_keys=True), "utf-8")
    os.replace(tmp, path)
