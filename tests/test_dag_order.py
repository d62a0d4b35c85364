"""The DAG task order (graphlib with a heap) is networkx's lexicographical topological sort, and a
cycle is found wherever networkx finds one."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from dativo.compiler.checks.dags import _order


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
