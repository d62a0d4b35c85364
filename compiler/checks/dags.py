"""DAGs of jobs (DTV203, DTV407-411): every task runs a known job of the DAG's tenant, ids are unique and safe names,
dependencies name real tasks and form no cycle. Valid DAGs become plan entries with their tasks in a
stable topological order, so the runtime runs them top to bottom.

The order comes from the standard library's graphlib; networkx, whose import alone cost a quarter of
the pre-commit budget, is imported only when a DAG has a cycle, to report one. Listing every elementary
cycle is exponential (a DAG of 22 tasks, each depending on all earlier ones, plus one back edge took
10 s); a shortest cycle through one edge is found in linear time."""

from __future__ import annotations

import graphlib
import heapq

from dativo.runtime.plan import SAFE_NAME, DagEntry, DagTaskEntry

from .. import codes, refs
from ..diagnostics import Diagnostics, did_you_mean
from ..models.dag import Dag
from ..project import Loaded, Project


def run(project: Project, diags: Diagnostics) -> dict[str, DagEntry]:
    return {
        rel: entry
        for rel, loaded in sorted(project.dags.items())
        if (entry := _check(project, loaded, diags)) is not None
    }


def _check(project: Project, loaded: Loaded[Dag], diags: Diagnostics) -> DagEntry | None:
    first, jobs, tasks_ok = _tasks(project, loaded, diags)
    edges, edges_ok = _edges(loaded, first, diags)
    order = _order(first, edges)
    if order is None:
        _cycles(loaded, edges, first, diags)
        return None
    if not (tasks_ok and edges_ok):
        return None
    dag = loaded.model
    by_id = {t.id: t for t in dag.tasks}
    tasks = [
        DagTaskEntry(
            id=t,
            job=jobs[t],
            params=by_id[t].params,
            retries=by_id[t].retries,
            depends_on=sorted(set(by_id[t].depends_on)),
        )
        for t in order
    ]
    return DagEntry(name=dag.name, tenant=dag.tenant_id, tasks=tasks)


def _tasks(project: Project, loaded: Loaded[Dag], diags: Diagnostics) -> tuple[dict[str, int], dict[str, str], bool]:
    """Each task id's first index, each task's job file, and whether every task is sound (unique id, a
    known job of the DAG's tenant)."""
    dag, doc = loaded.model, loaded.doc
    ok = True
    first: dict[str, int] = {}
    jobs: dict[str, str] = {}
    for i, task in enumerate(dag.tasks):
        if task.id in first:
            line = doc.span(("tasks", first[task.id], "id")).line
            diags.report(codes.DUPLICATE_TASK, doc.span(("tasks", i, "id")), task=task.id, line=line)
            ok = False
            continue
        first[task.id] = i
        if not SAFE_NAME.fullmatch(task.id):
            diags.report(codes.DAG_TASK_NAME, doc.span(("tasks", i, "id")), task=task.id, dag=dag.name)
            ok = False
        rel, job = refs.lookup(project, "job", task.job, doc.span(("tasks", i, "job")), diags, "job config")
        if job is None or rel is None:
            ok = False
            continue
        jobs[task.id] = rel
        if job.model.tenant_id != dag.tenant_id:
            with diags.about(rel):  # the task's job is one it concerns
                diags.report(
                    codes.DAG_MIXED_TENANTS,
                    doc.span(("tasks", i, "job")),
                    task=task.id,
                    job_tenant=job.model.tenant_id,
                    dag=dag.name,
                    tenant=dag.tenant_id,
                )
            ok = False
    return first, jobs, ok


def _edges(loaded: Loaded[Dag], first: dict[str, int], diags: Diagnostics) -> tuple[list[tuple[str, str]], bool]:
    """The dependency edges (task, what it depends on) between known tasks; False: one names no task."""
    ok = True
    edges: list[tuple[str, str]] = []
    for i, task in enumerate(loaded.model.tasks):
        if first.get(task.id) != i:
            continue
        for j, dep in enumerate(task.depends_on):
            if dep not in first:
                diags.report(
                    codes.UNKNOWN_DEPENDENCY,
                    loaded.doc.span(("tasks", i, "depends_on", j)),
                    task=task.id,
                    dep=dep,
                    hint=did_you_mean(dep, first) or f"tasks of this DAG: {', '.join(sorted(first))}",
                )
                ok = False
            else:
                edges.append((task.id, dep))
    return edges, ok


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
    """One error per knot of tasks (strongly connected component), at the depends_on entry of its first
    written edge, naming a shortest cycle through that edge."""
    tasks = loaded.model.tasks
    for cycle in find_cycles(first, edges):
        head, dep = cycle[0], cycle[1]
        path = " -> ".join(cycle)
        at = ("tasks", first[head], "depends_on", tasks[first[head]].depends_on.index(dep))
        diags.report(codes.DAG_CYCLE, loaded.doc.span(at), dag=loaded.model.name, cycle=path)


def find_cycles(first: dict[str, int], edges: list[tuple[str, str]]) -> list[list[str]]:
    """For each strongly connected component with a cycle, in written order of its first edge (task,
    dep) on a cycle: [task, dep, ..., task], a shortest path back from dep. Linear in the edges per
    component; deterministic, since networkx keeps insertion order and edges come in written order."""
    import networkx as nx  # only here: see the module docstring

    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(first)
    graph.add_edges_from(edges)
    component = {t: i for i, scc in enumerate(nx.strongly_connected_components(graph)) for t in scc}
    cycles: list[list[str]] = []
    done: set[int] = set()
    for task, dep in edges:  # an edge inside one component lies on a cycle (a self-loop too)
        knot = component[task]
        if knot == component[dep] and knot not in done:
            done.add(knot)
            cycles.append([task, *nx.shortest_path(graph, dep, task)])
    return cycles
