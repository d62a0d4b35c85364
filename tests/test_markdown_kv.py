"""runtime/markdown_kv.py, the transform of `target.markdown_kv_storage` (no I/O): the Markdown-KV text of a
record, the rows of each storage, the document id, one extracted_at per run, and property tests that the
parse of a record's text gives back its keys and values."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dativo.runtime import markdown_kv as mk
from dativo.runtime.spec import MarkdownKvSpec

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STRING = MarkdownKvSpec(mode="string")
ROWS = MarkdownKvSpec(mode="structured", structured_pattern="row_per_kv")
DOCS = MarkdownKvSpec(mode="structured", structured_pattern="document_level")


def test_text_is_front_matter_then_key_lines_in_record_order() -> None:
    text = mk.to_text({"id": 7, "title": "Bolt", "size": Decimal("1.50"), "tags": ["a", 1], "note": None})
    assert text == '---\nid: 7\ntitle: Bolt\n---\n\nsize:: 1.50\ntags:: ["a", 1]\nnote::'


def test_a_record_without_title_or_id_has_no_front_matter_and_a_null_id_stays_a_line() -> None:
    assert mk.to_text({"customerid": 3, "id": None}) == "customerid:: 3\nid::"


def test_string_mode_rows() -> None:
    batch = pa.RecordBatch.from_pylist([{"customerid": 11, "name": "Ada"}, {"customerid": 12, "name": "Bo"}])
    out = mk.transform(batch, STRING, AT).to_pylist()
    assert out == [
        {"doc_id": "11", "markdown_kv_content": "customerid:: 11\nname:: Ada"},
        {"doc_id": "12", "markdown_kv_content": "customerid:: 12\nname:: Bo"},
    ]


def test_row_per_kv_rows_number_front_matter_and_lines_together() -> None:
    batch = pa.RecordBatch.from_pylist([{"id": 5, "title": "T", "qty": 2, "meta": {"a": 1}, "flag": True}])
    rows = mk.transform(batch, ROWS, AT).to_pylist()
    assert [(r["section"], r["key"], r["value"], r["value_json"], r["ord"]) for r in rows] == [
        ("_front_matter", "id", "5", None, 0),
        ("_front_matter", "title", "T", None, 1),
        ("_default", "qty", "2", "2", 2),
        ("_default", "meta", '{"a": 1}', '{"a": 1}', 3),
        ("_default", "flag", "True", None, 4),
    ]
    assert {r["doc_id"] for r in rows} == {"5"} and {r["extracted_at"] for r in rows} == {AT}


def test_document_level_row_nests_sections_and_keeps_the_text() -> None:
    batch = pa.RecordBatch.from_pylist([{"id": 5, "title": "T", "qty": 2, "name": "x"}])
    out = mk.transform(batch, DOCS, AT)
    assert out.schema.field("sections").type == mk.sections_type()
    (row,) = out.to_pylist()
    assert row["doc_id"] == "5" and row["title"] == "T" and row["extracted_at"] == AT
    assert row["raw_md"] == mk.to_text({"id": 5, "title": "T", "qty": 2, "name": "x"})
    assert row["sections"] == [
        {"section": "_front_matter", "level": 0, "kv": [{"key": "id", "value": "5", "value_json": None, "ord": 0}]},
        {
            "section": "_default",
            "level": 0,
            "kv": [
                {"key": "qty", "value": "2", "value_json": "2", "ord": 0},
                {"key": "name", "value": "x", "value_json": None, "ord": 1},
            ],
        },
    ]


def test_value_json_is_json_only() -> None:
    rows = mk.transform(pa.RecordBatch.from_pylist([{"id": 1, "a": "NaN", "b": "null", "c": "x"}]), ROWS, AT)
    assert [(r["key"], r["value_json"]) for r in rows.to_pylist()] == [
        ("id", None),
        ("a", None),
        ("b", "null"),
        ("c", None),
    ]


def test_document_level_title_falls_back_to_the_doc_id() -> None:
    (row,) = mk.transform(pa.RecordBatch.from_pylist([{"productid": 9, "name": "x"}]), DOCS, AT).to_pylist()
    assert row["title"] == "9"


def test_parse_reads_headings_as_sections() -> None:
    front, sections = mk.parse("---\ntitle: Doc\n---\n# Intro\na:: 1\n## Details\nb:: two\n  lines\n")
    assert front == {"title": "Doc"}
    assert sections == [("Intro", 1, [("a", "1")]), ("Details", 2, [("b", "two\nlines")])]


def test_doc_id_field_wins_over_the_upstream_list() -> None:
    spec = MarkdownKvSpec(mode="string", doc_id_field="emp_no")
    assert mk.doc_id({"emp_no": 10001, "id": 4}, spec) == "10001"
    assert mk.doc_id({"customerid": 0, "id": 4}, STRING) == "0"  # dativo-ingest's `or` chain skips a 0


def test_a_tables_primary_key_comes_after_doc_id_field_and_before_the_upstream_list() -> None:
    record = {"emp_no": 7, "id": 4, "name": "x"}
    batch = mk.with_key(pa.RecordBatch.from_pylist([record]), "emp_no")
    assert mk.key_of(batch) == "emp_no" and mk.key_of(pa.RecordBatch.from_pylist([record])) is None
    assert mk.transform(batch, STRING, AT).column("doc_id").to_pylist() == ["7"]
    assert mk.doc_id(record, MarkdownKvSpec(mode="string", doc_id_field="name"), "emp_no") == "x"
    with pytest.raises(mk.RecordError, match="primary key 'emp_no'"):
        mk.doc_id({"emp_no": None, "id": 4}, STRING, "emp_no")


@pytest.mark.parametrize(
    ("record", "spec", "words"),
    [
        ({"emp_no": 1, "name": "x"}, STRING, "set target.markdown_kv_storage.doc_id_field"),
        ({"emp_no": None, "id": 3}, MarkdownKvSpec(mode="string", doc_id_field="emp_no"), "'emp_no'"),
    ],
)
def test_a_record_without_a_document_id_fails_never_unknown(
    record: dict[str, Any], spec: MarkdownKvSpec, words: str
) -> None:
    with pytest.raises(mk.RecordError, match="nothing was committed") as e:
        mk.transform(pa.RecordBatch.from_pylist([record]), spec, AT)
    assert words in str(e.value) and "unknown" not in str(e.value)


@pytest.mark.parametrize("key", ["a:b", "a\nb", " a", "# a"])
def test_a_key_the_format_cannot_hold_is_refused(key: str) -> None:
    with pytest.raises(mk.RecordError, match="cannot be a Markdown-KV key"):
        mk.to_text({key: 1})


def test_run_time_is_the_run_ids_time_else_the_nominal_time_else_the_start() -> None:
    started = datetime(2026, 5, 1, tzinfo=UTC)
    assert mk.run_time("x", AT, started) == AT
    assert mk.run_time("scheduled__2026-04-02T10:00:00+00:00", AT, started) == datetime(2026, 4, 2, 10, tzinfo=UTC)
    assert mk.run_time("manual__2026-04-02T10:00:00+00:00", None, started) == datetime(2026, 4, 2, 10, tzinfo=UTC)
    assert mk.run_time("manual__2026-04-02T10:00:00", None, started) == datetime(2026, 4, 2, 10, tzinfo=UTC)
    assert mk.run_time("r1", None, started) == started
    assert mk.run_time("manual__garbage", None, started) == started


KEYS = st.text(alphabet=string.ascii_letters + string.digits + "_- .", min_size=1, max_size=12).filter(
    lambda k: k.strip() == k and k not in mk.FRONT_KEYS
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r")),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=8))
def test_parse_of_text_gives_back_every_key_and_value(record: dict[str, Any]) -> None:
    front, sections = mk.parse(mk.to_text(record))
    assert front == {}
    pairs = [kv for _, _, kvs in sections for kv in kvs]
    expected = [(k, json.dumps(v) if isinstance(v, list) else "" if v is None else str(v)) for k, v in record.items()]
    assert pairs == expected


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(KEYS, VALUES, max_size=5),
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.integers(), st.floats(), TEXT, st.booleans(), st.none()),
            "title": st.one_of(TEXT, st.none(), st.floats(allow_nan=False)),
            "doc_id": TEXT,
        },
    ),
)
def test_the_rows_are_the_parse_of_the_text(body: dict[str, Any], front: dict[str, Any]) -> None:
    """The structured modes make their rows from `document(record)`, without writing and reading the text:
    it must be what parsing the text gives, for any values (front matter ones included)."""
    record = {**front, **body}
    parsed = mk.parse(mk.to_text(record))
    direct = mk.document(record)
    assert _same(parsed, direct), (parsed, direct)


def _same(a: Any, b: Any) -> bool:
    """Equality where a NaN equals a NaN (a float NaN id is written and read back as one)."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) and type(a) is type(b)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(KEYS, VALUES, max_size=5),
    st.one_of(st.integers(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1)),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
)
def test_front_matter_values_read_back_as_written(body: dict[str, Any], ident: Any, title: str) -> None:
    record = {"id": ident, "title": title, **body}
    front, sections = mk.parse(mk.to_text(record))
    assert front == {"id": ident, "title": title}
    assert [k for _, _, kvs in sections for k, _ in kvs] == list(body)


def _is_json(value: str) -> bool:
    try:
        json.loads(value, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.from_regex(r"\s*(-?\d+(\.\d+)?|true|false|null|\[\]|\{\}|\"[a-z]*\")\s*", fullmatch=True)))
def test_value_json_is_set_exactly_for_json(value: str) -> None:
    (row,) = mk.transform(pa.RecordBatch.from_pylist([{"id": 1, "v": value}]), ROWS, AT).to_pylist()[1:]
    assert (row["value_json"] is not None) == _is_json(row["value"])
