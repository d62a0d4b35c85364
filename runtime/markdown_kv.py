"""dativo-ingest's Markdown-KV storage (`target.markdown_kv_storage`): each record read from the source becomes
Markdown-KV text, stored as it is (mode `string`) or parsed into rows (mode `structured`, pattern `row_per_kv`
or `document_level`), before the rows are validated against the asset (which describes these rows).

The text ("compact" in dativo-ingest): a YAML front matter with the record's non-null `title`, `id` and
`doc_id` when it has any (a string, number or boolean as such, anything else as its text), then one `key:: value` line
per other field, in the record's order: a dict or list as JSON, null as nothing, anything else as `str()`. A
value of several lines continues on lines indented by two spaces. The parser reads exactly this grammar back:
front matter keys in section `_front_matter`, lines before any `#` heading in section `_default`; `value_json`
is the value when it is valid JSON (a front matter value: when it is a dict or list).

Where dativo-ingest differs (docs/dativo-ingest.md#markdown-kv-storage): its doc_id falls back to "unknown",
its extracted_at is the time of each record, a null title/id/doc_id goes into its front matter as `None`, and
a multi-line value loses its later lines. Mode `raw_file` and pattern `hybrid` are refused by the compiler.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from io import StringIO
from typing import TYPE_CHECKING, Any

from .coltypes import SAME_TYPE
from .spec import MarkdownKvSpec

if TYPE_CHECKING:
    import pyarrow as pa

FRONT_MATTER = "_front_matter"
DEFAULT_SECTION = "_default"
FRONT_KEYS = ("title", "id", "doc_id")  # dativo-ingest's front matter keys, in its (sorted) order: doc_id, id, title
# the record fields dativo-ingest takes the document id from, first non-empty wins (its hard-coded list)
UPSTREAM_ID_FIELDS = (
    "businessentityid",
    "productid",
    "customerid",
    "salesorderid",
    "addressid",
    "productcategoryid",
    "id",
    "doc_id",
)
KEY = b"dativo.markdown_kv.doc_id"  # a batch's schema metadata: the source table's one-column primary key
SECTIONS = "sections"  # the document_level column whose nested type this module defines
INDENT = "  "
_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_KV = re.compile(r"^([^:\s][^:]*)::(?: (.*))?$")

# the rows each storage writes: (column, asset column type), in order; an asset names these (DTV248)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "string": (("doc_id", "string"), ("markdown_kv_content", "string")),
    "row_per_kv": (
        ("doc_id", "string"),
        ("section", "string"),
        ("key", "string"),
        ("value", "string"),
        ("value_json", "string"),
        ("ord", "integer"),
        ("extracted_at", "timestamp"),
    ),
    "document_level": (
        ("doc_id", "string"),
        ("title", "string"),
        (SECTIONS, "array"),
        ("raw_md", "string"),
        ("extracted_at", "timestamp"),
    ),
}
# the asset types each column type of the rows may be declared as (the names of one Iceberg type)
ACCEPTS = {t: next((g for g in SAME_TYPE if t in g), (t,)) for _, t in {c for cs in COLUMNS.values() for c in cs}}


def sections_type() -> pa.DataType:
    """The `sections` column: list<struct<section, level, kv list<struct<key, value, value_json, ord>>>>."""
    import pyarrow as pa

    kv = pa.struct([("key", pa.string()), ("value", pa.string()), ("value_json", pa.string()), ("ord", pa.int64())])
    return pa.list_(pa.struct([("section", pa.string()), ("level", pa.int64()), ("kv", pa.list_(kv))]))


def arrow_schema(kind: str) -> pa.Schema:
    import pyarrow as pa

    simple = {"string": pa.string(), "integer": pa.int64(), "timestamp": pa.timestamp("us", tz="UTC")}
    return pa.schema([(n, sections_type() if t == "array" else simple[t]) for n, t in COLUMNS[kind]])


class RecordError(ValueError):
    """A record that cannot become a Markdown-KV document (no document id, a key the format cannot hold)."""


def shape(storage: MarkdownKvSpec) -> str:
    """Which rows the storage writes: `string`, `row_per_kv` or `document_level` (a key of COLUMNS)."""
    return storage.mode if storage.mode == "string" else str(storage.structured_pattern)


def nested_column(storage: MarkdownKvSpec | None, column: str) -> bool:
    """Whether an asset's `array` column is this storage's `sections` column, whose element type is known."""
    return storage is not None and shape(storage) == "document_level" and column == SECTIONS


def run_time(run_id: str, nominal: datetime | None, started: datetime) -> datetime:
    """The one `extracted_at` of a run: the time in a `scheduled__<time>` or `manual__<time>` run id (an
    Airflow run id too), else the schedule's nominal fire time, else when this process started the run. The
    run id comes first: a retried run id writes the same rows."""
    prefix, _, rest = run_id.partition("__")
    if prefix in ("manual", "scheduled"):
        try:
            when = datetime.fromisoformat(rest)
        except ValueError:
            when = None
        if when is not None:
            return when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC)
    return (nominal or started).astimezone(UTC)


def with_key(batch: pa.RecordBatch, key: str | None) -> pa.RecordBatch:
    """A database source's batch, marked with its table's one-column primary key (None: unmarked)."""
    if key is None:
        return batch
    return batch.replace_schema_metadata({**(batch.schema.metadata or {}), KEY: key.encode()})


def key_of(batch: pa.RecordBatch) -> str | None:
    value = (batch.schema.metadata or {}).get(KEY)
    return value.decode() if value is not None else None


def doc_id(record: dict[str, Any], storage: MarkdownKvSpec, key: str | None = None) -> str:
    """The document's id: the doc_id_field's value, else the source table's primary key's (`key`), else the
    first of dativo-ingest's id fields with a value; a record with none is a RecordError, never "unknown"."""
    fields = (storage.doc_id_field,) if storage.doc_id_field else (key,) if key else UPSTREAM_ID_FIELDS
    for name in fields:
        value = record.get(name)
        if value is not None and value != "":
            return str(value)
    if key and not storage.doc_id_field:
        raise RecordError(f"a record has no value in its table's primary key {key!r}; nothing was committed")
    if storage.doc_id_field:
        raise RecordError(
            f"a record has no value in field {storage.doc_id_field!r} (target.markdown_kv_storage.doc_id_field), "
            "which names its Markdown-KV document; nothing was committed"
        )
    raise RecordError(
        f"a record has none of the fields its Markdown-KV document id is taken from ({', '.join(UPSTREAM_ID_FIELDS)}); "
        "set target.markdown_kv_storage.doc_id_field to the field that names each document; nothing was committed"
    )


def _scalar(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


@lru_cache(maxsize=4096)  # a batch's records share their keys
def _check_key(key: str) -> None:
    if "\n" in key or "\r" in key or not _KV.match(f"{key}:: x") or key.strip() != key or _HEADING.match(key):
        raise RecordError(
            f"field {key!r} cannot be a Markdown-KV key (a key has no ':', no line break, no leading '#' "
            "heading mark and no surrounding spaces)"
        )


def to_text(record: dict[str, Any]) -> str:
    """The record as compact Markdown-KV text."""
    front, sections = document(record)
    lines: list[str] = []
    if front:
        lines.extend(["---", *(f"{k}: {_yaml_scalar(v)}" for k, v in front.items()), "---", ""])
    for key, value in sections[0][2] if sections else []:
        first, *rest = value.split("\n")
        lines.append(f"{key}:: {first}" if first else f"{key}::")
        lines.extend(INDENT + r for r in rest)
    return "\n".join(lines)


Document = tuple[dict[str, Any], list[tuple[str, int, list[tuple[str, str]]]]]


def document(record: dict[str, Any]) -> Document:
    """What `parse(to_text(record))` gives, without the text: the front matter and the one `_default`
    section of (key, value) lines (tests/test_markdown_kv.py holds the two equal)."""
    front = {k: _front_value(record[k]) for k in sorted(FRONT_KEYS) if record.get(k) is not None}
    kvs: list[tuple[str, str]] = []
    for key, value in record.items():
        if key in front:
            continue
        _check_key(key)
        kvs.append((key, _scalar(value).replace("\r\n", "\n").replace("\r", "\n")))
    return front, ([(DEFAULT_SECTION, 0, kvs)] if kvs else [])


def _front_value(v: Any) -> Any:
    """A value YAML reads back as itself: a string, number or boolean; anything else as its text."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v if isinstance(v, (str, int, float, bool)) else _scalar(v)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_ .,/()-]*")
_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _yaml_scalar(v: Any) -> str:
    """One front matter value as YAML: plain when that reads back as the same string, else double-quoted
    with escapes (a fast writer of the few scalars a front matter holds; ruamel reads them back)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if _PLAIN.fullmatch(v) and not v.endswith(" ") and v.lower() not in _WORDS:
        return str(v)
    out = []
    for c in v:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        else:
            n = ord(c)
            out.append(f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}")
    return '"' + "".join(out) + '"'


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        return {}, text
    from ruamel.yaml import YAML

    loaded = YAML(typ="safe", pure=True).load(StringIO(text[4:end]))
    return (loaded if isinstance(loaded, dict) else {}), text[end + 5 :]


def parse(text: str) -> Document:
    """Markdown-KV text: its front matter and its sections (name, heading level, [(key, value)])."""
    front, body = _front_matter(text)
    sections: list[tuple[str, int, list[tuple[str, str]]]] = [(DEFAULT_SECTION, 0, [])]
    for line in body.split("\n"):
        kvs = sections[-1][2]
        if kvs and line.startswith(INDENT):
            kvs[-1] = (kvs[-1][0], kvs[-1][1] + "\n" + line[len(INDENT) :])
        elif m := _HEADING.match(line):
            sections.append((m.group(2).strip(), len(m.group(1)), []))
        elif m := _KV.match(line):
            kvs.append((m.group(1), m.group(2) or ""))
    return front, [s for s in sections if s[2] or s[0] != DEFAULT_SECTION]


_JSON_STARTS = set('{["-0123456789tfn')


def _json(value: str) -> str | None:
    """The value when it is JSON (not Python's NaN and Infinity, which JSON has not: dativo-ingest keeps them)."""
    if value.lstrip(" \t\n\r")[:1] not in _JSON_STARTS:  # most text is not JSON: no exception raised for it
        return None
    try:
        json.loads(value, parse_constant=_not_json)
    except ValueError:
        return None
    return value


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _front_items(front: dict[str, Any], skip: Iterable[str] = ()) -> list[dict[str, Any]]:
    return [
        {"key": str(k), "value": str(v), "value_json": json.dumps(v) if isinstance(v, (dict, list)) else None}
        for k, v in front.items()
        if k not in skip
    ]


def kv_items(parsed: Document) -> list[tuple[str, str, str, str | None]]:
    """One document's `row_per_kv` rows in order (their `ord`): (section, key, value, value_json)."""
    front, sections = parsed
    items = [(FRONT_MATTER, kv["key"], kv["value"], kv["value_json"]) for kv in _front_items(front)]
    for name, _, kvs in sections:
        items.extend((name, k, v, _json(v)) for k, v in kvs)
    return items


def document_level(parsed: Document, text: str, doc: str, at: datetime) -> dict[str, Any]:
    front, sections = parsed
    out: list[dict[str, Any]] = []
    fm = _front_items(front, skip=("title",))
    if fm:
        out.append({"section": FRONT_MATTER, "level": 0, "kv": [{**kv, "ord": i} for i, kv in enumerate(fm)]})
    for name, level, kvs in sections:
        if kvs:
            kv = [{"key": k, "value": v, "value_json": _json(v), "ord": i} for i, (k, v) in enumerate(kvs)]
            out.append({"section": name, "level": level, "kv": kv})
    title = str(front["title"]) if front.get("title") is not None else None
    if title is None and sections and sections[0][0] != DEFAULT_SECTION:
        title = sections[0][0]
    return {"doc_id": doc, "title": title or doc, SECTIONS: out, "raw_md": text, "extracted_at": at}


def transform(batch: pa.RecordBatch, storage: MarkdownKvSpec, at: datetime) -> pa.RecordBatch:
    """The rows the storage writes for a batch of source records (RecordError for a record it cannot)."""
    import pyarrow as pa

    kind, key = shape(storage), key_of(batch)
    if kind == "row_per_kv":
        return _row_per_kv(batch.to_pylist(), storage, key, at)
    rows: list[dict[str, Any]] = []
    for record in batch.to_pylist():
        doc = doc_id(record, storage, key)
        if kind == "string":
            rows.append({"doc_id": doc, "markdown_kv_content": to_text(record)})
        else:
            rows.append(document_level(document(record), to_text(record), doc, at))
    return pa.RecordBatch.from_pylist(rows, schema=arrow_schema(kind))


def _row_per_kv(records: list[dict[str, Any]], storage: MarkdownKvSpec, key: str | None, at: datetime) -> Any:
    """The parse of each record's text (document(), without writing and reading it), column by column."""
    import pyarrow as pa

    docs: list[str] = []
    sections: list[str] = []
    keys: list[str] = []
    values: list[str] = []
    jsons: list[str | None] = []
    ords: list[int] = []
    for record in records:
        doc = doc_id(record, storage, key)
        items = kv_items(document(record))
        docs.extend([doc] * len(items))
        ords.extend(range(len(items)))
        for section, k, v, j in items:
            sections.append(section)
            keys.append(k)
            values.append(v)
            jsons.append(j)
    schema = arrow_schema("row_per_kv")
    columns = [docs, sections, keys, values, jsons, ords, [at] * len(docs)]
    return pa.RecordBatch.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)
