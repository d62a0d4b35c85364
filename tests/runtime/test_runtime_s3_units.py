"""The pieces of the S3/MinIO Parquet target: reading its settings (s3settings.py), the rule of what
it writes (destination.py, shared with DTV220/DTV229), partition folder names (hive.py), and the commit
protocol's recovery from a crash between publishing the files and writing the marker (parquet_sink.py)."""

from __future__ import annotations

import datetime
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from conftest import S3Server

from dativo.compiler import codes
from dativo.runtime import destination
from dativo.runtime.hive import split
from dativo.runtime.parquet_sink import Table
from dativo.runtime.s3settings import S3Settings, SettingsError, resolve

ENV = {"KEY": "AKIA", "SECRET": "s3cr3t-value", "BUCKET": "lake"}


def test_flat_and_nested_connections_read_alike_with_upstream_aliases() -> None:
    flat = resolve(
        {"bucket": "${BUCKET}", "prefix": "/raw/x/", "endpoint": "http://minio:9000/", "access_key_id": "${KEY}",
         "secret_access_key": "${SECRET}", "path_style_access": True},
        ENV,
    )  # fmt: skip
    nested = resolve(
        {"s3": {"bucket": "lake", "prefix": "raw/x", "endpoint": "minio:9000", "access_key": "${KEY}",
                "secret_key": "${SECRET}", "path_style_access": "true", "secure": False}},
        ENV,
    )  # fmt: skip
    assert flat == nested == S3Settings("lake", "raw/x", "minio:9000", "http", None, "AKIA", "s3cr3t-value", None, True)


@pytest.mark.parametrize(
    ("connection", "key", "fragment"),
    [
        ({"bucket": "a", "storage_class": "GLACIER"}, "storage_class", "is not read"),
        ({"bucket": "a", "s3": {"bucket": "b"}}, "s3.bucket", "say two things"),
        ({"endpoint": "x"}, "bucket", "names no bucket"),
        ({"bucket": "${EMPTY:-}"}, "bucket", "names no bucket"),
        ({"bucket": "${UNSET_BUCKET_VAR}"}, "bucket", "UNSET_BUCKET_VAR is not set"),
        ({"bucket": "a", "access_key_id": "k"}, "access_key_id", "only one of"),
        ({"bucket": "a", "secure": "maybe"}, "secure", "not true or false"),
        ({"bucket": "a", "secure": True, "endpoint": "http://x"}, "secure", "contradicts"),
    ],
)
def test_settings_that_cannot_be_read_are_errors_naming_the_key(connection: dict, key: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as e:
        resolve(connection, ENV)
    assert e.value.key == key and fragment in str(e.value) and e.value.hint


def test_endpoint_scheme_defaults_to_https_and_secure_false_is_http() -> None:
    aws = resolve({"bucket": "a", "endpoint": "s3.amazonaws.com", "region": "eu-west-1"}, {})
    assert (aws.scheme, aws.endpoint) == ("https", None)  # AWS: the region's own endpoint, not the global one
    assert resolve({"bucket": "a", "endpoint": "https://s3.example.net"}, {}).endpoint == "s3.example.net"
    assert resolve({"bucket": "a", "endpoint": "minio:9000", "secure": "false"}, {}).scheme == "http"
    assert resolve({"bucket": "a"}, {}).endpoint is None  # AWS, the region and credentials from its chain


def test_what_a_target_writes_and_what_is_refused() -> None:
    assert destination.writes("s3", None) == destination.writes("minio", None) == "parquet"
    assert destination.writes("minio", "lake") == destination.writes("iceberg", None) == "iceberg"
    # dativo-ingest's iceberg target without target.catalog: Parquet files in its s3/minio block's bucket
    upstream = {"nessie": {"uri": "http://nessie:19120/api/v1"}, "s3": {"bucket": "lake", "prefix": "raw"}}
    assert destination.writes("iceberg", None, upstream) == "parquet"
    assert destination.writes("iceberg", None, {"minio": {"bucket": "${BUCKET}"}}) == "parquet"
    assert destination.problems("iceberg", upstream) == []  # nessie.* is not read (the compiler warns, DTV245)
    # with target.catalog, or a catalog connection of ours, or no bucket in the block: an Iceberg table
    assert destination.writes("iceberg", "nessie", upstream) == "iceberg"
    assert destination.writes("iceberg", None, {**upstream, "catalog_type": "rest", "uri": "http://x"}) == "iceberg"
    assert destination.writes("iceberg", None, {"s3": {"endpoint": "x"}, "bucket": "flat"}) == "iceberg"
    assert [p.key for p in destination.problems("iceberg", upstream, catalog="nessie")] == ["connection.nessie.uri"]
    assert [p.key for p in destination.problems("iceberg", upstream, merge=True)] == ["asset.mode"]
    ours = {"catalog_type": "rest", "uri": "http://x", "s3": {"bucket": "lake", "prefix": "raw"}}
    found = destination.problems("iceberg", ours)  # an Iceberg table meant: its bucket is not a Parquet target
    assert [p.key for p in found] == ["connection.s3.bucket", "connection.s3.prefix"]
    assert "leave out target.catalog and the catalog connection" in found[0].hint
    conn = {"bucket": "a"}
    assert destination.problems("minio", conn) == []
    assert [p.key for p in destination.problems("minio", conn, catalog="lake")] == ["catalog"]
    assert [p.key for p in destination.problems("s3", conn, merge=True)] == ["asset.mode"]
    assert [p.key for p in destination.problems("bigquery", {})] == ["type"]
    assert destination.missing_bucket("s3", {"endpoint": "x"}) and not destination.missing_bucket("s3", conn)
    assert not destination.missing_bucket("s3", {}, catalog="lake")  # an Iceberg target: DTV220 says why


def test_dtv220_renders_the_runtime_s_message_from_its_fields() -> None:
    for p in destination.problems("minio", {"bucket": "a", "nessie": {"uri": "x"}}, catalog="lake"):
        fields = {"setting": p.setting, "reason": p.reason, "exit": 2, "fix": p.fix}
        assert codes.TARGET_NOT_WRITTEN.render(**fields) == (p.message, p.hint)


def test_partition_folders_are_named_as_upstream_names_them() -> None:
    batch = pa.record_batch(
        {
            "Event-Day": pa.array([datetime.date(2025, 1, 2), None, datetime.date(2025, 1, 2)]),
            "at": pa.array([datetime.datetime(2025, 1, 2, 23, 59)] * 3, pa.timestamp("us", "UTC")),
            "Region": ["EU West!", "us", "EU West!"],
            "n": [1, 2, 1],
        }
    )
    got = {k: r.num_rows for k, r in split(batch, ["Event-Day", "at", "Region", "n"])}
    assert got == {
        "event_day=2025-01-02/at=2025-01-02/region=eu_west_/n=1": 2,
        "event_day=unknown/at=2025-01-02/region=us/n=2": 1,
    }
    assert [k for k, _ in split(batch, [])] == [""]


class _MarkerFails:
    """The S3 filesystem, but the commit marker's write fails: a crash after the files were published."""

    def __init__(self, fs: Any):
        self.fs = fs

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fs, name)

    def open_output_stream(self, path: str, *a: Any, **kw: Any) -> Any:
        if "/_dativo/commits/" in path:
            raise OSError("connection reset while writing the marker")
        return self.fs.open_output_stream(path, *a, **kw)


def _settings(server: S3Server, bucket: str) -> S3Settings:
    host = server.endpoint
    return S3Settings(bucket, "", host, "http", "us-east-1", server.access_key, server.secret_key, None, None)


def _write(table: Table, rows: int, keys: list[str]) -> Any:
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("k", pa.string())])
    w = table.writer("sched#run-1", schema, 1, ["k"])
    w.add(pa.record_batch({"id": list(range(rows)), "k": [keys[i % len(keys)] for i in range(rows)]}, schema=schema))
    return w


def test_a_commit_that_crashed_before_its_marker_is_rewritten_once_by_the_retry(s3_server: S3Server) -> None:
    bucket = s3_server.bucket("crash-before-marker")
    table = Table(_settings(s3_server, bucket), f"{bucket}/d/p/t", "jobs/t1/t.yaml")
    table.fs = _MarkerFails(table.fs)  # type: ignore[assignment]
    with pytest.raises(Exception, match="S3 storage failed while writing the commit marker"):
        _write(table, 900, ["a", "b", "c"]).commit({"run_id": "run-1"}, {})
    seen = ds.dataset(f"{bucket}/d/p/t", filesystem=table.fs.fs, format="parquet").to_table()
    assert seen.num_rows == 900 and table.commits() == []  # published, not committed: the crash window
    table.fs = table.fs.fs
    written, marker = _write(table, 400, ["a", "b"]).commit({"run_id": "run-1"}, {})  # the retry reads less
    seen = ds.dataset(f"{bucket}/d/p/t", filesystem=table.fs, format="parquet").to_table()
    assert seen.num_rows == written.rows == 400  # the crashed commit's k=c file is gone, nothing twice
    assert sorted(set(seen.column("k").to_pylist())) == ["a", "b"]
    assert [c.run for c in table.commits()] == [marker.rsplit("--", 1)[1].removesuffix(".json")]


def test_an_unreadable_commit_marker_stops_the_run_never_a_fresh_start(s3_server: S3Server) -> None:
    from dativo.runtime.errors import RunError

    bucket = s3_server.bucket("corrupt-marker")
    table = Table(_settings(s3_server, bucket), f"{bucket}/d/p/t", "jobs/t1/t.yaml")
    with table.fs.open_output_stream(f"{table.commits_dir}/0000000001--sched_run-1.json") as out:
        out.write(b"{not json")
    (commit,) = table.commits()
    with pytest.raises(RunError) as e:
        table.read(commit)
    assert e.value.event == "state.corrupt" and "0000000001--sched_run-1.json" in e.value.message


def test_a_settings_problem_names_its_key_once() -> None:
    """DTV220 and `dativo run` say what is wrong with the key, not the key twice."""
    (two,) = destination.problems("s3", {"bucket": "a", "s3": {"bucket": "b"}})
    assert two.message == (
        "target.connection.s3.bucket and target.connection.bucket say two things; dativo run exits 2 on this job"
    )
    (unread,) = destination.problems("s3", {"bucket": "a", "acl": "private"})
    assert unread.message.startswith("target.connection.acl is not read by this runtime's Parquet writer;")
