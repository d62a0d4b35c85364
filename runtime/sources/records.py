"""What the connector engines (Airbyte, Singer, Python plugins) share: the connector config built from
the job (connection values with `${VAR}` expanded, the engine's `config` option, the credential), the
asset's columns gathered from records into bounded Arrow batches, and a connector process read line
by line with its stderr kept short for the error message."""

from __future__ import annotations

import collections
import contextlib
import json
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pyarrow is the runtime extra's: the compiler imports this module's option rules
    import pyarrow as pa

from ..envvars import UnsetVariable, expand
from ..spec import JobSpec
from . import SourceError

BATCH_ROWS = 10000
STDERR_LINES = 20
#: the connector's stdout pipe: 1 MiB (Linux's default is 64 KiB), so a connector never waits on a reader
#: busy with a batch (validation, staging) and the reader takes big reads, not one per record
PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux), named in the fcntl module only from Python 3.10 on some builds


def engine_options(spec: JobSpec) -> dict[str, Any]:
    return merged_options(spec.source.engine, spec.source.engine_options)


def merged_options(engine: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The recipe's `default_engine.options`, with the block named for the engine (dativo-ingest's
    `options: {airbyte: {...}, singer: {...}}` form) merged over the flat keys."""
    opts = dict(options)
    nested = opts.get(engine)
    if isinstance(nested, dict):
        opts.update(nested)
    return opts


def expanded(value: Any, env: Mapping[str, str], key: str) -> Any:
    """`value` with every `${VAR}` reference expanded (nested dicts and lists); SourceError on an unset one."""
    if isinstance(value, str):
        try:
            return expand(value, env, key)
        except UnsetVariable as e:
            raise SourceError(str(e)) from None
    if isinstance(value, dict):
        return {k: expanded(v, env, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [expanded(v, env, f"{key}[{i}]") for i, v in enumerate(value)]
    return value


def connector_config(spec: JobSpec, env: Mapping[str, str], opts: Mapping[str, Any]) -> dict[str, Any]:
    """The config the connector is given: `source.connection`, then the engine's `config` option, then the
    credential (`credentials.from_env`) under the key the option `credentials_field` names."""
    config: dict[str, Any] = expanded(dict(spec.source.connection), env, "source.connection")
    extra = opts.get("config") or {}
    if not isinstance(extra, dict):
        raise SourceError("engine option `config` must be a mapping of the connector's settings")
    config.update(expanded(extra, env, "engine options.config"))
    creds = spec.source.credentials
    field = opts.get("credentials_field")
    if creds is not None and creds.from_env and field:
        config[str(field)] = require_credential(spec, env)
    return config


def require_credential(spec: JobSpec, env: Mapping[str, str]) -> str:
    """The value of the source's `credentials.from_env` variable; SourceError when it is unset or empty."""
    creds = spec.source.credentials
    assert creds is not None and creds.from_env
    value = env.get(creds.from_env)
    if not value:
        raise SourceError(
            f"source {spec.source.connector!r} needs its API credentials in the environment variable "
            f"{creds.from_env}, which is not set; export {creds.from_env}=... (or put it in the tenant's "
            f"credentials file) where the job runs"
        )
    return value


class Rows:
    """Records gathered into Arrow batches of the asset's columns, every value as text: the validator
    converts, so one bad value fails one row (as for jsonl files)."""

    def __init__(self, columns: list[str] | None, size: int = BATCH_ROWS):
        """`columns` None: every key of the records, in the order they appear (markdown_kv_storage), per batch."""
        self.open, self.size = columns is None, size
        self.columns = list(columns or [])
        self.data: dict[str, list[str | None]] = {c: [] for c in self.columns}
        self.count = 0

    def add(self, record: Mapping[str, Any]) -> pa.RecordBatch | None:
        if self.open:
            for k in record:
                if k not in self.data:
                    self.columns.append(k)
                    self.data[k] = [None] * self.count
        get, data = record.get, self.data
        for c in self.columns:  # the common case (text or null) without a call: this loop runs per value
            v = get(c)
            data[c].append(v if v is None or type(v) is str else text(v))
        self.count += 1
        return self.flush() if self.count >= self.size else None

    def flush(self) -> pa.RecordBatch | None:
        if not self.count:
            return None
        import pyarrow as pa

        out = pa.RecordBatch.from_pydict(self.data, schema=pa.schema([(c, pa.string()) for c in self.columns]))
        if self.open:
            self.columns = []
        self.data, self.count = {c: [] for c in self.columns}, 0
        return out


def text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, sort_keys=True)


class Process:
    """A connector process whose stdout is read line by line; its stderr is drained by a thread (so a chatty
    connector never blocks on a full pipe) and its last lines kept for the error message. Leaving the
    `with` block ends a process still running (a stop, a strict-mode failure, an error)."""

    def __init__(self, argv: list[str], cwd: Path, env: Mapping[str, str]):
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=PIPE_BYTES,
        )
        _widen(self.proc.stdout)
        self.stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr.append(raw.decode("utf-8", "replace").rstrip())

    def lines(self) -> Iterator[bytes]:
        assert self.proc.stdout is not None
        yield from self.proc.stdout

    def wait(self) -> int:
        code = self.proc.wait()
        self.reader.join(timeout=5)
        return code

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def _widen(pipe: Any) -> None:
    """Grow the pipe's kernel buffer where the OS allows it; a smaller pipe only costs speed."""
    import fcntl

    with contextlib.suppress(OSError, AttributeError, ValueError):
        fcntl.fcntl(pipe.fileno(), F_SETPIPE_SZ, PIPE_BYTES)


def child_env(env: Mapping[str, str], home: Path) -> dict[str, str]:
    """The connector's environment: the job's, with the venv first on PATH (a connector may start helpers)."""
    out = dict(env)
    out["PATH"] = f"{home / 'bin'}:{env.get('PATH', '')}"
    out["VIRTUAL_ENV"] = str(home)
    out.pop("PYTHONPATH", None)  # dativo's own paths must not shadow the connector's packages
    return out
