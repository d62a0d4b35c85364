"""The positioned loader: values keep their place, and bad files are diagnostics."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import MappingNode, SequenceNode

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.load import decode, load_file, load_text


def _load(text: str):
    d = Diagnostics()
    doc = load_text(text, "f.yaml", d)
    return doc, [(x.code, x.span.line, x.span.col) for x in d]


def test_values_and_keys_keep_their_positions() -> None:
    doc, diags = _load("a:\n  b: [1, two]\n  c: {d: true}\n")
    assert diags == []
    assert doc.data == {"a": {"b": [1, "two"], "c": {"d": True}}}
    assert (doc.span(("a", "b", 1)).line, doc.span(("a", "b", 1)).col) == (2, 10)
    assert (doc.span(("a", "c"), key=True).line, doc.span(("a", "c"), key=True).col) == (3, 3)
    assert doc.span(("a", "missing")).line == 2  # the nearest ancestor with a span: the value of a


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: 1\na: 2\n", [("DTV002", 2, 1)]),
        ("a: !!python/object/apply:os.system [id]\n", [("DTV004", 1, 4)]),
        ("a: !Ref x\n", [("DTV004", 1, 4)]),
        ("- 1\n", [("DTV005", 1, 1)]),
        ("just text\n", [("DTV005", 1, 1)]),
        ("", [("DTV005", 1, 1)]),
        ("a: 1\n---\nb: 2\n", [("DTV008", 2, 1)]),
        ("a: [1\nb: 2\n", [("DTV001", 2, 2)]),
        ("a: &x [*x]\n", [("DTV003", 1, 4)]),
        ("? [a]\n: 1\n", [("DTV001", 1, 3)]),
        ("a: " + "[" * 200 + "]" * 200 + "\n", [("DTV003", 1, 104)]),
    ],
)
def test_bad_yaml_is_a_diagnostic(text: str, expected: list) -> None:
    doc, diags = _load(text)
    assert diags == expected


def test_integer_past_pythons_digit_limit_is_a_diagnostic() -> None:
    """int() refuses more than 4,300 decimal digits: a ValueError that was an internal error."""
    _, diags = _load("a: 1\nb: -" + "9" * 4301 + "\n")
    assert diags == [("DTV238", 2, 4)]
    _, diags = _load("a: " + "9" * 4300 + "\n")  # at the limit: a number
    assert diags == []


def test_merge_keys_and_scalars() -> None:
    doc, diags = _load("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nn: ~\nf: 1.5\nh: 0x10\nd: 2024-01-01\ns: yes\n")
    assert diags == []
    assert doc.data["c"] == {"x": 1, "y": 3}
    assert (doc.data["n"], doc.data["f"], doc.data["h"], doc.data["d"], doc.data["s"]) == (
        None,
        1.5,
        16,
        "2024-01-01",
        "yes",
    )


def test_billion_laughs_fails_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    doc, diags = _load("\n".join(lines) + "\n")
    assert doc is None and diags[0][0] == "DTV003"
    assert time.perf_counter() - start < 0.5  # a bound on the algorithm (no expansion), not a benchmark


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"a: 1\n\x00\x01", "DTV006"),
        (b"a: \xff\xfe\n", "DTV006"),
    ],
)
def test_non_text_files(tmp_path: Path, raw: bytes, code: str) -> None:
    f = tmp_path / "x.yaml"
    f.write_bytes(raw)
    d = Diagnostics()
    assert load_file(f, "x.yaml", d) is None
    assert [x.code for x in d] == [code]


def test_unreadable_file(tmp_path: Path) -> None:
    d = Diagnostics()
    assert load_file(tmp_path / "absent.yaml", "absent.yaml", d) is None
    assert load_file(tmp_path, "dir.yaml", d) is None
    assert [x.code for x in d] == ["DTV007", "DTV007"]


def test_bom_is_accepted() -> None:
    assert decode("\ufeffa: 1\n".encode()) == "a: 1\n"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_is_diagnosed(text: str) -> None:
    d = Diagnostics()
    doc = load_text(text, "f.yaml", d)
    assert (doc is None) == (len(d) > 0) or (doc is not None and all(x.code == "DTV002" for x in d))


# ------------------------------------------------------------------------------ nesting depth


def _deep_block_map(levels: int, br: str = "\n") -> str:
    return "".join(" " * i + f"k{i}:" + br for i in range(levels)) + " " * levels + "x\n"


def _indentless(levels: int) -> str:
    """a:\\n- b:\\n  - c: ... : two levels per two columns, the slowest a column can grow."""
    return "".join(" " * (2 * i) + f"- k{i}:\n" for i in range(levels)) + " " * (2 * levels) + "- x\n"


@pytest.mark.parametrize(
    "text, where",
    [
        ("a: " + "[" * 3000, (1, 104)),
        ("- " * 3000, (1, 203)),
        ("a: " + "{b: " * 3000, (1, 401)),
        ("? " * 3000, (1, 203)),
        (_deep_block_map(3000), (101, 101)),
        (_deep_block_map(3000, "\u2028"), (101, 101)),  # libyaml ends lines at LS too
        (_deep_block_map(3000, "\r"), (101, 101)),
        (_indentless(3000), (51, 103)),
    ],
)
def test_deep_nesting_is_refused_before_anything_composes_it(
    monkeypatch: pytest.MonkeyPatch, text: str, where: tuple[int, int]
) -> None:
    """libyaml's composer recurses in C: '[' * 28000 crashed the process (exit 139) before the
    builder's depth guard ran. The depth is measured on the parser's event stream first."""
    from dativo.compiler import load

    composed: list[str] = []

    class Counting(load._make_composer):  # type: ignore[misc, name-defined]
        def get_single_node(self) -> Any:
            composed.append("x")
            return super().get_single_node()

    monkeypatch.setattr(load, "_make_composer", Counting)
    doc, diags = _load(text)
    assert doc is None and diags == [("DTV003", *where)] and composed == []


def _depth(node: Any, d: int = 0) -> int:
    """The depth of the deepest node under `node` (composed by ruamel), the root at d."""
    if isinstance(node, SequenceNode):
        return max([_depth(c, d + 1) for c in node.value], default=d)
    if isinstance(node, MappingNode):
        return max([_depth(c, d + 1) for pair in node.value for c in pair], default=d)
    return d


_NESTED = [
    "a: 1\n",
    _deep_block_map(40),
    _deep_block_map(40, "\u2028"),
    _deep_block_map(40, "\x85"),
    _deep_block_map(40, "\r\n"),
    _indentless(40),
    "- " * 45 + "x\n",
    "? " * 45 + "x\n",
    "- &a " * 1 + "k: v\n  k2: v2\n",
    "a:\n- b:\n  - c:\n    - &x !!map {d: [[[e]]]}\n",
    "? - ? - a\n    : - b\n: c\n",
    "a: " + "[b: " * 30 + "]" * 30 + "\n",  # each [ holds a single-pair mapping: two levels per bracket
    "a: [" * 30 + "]" * 30 + "\n",
]


@pytest.mark.parametrize("text", _NESTED)
def test_depth_bound_is_never_below_the_real_depth(text: str) -> None:
    """The cheap bound lets files skip the event walk: it must never be below the real depth."""
    from dativo.compiler import load
    from dativo.compiler.nesting import depth_bound

    real = _depth(load._Loader(text).get_single_node())
    assert real >= 30 or text == "a: 1\n" or text.startswith(("- &a", "a:\n", "? -"))
    assert depth_bound(text) >= real


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "- ",
                "? ",
                ": ",
                "k: ",
                "&a ",
                "!!seq ",
                "\n",
                "  ",
                "[",
                "]",
                "{",
                "}",
                ", ",
                "x",
                "\u2028",
                "\r",
                "\n  - ",
                "\n    ",
                "--- ",
                "-\n",
            ]
        ),
        max_size=60,
    )
)
def test_depth_bound_holds_on_any_token_soup(tokens: list[str]) -> None:
    from ruamel.yaml.error import YAMLError

    from dativo.compiler import load
    from dativo.compiler.nesting import depth_bound, first_too_deep

    text = "".join(tokens)
    try:
        root = load._Loader(text).get_single_node()
    except YAMLError:
        return

    real = _depth(root) if root is not None else 0
    assert depth_bound(text) >= real
    assert first_too_deep(load._Loader(text), real) is None
    assert real == 0 or first_too_deep(load._Loader(text), real - 1) is not None


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_file_stat_cannot_size_is_still_bounded() -> None:
    """/dev/zero reports size 0 and never ends: the read itself is bounded (there is no stat to trust)."""
    diags = Diagnostics()
    assert load_file(Path("/dev/zero"), "zero.yaml", diags) is None
    assert [d.code for d in diags.items] == [codes.UNREADABLE] and "larger than 8 MiB" in diags.items[0].message
