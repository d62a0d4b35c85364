"""Unit tests of the runtime's pure parts: path mapping, run ids, retry delays, state
transitions, redaction, validation and lock staleness."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dativo.runtime.locks import HOST, LockManager, is_stale
from dativo.runtime.logs import MASK, Logger, Redactor
from dativo.runtime.paths import PathMap, root_from_plan, slug
from dativo.runtime.plan_run import nominal_fire_time, scheduled_run_id
from dativo.runtime.retry import delay, retryable
from dativo.runtime.spec import ColumnSpec, RetrySpec
from dativo.runtime.state import IllegalTransition, StateStore


def test_root_from_plan_strips_the_out_dir(tmp_path: Path) -> None:
    plan = tmp_path / "proj" / "generated" / "plan.json"
    assert root_from_plan(plan, "/app/generated/plan.json", "/app") == (tmp_path / "proj").resolve()
    deep = tmp_path / "proj" / "build" / "out" / "plan.json"
    assert root_from_plan(deep, "/srv/p/build/out/plan.json", "/srv/p") == (tmp_path / "proj").resolve()


def test_path_map_maps_deployment_paths_and_uris(tmp_path: Path) -> None:
    pm = PathMap(tmp_path, "/app", "/app")
    assert pm.local("/app/state/x") == str(tmp_path / "state" / "x")
    assert pm.local("/elsewhere/x") == "/elsewhere/x"
    assert pm.uri("file:///app/state/warehouse/acme/") == f"file://{tmp_path}/state/warehouse/acme/"
    assert pm.uri("sqlite:////app/state/catalog/acme.db") == f"sqlite:///{tmp_path}/state/catalog/acme.db"
    assert pm.uri("s3://lake/acme/") == "s3://lake/acme/"
    assert pm.uri("postgresql://u@h/db") == "postgresql://u@h/db"


def test_nominal_fire_time_is_the_latest_slot_at_or_before_now() -> None:
    now = datetime(2026, 11, 23, 11, 37, 12, tzinfo=UTC)
    assert nominal_fire_time(["0 * * * *"], "UTC", now) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    on_slot = datetime(2026, 11, 23, 11, 0, 30, tzinfo=UTC)
    assert nominal_fire_time(["0 * * * *"], "UTC", on_slot) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    # 06:30 Berlin (UTC+1 in November) is 05:30 UTC
    assert nominal_fire_time(["30 6 * * *"], "Europe/Berlin", now) == datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
    # several lines: the latest of them
    assert nominal_fire_time(["0 9 * * *", "15 11 * * *"], "UTC", now).hour == 11
    assert scheduled_run_id(datetime(2026, 11, 23, 11, 0, tzinfo=UTC)) == "scheduled__2026-11-23T11:00:00+00:00"


@given(st.integers(1, 20))
def test_retry_delay_is_exponential_and_capped(n: int) -> None:
    policy = RetrySpec(initial_delay_seconds=5, max_delay_seconds=300, backoff_multiplier=2.0)
    assert delay(policy, n) == min(5 * 2 ** (n - 1), 300)


def test_retryable_needs_the_code_and_a_matching_pattern_when_given() -> None:
    p = RetrySpec(retryable_exit_codes=[2])
    assert retryable(p, 2, "x") and not retryable(p, 1, "x") and not retryable(p, 0, None)
    p = RetrySpec(retryable_exit_codes=[2], retryable_error_patterns=["Connection(Error|Reset)", "Rate limit"])
    assert retryable(p, 2, "OSError: ConnectionReset by peer") and not retryable(p, 2, "schema differs")


def test_state_transitions_follow_seed_003(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    s = store.job_state("acme", "acme.x", "r1")
    s.move("started")
    with pytest.raises(IllegalTransition):
        s.move("committed")
    s.move("running")
    s.move("committed", result={"ok": 1})
    data = json.loads(s.path.read_text())
    assert data["status"] == "committed" and [t["to"] for t in data["transitions"]] == [
        "started",
        "running",
        "committed",
    ]
    assert store.job_state("acme", "acme.x", "r1").status == "committed"


def test_slug_keeps_distinct_ids_distinct() -> None:
    assert slug("a/b") != slug("a_b") and "/" not in slug("../../etc/passwd")


@given(st.text(min_size=4, max_size=40).filter(lambda s: s.strip() == s and len(s.strip()) >= 4))
def test_redactor_masks_every_registered_secret(secret: str) -> None:
    r = Redactor()
    r.add(secret)
    out = io.StringIO()
    Logger({"job": "j"}, r, stream=out).event("job_error", error=f"failed: {secret} at host")
    record = json.loads(out.getvalue())
    assert secret not in record["error"] and MASK in record["error"]
    assert secret not in out.getvalue()


def test_lock_staleness(tmp_path: Path) -> None:
    now = time.time()
    assert is_stale({"expires_at": now - 1, "host": "h", "pid": 1}, now)
    assert not is_stale({"expires_at": now + 60, "host": "other-host", "pid": 999999}, now)
    assert is_stale({"expires_at": now + 60, "host": HOST, "pid": 2**22 + 12345}, now)  # no such pid here
    m = LockManager(tmp_path, ttl=60)
    assert m.try_acquire("tenant:a", 2, "r1") and m.try_acquire("tenant:a", 2, "r2")
    assert LockManager(tmp_path, ttl=60).try_acquire("tenant:a", 2, "r3") is None  # both slots held by us (alive)
    m.release_all()
    assert not list(tmp_path.glob("*.lock.json"))


def _schema(cols: list[ColumnSpec]):
    from dativo.runtime.schema import table_schema
    from dativo.runtime.spec import AssetSpec, JobSpec, SourceSpec, TargetSpec

    spec = JobSpec(
        id="j",
        tenant="t",
        source=SourceSpec(connector="csv", type="csv", engine="native"),
        target=TargetSpec(connector="iceberg", type="iceberg", engine="native", namespace="t", table="x"),
        asset=AssetSpec(
            name="x", version="1", form="legacy", path="a.yaml", source_type="csv", object="file", columns=cols
        ),
    )
    return table_schema(spec)


def test_validator_converts_exactly_and_names_reasons() -> None:
    from dativo.runtime.validate import Validator

    ts = _schema(
        [
            ColumnSpec(name="i", type="integer", required=True),
            ColumnSpec(name="d", type="decimal", precision=5, scale=2),
            ColumnSpec(name="t", type="timestamp"),
            ColumnSpec(name="b", type="boolean"),
        ]
    )
    batch = pa.RecordBatch.from_pydict(
        {
            "i": ["1", "x", "10000000000000000000", None, " 7"],  # past a 64-bit integer
            "d": ["1.25", "1.255", "1", "2", None],
            "t": ["2026-01-01T00:00:00Z", "2026-01-01 10:00:00", None, "nope", "2026-01-01T01:00:00+01:00"],
            "b": ["true", "0", None, "yes", "FALSE"],
        }
    )
    out = Validator(ts, date(2026, 1, 1)).check(batch)
    assert out.batch.num_rows == 2 and out.batch.column("i").to_pylist() == [1, 7]
    reasons = dict(out.invalid_rows)
    assert reasons[1] == ["column 'i' is not a valid integer", "column 'd' is not a valid decimal"]
    assert reasons[2] == ["column 'i' is not a valid integer"]
    assert reasons[3] == [
        "column 'i' is required",
        "column 't' is not a valid timestamp",
        "column 'b' is not a valid boolean",
    ]
    assert out.batch.column("t").to_pylist()[1] == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_integer_and_float_columns_are_64_bit_as_in_dativo_ingest() -> None:
    """dativo-ingest writes `integer` as long and `float` as double: an id past 2**31 loads, never refused."""
    from pyiceberg.types import DoubleType, LongType

    from dativo.runtime.validate import Validator

    ts = _schema([ColumnSpec(name="i", type="integer"), ColumnSpec(name="f", type="float")])
    assert [f.field_type for f in ts.iceberg.fields] == [LongType(), DoubleType()]
    batch = pa.RecordBatch.from_pydict({"i": ["3000000000", "-9223372036854775808"], "f": ["0.1", "1e300"]})
    out = Validator(ts, date(2026, 1, 1)).check(batch)
    assert out.invalid_rows == [] or not dict(out.invalid_rows)
    assert out.batch.column("i").to_pylist() == [3000000000, -9223372036854775808]
    assert out.batch.column("f").to_pylist() == [0.1, 1e300]


def test_decimal_without_precision_is_unmappable() -> None:
    from dativo.runtime.schema import UnmappableType

    with pytest.raises(UnmappableType):
        _schema([ColumnSpec(name="d", type="decimal")])


def test_env_references_expand_as_dativo_ingest_writes_them() -> None:
    from dativo.runtime.envvars import UnsetVariable, expand, names

    env = {"HOST": "db", "EMPTY": "", "PORT": "5432"}
    assert expand("postgresql://${HOST}:$PORT/x", env, "k") == "postgresql://db:5432/x"
    assert expand("${MISSING:-fallback}/${EMPTY:-e}/${HOST:-h}", env, "k") == "fallback/e/db"
    assert expand("${MISSING:-}x${EMPTY}", env, "k") == "x"  # an empty default, an empty value: both values
    assert expand("no refs, 100$ and ${ not one", env, "k") == "no refs, 100$ and ${ not one"
    with pytest.raises(UnsetVariable) as e:
        expand("a ${HOST} ${PG_PASSWORD}", env, "target.connection.uri")
    assert (e.value.variable, e.value.key) == ("PG_PASSWORD", "target.connection.uri")
    assert "PG_PASSWORD" in str(e.value) and "target.connection.uri" in str(e.value)
    assert names({"a": ["${X}", {"b": "$Y ${Z:-1}"}], "c": 3}) == {"X", "Y", "Z"}


def test_only_a_list_of_names_under_the_owned_property_is_trusted() -> None:
    """dativo removes only the table properties it listed as its own; a hand-edited list that is not a JSON
    list of names (a string reads as its letters) removes nothing."""
    from dativo.runtime.sink import OWNED, _property_updates

    wanted = {"dativo.tenant": "t1"}
    current = {"a": "user", "old": "x", OWNED: '["old", "dativo.tenant"]'}
    assert _property_updates(current, wanted)[1] == ["old"]
    for broken in ('"abc"', "{not json", '{"a": 1}', "[1, 2]"):
        changes, stale = _property_updates({"a": "user", "b": "user", OWNED: broken}, wanted)
        assert stale == [] and changes[OWNED] == '["dativo.tenant"]', broken
