"""Engine `airbyte`: an Airbyte source connector published as a Python package, run from its own venv
(venvs.py) and spoken to over the Airbyte protocol on its stdin/stdout: `discover` (the stream's schema
and sync modes), then `read` with a configured catalog and the saved STATE.

The protocol directly, not PyAirbyte: PyAirbyte 0.71 cannot share dativo's environment (it pins
pyarrow<22 and sqlalchemy==2.0.43; the runtime has pyarrow 26 and SQLAlchemy 2.1) and brings DuckDB,
Snowflake, BigQuery and MCP clients along; it also writes every record into its own local cache (DuckDB)
before handing it on. This runtime needs a line reader: records go straight into the Arrow batches the
Iceberg sink takes. The messages are read as JSON in the `airbyte-protocol-models` shapes (RECORD,
STATE, CATALOG, TRACE, LOG): a handful of fields, not worth a model package per message on the hot path.

Exactly once: the state kept is the connector's last STATE message; it is returned by next_state()
and committed in the same Iceberg snapshot as the rows read before it (execute.py), never earlier.
A run that dies before its commit leaves the previous state in the table, so the next run reads the
same records again: nothing is skipped, nothing is committed twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..paths import PathMap
from ..spec import JobSpec
from . import Batch, SourceError, read_columns, venvs
from .records import Process, Rows, child_env, connector_config, engine_options

STATE_KEY = "airbyte_state"
#: `airbyte/source-stripe:5.4.0` -> the PyPI package `airbyte-source-stripe==5.4.0`: Airbyte publishes its
#: Python connectors under the image's name and tag
IMAGE = re.compile(r"^(?:[\w.-]+/)?(?P<name>(?:source)-[\w-]+)(?::(?P<tag>[\w.+-]+))?$")


def package_of(opts: Mapping[str, Any]) -> tuple[str, str]:
    """(pip requirement, console script) from the engine options: `package` (and `executable`), else the
    `image` / `docker_image` the recipe names."""
    package, exe = opts.get("package"), opts.get("executable")
    if not package:
        image = opts.get("image") or opts.get("docker_image")
        m = IMAGE.match(str(image or ""))
        if not m:
            raise SourceError(
                f"engine option `image` {image!r} names no Airbyte source (airbyte/source-NAME:VERSION); "
                "or set `package` to the connector's PyPI requirement"
            )
        tag = m.group("tag")
        package = f"airbyte-{m.group('name')}" + (f"=={tag}" if tag and tag != "latest" else "")
    if not exe:
        exe = re.sub(r"^airbyte-", "", re.split(r"[=<>!~\[ ;]", str(package))[0])
    return str(package), str(exe)


class AirbyteSource:
    def __init__(self, spec: JobSpec, paths: PathMap, state: dict[str, Any], env: Mapping[str, str]):
        self.spec, self.paths, self.env = spec, paths, env
        self.opts = engine_options(spec)
        self.package, self.exe = package_of(self.opts)
        self.stream = (spec.source.objects or [spec.asset.object])[0]
        self.config = connector_config(spec, env, self.opts)
        self.saved: dict[str, Any] = dict(state.get(STATE_KEY) or {})
        self.states: dict[str, Any] = {}
        self.columns = read_columns(spec)

    def describe(self) -> dict[str, Any]:
        return {"engine": "airbyte", "package": self.package, "stream": self.stream, "resumed": bool(self.saved)}

    def next_state(self) -> dict[str, Any]:
        merged = {**self.saved, **self.states}
        return {STATE_KEY: dict(sorted(merged.items()))} if merged else {}

    def batches(self) -> Iterator[Batch]:
        home = venvs.ensure([self.package])
        exe = str(venvs.executable(home, self.exe))
        with tempfile.TemporaryDirectory(prefix="dativo-airbyte-") as tmp:
            work = Path(tmp)
            _write(work / "config.json", self.config)
            stream = self._stream(exe, work, home)
            _write(work / "catalog.json", {"streams": [self._configured(stream)]})
            argv = [exe, "read", "--config", "config.json", "--catalog", "catalog.json"]
            if self.saved:
                _write(work / "state.json", list(self.saved.values()))
                argv += ["--state", "state.json"]
            yield from self._read(argv, work, home)

    def _stream(self, exe: str, work: Path, home: Path) -> dict[str, Any]:
        """The stream as `discover` describes it, kept in the venv per config digest: a Python Airbyte source's
        streams are fixed by its version (the venv) and its config, and a second `discover` per run costs a
        connector start-up (seconds). Engine option `discover: always` asks the connector every run (a source
        whose streams follow the data, e.g. a spreadsheet's columns)."""
        secret = self.opts.get("credentials_field")  # never hashed into a file name: only the settings
        settings = {k: v for k, v in self.config.items() if k != secret}
        digest = hashlib.sha256(json.dumps([self.stream, settings], sort_keys=True).encode()).hexdigest()[:16]
        cached = home / "discovered" / f"{digest}.json"
        if self.opts.get("discover") != "always" and cached.is_file():
            with contextlib.suppress(OSError, ValueError):
                return dict(json.loads(cached.read_text("utf-8")))
        stream = self._discover(exe, work, home)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs the next run a discover
            cached.parent.mkdir(exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(stream, sort_keys=True), "utf-8")
            os.replace(tmp, cached)
        return stream

    def _discover(self, exe: str, work: Path, home: Path) -> dict[str, Any]:
        with Process([exe, "discover", "--config", "config.json"], work, child_env(self.env, home)) as proc:
            catalog, error = None, None
            for msg in _messages(proc.lines()):
                if msg.get("type") == "CATALOG":
                    catalog = msg.get("catalog")
                error = error or _error_of(msg)
            code = proc.wait()
        if catalog is None:
            raise SourceError(self._failed("discover", code, error, proc))
        for s in catalog.get("streams", []):
            if s.get("name") == self.stream:
                return dict(s)
        names = ", ".join(sorted(str(s.get("name")) for s in catalog.get("streams", [])))
        raise SourceError(f"{self.package} has no stream {self.stream!r} (it has: {names}); fix source.objects")

    def _configured(self, stream: dict[str, Any]) -> dict[str, Any]:
        inc = self.spec.source.incremental
        incremental = self.spec.keeps_state and "incremental" in stream.get("supported_sync_modes", [])
        out: dict[str, Any] = {
            "stream": stream,
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append",
        }
        if incremental and not stream.get("source_defined_cursor"):
            field = inc.cursor_field if inc and inc.cursor_field else None
            out["cursor_field"] = [field] if field else stream.get("default_cursor_field", [])
        return out

    def _read(self, argv: list[str], work: Path, home: Path) -> Iterator[Batch]:
        rows, offset, error = Rows(self.columns), 0, None
        with Process(argv, work, child_env(self.env, home)) as proc:
            for msg in _messages(proc.lines()):
                kind = msg.get("type")
                if kind == "RECORD":
                    rec = msg.get("record") or {}
                    if rec.get("stream") == self.stream and (rb := rows.add(rec.get("data") or {})) is not None:
                        yield Batch(rb, f"airbyte:{self.stream}", offset)
                        offset += rb.num_rows
                elif kind == "STATE":
                    self._state(msg.get("state") or {})
                else:
                    error = error or _error_of(msg)
            code = proc.wait()
        if code != 0 or error:
            self.states = {}  # never saved: the next run starts from the last committed state
            raise SourceError(self._failed("read", code, error, proc))
        if (rb := rows.flush()) is not None:
            yield Batch(rb, f"airbyte:{self.stream}", offset)

    def _state(self, state: dict[str, Any]) -> None:
        """Keep the newest STATE per stream (or the global / legacy one), without the counts it carries."""
        state = {k: v for k, v in state.items() if k not in ("sourceStats", "destinationStats")}
        kind = state.get("type", "LEGACY")
        if kind == "STREAM":
            desc = (state.get("stream") or {}).get("stream_descriptor") or {}
            key = f"stream:{desc.get('namespace') or ''}.{desc.get('name')}"
        else:
            key = kind.lower()
        self.states[key] = state

    def _failed(self, command: str, code: int, error: str | None, proc: Process) -> str:
        why = error or " | ".join(list(proc.stderr)[-3:]) or "no error message"
        return f"Airbyte connector {self.package} `{command}` failed (exit {code}): {why[:500]}"


def _messages(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """The protocol's JSON messages; anything else a connector prints on stdout is not one and is skipped."""
    for line in lines:
        if not line.startswith(b"{"):
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            yield msg


def _error_of(msg: dict[str, Any]) -> str | None:
    """The message of a TRACE error or a FATAL log line; None for any other message."""
    if msg.get("type") == "TRACE" and (msg.get("trace") or {}).get("type") == "ERROR":
        err = msg["trace"].get("error") or {}
        return str(err.get("message") or err.get("internal_message") or "connector error")
    if msg.get("type") == "LOG" and (msg.get("log") or {}).get("level") == "FATAL":
        return str(msg["log"].get("message"))
    if msg.get("type") == "CONNECTION_STATUS" and (msg.get("connectionStatus") or {}).get("status") == "FAILED":
        return str(msg["connectionStatus"].get("message"))
    return None


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, sort_keys=True), "utf-8")
    path.chmod(0o600)  # the config holds the connector's credentials
