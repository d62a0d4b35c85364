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
from collections.abc import Iterator, Mapping
from pathlib import Path

import orjson

from dativo.targets.cachedir import cache_home

from .readfile import open_fd, read_fd
from .write import existing_files

_PACKAGE_DIRS = ("compiler", "targets", "runtime", "registry")


def _digest(path: str | Path) -> str:
    fd = open_fd(path)
    try:
        return hashlib.sha256(read_fd(fd, sys.maxsize)).hexdigest()
    finally:
        os.close(fd)


def _tool_fingerprint() -> str:
    """dativo's own code (every source and template file) and the installed distributions' versions."""
    h = hashlib.sha256(sys.version.encode())
    pkg_root = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for line in sorted(_code_files(pkg_root)):
        h.update(line.encode())
    for name in _distributions():
        h.update(name.encode())
    return h.hexdigest()


def _code_files(pkg_root: str) -> list[str]:
    """`<path>:<size>:<mtime>` of every file in dativo's package folders (bytecode left out)."""
    tops = [name for name in _PACKAGE_DIRS if os.path.isdir(os.path.join(pkg_root, name))]
    out: list[str] = []
    for rel, entry in package_files(pkg_root, tops):
        st = entry.stat()
        out.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
    return out


def package_files(pkg_root: str, tops: list[str]) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path inside the package root, entry) of every file under `tops`, bytecode left out.

    os.scandir, not Path.rglob: this runs on every `--check`, a cache hit too, and Path objects for some
    150 files cost more than their stats."""
    stack = list(tops)
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(pkg_root, rel)) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        stack.append(f"{rel}/{entry.name}")
                elif entry.is_file() and not entry.name.endswith(".pyc"):
                    yield f"{rel}/{entry.name}", entry


def _distributions() -> list[str]:
    """Every `<name>-<version>.dist-info` folder on sys.path, sorted: what is installed, at which version.

    Read from the folder names, not with importlib.metadata: that imports the email package and parses
    each METADATA file, which cost a cold `--check` more than the rest of the cache (docs/performance.md).
    Every distribution counts, not only dativo's dependencies: any install or upgrade is a cache miss.
    """
    names: list[str] = []
    for entry in sys.path:
        try:
            names += [f"{entry}:{n}" for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info"))]
        except OSError:  # a zip file or a missing folder on the path holds no distribution folders
            continue
    return sorted(names)


def _files(root: Path, folders: list[str], singles: list[str]) -> dict[str, str]:
    """rel path -> digest of every YAML file under `folders` (symlinked folders not entered, as
    Path.rglob does) and of each of `singles` that is a file. os.scandir: thousands of job files."""
    out: dict[str, str] = {}
    stack = [Path(folder).as_posix() for folder in folders if (root / folder).is_dir()]
    while stack:
        rel = stack.pop()
        with os.scandir(root / rel) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(f"{rel}/{entry.name}")
                elif os.path.splitext(entry.name)[1] in (".yaml", ".yml") and entry.is_file():
                    out[f"{rel}/{entry.name}"] = _digest(entry.path)
    for rel in singles:
        if (root / rel).is_file():
            out[rel] = _digest(root / rel)
    return out


#: what the check cache keeps of a file's stat: (size, mtime in ns, inode); plain ints, so the loading worker
#: sends thousands of them cheaply (pickled os.stat_results cost the parent 30 ms on 6,000 output files)
Stat = tuple[int, int, int]


def stat_of(st: os.stat_result) -> Stat:
    return st.st_size, st.st_mtime_ns, st.st_ino


def _stat_key(st: Stat) -> str:
    return f"stat:{st[0]}:{st[1]}:{st[2]}"


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
            out[rel] = _stat_key(stat_of(entry.stat())) if was.startswith("stat:") else _digest(Path(entry.path))
    return out


class CheckCache:
    def __init__(self, root: Path, options: list[object]):  # any JSON-able values: they key the cache
        self.root = root.resolve()
        key = json.dumps([str(self.root), options, _tool_fingerprint()])
        self.path = cache_home() / "checks" / f"check-{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def hit(self) -> str | None:
        """The recorded report, only when the recorded inputs and outputs are exactly what is on disk now."""
        try:
            record = orjson.loads(self.path.read_bytes())
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
        digests: dict[str, str],
        report: str,
        started_ns: int,
        stats: Mapping[str, Stat] | None = None,
    ) -> None:
        """Record a passing result and its report; `inputs` are the digests of exactly the bytes compiled,
        `digests` the sha256 (hex) of every file in the output dir, as compared; `stats`: the stat of those
        files taken as they were digested, where known (compiler/prefetch.py)."""
        outputs: dict[str, str] = {}
        base = str(out_dir)
        for rel, digest in digests.items():
            try:
                st = (stats or {}).get(rel) or stat_of(os.stat(os.path.join(base, rel)))  # not Path: thousands of files
            except OSError:
                return
            trusted = st[1] < started_ns - 1_000_000_000  # unchanged since before the compile began
            outputs[rel] = _stat_key(st) if trusted else digest
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
            tmp.write_bytes(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))  # thousands of files: not json
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time
