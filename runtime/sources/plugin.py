"""Python plugins, as dativo-ingest defines them: a job's `source.custom_reader` of the form
`path/to/module.py:ClassName` reads the source instead of the recipe's connector.

The interface (docs/runtime.md#python-plugins), dativo-ingest's BaseReader by shape (no base class to
inherit: the runtime ships none a plugin would have to import):

    class MyReader:
        def __init__(self, source_config): ...      # .type, .connection (`${VAR}` expanded), .objects,
                                                    # .files, .tables, .incremental, .credentials, .engine_options
        def extract(self, state_manager=None):      # yields lists of dict records (or Arrow record batches)
            previous = state_manager.state          # the state committed by the last run ({} at first)
            ...
            state_manager.set({"cursor": ...})      # committed with the rows, exactly once

The plugin runs in the `dativo run` process, unsandboxed (dativo-ingest's `plugins.sandbox` is not
applied: DTV223). Rust plugins (`.so`, `.dylib`, `.dll`) are not run here (`runs()` is false).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..paths import PathMap
from ..spec import JobSpec
from . import Batch, SourceError, read_columns
from .records import Rows, expanded

STATE_KEY = "plugin_state"
RUST_SUFFIXES = (".so", ".dylib", ".dll")


def kind(reference: str) -> str | None:
    """'python' for `module.py:Class`, 'rust' for `lib.so:function` (and .dylib, .dll), None for neither."""
    path, sep, name = reference.rpartition(":")
    if not sep or not path or not name.isidentifier():
        return None
    if path.endswith(".py"):
        return "python"
    return "rust" if path.endswith(RUST_SUFFIXES) else None


@dataclass(frozen=True)
class SourceConfig:
    """What a reader is given: the job's resolved source, its `${VAR}` references expanded."""

    type: str
    connection: dict[str, Any]
    objects: list[str]
    files: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    incremental: dict[str, Any] | None
    credentials: dict[str, Any] | None
    engine_options: dict[str, Any] = field(default_factory=dict)


class StateManager:
    """The reader's incremental state: `state` is what the last committed run set, `set()` the next one."""

    def __init__(self, state: dict[str, Any]):
        self.state: dict[str, Any] = dict(state)
        self.next: dict[str, Any] | None = None

    def set(self, state: Mapping[str, Any]) -> None:
        self.next = dict(state)


def load_class(
    reference: str,
    paths: PathMap,
    key: str = "custom_reader",
    method: str = "extract",
    error: type[Exception] = SourceError,
) -> type:
    """The class `ClassName` of `path/to/module.py:ClassName` (a project path or a runtime mount), which
    must have `method`; `error` (naming `key`) when it cannot be loaded."""
    rel, _, name = reference.rpartition(":")
    path = paths.data(paths.local(rel))
    if not path.is_file():
        raise error(f"{key} module {rel} not found ({path})")
    module_name = "dativo_plugin_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise error(f"{key} module {rel} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the plugin's own import error: named, never a traceback
        raise error(f"{key} module {rel} failed to import: {type(e).__name__}: {e}") from None
    cls = getattr(module, name, None)
    if not isinstance(cls, type) or not callable(getattr(cls, method, None)):
        article = "an" if method[0] in "aeiou" else "a"
        raise error(f"{key} {reference}: {name} is not a class with {article} {method}() method in {rel}")
    return cls


class PluginSource:
    def __init__(self, spec: JobSpec, paths: PathMap, state: dict[str, Any], env: Mapping[str, str]):
        self.spec, self.reference = spec, str(spec.source.custom_reader)
        src = spec.source
        self.config = SourceConfig(
            type=src.type,
            connection=expanded(dict(src.connection), env, "source.connection"),
            objects=list(src.objects),
            files=[f.model_dump() for f in src.files],
            tables=[t.model_dump() for t in src.tables],
            incremental=src.incremental.model_dump() if src.incremental else None,
            credentials=src.credentials.model_dump() if src.credentials else None,
            engine_options=dict(src.engine_options),
        )
        self.cls = load_class(self.reference, paths)
        self.state = StateManager(dict(state.get(STATE_KEY) or {}))
        self.columns = read_columns(spec)

    def describe(self) -> dict[str, Any]:
        return {"engine": "plugin", "custom_reader": self.reference, "resumed": bool(self.state.state)}

    def next_state(self) -> dict[str, Any]:
        chosen = self.state.next if self.state.next is not None else self.state.state
        return {STATE_KEY: chosen} if chosen else {}

    def batches(self) -> Iterator[Batch]:
        try:
            reader = self.cls(self.config)
        except Exception as e:
            raise SourceError(f"custom_reader {self.reference} failed to start: {type(e).__name__}: {e}") from None
        import pyarrow as pa  # the runtime extra's, imported on use: the compiler imports `kind` from here

        rows, offset = Rows(self.columns), 0
        origin = f"plugin:{self.reference.rpartition(':')[2]}"
        for chunk in self._chunks(reader):
            if isinstance(chunk, pa.RecordBatch):
                chunk = chunk.to_pylist()
            for record in chunk:
                if (rb := rows.add(record)) is not None:
                    yield Batch(rb, origin, offset)
                    offset += rb.num_rows
        if (rb := rows.flush()) is not None:
            yield Batch(rb, origin, offset)

    def _chunks(self, reader: Any) -> Iterator[Any]:
        """The reader's batches; an exception of the plugin's is a SourceError naming it (retried by policy)."""
        try:
            yield from reader.extract(self.state)
        except SourceError:
            raise
        except Exception as e:
            raise SourceError(f"custom_reader {self.reference} failed: {type(e).__name__}: {e}") from None
