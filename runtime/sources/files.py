"""Native file source: csv, jsonl and parquet files (paths and globs), read in batches
so memory stays bounded whatever the file size. Incremental by `file_modified_time`:
a file is read again only when its size or modification time changed."""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..paths import PathMap
from ..spec import JobSpec
from . import Batch, SourceError, read_columns

# pyarrow's streaming CSV reader reads blocks ahead of the consumer without a bound we can set: with 16 MB
# blocks a 190 MB file peaked 150 MB above a 45 MB one; with 1 MB blocks the peak no longer grows with the file
BLOCK_BYTES = 1 << 20
JSONL_ROWS = 65536
FORMATS = ("csv", "jsonl", "parquet")


class FileSource:
    def __init__(self, spec: JobSpec, paths: PathMap, state: dict[str, Any]):
        self.spec, self.paths = spec, paths
        self.columns = read_columns(spec)
        self.options = spec.source.engine_options
        self.incremental = (
            spec.source.incremental is not None and spec.source.incremental.strategy == "file_modified_time"
        )
        self.seen: dict[str, Any] = dict(state.get("files", {}))
        self.files = self._plan()

    def _plan(self) -> list[tuple[str, Path, str, dict[str, int]]]:
        out = []
        for f in self.spec.source.files:
            pattern = str(self.paths.data(f.path))
            matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(f.path) else [pattern]
            if not matches and glob.has_magic(f.path):
                continue
            for m in matches:
                p = Path(m)
                if not p.is_file():
                    raise SourceError(f"source file {self._rel(p)} not found")
                st = p.stat()
                stamp = {"mtime_ns": st.st_mtime_ns, "size": st.st_size}
                rel = self._rel(p)
                if self.incremental and self.seen.get(rel) == stamp:
                    continue
                out.append((rel, p, _format(f.file_format, p, self.spec.source.type), stamp))
        return out

    def _rel(self, p: Path) -> str:
        try:
            return p.resolve().relative_to(self.paths.root.resolve()).as_posix()
        except ValueError:  # a runtime mount: named as the config names it
            return p.as_posix()

    def describe(self) -> dict[str, Any]:
        return {"files_selected": len(self.files), "bytes_selected": sum(s["size"] for *_, s in self.files)}

    def next_state(self) -> dict[str, Any]:
        seen = dict(self.seen)
        for rel, _, _, stamp in self.files:
            seen[rel] = stamp
        return {"files": dict(sorted(seen.items()))} if self.incremental else {}

    def batches(self) -> Iterator[Batch]:
        for rel, path, fmt, _ in self.files:
            reader = {"csv": self._csv, "jsonl": self._jsonl, "parquet": self._parquet}[fmt]
            offset = 0
            try:
                for rb in reader(path):
                    yield Batch(rb, rel, offset)
                    offset += rb.num_rows
            except (pa.ArrowInvalid, OSError, UnicodeDecodeError, ValueError) as e:
                raise SourceError(f"cannot read {rel} as {fmt}: {_short(e)}") from None

    def _csv(self, path: Path) -> Iterator[pa.RecordBatch]:
        from pyarrow import csv

        header = self.options.get("header", True)
        read = csv.ReadOptions(
            block_size=BLOCK_BYTES,
            encoding=self.options.get("encoding", "utf-8"),
            column_names=None if header or self.columns is None else self.columns,
            autogenerate_column_names=not header and self.columns is None,
        )
        parse = csv.ParseOptions(delimiter=self.options.get("delimiter", ","))
        columns = self.columns if self.columns is not None else _csv_names(path, read, parse)
        # every column as text: the validator converts, so one bad value fails one row, not the file
        convert = csv.ConvertOptions(
            column_types={c: pa.string() for c in columns},
            include_columns=columns,
            include_missing_columns=True,
            strings_can_be_null=True,
            null_values=[""],
        )
        with csv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            yield from reader

    def _jsonl(self, path: Path) -> Iterator[pa.RecordBatch]:
        if self.columns is None:  # every key of each object (markdown_kv_storage)
            yield from _jsonl_records(path, self.options.get("encoding", "utf-8"))
            return
        rows: dict[str, list] = {c: [] for c in self.columns}
        count = 0
        for obj in _json_objects(path, self.options.get("encoding", "utf-8")):
            for c in self.columns:
                rows[c].append(_text(obj.get(c)))
            count += 1
            if count == JSONL_ROWS:
                yield pa.RecordBatch.from_pydict(rows, schema=pa.schema([(c, pa.string()) for c in self.columns]))
                rows, count = {c: [] for c in self.columns}, 0
        if count:
            yield pa.RecordBatch.from_pydict(rows, schema=pa.schema([(c, pa.string()) for c in self.columns]))

    def _parquet(self, path: Path) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        cols = None if self.columns is None else [c for c in self.columns if c in pf.schema_arrow.names]
        yield from pf.iter_batches(batch_size=65536, columns=cols)


def _csv_names(path: Path, read: Any, parse: Any) -> list[str]:
    """The header's column names (markdown_kv_storage reads every column, each as text)."""
    from pyarrow import csv

    with csv.open_csv(path, read_options=read, parse_options=parse) as reader:
        return list(reader.schema.names)


def _jsonl_records(path: Path, encoding: str) -> Iterator[pa.RecordBatch]:
    """Every key of each JSON object, each value as text, in batches of JSONL_ROWS records."""
    from .records import Rows

    rows = Rows(None, JSONL_ROWS)
    for obj in _json_objects(path, encoding):
        if (rb := rows.add(obj)) is not None:
            yield rb
    if (rb := rows.flush()) is not None:
        yield rb


def _json_objects(path: Path, encoding: str) -> Iterator[dict[str, Any]]:
    """The JSON object of each non-blank line; a line that is not one is a SourceError naming it."""
    with path.open("r", encoding=encoding) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                raise SourceError(f"line {lineno} is not valid JSON") from None
            if not isinstance(obj, dict):
                raise SourceError(f"line {lineno} is not a JSON object")
            yield obj


def _text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, sort_keys=True)


def _format(declared: str | None, path: Path, source_type: str) -> str:
    fmt = (declared or "").lower() or {
        ".csv": "csv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".json": "jsonl",
        ".parquet": "parquet",
        ".pq": "parquet",
    }.get(path.suffix.lower(), source_type)
    fmt = {"json": "jsonl", "ndjson": "jsonl"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise SourceError(f"file format {fmt!r} of {path.name} is not read by the native engine ({', '.join(FORMATS)})")
    return fmt


def _short(e: Exception) -> str:
    """The first line of a reader error, without the row text Arrow appends (it may hold values)."""
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    text = re.sub(r"(got \d+)\s*:.*$", r"\1", text)
    return text[:200]
