"""DAGs of jobs (DTV203, DTV407-410): every task runs a known job of the DAG's tenant, ids are unique,
dependencies name real tasks and form no cycle. Valid DAGs become plan entries with their tasks in a
stable topological order, so the runtime runs them top to bottom.

The order comes from the standard library's graphlib; networkx, whose import alone cost a quarter of
the pre-commit budget, is imported only when a DAG has a cycle, to report one. Listing every elementary
cycle is exponential (a DAG of 22 tasks, each depending on all earlier ones, plus one back edge took
10 s); a shortest cycle through one edge is found in linear time."""

from __future__ import annotations

import graphlib
import heapq

from .. import codes, refs
from ..diagnostics import Diagnostics, did_you_mean
from ..models.dag import Dag
from ..plan import DagEntry, DagTaskEntry
from ..project import Loaded, Project


def run(project: Project, diags: Diagnostics) -> dict[str, DagEntry]:
    return {
        rel: entry
        for rel, loaded in sorted(project.dags.items())
        if (entry := _check(project, loaded, diags)) is not None
    }


def _check(project: Project, loaded: Loaded[Dag], diags: Diagnostics) -> DagEntry | None:
    dag, doc = loaded.model, loaded.doc
    ok = True
    first: dict[str, int] = {}
    jobs: dict[str, str] = {}
    for i, task in enumerate(dag.tasks):
        if task.id in first:
            line = doc.span(("tasks", first[task.id], "id")).line
            diags.error(
                codes.DUPLICATE_TASK,
                f"duplicate task id {task.id!r} (first at line {line})",
                doc.span(("tasks", i, "id")),
                hint="task ids are unique within a DAG",
            )
            ok = False
            continue
        first[task.id] = i
        rel, job = refs.lookup(project, "job", task.job, doc.span(("tasks", i, "job")), diags, "job config")
        if job is None or rel is None:
            ok = False
            continue
        jobs[task.id] = rel
        if job.model.tenant_id != dag.tenant_id:
            diags.error(
                codes.DAG_MIXED_TENANTS,
                f"task {task.id!r} runs a job of tenant {job.model.tenant_id!r} in DAG {dag.name!r} of tenant "
                f"{dag.tenant_id!r}",
                doc.span(("tasks", i, "job")),
                hint="a DAG runs the jobs of one tenant; give the other tenant a DAG of its own",
            )
            ok = False

    edges: list[tuple[str, str]] = []  # (task, what it depends on)
    for i, task in enumerate(dag.tasks):
        if first.get(task.id) != i:
            continue
        for j, dep in enumerate(task.depends_on):
            if dep not in first:
                diags.error(
                    codes.UNKNOWN_DEPENDENCY,
                    f"task {task.id!r} depends on unknown task {dep!r}",
                    doc.span(("tasks", i, "depends_on", j)),
                    hint=did_you_mean(dep, first) or f"tasks of this DAG: {', '.join(sorted(first))}",
                )
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
        diags.error(
            codes.DAG_CYCLE,
            f"DAG {loaded.model.name!r} has a dependency cycle: {path} (each depends on the next)",
            loaded.doc.span(("tasks", first[head], "depends_on", tasks[first[head]].depends_on.index(dep))),
            hint="remove one of these depends_on entries",
        )


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
