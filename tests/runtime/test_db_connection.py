"""How a database source's connection resolves (runtime/sources/db.py), without a server: the recipe's
template, `${VAR:-default}`, the PG*/MYSQL_* fallbacks, and the clear errors for what is missing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dativo.runtime.destination import ConfigError
from dativo.runtime.sources import db_mysql, db_postgres, runs
from dativo.runtime.sources.db import connection
from dativo.runtime.spec import JobSpec


def spec(kind: str, conn: dict[str, Any], from_env: str | None = None) -> JobSpec:
    creds = {"type": "env_file", "from_env": from_env} if from_env else None
    return JobSpec.model_validate(
        {
            "id": "jobs/t1/x.yaml",
            "tenant": "t1",
            "source": {"connector": kind, "type": kind, "engine": "native", "connection": conn, "credentials": creds},
            "target": {"connector": "iceberg", "type": "iceberg", "engine": "native", "namespace": "t1", "table": "x"},
            "asset": {
                "name": "x",
                "version": "1",
                "form": "legacy",
                "path": "assets/x.yaml",
                "source_type": kind,
                "object": "x",
                "columns": [{"name": "id", "type": "bigint"}],
            },
        }
    )


def test_template_variables_defaults_and_fallbacks() -> None:
    s = spec("postgres", {"host": "${PGHOST}", "port": "${PGPORT:-6543}", "database": "shop", "sslmode": "disable"})
    c = connection(s, {"PGHOST": "db.internal", "PGUSER": "app", "PGPASSWORD": "p@ss:w/rd"})
    assert (c.host, c.port, c.database, c.user, c.password) == ("db.internal", 6543, "shop", "app", "p@ss:w/rd")
    assert c.uri() == "postgres://app:p%40ss%3Aw%2Frd@db.internal:6543/shop?sslmode=disable"


def test_from_env_names_the_password_variable() -> None:
    s = spec("mysql", {"host": "h", "database": "d", "user": "u"}, from_env="SHOP_DB_SECRET")
    c = connection(s, {"SHOP_DB_SECRET": "s3cret"})
    assert (c.port, c.password) == (3306, "s3cret")


@pytest.mark.parametrize(
    ("kind", "conn", "env", "says"),
    [
        ("postgres", {"host": "${PGHOST}"}, {}, "environment variable PGHOST is not set"),
        ("postgres", {"host": "h"}, {}, "has no database (PGDATABASE), user (PGUSER)"),
        ("mysql", {"host": "h", "database": "d", "user": "u", "port": "x1"}, {}, "is not a port number"),
        ("mysql", {"host": "h", "database": "d", "user": "u", "sslmode": "x"}, {}, "sslmode are not read"),
    ],
)
def test_what_cannot_connect_is_a_config_error(kind: str, conn: dict, env: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        connection(spec(kind, conn), env)


def test_native_runs_database_sources_and_not_unknown_ones() -> None:
    assert runs("native", "postgres") and runs("native", "mysql") and runs("native", "csv")
    assert not runs("native", "stripe") and not runs("native", "salesforce")


def test_cursor_literals_are_escaped() -> None:
    from datetime import UTC, datetime

    assert db_postgres.literal("it's \\ here") == "E'it''s \\\\ here'"
    assert db_mysql.literal("it's \\ here") == "'it''s \\\\ here'"
    aware = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert db_postgres.literal(aware) == "E'2026-01-02T03:04:05+00:00'"
    assert db_mysql.literal(aware) == "'2026-01-02 03:04:05.000000'"
    assert db_postgres.literal(42) == db_mysql.literal(42) == "42"
