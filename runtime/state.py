"""Job state per run (seed 003): one JSON file per run key with its status, attempts,
blockers and transitions; and the incremental state of each job, advanced only after
the Iceberg commit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import read_json, write_json
from .paths import slug

STATUSES = ("started", "running", "committed", "failed", "blocked")
#: allowed transitions; `None` is "no state yet"
TRANSITIONS: dict[str | None, set[str]] = {
    None: {"started"},
    "started": {"running", "blocked", "failed"},
    "running": {"committed", "failed"},
    "failed": {"started", "running"},
    "blocked": {"started", "running"},
    "committed": {"started"},  # only through --resume-policy restart
}


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
            self.data.setdefault("transitions", []).append({"from": self.status, "to": to, "at": _now(), "reason": reason})
        self.data["status"] = to
        self.data["updated_at"] = _now()
        self.data.update(fields)
        write_json(self.path, self.data)


class StateStore:
    def __init__(self, state_dir: Path):
        self.dir = state_dir

    def job_state(self, tenant: str, key: str, run_id: str, **meta: Any) -> JobState:
        path = self.dir / "job_state" / slug(tenant) / slug(key) / f"{slug(run_id)}.job_state.json"
        data = read_json(path) or {"run_id": run_id, "key": key, "tenant": tenant, "status": None,
                                   "attempt": 0, "blockers": [], "transitions": [], **meta}
        return JobState(path, data)

    def incremental_path(self, tenant: str, job: str) -> Path:
        return self.dir / "incremental" / slug(tenant) / f"{slug(job)}.json"

    def load_incremental(self, tenant: str, job: str) -> dict[str, Any]:
        return read_json(self.incremental_path(tenant, job)) or {}

    def save_incremental(self, tenant: str, job: str, data: dict[str, Any]) -> None:
        write_json(self.incremental_path(tenant, job), data)
