"""A result cache for `compile --check` on unchanged inputs (docs/performance.md#budgets: at most 0.3 s).

Only passing results are cached: no errors, output on disk equal to what compile writes; the
report (warnings) is stored with it and printed again on a hit, so a warning never goes quiet.
The fast path hashes the inputs and the output files and imports nothing heavy (no pydantic,
ruamel, networkx); any difference, or any doubt, falls through to a full compile.
The cache lives outside the project (XDG cache dir), keyed by project root and options.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

from dativo.targets.cachedir import cache_home

from .write import existing_files

_DEPS = ("pydantic", "pydantic-core", "ruamel.yaml", "croniter", "networkx", "jinja2", "tzdata")
_PACKAGE_DIRS = ("compiler", "targets", "runtime", "registry")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tool_fingerprint() -> str:
    """dativo's own code (every source and template file) and its dependencies' versions."""
    h = hashlib.sha256(sys.version.encode())
    pkg_root = Path(__file__).resolve().parent.parent
    for name in _PACKAGE_DIRS:
        base = pkg_root / name if (pkg_root / name).is_dir() else None
        if base is None:
            continue
        for f in sorted(base.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                st = f.stat()
                h.update(f"{f.relative_to(pkg_root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    for dep in _DEPS:
        try:
            h.update(f"{dep}={metadata.version(dep)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dep}=-".encode())
    return h.hexdigest()


def _files(root: Path, folders: list[str], singles: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for folder in folders:
        base = root / folder
        if base.is_dir():
            for f in base.rglob("*"):
                if f.suffix in (".yaml", ".yml") and f.is_file():
                    out[f.relative_to(root).as_posix()] = _digest(f)
    for rel in singles:
        if (root / rel).is_file():
            out[rel] = _digest(root / rel)
    return out


def _stat_key(st: os.stat_result) -> str:
    return f"stat:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _outputs(out_dir: Path, recorded: dict[str, str]) -> dict[str, str] | None:
    """Each output file as recorded: by stat where the record trusts it, else by digest.

    Outputs are thousands of files (a unit pair and a CronJob per schedule): hashing them all would
    cost more than the rest of the fast path. A stat signature is recorded only for files last
    changed before the compile that checked them began, so what was compared is what is there (as
    git's index does; a file rewritten with the same size and a forged mtime would pass, as in git).
    """
    if not out_dir.is_dir():
        return None
    out: dict[str, str] = {}
    for rel, entry in existing_files(out_dir).items():
        if entry.is_file():
            was = recorded.get(rel, "")
            out[rel] = _stat_key(entry.stat()) if was.startswith("stat:") else _digest(Path(entry.path))
    return out


class CheckCache:
    def __init__(self, root: Path, options: list[object]):  # any JSON-able values: they key the cache
        self.root = root.resolve()
        key = json.dumps([str(self.root), options, _tool_fingerprint()])
        self.path = cache_home() / "checks" / f"check-{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def hit(self) -> str | None:
        """The recorded report, only when the recorded inputs and outputs are exactly what is on disk now."""
        try:
            record = json.loads(self.path.read_text("utf-8"))
            inputs = _files(self.root, record["folders"], record["singles"])
            outputs = _outputs(Path(record["out_dir"]), record["outputs"])
            same = inputs == record["inputs"] and outputs == record["outputs"]
            return str(record["report"]) if same else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(
        self,
        out_dir: Path,
        folders: list[str],
        singles: list[str],
        inputs: dict[str, str],
        artifacts: dict[str, str],
        report: str,
        started_ns: int,
    ) -> None:
        """Record a passing result and its report; `inputs` are the digests of exactly the bytes compiled."""
        outputs: dict[str, str] = {}
        for rel, text in artifacts.items():
            try:
                st = (out_dir / rel).stat()
            except OSError:
                return
            trusted = st.st_mtime_ns < started_ns - 1_000_000_000  # unchanged since before the compile began
            outputs[rel] = _stat_key(st) if trusted else hashlib.sha256(text.encode("utf-8")).hexdigest()
        record = {
            "out_dir": str(out_dir.resolve()),
            "folders": folders,
            "singles": singles,
            "inputs": inputs,
            "outputs": outputs,
            "report": report,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(record, sort_keys=True), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time
