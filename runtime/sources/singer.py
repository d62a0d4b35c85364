"""Engines `singer` and `meltano`: a Singer tap (Meltano runs Singer taps; so does this engine, without
Meltano's project files) from its Python package in its own venv (venvs.py). `--discover` gives the
catalog; the job's stream is selected in it (incremental by the job's cursor when the job is incremental,
else a full table), then the tap runs with `--catalog` and the saved `--state`, and its SCHEMA, RECORD and
STATE messages are read from stdout (its logs go to stderr).

Exactly once, as for Airbyte (airbyte.py): the tap's last STATE value is committed in the Iceberg snapshot
with the rows read before it and handed back to the next run; a run that dies before its commit is read
again from the previous state.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..paths import PathMap
from ..spec import JobSpec
from . import Batch, SourceError, read_columns, venvs
from .records import Process, Rows, child_env, connector_config, engine_options

STATE_KEY = "singer_state"


def package_of(opts: Mapping[str, Any]) -> tuple[str, str]:
    """(pip requirement, tap program): `package` and `executable`; dativo-ingest's `tap_name` / `tap` and
    Meltano's `extractor` name the program, and the package when `package` is not set (Meltano's
    `variant: meltanolabs` is the package `meltanolabs-<tap>`)."""
    tap = opts.get("executable") or opts.get("tap_name") or opts.get("tap") or opts.get("extractor")
    variant = opts.get("variant")
    package = opts.get("package") or (f"{variant}-{tap}" if tap and variant == "meltanolabs" else tap)
    if not package:
        raise SourceError("the singer engine needs engine option `package` (the tap's pip requirement)")
    if not tap:
        tap = re.sub(r"^meltanolabs-", "", re.split(r"[=<>!~\[ ;]", str(package))[0])
    return str(package), str(tap)


def _names(spec: JobSpec) -> list[str]:
    """The names the job's stream may go by in a tap's catalog: `public.orders` is `public-orders` there."""
    wanted = [t.name for t in spec.source.tables] or list(spec.source.objects) or [spec.asset.object]
    name = wanted[0]
    return [name, name.replace(".", "-"), name.rsplit(".", 1)[-1]]


class SingerSource:
    def __init__(self, spec: JobSpec, paths: PathMap, state: dict[str, Any], env: Mapping[str, str]):
        self.spec, self.env = spec, env
        self.opts = engine_options(spec)
        self.package, self.tap = package_of(self.opts)
        self.config = connector_config(spec, env, self.opts)
        self.saved: dict[str, Any] = dict(state.get(STATE_KEY) or {})
        self.latest: dict[str, Any] | None = None
        self.columns = read_columns(spec)
        self.stream = ""

    def describe(self) -> dict[str, Any]:
        return {"engine": self.spec.source.engine, "package": self.package, "resumed": bool(self.saved)}

    def next_state(self) -> dict[str, Any]:
        chosen = self.latest if self.latest is not None else self.saved
        return {STATE_KEY: chosen} if chosen else {}

    def batches(self) -> Iterator[Batch]:
        home = venvs.ensure([self.package])
        exe = str(venvs.executable(home, self.tap))
        with tempfile.TemporaryDirectory(prefix="dativo-singer-") as tmp:
            work = Path(tmp)
            _write(work / "config.json", self.config)
            catalog = self._discover(exe, work, home)
            _write(work / "catalog.json", catalog)
            argv = [exe, "--config", "config.json", "--catalog", "catalog.json"]
            if self.saved:
                _write(work / "state.json", self.saved)
                argv += ["--state", "state.json"]
            yield from self._read(argv, work, home)

    def _discover(self, exe: str, work: Path, home: Path) -> dict[str, Any]:
        with Process([exe, "--config", "config.json", "--discover"], work, child_env(self.env, home)) as proc:
            out = b"".join(proc.lines())
            code = proc.wait()
        try:
            catalog = json.loads(out)
        except ValueError:
            catalog = None
        if code != 0 or not isinstance(catalog, dict):
            raise SourceError(self._failed("--discover", code, proc))
        return self._select(catalog)

    def _select(self, catalog: dict[str, Any]) -> dict[str, Any]:
        """The catalog with only the job's stream selected, with the job's replication method."""
        names, found = _names(self.spec), None
        for s in catalog.get("streams", []):
            ids = {s.get("tap_stream_id"), s.get("stream"), s.get("table_name")}
            chosen = found is None and any(n in ids for n in names)
            found = s if chosen else found
            for m in s.get("metadata", []):
                if m.get("breadcrumb") == []:
                    m.setdefault("metadata", {})["selected"] = chosen
                    if chosen:
                        m["metadata"].update(self._replication())
        if found is None:
            have = ", ".join(sorted(str(s.get("tap_stream_id")) for s in catalog.get("streams", [])))
            raise SourceError(f"{self.package} has no stream {names[0]!r} (it has: {have}); fix source.tables")
        self.stream = str(found.get("tap_stream_id") or found.get("stream"))
        return catalog

    def _replication(self) -> dict[str, Any]:
        inc = self.spec.source.incremental
        if self.spec.keeps_state and inc is not None and inc.cursor_field:
            return {"replication-method": "INCREMENTAL", "replication-key": inc.cursor_field}
        return {"replication-method": "FULL_TABLE"}

    def _read(self, argv: list[str], work: Path, home: Path) -> Iterator[Batch]:
        rows, offset, origin = Rows(self.columns), 0, f"singer:{self.stream}"
        with Process(argv, work, child_env(self.env, home)) as proc:
            for line in proc.lines():
                msg = _message(line)
                kind = msg.get("type")
                if kind == "RECORD" and msg.get("stream") == self.stream:
                    if (rb := rows.add(msg.get("record") or {})) is not None:
                        yield Batch(rb, origin, offset)
                        offset += rb.num_rows
                elif kind == "STATE" and isinstance(msg.get("value"), dict):
                    self.latest = msg["value"]
            code = proc.wait()
        if code != 0:
            self.latest = None  # never saved: the next run starts from the last committed state
            raise SourceError(self._failed("sync", code, proc))
        if (rb := rows.flush()) is not None:
            yield Batch(rb, origin, offset)

    def _failed(self, command: str, code: int, proc: Process) -> str:
        why = " | ".join(line for line in list(proc.stderr)[-3:] if line) or "no error message"
        return f"Singer tap {self.package} ({command}) failed (exit {code}): {why[:500]}"


def _message(line: bytes) -> dict[str, Any]:
    if not line.startswith(b"{"):
        return {}
    try:
        msg = json.loads(line)
    except ValueError:
        return {}
    return msg if isinstance(msg, dict) else {}


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, sort_keys=True), "utf-8")
    path.chmod(0o600)  # the config holds the tap's credentials
