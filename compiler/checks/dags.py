"""DAGs of jobs (DTV203, DTV407-410): every task runs a known job of the DAG's tenant, ids are unique,
dependencies name real tasks and form no cycle. Valid DAGs become plan entries with their tasks in a
stable topological order, so the runtime runs them top to bottom.

The order comes from the standard library's graphlib; networkx, whose import alone cost a quarter of
the pre-commit budget, is imported only when a DAG has a cycle, to list every elementary cycle."""

from __future__ import annotations

import graphlib
import heapq

from .. import codes, refs
from ..diagnostics import Diagnostics, did_you_mean
from ..models.dag import Dag
from ..plan import DagEntry, DagTaskEntry
from ..project import Loaded, Project


def run(project: Project, diags: Diagnostics) -> dict[str, DagEntry]:
    return {rel: entry for rel, loaded in sorted(project.dags.items())
            if (entry := _check(project, loaded, diags)) is not None}


def _check(project: Project, loaded: Loaded[Dag], diags: Diagnostics) -> DagEntry | None:
    dag, doc = loaded.model, loaded.doc
    ok = True
    first: dict[str, int] = {}
    jobs: dict[str, str] = {}
    for i, task in enumerate(dag.tasks):
        if task.id in first:
            line = doc.span(("tasks", first[task.id], "id")).line
            diags.error(codes.DUPLICATE_TASK, f"duplicate task id {task.id!r} (first at line {line})",
                        doc.span(("tasks", i, "id")), hint="task ids are unique within a DAG")
            ok = False
            continue
        first[task.id] = i
        rel, job = refs.lookup(project, "job", task.job, doc.span(("tasks", i, "job")), diags, "job config")
        if job is None:
            ok = False
            continue
        jobs[task.id] = rel
        if job.model.tenant_id != dag.tenant_id:
            diags.error(codes.DAG_MIXED_TENANTS,
                        f"task {task.id!r} runs a job of tenant {job.model.tenant_id!r} in DAG {dag.name!r} of tenant "
                        f"{dag.tenant_id!r}", doc.span(("tasks", i, "job")),
                        hint="a DAG runs the jobs of one tenant; give the other tenant a DAG of its own")
            ok = False

    edges: list[tuple[str, str]] = []  # (task, what it depends on)
    for i, task in enumerate(dag.tasks):
        if first.get(task.id) != i:
            continue
        for j, dep in enumerate(task.depends_on):
            if dep not in first:
                diags.error(codes.UNKNOWN_DEPENDENCY, f"task {task.id!r} depends on unknown task {dep!r}",
                            doc.span(("tasks", i, "depends_on", j)),
                            hint=did_you_mean(dep, first) or f"tasks of this DAG: {', '.join(sorted(first))}")
                ok = False
            else:
                edges.append((task.id, dep))
    order = _order(first, edges)
    if order is None:
        _cycles(loaded, edges, first, diags)
        return None
    if not ok:
        return None
    by_id = {t.id: t for t in dag.tasks}
    tasks = [DagTaskEntry(id=t, job=jobs[t], params=by_id[t].params, retries=by_id[t].retries,
                          depends_on=sorted(set(by_id[t].depends_on))) for t in order]
    return DagEntry(name=dag.name, tenant=dag.tenant_id, tasks=tasks)


def _order(first: dict[str, int], edges: list[tuple[str, str]]) -> list[str] | None:
    """Dependencies first; among the tasks ready to run, the first-written one (None: a cycle)."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter({t: () for t in first})
    for task, dep in edges:
        sorter.add(task, dep)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return None
    ready = [(first[t], t) for t in sorter.get_ready()]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, task = heapq.heappop(ready)
        order.append(task)
        sorter.done(task)
        for t in sorter.get_ready():
            heapq.heappush(ready, (first[t], t))
    return order


def _cycles(loaded: Loaded[Dag], edges: list[tuple[str, str]], first: dict[str, int], diags: Diagnostics) -> None:
    """One error per elementary cycle (at most 10), printed from its first-written task, at that task's depends_on."""
    import networkx as nx  # only here: see the module docstring

    graph = nx.DiGraph(edges)
    for cycle in sorted(_rotate(c, first) for c in nx.simple_cycles(graph))[:10]:
        head = cycle[0]
        path = " -> ".join([*cycle, head])
        dep_index = loaded.model.tasks[first[head]].depends_on.index(cycle[1 % len(cycle)])
        diags.error(codes.DAG_CYCLE, f"DAG {loaded.model.name!r} has a dependency cycle: {path} (each depends on the next)",
                    loaded.doc.span(("tasks", first[head], "depends_on", dep_index)),
                    hint="remove one of these depends_on entries")


def _rotate(cycle: list[str], first: dict[str, int]) -> list[str]:
    """networkx lists a cycle's nodes in path order from any node: start at the first-written task."""
    k = min(range(len(cycle)), key=lambda i: first[cycle[i]])
    return cycle[k:] + cycle[:k]
