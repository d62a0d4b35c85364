"""Optimistic concurrency on the table's snapshot lineage.

A run starts from the head of its branch and the incremental state valid at that head: the
state recorded by the newest commit of this job in the head's ancestry (`dativo.incremental`
in the snapshot summary), unless the state file is at least as new (it records the head it
was saved at; a run that wrote no rows advances only the file). The commit asserts that the
branch head is still that snapshot (pyiceberg's assert-ref-snapshot-id requirement, checked
by the catalog atomically with the commit); when another run committed in between, the
commit fails and the run plans again from the new head. So two overlapping runs of one job,
or a run after a crash between the commit and the state file, never read a file twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .state import Incremental

MAIN = "main"


class Conflict(Exception):
    """The branch head moved between the start of the run and its commit."""


@dataclass(frozen=True)
class Base:
    head: int | None  # the branch head the run started from
    state: dict[str, Any]  # the incremental state valid at that head
    origin: str  # "file" | "table"


def ancestry(table: Any, branch: str) -> list[Any]:
    """The snapshots of `branch` from its head back to the oldest one kept, newest first."""
    meta = table.metadata
    ref = meta.refs.get(branch)
    out: list[Any] = []
    sid = ref.snapshot_id if ref is not None else None
    seen: set[int] = set()
    while sid is not None and sid not in seen:
        snap = meta.snapshot_by_id(sid)
        if snap is None:  # expired: the lineage kept ends here
            break
        seen.add(sid)
        out.append(snap)
        sid = snap.parent_snapshot_id
    return out


def _summary(snap: Any) -> dict[str, str]:
    return dict(snap.summary.additional_properties) if snap.summary is not None else {}


def start(table: Any, branch: str | None, job: str, saved: Incremental, *, job_key: str, state_key: str) -> Base:
    """Where a run of `job` starts: the branch head and the incremental state valid there."""
    chain = ancestry(table, branch or MAIN)
    head = chain[0].snapshot_id if chain else None
    ids = [s.snapshot_id for s in chain]
    for i, snap in enumerate(chain):
        summary = _summary(snap)
        if summary.get(job_key) == job and state_key in summary:
            if saved.snapshot_id in ids and ids.index(saved.snapshot_id) <= i:
                return Base(head, saved.state, "file")  # saved at or after that commit
            return Base(head, json.loads(summary[state_key]), "table")
    return Base(head, saved.state, "file")  # no commit of this job kept: the file is all there is


def run_summary(table: Any, branch: str | None, run_key: str, key: str) -> dict[str, str] | None:
    """The snapshot summary of `branch`'s commit of `run_key` (the newest of its transaction), if any."""
    for snap in ancestry(table, branch or MAIN):
        summary = _summary(snap)
        if summary.get(key) == run_key:
            return summary
    return None


def run_snapshot(table: Any, branch: str | None, run_key: str, key: str) -> int | None:
    """The snapshot of `branch` that committed `run_key` (the newest one of its transaction)."""
    for snap in ancestry(table, branch or MAIN):
        if _summary(snap).get(key) == run_key:
            return snap.snapshot_id
    return None


def require_head(txn: Any, branch: str | None, snapshot_id: int | None) -> None:
    """Make `txn` commit only while `branch` still points at `snapshot_id` (checked by the catalog,
    atomically with the commit). Staged before anything else, while the transaction still sees the base.

    pyiceberg's own assert-ref-snapshot-id is dropped when it retries a commit on a newer head (a
    fast append is rebased, which is right for Iceberg and wrong for a run whose incremental state
    came from the old head), so the assertion here is its own requirement type; it serialises as
    `assert-ref-snapshot-id` for REST catalogs.
    """
    txn._stage((), (_head_requirement(branch or MAIN, snapshot_id),))


def _head_requirement(ref: str, snapshot_id: int | None) -> Any:
    global _HeadRequirement
    if _HeadRequirement is None:
        _HeadRequirement = _define()
    return _HeadRequirement(ref=ref, **{"snapshot-id": snapshot_id})


_HeadRequirement: Any = None


def _define() -> Any:
    from typing import Literal

    from pydantic import Field
    from pyiceberg.exceptions import CommitFailedException
    from pyiceberg.table.update import ValidatableTableRequirement

    class AssertBranchHead(ValidatableTableRequirement):
        type: Literal["assert-ref-snapshot-id"] = Field(default="assert-ref-snapshot-id")
        ref: str = Field(...)
        snapshot_id: int | None = Field(default=None, alias="snapshot-id")

        def validate(self, base_metadata: Any) -> None:  # type: ignore[override]  # pyiceberg's method, not pydantic's
            if base_metadata is None:
                raise CommitFailedException("Requirement failed: current table metadata is missing")
            ref = base_metadata.refs.get(self.ref)
            current = ref.snapshot_id if ref is not None else None
            if current != self.snapshot_id:
                raise CommitFailedException(
                    f"Requirement failed: branch {self.ref} has changed since this run "
                    f"started: expected id {self.snapshot_id}, found {current}"
                )

    return AssertBranchHead
