"""Sources behind one small interface: `open_source(spec, ...)` -> an object with
`batches()` (Arrow record batches, bounded in size) and `next_state()` (the file part of
the incremental state, to save after the commit). Engine `native` reads csv, jsonl and
parquet files (files.py); `airbyte` runs an Airbyte source package (airbyte.py), `singer` and `meltano`
a Singer tap (singer.py), each from its own venv (venvs.py); a Python `custom_reader` replaces the
connector (plugin.py). Anything else is refused with a clear message."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..paths import PathMap
from ..spec import JobSpec

NATIVE_ENGINES = frozenset({"native"})
#: the source types the native engine reads: files. A connector the registry lets run on `native` (stripe,
#: hubspot) has no native reader here; reading it as files would find none and commit nothing.
NATIVE_SOURCE_TYPES = frozenset({"csv", "jsonl", "parquet"})
#: database tables the native engine reads (db.py): PostgreSQL and MySQL/MariaDB
NATIVE_DB_TYPES = frozenset({"postgres", "mysql"})
#: engines that run a connector package from its own venv, whatever the source type (airbyte.py, singer.py)
CONNECTOR_ENGINES = frozenset({"airbyte", "singer", "meltano"})


def read_columns(spec: JobSpec) -> list[str] | None:
    """The columns a source reads: the asset's; None (every column the source has, in its order) when
    `target.markdown_kv_storage` makes the asset describe the Markdown-KV rows made of whole records."""
    if spec.target.markdown_kv_storage is not None:
        return None
    return [c.name for c in spec.asset.columns]


def runs(engine: str, source_type: str, custom_reader: str | None = None) -> bool:
    """Whether this runtime runs a source of `source_type` on `engine` (read by `custom_reader` when the job
    names one): the one rule, for DTV218 and `run`. A Python plugin runs; a Rust one does not."""
    if custom_reader is not None:
        from .plugin import kind

        return kind(custom_reader) == "python"
    if engine in CONNECTOR_ENGINES:
        return True
    return engine in NATIVE_ENGINES and (source_type in NATIVE_SOURCE_TYPES or source_type in NATIVE_DB_TYPES)


class UnsupportedEngine(Exception):
    pass


class SourceError(Exception):
    pass


@dataclass
class Batch:
    data: Any  # pyarrow.RecordBatch
    origin: str  # project-relative file
    offset: int  # row number of the batch's first row in its file (0-based, data rows)


class Source(Protocol):
    def batches(self) -> Iterator[Batch]: ...

    def next_state(self) -> dict[str, Any]: ...

    def describe(self) -> dict[str, Any]: ...


def unsupported_engine_message(engine: str, connector: str, source_type: str, custom_reader: str | None = None) -> str:
    if custom_reader is not None:
        return f"custom_reader {custom_reader!r} is not a Python plugin (module.py:ClassName); Rust plugins are not run"
    if engine in NATIVE_ENGINES:
        return (
            f"source {source_type!r} (connector {connector!r}) is not read by this runtime's native engine yet; "
            f"it reads csv, jsonl and parquet files and postgres and mysql tables"
        )
    return (
        f"engine {engine!r} (connector {connector!r}) is not run by this runtime yet; "
        f"it runs engines 'native' (csv, jsonl and parquet files; postgres and mysql tables), 'airbyte', "
        f"'singer' and 'meltano'"
    )


def package_problem(engine: str, options: Mapping[str, Any]) -> str | None:
    """Why the engine options of a connector engine name no package to install (None when they do): the
    runtime's own rule, for DTV258 at compile time."""
    from .records import merged_options

    opts = merged_options(engine, options)
    if engine == "airbyte":
        from .airbyte import package_of
    else:
        from .singer import package_of
    try:
        package_of(opts)
    except SourceError as e:
        return str(e)
    return None


def check_source(spec: JobSpec, env: Mapping[str, str]) -> None:
    """`dativo run`'s check of a connector engine's source before anything is written: its credential
    variable is set and its connection's `${VAR}` references resolve; ConfigError (exit 2) when not."""
    if spec.source.engine not in CONNECTOR_ENGINES or spec.source.custom_reader is not None:
        return
    from ..destination import ConfigError
    from .records import expanded, require_credential

    problem = package_problem(spec.source.engine, spec.source.engine_options)
    if problem is not None:
        raise ConfigError(problem, "set default_engine.options.package to the connector's pip requirement")
    creds = spec.source.credentials
    try:
        if creds is not None and creds.from_env:
            require_credential(spec, env)
        expanded(dict(spec.source.connection), env, "source.connection")
    except SourceError as e:
        raise ConfigError(
            str(e), "set the variable where the job runs (the secret manager injects it per tenant)"
        ) from None


def open_source(spec: JobSpec, paths: PathMap, state: dict[str, Any], env: Mapping[str, str] | None = None) -> Source:
    """`env`: the job's environment (credentials, `${VAR}` values) for the engines that pass it to a connector."""
    if not runs(spec.source.engine, spec.source.type, spec.source.custom_reader):
        src = spec.source
        raise UnsupportedEngine(unsupported_engine_message(src.engine, src.connector, src.type, src.custom_reader))
    if spec.source.custom_reader is not None:
        from .plugin import PluginSource

        return PluginSource(spec, paths, state, os.environ if env is None else env)
    if spec.source.engine == "airbyte":
        from .airbyte import AirbyteSource

        return AirbyteSource(spec, paths, state, os.environ if env is None else env)
    if spec.source.engine in ("singer", "meltano"):
        from .singer import SingerSource

        return SingerSource(spec, paths, state, os.environ if env is None else env)
    if spec.source.type in NATIVE_DB_TYPES:
        from .db import DbSource

        return DbSource(spec, state, env if env is not None else {})
    from .files import FileSource

    return FileSource(spec, paths, state)
