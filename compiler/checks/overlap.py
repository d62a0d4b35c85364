"""DTV320 (warning): a schedule lets runs of an incremental append job overlap (`max_concurrent_runs > 1`).

Runs of one job read the same incremental state, so two overlapping runs select the same new
files or rows. The runtime never appends them twice (a run commits only if the table's branch
head is still the one its state came from; the loser plans again and finds nothing new), but
the overlap only costs: the second run re-reads the source and loads nothing. A keyed merge
job (mode merge with key_columns) or a job without incremental state is not flagged.
"""

from __future__ import annotations

from dativo.runtime.spec import JobSpec

from .. import codes
from ..diagnostics import Diagnostics
from ..project import Project
from .schedules import ResolvedSchedule


def run(project: Project, scheds: list[ResolvedSchedule], specs: dict[str, JobSpec], diags: Diagnostics) -> None:
    if project.runner is None:
        return
    for rs in scheds:
        runs = rs.model.max_concurrent_runs
        spec = specs.get(rs.job_rel) if rs.job_rel else None
        if runs <= 1 or spec is None or spec.source.incremental is None:
            continue
        if spec.asset.mode == "merge" and spec.asset.key_columns:
            continue
        path = ("runner", "orchestrator", "schedules", rs.index, "max_concurrent_runs")
        since = diags.mark()
        diags.report(
            codes.OVERLAPPING_APPEND,
            project.runner.doc.span(path),
            schedule=rs.model.name,
            runs=runs,
            job=rs.job_rel,
            unit=_unit(spec),
        )
        diags.attribute(since, rs.job_rel)


def _unit(spec: JobSpec) -> str:
    inc = spec.source.incremental
    return "files" if inc is not None and inc.strategy == "file_modified_time" else "rows"
