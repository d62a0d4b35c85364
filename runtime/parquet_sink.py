"""The Parquet sink: files on S3-compatible storage (pyarrow's S3 filesystem), committed once per run key.

Layout below the table's location L = `<bucket>/<prefix>/<domain>/<dataProduct>/<table>` (s3settings.py):

- `L/_dativo/staging/<run>/part-00000.parquet`: the files of an attempt in progress. Readers skip
  `_`-prefixed folders (pyarrow datasets, Spark, Hive, Trino), so an attempt that fails half way
  leaves nothing visible; the next attempt of the run clears its staging folder first.
- `L/[<col>=<value>/...]<run>-c<seq>-part-00000.parquet`: committed files (in Hive-style partition
  folders when the target has `partitioning`, hive.py), moved out of staging at commit. Named by the
  run key and the commit's `seq`, so a commit retried after a crash overwrites the same names (files of
  the run that no marker covers are deleted first), and a `--resume-policy restart` adds a new commit.
- `L/_dativo/commits/<job>/<seq>--<run>.json`: the commit marker, written last (the files, rows,
  bytes, run id and the job's incremental state). A run key with a marker is committed; the job's
  marker with the highest `seq` holds its latest incremental state.

`<run>` and `<job>` are slugs (paths.slug) of the run key and the job id. A crash between the moves
and the marker leaves the moved files visible without a marker until the run id is retried (the retry
writes the same names again and then the marker); docs/runtime.md#s3-and-minio-targets.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from .destination import ConfigError
from .errors import RunError
from .hive import split
from .paths import slug
from .s3settings import S3Settings
from .sink import SinkError, Written

STAGING, COMMITS = "_dativo/staging", "_dativo/commits"
ROW_GROUP_MAX_BYTES = 32 * 1024 * 1024  # in-memory batches gathered into one row group, at most
#: how pyarrow's S3 errors name a refusal of the credentials (not a network error: those are retried)
_DENIED = ("ACCESS_DENIED", "INVALID_ACCESS_KEY_ID", "SIGNATURE_DOES_NOT_MATCH", "AccessDenied", "HTTP status 403")


@dataclass(frozen=True)
class Commit:
    """One commit marker: `seq` orders a job's commits; `name` is its file name."""

    seq: int
    run: str
    name: str


def filesystem(s: S3Settings) -> pafs.S3FileSystem:
    return pafs.S3FileSystem(
        access_key=s.access_key,
        secret_key=s.secret_key,
        session_token=s.session_token,
        region=s.region,
        scheme=s.scheme,
        endpoint_override=s.endpoint,
        force_virtual_addressing=s.path_style is False,
        connect_timeout=10,
        request_timeout=60,
    )


def storage_error(e: OSError, s: S3Settings, doing: str) -> Exception:
    """A pyarrow S3 error as this runtime reports it: refused credentials are a ConfigError (not retried)."""
    where = f"bucket {s.bucket!r} at {s.endpoint or 'AWS S3'}"
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if any(mark in text for mark in _DENIED):
        hint = (
            "check target.connection access_key_id / secret_access_key (or the AWS credential chain) "
            "and the key's permissions on the bucket"
        )
        return ConfigError(f"S3 refused the credentials while {doing} ({where}): {text}; {hint}", hint)
    return SinkError(f"S3 storage failed while {doing} ({where}): {text}")


class Table:
    """The table's location on S3: its commit markers, and writers that stage and commit one run."""

    def __init__(self, settings: S3Settings, location: str, job: str):
        self.s, self.location, self.job = settings, location, slug(job)
        self.fs = filesystem(settings)
        self.commits_dir = f"{location}/{COMMITS}/{self.job}"

    def call(self, doing: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OSError as e:
            raise storage_error(e, self.s, doing) from None

    def check_bucket(self) -> None:
        """The bucket exists and the credentials reach it; it is never created here."""
        info = self.call("checking the bucket", self.fs.get_file_info, self.s.bucket)
        if info.type == pafs.FileType.NotFound:
            hint = "create it (dativo never creates buckets), or fix target.connection.bucket"
            raise ConfigError(f"bucket {self.s.bucket!r} does not exist at {self.s.endpoint or 'AWS S3'}; {hint}", hint)

    def commits(self) -> list[Commit]:
        """This job's commit markers, oldest first."""
        sel = pafs.FileSelector(self.commits_dir, allow_not_found=True)
        out = []
        for info in self.call("listing commit markers", self.fs.get_file_info, sel):
            name = info.base_name
            seq, sep, rest = name.partition("--")
            if info.type == pafs.FileType.File and sep and seq.isdigit() and rest.endswith(".json"):
                out.append(Commit(int(seq), rest[: -len(".json")], name))
        return sorted(out, key=lambda c: c.seq)

    def read(self, commit: Commit) -> dict[str, Any]:
        path = f"{self.commits_dir}/{commit.name}"
        with self.call("reading a commit marker", self.fs.open_input_stream, path) as f:
            data = f.read()
        try:
            out = json.loads(data)
        except ValueError:
            out = None
        if not isinstance(out, dict) or not isinstance(out.get("state", {}), dict):
            raise RunError(  # fail closed, never a fresh start: a lost state reads every file again
                "state.corrupt",
                f"commit marker s3://{path} is not a dativo commit marker (not a JSON object with a 'state')",
                path=f"s3://{path}",
                hint="restore it from the bucket's versions, or delete it if its run's files are deleted too",
            )
        return out

    def writer(self, run_key: str, schema: pa.Schema, target_mb: int, partitioning: list[str]) -> Writer:
        return Writer(self, slug(run_key), schema, target_mb * 1024 * 1024, partitioning)


class _Part:
    """One open Parquet file of one partition folder (staged), filled row group by row group."""

    def __init__(self, t: Table, path: str, schema: pa.Schema):
        self.path, self.rows = path, 0
        self.stream = t.call("writing a Parquet file", t.fs.open_output_stream, path)
        self.pq = pq.ParquetWriter(self.stream, schema, compression="snappy")


class Writer:
    """Stages validated batches as Parquet files of about `target_bytes` each, per partition folder
    (hive.py); `commit` publishes them."""

    def __init__(self, table: Table, run: str, schema: pa.Schema, target_bytes: int, partitioning: list[str]):
        self.t, self.run, self.schema, self.target_bytes = table, run, schema, target_bytes
        self.partitioning = partitioning
        self.staging = f"{table.location}/{STAGING}/{run}"
        self.row_group_bytes = max(1, min(target_bytes // 4, ROW_GROUP_MAX_BYTES))
        self.pending: dict[str, list[pa.RecordBatch]] = {}
        self.open: dict[str, _Part] = {}
        self.parts: list[tuple[str, str, int, int]] = []  # (folder, staged path, rows, bytes)
        table.call("clearing the staging folder", table.fs.delete_dir_contents, self.staging, missing_dir_ok=True)

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        for folder, rows in split(batch, self.partitioning):
            pending = self.pending.setdefault(folder, [])
            pending.append(rows)
            if sum(b.nbytes for b in pending) >= self.row_group_bytes:
                self._write_row_group(folder)

    def _write_row_group(self, folder: str) -> None:
        batches = self.pending.pop(folder, [])
        if not batches:
            return
        data = pa.Table.from_batches(batches, schema=self.schema)
        # row groups of about row_group_bytes (in memory): a file overshoots its target by one at most
        step = max(1, data.num_rows * self.row_group_bytes // max(data.nbytes, 1))
        for start in range(0, data.num_rows, step):
            self._write(folder, data.slice(start, step))

    def _write(self, folder: str, data: pa.Table) -> None:
        part = self.open.get(folder)
        if part is None:
            name = f"part-{len(self.parts):05d}.parquet"
            part = self.open[folder] = _Part(
                self.t, "/".join(p for p in (self.staging, folder, name) if p), self.schema
            )
            self.parts.append((folder, part.path, 0, 0))
        self.t.call("writing a Parquet file", part.pq.write_table, data)
        part.rows += data.num_rows
        if part.stream.tell() >= self.target_bytes:  # roll: the next row group starts the next file
            self._close(folder)

    def _close(self, folder: str) -> None:
        part = self.open.pop(folder)
        self.t.call("writing a Parquet file", part.pq.close)
        size = part.stream.tell()
        self.t.call("writing a Parquet file", part.stream.close)
        i = next(i for i, p in enumerate(self.parts) if p[1] == part.path)
        self.parts[i] = (folder, part.path, part.rows, size)

    def abort(self) -> None:
        """Best effort after a failed attempt: close and drop the staged files (the next attempt clears them too)."""
        for part in self.open.values():
            with contextlib.suppress(Exception):
                part.pq.close()  # a complete file of the rows so far, into staging (deleted next)
            with contextlib.suppress(Exception):
                part.stream.close()
        with contextlib.suppress(Exception):
            self.t.fs.delete_dir(self.staging)

    def commit(self, meta: dict[str, Any], state: dict[str, Any]) -> tuple[Written, str]:
        """Publish the staged files, then the marker (last). Returns what was written and the marker's path."""
        for folder in list(self.pending):
            self._write_row_group(folder)
        for folder in list(self.open):
            self._close(folder)
        t = self.t
        commits = t.commits()
        # a crashed commit of this run (files moved, no marker) had this seq too: its names are rewritten
        seq = max((c.seq for c in commits), default=0) + 1
        name = f"{self.run}-c{seq}"
        final = [
            "/".join(p for p in (t.location, folder, f"{name}-part-{i:05d}.parquet") if p)
            for i, (folder, *_) in enumerate(self.parts)
        ]
        self._drop_uncommitted({c.seq for c in commits if c.run == self.run}, set(final))
        for (_, staged, _, _), dest in zip(self.parts, final):
            t.call("publishing a Parquet file", t.fs.move, staged, dest)
        marker = f"{t.commits_dir}/{seq:010d}--{self.run}.json"
        rows, size = sum(p[2] for p in self.parts), sum(p[3] for p in self.parts)
        body = {
            **meta,
            "seq": seq,
            "committed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": [{"path": f"s3://{d}", "rows": p[2], "bytes": p[3]} for p, d in zip(self.parts, final)],
            "rows": rows,
            "bytes": size,
            "state": state,
        }
        with t.call("writing the commit marker", t.fs.open_output_stream, marker) as out:
            out.write(json.dumps(body, sort_keys=True, indent=1).encode())
        with contextlib.suppress(OSError):  # an empty folder marker S3 leaves behind; harmless if it stays
            t.fs.delete_dir(self.staging)
        return Written(rows, len(self.parts), size, None), marker

    def _drop_uncommitted(self, committed: set[int], keep: set[str]) -> None:
        """Files of this run that no marker of it covers (a commit that crashed before its marker), except
        those this commit rewrites: without this a retry after such a crash would show them twice."""
        t = self.t
        sel = pafs.FileSelector(t.location, allow_not_found=True, recursive=True)
        inside = f"{t.location}/_dativo/"
        for info in t.call("listing the table's files", t.fs.get_file_info, sel):
            seq, sep, _ = info.base_name.removeprefix(f"{self.run}-c").partition("-part-")
            mine = info.base_name.startswith(f"{self.run}-c") and sep and seq.isdigit()
            if mine and int(seq) not in committed and info.path not in keep and not info.path.startswith(inside):
                t.call("deleting an uncommitted Parquet file", t.fs.delete_file, info.path)
