"""The DAG lifecycle events (`dag_start`, `task_start`, `task_ok`, `task_fail`, `task_skipped`, `dag_done`) as a
model: schemas/events.schema.json is generated from it, and tests validate the events file line by line.

Every line also carries the Logger's own fields (timestamp, level, event_type) and the run's context (job_name,
tenant_id, run_id, dag). A line of another event type in the same file (the scheduler's) is not a DAG event.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DAG_EVENTS = ("dag_start", "task_start", "task_ok", "task_fail", "task_skipped", "dag_done")

#: what a task offers its downstream tasks, as `<upstream>__<key>` params (seed 004's payload passing)
PAYLOAD_KEYS = ("table", "snapshot_id", "rows_written", "cursor")


class DagEvent(BaseModel):
    """One line of the events file written by a DAG run (runtime/dag_run.py)."""

    model_config = ConfigDict(extra="forbid", title="DagEvent")

    timestamp: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    level: Literal["INFO", "WARNING", "ERROR"]
    event_type: Literal["dag_start", "task_start", "task_ok", "task_fail", "task_skipped", "dag_done"]
    job_name: str  # the schedule id
    tenant_id: str
    run_id: str
    dag: str  # the DAG's name
    # dag_start
    tasks: list[str] | None = None  # in topological order
    max_parallel: int | None = Field(None, ge=1)
    # task_*
    task: str | None = None
    job: str | None = None  # the task's job (a key of the plan's jobs)
    depends_on: list[str] | None = None
    params: dict[str, Any] | None = None  # task_start: its own params and its upstream tasks' payloads
    payload: dict[str, Any] | None = None  # task_ok: what it offers downstream (PAYLOAD_KEYS)
    status: Literal["success", "partial", "already_committed"] | None = None  # task_ok
    exit_code: int | None = None  # task_ok, task_fail, dag_done
    reason: str | None = None  # task_skipped: upstream_failed | stopped
    upstream: str | None = None  # task_skipped: the failed (or skipped) upstream task that caused it
    error: str | None = None
    # dag_done
    succeeded: list[str] | None = None
    failed: list[str] | None = None
    skipped: list[str] | None = None
    duration_seconds: float | None = Field(None, ge=0)
