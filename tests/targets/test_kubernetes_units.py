"""Units of the Kubernetes target: the YAML emitter and cron lines as Kubernetes runs them."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import yaml
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from dativo.targets.kubernetes.cronlines import kubernetes_cron, shared_fire_time
from dativo.targets.kubernetes.yamlout import block, string

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


# ---------------------------------------------------------------- YAML


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | _text,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
        max_leaves=12,
    )
)
def test_yaml_emitter_round_trips(value: Any) -> None:
    doc = {"v": value}
    text = block(doc)
    assert yaml.safe_load(text) == doc
    assert json.loads(json.dumps(YAML(typ="safe", pure=True).load(text))) == doc


@pytest.mark.parametrize(
    "word",
    [
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "n",
        "true",
        "Null",
        "~",
        "0x1f",
        "1e3",
        "012",
        "1:30",
        "- a",
        "a: b",
        "#x",
        "&a",
        "*a",
        "!t",
        "%x",
        "@x",
        "`x",
        "",
        " a",
        "a ",
        ".inf",
        "=",
        "<<",
        "?",
    ],
)
def test_ambiguous_words_are_quoted(word: str) -> None:
    assert yaml.safe_load(f"k: {string(word)}") == {"k": word}


# ---------------------------------------------------------------- cron lines


@pytest.mark.parametrize(
    "line, want",
    [
        ("0 0 * * 7", "0 0 * * 0"),
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("0 0 * * 0-7", "0 0 * * *"),
        ("0 0 1,15 * 0-7", "0 0 1,15 * 0,1,2,3,4,5,6"),
        ("0 0 * * */7", "0 0 * * */7"),
        ("0 0 * * 1-5", "0 0 * * 1-5"),
        ("0 0 17 * *", "0 0 17 * *"),
        ("7 7 7 7 SUN", "7 7 7 7 SUN"),
    ],
)
def test_day_of_week_seven_is_rewritten(line: str, want: str) -> None:
    assert kubernetes_cron(line) == want


@pytest.mark.parametrize(
    "lines, shared",
    [
        (["0 * * * *", "0 0 * * *"], True),
        (["0 * * * *", "30 * * * *"], False),
        (["0 0,3,6,9,12,15,18,21 * * *", "30 1,4,7,10,13,16,19,22 * * *"], False),
        (["0 0 29 2 *", "0 0 * * 0"], True),  # Feb 29 is a Sunday now and then (2032)
        (["0 0 29 2 *", "0 0 * 3 0"], False),
        (["0 0 1 * *", "0 0 2 * *"], False),
        (["0 0 1 * 1", "0 0 2 * *"], True),  # '1 * 1' fires on Mondays too (cron's OR), and some 2nd is a Monday
        (["0 0 31 4 *", "0 0 * 4 *"], False),  # never fires on Apr 31, so nothing shared via that day
        (["0 9 * * 1-5", "0 9 * * 6"], False),
        (["0 9 * * 1-5", "0 9 * * 7"], False),
        (["0 9 * * 0", "0 9 * * 7"], True),
    ],
)
def test_shared_fire_time(lines: list[str], shared: bool) -> None:
    assert (shared_fire_time(lines) is not None) is shared


_dow_item = st.one_of(
    st.integers(0, 7).map(str),
    st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda t: t[0] < t[1]).map(lambda t: f"{t[0]}-{t[1]}"),
    st.tuples(st.integers(0, 6), st.integers(2, 8)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.sampled_from(["*/2", "*/7", "SUN", "MON-FRI"]),
)


@settings(max_examples=100, deadline=None)
@given(dom=st.sampled_from(["*", "1", "1,15", "13"]), dow=st.lists(_dow_item, min_size=1, max_size=3).map(",".join))
def test_rewritten_day_of_week_fires_exactly_like_the_plan(dom: str, dow: str) -> None:
    line = f"0 6 {dom} * {dow}"
    written = kubernetes_cron(line)
    assert all(0 <= int(v) <= 6 for v in re.findall(r"(?<![/0-9])[0-9]+", written.split()[4]))
    start = dt.datetime(2024, 1, 1)
    a, b = croniter(line, start), croniter(written, start)
    assert [a.get_next(dt.datetime) for _ in range(30)] == [b.get_next(dt.datetime) for _ in range(30)]
