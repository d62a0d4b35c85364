"""The DAG task order (graphlib with a heap) is networkx's lexicographical topological sort, a
cycle is found wherever networkx finds one, and the reported cycle is a shortest one through the
first written edge of its knot, found without listing every cycle."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from dativo.compiler.checks.dags import _order, find_cycles


@st.composite
def graphs(draw):
    n = draw(st.integers(min_value=1, max_value=9))
    names = draw(st.permutations([f"t{i}" for i in range(n)]))  # written order differs from name order
    first = {name: i for i, name in enumerate(names)}
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names))
    edges = draw(st.lists(pairs, max_size=3 * n))
    return first, edges


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_order_matches_networkx(graph):
    first, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(first)
    g.add_edges_from(edges)  # task -> what it depends on
    order = _order(first, edges)
    if not nx.is_directed_acyclic_graph(g):
        assert order is None
    else:
        assert order == list(nx.lexicographical_topological_sort(g.reverse(copy=False), key=lambda t: first[t]))


def test_ties_go_to_the_first_written_task():
    first = {"load": 0, "b_extract": 1, "a_extract": 2}
    assert _order(first, [("load", "a_extract"), ("load", "b_extract")]) == ["b_extract", "a_extract", "load"]


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_one_shortest_cycle_per_knot_through_its_first_written_edge(graph):
    first, edges = graph
    edges = sorted(edges, key=lambda e: first[e[0]])  # as the check lists them: by task, in written order
    g = nx.DiGraph()
    g.add_nodes_from(first)
    g.add_edges_from(edges)
    cycles = find_cycles(first, edges)
    knots = [c for c in nx.strongly_connected_components(g) if len(c) > 1 or any(g.has_edge(t, t) for t in c)]
    assert len(cycles) == len(knots)
    assert (cycles == []) == nx.is_directed_acyclic_graph(g)
    for cycle in cycles:
        assert cycle[0] == cycle[-1] and all(g.has_edge(a, b) for a, b in zip(cycle, cycle[1:]))
        knot = next(k for k in knots if cycle[0] in k)
        first_edge = next((t, d) for t, d in edges if t in knot and d in knot)
        assert tuple(cycle[:2]) == first_edge
        assert len(cycle) - 2 == nx.shortest_path_length(g, cycle[1], cycle[0])
    assert [c[0] for c in cycles] == sorted(
        (c[0] for c in cycles), key=lambda t: min(i for i, (task, dep) in enumerate(edges) if task == t)
    )  # in written order


def test_cycle_report_does_not_list_every_cycle(monkeypatch):
    """500 tasks, each depending on all earlier ones, plus one back edge: about 2**498 elementary
    cycles, which the former report listed before keeping 10 (it did not finish)."""

    def no_listing(*args, **kwargs):
        raise AssertionError("every elementary cycle was listed")

    monkeypatch.setattr(nx, "simple_cycles", no_listing)
    names = [f"t{i}" for i in range(500)]
    first = {name: i for i, name in enumerate(names)}
    edges = [("t0", "t499")] + [(names[i], names[j]) for i in range(1, 500) for j in range(i)]
    assert find_cycles(first, edges) == [["t0", "t499", "t0"]]
