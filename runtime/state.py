"""Job state per run (seed 003): one JSON file per run key with its status, attempts,
blockers and transitions; and the incremental state of each job, advanced only after
the Iceberg commit.

Both fail closed: a file that does not parse, or parses to the wrong shape, is a RunError
naming the file and how to repair or reset it, never a silent fresh start (a reset
incremental state re-reads every file and appends its rows again)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RunError, Unreadable
from .files import read_json, write_json
from .paths import slug

STATUSES = ("started", "running", "committed", "failed", "blocked", "interrupted")
#: allowed transitions; `None` is "no state yet"
TRANSITIONS: dict[str | None, set[str]] = {
    None: {"started"},
    "started": {"running", "blocked", "failed", "interrupted"},
    "running": {"committed", "failed", "interrupted"},
    "failed": {"started", "running"},
    "blocked": {"started", "running"},
    "interrupted": {"started", "running"},
    "committed": {"started"},  # only through --resume-policy restart
}
#: statuses a rerun of the same run id continues only under --resume-policy resume
NEEDS_RESUME = ("failed", "blocked", "interrupted")
INCREMENTAL_FORMAT = 2


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class IllegalTransition(Exception):
    pass


@dataclass
class JobState:
    path: Path
    data: dict[str, Any]

    @property
    def status(self) -> str | None:
        return self.data.get("status")

    def move(self, to: str, reason: str | None = None, **fields: Any) -> None:
        if to not in TRANSITIONS.get(self.status, set()) and to != self.status:
            raise IllegalTransition(f"job state cannot go from {self.status} to {to}")
        if to != self.status:
            self.data.setdefault("transitions", []).append(
                {"from": self.status, "to": to, "at": _now(), "reason": reason}
            )
        self.data["status"] = to
        self.data["updated_at"] = _now()
        self.data.update(fields)
        write_json(self.path, self.data)


@dataclass(frozen=True)
class Incremental:
    """The saved incremental state and the branch head it is valid at (None: unknown, an old file)."""

    state: dict[str, Any]
    snapshot_id: int | None = None


class StateStore:
    def __init__(self, state_dir: Path):
        self.dir = state_dir

    def job_state_path(self, tenant: str, key: str, run_id: str) -> Path:
        return self.dir / "job_state" / slug(tenant) / slug(key) / f"{slug(run_id)}.job_state.json"

    def job_state(self, tenant: str, key: str, run_id: str, *, reset: bool = False, **meta: Any) -> JobState:
        """This run's job state; `reset` (--resume-policy restart) replaces an unparsable one on purpose."""
        path = self.job_state_path(tenant, key, run_id)
        fresh = {
            "run_id": run_id,
            "key": key,
            "tenant": tenant,
            "status": None,
            "attempt": 0,
            "blockers": [],
            "transitions": [],
            **meta,
        }
        try:
            data = read_json(path)
            if data is not None and data.get("status") not in (None, *STATUSES):
                raise Unreadable(path, f"has an unknown status {data.get('status')!r}")
        except Unreadable as e:
            if reset:
                return JobState(path, {**fresh, "reset_from_unreadable": e.reason})
            raise RunError(
                "job_state.corrupt",
                f"job state file {path} {e.reason}",
                path=path,
                hint="repair or delete it, or rerun with --resume-policy restart to start this run id "
                "afresh (a run id the table already holds is then loaded again)",
            ) from None
        return JobState(path, data if data is not None else fresh)

    def incremental_path(self, tenant: str, job: str) -> Path:
        return self.dir / "incremental" / slug(tenant) / f"{slug(job)}.json"

    def load_incremental(self, tenant: str, job: str) -> Incremental:
        path = self.incremental_path(tenant, job)
        try:
            data = read_json(path)
            inc = _incremental(data, path) if data is not None else Incremental({})
        except Unreadable as e:
            hint = (
                "delete it to rebuild it from the table's snapshot history (the latest commit of this job "
                "records its state); with no such commit the job reads every file again"
            )
            raise RunError("state.corrupt", f"incremental state file {path} {e.reason}", path=path, hint=hint) from None
        return inc

    def save_incremental(self, tenant: str, job: str, inc: Incremental) -> None:
        write_json(
            self.incremental_path(tenant, job),
            {"format": INCREMENTAL_FORMAT, "snapshot_id": inc.snapshot_id, "state": inc.state},
        )


def _incremental(data: dict[str, Any], path: Path) -> Incremental:
    if "format" not in data:  # written before the snapshot id was kept: the state itself
        state, snap = data, None
    elif data["format"] == INCREMENTAL_FORMAT and isinstance(data.get("state"), dict):
        state, snap = data["state"], data.get("snapshot_id")
        if snap is not None and not isinstance(snap, int):
            raise Unreadable(path, f"has a snapshot_id that is not an integer: {snap!r}")
    else:
        raise Unreadable(path, f"has an unknown format {data.get('format')!r} or no 'state' object")
    files = state.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        raise Unreadable(path, "has a 'files' entry that is not an object of file stamps")
    for key in ("cursor", "cursor_field"):
        if key in state and not isinstance(state[key], str):
            raise Unreadable(path, f"has a {key!r} that is not a string")
    return Incremental(state, snap)
