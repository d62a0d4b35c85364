"""Native database sources: `postgres` and `mysql` tables (the job's `source.tables`), read into Arrow
record batches as the server streams them, so memory is bounded by a batch, not by the table.

Drivers (docs/runtime.md#database-sources says why): PostgreSQL through ADBC's libpq driver (binary COPY,
exact types, fails fast on refused credentials); MySQL/MariaDB through connectorx's Arrow stream (there
is no ADBC MySQL driver from the Arrow project).

Incremental by cursor: a table with a `cursor_field` reads only rows whose cursor is greater than the
largest one committed (minus `lookback_days`); the largest cursor read is the table's next state, saved
in the Iceberg snapshot summary by the run's commit (execute.py), so a run killed before its commit
reads the same rows again and a committed run is never read twice. A full load keeps no state.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..destination import ConfigError
from ..envvars import UnsetVariable, expand
from ..markdown_kv import with_key
from ..spec import JobSpec, TableSpec
from . import Batch, SourceError, read_columns

DB_SOURCE_TYPES = frozenset({"postgres", "mysql"})
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}
#: the environment variables a connection falls back to, as libpq and upstream's extractors read them
ENV_FALLBACK = {
    "postgres": {
        "host": "PGHOST",
        "port": "PGPORT",
        "database": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
    },
    "mysql": {
        "host": "MYSQL_HOST",
        "port": "MYSQL_PORT",
        "database": "MYSQL_DB",
        "user": "MYSQL_USER",
        "password": "MYSQL_PASSWORD",
    },
}
ALIASES = {"dbname": "database", "username": "user"}
BATCH_ROWS = 65536  # mysql: rows per Arrow batch (`engine.options.batch_size` overrides)
BATCH_BYTES = 16 << 20  # postgres: the driver's batch size hint (`engine.options.batch_size_bytes`)


@dataclass(frozen=True)
class Connection:
    kind: str  # postgres | mysql
    host: str
    port: int
    database: str
    user: str
    password: str
    options: dict[str, str]  # further keys: libpq URI parameters (sslmode, application_name, ...)

    def uri(self) -> str:
        q = urllib.parse.quote
        query = ("?" + urllib.parse.urlencode(sorted(self.options.items()))) if self.options else ""
        auth = q(self.user, safe="") + (":" + q(self.password, safe="") if self.password else "")
        return f"{self.kind}://{auth}@{self.host}:{self.port}/{q(self.database, safe='')}{query}"


def connection(spec: JobSpec, env: Mapping[str, str]) -> Connection:
    """The source's connection: the recipe's `connection_template` under the job's `connection` (merged
    by the compiler), every `${VAR}` expanded from the job's environment (its credentials file included);
    host, port, database, user and password fall back to PGHOST.../MYSQL_HOST...; the recipe's
    `credentials.from_env` names a variable holding the password. ConfigError for what is missing."""
    kind = spec.source.type
    values: dict[str, str] = {}
    for key, raw in spec.source.connection.items():
        try:
            values[ALIASES.get(key, key)] = expand(str(raw), env, f"source.connection.{key}")
        except UnsetVariable as e:
            raise ConfigError(str(e), f"export {e.variable}=... or put it in the recipe's credentials file") from None
    creds = spec.source.credentials
    if "password" not in values and creds is not None and creds.from_env and env.get(creds.from_env):
        values["password"] = env[creds.from_env]
    for key, var in ENV_FALLBACK[kind].items():
        if not values.get(key) and env.get(var):
            values[key] = env[var]
    missing = [k for k in ("host", "database", "user") if not values.get(k)]
    if missing:
        names = ", ".join(f"{k} ({ENV_FALLBACK[kind][k]})" for k in missing)
        raise ConfigError(
            f"the {kind} source has no {names}",
            "set them in the recipe's connection_template or the job's source.connection, or in its credentials file",
        )
    port = values.pop("port", "") or str(DEFAULT_PORTS[kind])
    if not port.isdigit():
        raise ConfigError(f"source.connection.port {port!r} is not a port number", "give the port as digits")
    fixed = {k: values.pop(k) for k in ("host", "database", "user")}
    password = values.pop("password", "")
    if kind == "mysql" and values:
        raise ConfigError(
            f"source.connection key(s) {', '.join(sorted(values))} are not read by the native mysql source",
            "it reads host, port, database, user and password; remove the others",
        )
    return Connection(kind, fixed["host"], int(port), fixed["database"], fixed["user"], password, values)


class DbSource:
    """The tables of one job, read one after another; `own_cursor`: the cursor is applied in the query."""

    own_cursor = True

    def __init__(self, spec: JobSpec, state: dict[str, Any], env: Mapping[str, str]):
        if not spec.source.tables:
            raise ConfigError(
                f"the {spec.source.type} source names no tables", "list them under source.tables (name, cursor_field)"
            )
        self.spec, self.conn = spec, connection(spec, env)
        self.incremental = spec.keeps_state
        self.lookback = spec.source.incremental.lookback_days if spec.source.incremental else 0
        self.columns = read_columns(spec)
        self.saved: dict[str, Any] = dict(state.get("tables", {})) if self.incremental else {}
        self.reached: dict[str, Any] = {}
        opts = spec.source.engine_options
        self.batch_rows = int(opts.get("batch_size", BATCH_ROWS))
        self.batch_bytes = int(opts.get("batch_size_bytes", BATCH_BYTES))

    def describe(self) -> dict[str, Any]:
        c = self.conn
        return {
            "database": f"{c.kind}://{c.host}:{c.port}/{c.database}",
            "tables": [t.name for t in self.spec.source.tables],
        }

    def next_state(self) -> dict[str, Any]:
        if not self.incremental:
            return {}
        tables = {**self.saved, **self.reached}
        return {"tables": dict(sorted(tables.items()))} if tables else {}

    def batches(self) -> Iterator[Batch]:
        for table in self.spec.source.tables:
            yield from self._table(table)

    def _table(self, table: TableSpec) -> Iterator[Batch]:
        reader = _reader(self.conn.kind)
        field = table.cursor_field if self.incremental else None
        try:
            present = reader.columns(self.conn, table.name)
            wanted = present if self.columns is None else [c for c in self.columns if c in present]
            if field is not None and field not in present:
                raise ConfigError(
                    f"cursor_field {field!r} is not a column of table {table.name}",
                    f"name one of its columns in source.tables[].cursor_field ({', '.join(sorted(present)[:10])})",
                )
            query = self._query(reader, table, wanted, field)
            key = self._key(reader, table.name)
            offset = 0
            for rb in reader.read(self.conn, query, self.batch_rows, self.batch_bytes):
                if field is not None:
                    self._advance(table.name, field, rb.column(field))
                yield Batch(with_key(rb, key), table.name, offset)
                offset += rb.num_rows
        except (ConfigError, SourceError):
            raise
        except Exception as e:  # the drivers' own errors (connection, authentication, SQL): one clear line
            raise SourceError(f"{self.conn.kind} table {table.name}: {_short(e, self.conn.password)}") from None

    def _key(self, reader: Any, name: str) -> str | None:
        """The table's one-column primary key, which names a record's Markdown-KV document when
        markdown_kv_storage names no doc_id_field (runtime/markdown_kv.py); None otherwise."""
        storage = self.spec.target.markdown_kv_storage
        if storage is None or storage.doc_id_field is not None:
            return None
        key = reader.primary_key(self.conn, name)
        return key[0] if len(key) == 1 else None

    def _query(self, reader: Any, table: TableSpec, columns: list[str], field: str | None) -> str:
        if not columns:
            raise ConfigError(
                f"table {table.name} has none of asset {self.spec.asset.name!r}'s columns",
                "check source.tables[].name and the asset's schema",
            )
        q = reader.ident
        sql = f"SELECT {', '.join(q(c) for c in columns)} FROM {'.'.join(q(p) for p in table.name.split('.'))}"
        saved = self.saved.get(table.name)
        if field is not None and saved is not None and saved.get("cursor_field") == field:
            bound = _bound(saved["cursor"], saved.get("kind", "text"), self.lookback)
            sql += f" WHERE {q(field)} > {reader.literal(bound)}"
        return sql

    def _advance(self, name: str, field: str, col: pa.Array) -> None:
        top = pc.max(col).as_py() if len(col) else None
        if top is None:
            return
        seen = self.reached.get(name)
        if seen is not None and _decode(seen["cursor"], seen["kind"]) >= top:
            return
        self.reached[name] = {"cursor": _encode(top), "cursor_field": field, "kind": _kind(top)}


def _kind(v: Any) -> str:
    if isinstance(v, datetime):
        return "timestamptz" if v.tzinfo is not None else "timestamp"
    if isinstance(v, date):
        return "date"
    if isinstance(v, bool):
        return "text"
    if isinstance(v, int):
        return "integer"
    return "number" if not isinstance(v, str) and not isinstance(v, bytes) else "text"


def _encode(v: Any) -> str:
    return v.isoformat() if isinstance(v, (datetime, date)) else str(v)


def _decode(text: str, kind: str) -> Any:
    from decimal import Decimal

    if kind in ("timestamp", "timestamptz"):
        return datetime.fromisoformat(text)
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "integer":
        return int(text)
    if kind == "number":
        return Decimal(text)
    return text


def _bound(text: str, kind: str, lookback_days: int) -> Any:
    v = _decode(text, kind)
    return v - timedelta(days=lookback_days) if isinstance(v, (datetime, date)) and lookback_days else v


DRIVERS = {"postgres": "adbc_driver_postgresql", "mysql": "connectorx"}


def _reader(kind: str) -> Any:
    import importlib.util

    if importlib.util.find_spec(DRIVERS[kind]) is None:
        raise ConfigError(
            f"the {kind} source needs its driver ({DRIVERS[kind]}), which is not installed",
            "install the database extra: pip install 'dativo[runtime,db]'",
        )
    if kind == "postgres":
        from . import db_postgres

        return db_postgres
    from . import db_mysql

    return db_mysql


def _short(e: BaseException, password: str) -> str:
    text = next((line.strip() for line in str(e).splitlines() if line.strip()), type(e).__name__)
    text = re.sub(r"Failed to execute query '.*?': ", "", text)  # libpq's errors quote the whole query first
    if password:
        text = text.replace(password, "***")
    return text[:300]
