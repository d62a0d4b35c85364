"""Payload passing between the tasks of a DAG (seed 004): what a task offers downstream, and the params a
task receives.

A task that committed offers `table`, `snapshot_id`, `rows_written` and `cursor` (its incremental state
after the run, when it keeps one), read back from its job state and incremental state (the runtime's own
records, so a task that was already committed by an earlier attempt offers the same). Downstream, each
upstream task's payload becomes `<upstream>__<key>` params beside the task's own `params`.

The payloads of one DAG run are kept in `<state_dir>/dag_runs/<tenant>/<schedule>/<run_id>/<task>.json`,
so a task started on its own (`dativo run --task`, one orchestrator task each) finds its upstream tasks'
payloads under the same run id; the task's params are recorded in its `task_start` event.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import RunError, Unreadable
from .files import read_json, write_json
from .paths import slug
from .plan import DagTaskEntry
from .spec import JobSpec
from .state import StateStore


def results_dir(state_dir: Path, tenant: str, schedule: str, run_id: str) -> Path:
    return state_dir / "dag_runs" / slug(tenant) / slug(schedule) / slug(run_id)


def payload(spec: JobSpec, store: StateStore, key: str, run_id: str) -> dict[str, Any]:
    """What the committed task keyed `key` offers downstream (values it cannot know are None)."""
    try:
        data = read_json(store.job_state_path(spec.tenant, key, run_id)) or {}
    except Unreadable:
        data = {}
    metrics = (data.get("result") or {}).get("metrics") or {}
    cursor = None
    if spec.keeps_state:
        try:
            cursor = store.load_incremental(spec.tenant, spec.id).state or None
        except RunError:
            cursor = None  # the task committed; an unreadable state file is its next run's error
    return {
        "table": f"{spec.target.namespace}.{spec.target.table}",
        "snapshot_id": metrics.get("snapshot_id"),
        "rows_written": metrics.get("records_written"),
        "cursor": cursor,
    }


def params(task: DagTaskEntry, upstream: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The task's own params, then `<upstream>__<key>` for each upstream payload (sorted, for stable logs)."""
    out: dict[str, Any] = dict(sorted(task.params.items()))
    for up in sorted(task.depends_on):
        for k, v in upstream.get(up, {}).items():
            out[f"{up}__{k}"] = v
    return out


def save(folder: Path, task: str, data: dict[str, Any]) -> None:
    write_json(folder / f"{slug(task)}.json", data)


def load(folder: Path, task: str) -> dict[str, Any] | None:
    """A task's saved payload under this run id; None when it has not committed in this run."""
    try:
        return read_json(folder / f"{slug(task)}.json")
    except Unreadable as e:
        raise RunError(
            "dag.payload_unreadable",
            f"the payload of task {task!r} {e.reason}",
            path=e.path,
            hint="run the upstream task again (its rerun under the same run id rewrites it)",
        ) from None
