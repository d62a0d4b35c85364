"""The runtime's destination and package rules, remembered per distinct arguments in a compile
(compiler/checks/runtime_support.py): a remembered answer is the rule's own for those very values."""

from __future__ import annotations

from typing import Any

from dativo.compiler.checks import runtime_support
from dativo.runtime.destination import missing_bucket, problems
from dativo.runtime.sources import package_problem

CONNECTIONS: list[dict[str, Any]] = [
    {},
    {"s3": {"bucket": "lake"}},
    {"s3": {"bucket": "lake", "prefix": "x"}},
    {"minio": {"bucket": "lake"}},
    {"catalog_type": "nessie"},
    {"catalog_type": "rest", "uri": "http://catalog"},
    {"s3": {"bucket": 1}},
    {"s3": {"bucket": True}},
    {"s3": {"bucket": "1"}},
    {"s3": {"bucket": 1.0}},
    {"s3": {"bucket": ["lake"]}},
    {"s3": {"bucket": ("lake",)}},
]


def test_a_remembered_rule_answers_as_the_rule_for_each_distinct_value() -> None:
    for _ in range(2):  # the second pass is answered from memory
        for conn in CONNECTIONS:
            for kind in ("iceberg", "s3", "minio"):
                for catalog in (None, "glue"):
                    got = runtime_support._remembered(problems, kind, conn, catalog=catalog, merge=True)
                    assert got == problems(kind, conn, catalog=catalog, merge=True), (kind, conn, catalog)
                    bucket = runtime_support._remembered(missing_bucket, kind, conn, catalog)
                    assert bucket == missing_bucket(kind, conn, catalog), (kind, conn, catalog)
    for options in ({}, {"image": "airbyte/source-stripe:5.4.0"}, {"package": "tap-github"}, {"image": 1}):
        for engine in ("airbyte", "singer"):
            assert runtime_support._remembered(package_problem, engine, options) == package_problem(engine, options)


class _Name(str):
    """A value marshal cannot write: keyed by its repr."""


def test_the_key_tells_apart_values_that_compare_equal_or_print_alike() -> None:
    key = runtime_support._as_key
    values: list[Any] = [1, True, 1.0, "1", [1], (1,), {"a": 1}, {"a": True}, None, _Name("1")]
    keys = [key((v,), {}) for v in values]
    assert len(set(keys)) == len(values)
    assert isinstance(key((_Name("x"),), {}), str) and isinstance(key(({"a": [1]},), {"k": None}), bytes)
