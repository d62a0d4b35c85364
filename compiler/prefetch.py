"""A compile's reads on two cores: a worker loads the project's files while the parent imports.

A compile spends its first fifth importing pydantic, the models and the checks, and loading the YAML
files is most of the rest of what scales with the project. `start` forks a worker before those imports;
it guesses the files the compile reads from dativo.yaml's raw `paths` (the defaults otherwise), loads
them in the order the compile asks for them (compiler/load.py: read, decode, compose, spans) and sends
each document with its load diagnostics; then it digests the output dir's files, which `--check`'s
manifest proof needs. The parent takes a document from the worker when the worker sent it, and loads
it itself otherwise (a file outside the guess, a worker that died): the same function on the same file,
so which process loaded a file never shows in the result, diagnostics included (they are added when the
parent takes the document, in its own order).

The worker is a compiler/forked.py child: only the console script forks one.
"""

from __future__ import annotations

import contextlib
import mmap
import pickle
import select
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import forked, pathdefaults

if TYPE_CHECKING:
    from .cache import Stat
    from .diagnostics import Diagnostics
    from .document import Document

_ORDER = (("registry", False), ("connectors", True), ("assets", True), ("runner", False), ("jobs", True))
_BATCH = 32  # documents per message: fewer pickles and syscalls than one each, little wait for the first


class Files:
    """Where a compile gets its documents: this one loads each file itself (one process)."""

    def load(self, root: Path, rel: str, shown: str, diags: Diagnostics) -> Document | None:
        """The document of `root`/`rel` (shown as `shown`), or of a file dativo ships (`rel` is its
        pathdefaults.packaged_key), its load diagnostics added to `diags`."""
        from .load import load_file, load_packaged

        if (name := pathdefaults.packaged_name(rel)) is not None:
            return load_packaged(name, diags)
        return load_file(root / rel, shown, diags)

    def out_dir(self, out_dir: Path) -> OutDir | None:
        """Output dir `out_dir` as the worker found it, if it took that one (see OutDir)."""
        return None

    def close(self) -> None:
        """Nothing more will be asked for."""


class Prefetched(Files):
    """The parent's side: documents as the worker sends them, and, while it waits for one, the worker's
    last files loaded here (the two take files from opposite ends of the worker's list: `_Claims`)."""

    def __init__(self, root: Path, child: tuple[forked.Channel, int], claims: _Claims):
        self._root, (self._channel, self._pid), self._claims = root, child, claims
        self._docs: dict[str, tuple[str, Document | None, list]] = {}
        self._todo: list[tuple[str, str]] = []  # the worker's files (rel, shown), once it has said which
        self._loading = True  # the worker may still send documents
        self._out: OutDir | None = None  # the output dir the worker took
        self._open = True

    def load(self, root: Path, rel: str, shown: str, diags: Diagnostics) -> Document | None:
        while rel not in self._docs and self._loading:
            if not select.select([self._channel.read_end], [], [], 0)[0] and self._steal():
                continue  # nothing sent yet: one of the worker's last files loaded here meanwhile
            if not self._receive():
                break
        got = self._docs.pop(rel, None)
        if got is None or got[0] != shown:  # not in the worker's guess (or named otherwise): load it here
            return super().load(root, rel, shown, diags)
        diags.extend(got[2])
        return got[1]

    def _steal(self) -> bool:
        """Load the worker's last unclaimed file here; False when none is left."""
        if not self._todo:
            return False  # the worker has not said which files it loads yet
        index = self._claims.take_back()
        if index is None:
            return False
        rel, shown = self._todo[index]
        self._docs[rel] = _load(self._root, rel, shown)
        return True

    def out_dir(self, out_dir: Path) -> OutDir | None:
        while self._open and self._receive():
            pass
        return self._out if self._out is not None and self._out.where == out_dir.resolve() else None

    def _receive(self) -> bool:
        """One message from the worker; False when there are no more (it finished, or died)."""
        try:
            kind, body = pickle.loads(self._channel.receive())
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            kind, body = "end", None
        if kind == "files":
            self._todo = body
            self._claims.start_back(len(body))
            return True
        if kind == "docs":
            for rel, got in body:
                self._docs.setdefault(rel, got)  # a file both loaded (they met): the same document
            return True
        self._loading = False
        if kind == "out":
            self._out = body
            return True
        self.close()
        return False

    def close(self) -> None:
        if self._open:
            self._open, self._loading = False, False
            self._channel.close()
            self._claims.close()
            forked.end(self._pid)


class _Claims:
    """Which of the worker's files each side takes, in memory both share: the worker takes its list from
    the front and records the next index (`front`), the parent from the back (`back`: the first index it
    took). Each writes one number and reads the other's; when they meet, both may load one file, which
    costs a load and changes nothing (same file, same document), so no lock is needed."""

    _INT = struct.Struct("<q")

    def __init__(self) -> None:
        self._mem = mmap.mmap(-1, 2 * self._INT.size)  # anonymous and shared: forked children see it
        self._set(0, 0)
        self._set(1, 1 << 62)  # the parent has taken nothing (it learns the list's length later)

    def _get(self, slot: int) -> int:
        return int(self._INT.unpack_from(self._mem, slot * self._INT.size)[0])

    def _set(self, slot: int, value: int) -> None:
        self._INT.pack_into(self._mem, slot * self._INT.size, value)

    def take_front(self, index: int) -> bool:
        """The worker takes file `index` unless the parent has."""
        self._set(0, index + 1)
        return index < self._get(1)

    def take_back(self) -> int | None:
        """The parent takes the last file nobody has taken: its index, or None."""
        index = self._get(1) - 1
        if index <= self._get(0):  # the worker is at (or past) it: nothing left worth taking
            return None
        self._set(1, index)
        return index

    def start_back(self, length: int) -> None:
        """The parent learns how many files the worker's list has."""
        if self._get(1) > length:
            self._set(1, length)

    def close(self) -> None:
        self._mem.close()


def start(root: Path, out: Path | None = None, *, digest_out: bool = False) -> Files:
    """A worker loading `root`'s files (and, with `digest_out`, digesting the files of `out`, default the
    guessed output dir), or, where no child may be forked (forked.may_fork), the parent alone."""
    if not forked.may_fork():
        return Files()
    root = root.resolve()
    try:
        claims = _Claims()
    except OSError:  # no memory to share: see forked.fork
        return Files()
    child = forked.fork(lambda channel: _work(root, out, digest_out, channel, claims))
    if child is None:
        claims.close()
        return Files()
    return Prefetched(root, child, claims)


@contextlib.contextmanager
def loading(root: Path, out: Path | None = None, *, digest_out: bool = False) -> Iterator[Files]:
    """`start`, and the worker ended when the block is: commands start it before their heavy imports."""
    files = start(root, out, digest_out=digest_out)
    try:
        yield files
    finally:
        files.close()


def _work(root: Path, out: Path | None, digest_out: bool, channel: forked.Channel, claims: _Claims) -> None:
    from .paths import display_prefix, join_display

    display = display_prefix(root)
    paths = guessed_paths(root)
    todo = [(rel, pathdefaults.packaged_name(rel) or join_display(display, rel)) for rel in _guessed_files(root, paths)]
    _send(channel, ("files", todo))
    batch: list[tuple[str, tuple]] = []
    for index, (rel, shown) in enumerate(todo):
        if not claims.take_front(index):
            break  # the parent loads the rest
        batch.append((rel, _load(root, rel, shown)))
        if len(batch) >= _BATCH:
            _send(channel, ("docs", batch))
            batch = []
    if batch:
        _send(channel, ("docs", batch))
    if digest_out:  # while the parent checks the jobs: it needs these only for the manifest's proof
        _send(channel, ("out", _taken(out or root / paths["out"])))
    _send(channel, ("end", None))


def _load(root: Path, rel: str, shown: str) -> tuple[str, Document | None, list]:
    """(shown, document, load diagnostics) of one file."""
    from .diagnostics import Diagnostics

    diags = Diagnostics()
    doc = Files().load(root, rel, shown, diags)
    return shown, doc, list(diags)


def guessed_paths(root: Path) -> dict[str, str]:
    """The project's paths as dativo.yaml writes them (its raw `paths`, the defaults for the rest): read
    before anything is validated, so a guess (a bad dativo.yaml gives the defaults)."""
    from .diagnostics import Diagnostics
    from .load import load_file

    paths = dict(pathdefaults.DEFAULTS)
    doc = load_file(root / "dativo.yaml", "dativo.yaml", Diagnostics())
    raw = doc.data.get("paths") if doc is not None else None
    if isinstance(raw, dict):
        paths.update({k: v.strip("/") for k, v in raw.items() if k in paths and isinstance(v, str) and v})
    return paths


def _guessed_files(root: Path, paths: dict[str, str]) -> Iterator[str]:
    """dativo.yaml, the registry (or the one dativo ships), the recipes, the assets, the runner config, the
    jobs and the DAGs, in the order load_project reads them, folders listed as it lists them (what they report is its to say)."""
    from .diagnostics import Diagnostics
    from .discover import find_configs, kind
    from .paths import PathResolver

    resolver = PathResolver(root)
    for name, is_folder in (("dativo.yaml", False), *_ORDER, ("dags", True)):
        rel, problem = resolver.to_rel(paths.get(name, name))
        if rel is None or problem is not None:
            continue  # outside the project: never read
        if is_folder:
            yield from find_configs(root, rel, resolver, str, Diagnostics(), set())
        elif (found := kind(root / rel)[0]) == "file":
            yield rel  # a regular file, as load_project reads it: never a pipe
        elif name == "registry" and found == "missing" and paths["registry"] == pathdefaults.REGISTRY:
            yield pathdefaults.packaged_key(pathdefaults.PACKAGED_REGISTRY)  # a project without a registry reads it


@dataclass
class OutDir:
    """An output dir as the worker found it while the parent compiled: what `--check` needs of it (the
    manifest's proof, the check cache's record, the stray output folders), so the parent lists, reads
    and digests nothing there itself."""

    where: Path  # resolved
    digests: dict[str, str]  # path inside it -> sha256, for every file there but the manifest (write.existing_files)
    stats: dict[str, Stat]  # the stat of each, taken on the descriptor it was digested from
    tree: str  # manifest.tree(digests)
    record: Any  # the manifest, as manifest.read_record gives it
    nested: list[str]  # write.nested_outputs: the folders there that hold a marker of their own


def _taken(out_dir: Path) -> OutDir | None:
    """The output dir, if it is one dativo wrote with a manifest (marker and manifest there: `--out /` or
    a folder of someone else's is never walked; the parent's guard says why)."""
    from .cache import stat_of
    from .manifest import MANIFEST, file_digest_stat, read_record, tree
    from .outdir import MARKER, is_marker
    from .write import existing_files

    if not is_marker(out_dir / MARKER) or not (out_dir / MANIFEST).is_file():
        return None
    nested: list[str] = []
    try:
        listed = existing_files(out_dir, nested)
        found = {rel: file_digest_stat(e.path) for rel, e in listed.items() if rel != MANIFEST}
    except OSError:
        return None
    digests = {rel: d for rel, (d, _) in found.items()}
    return OutDir(
        out_dir.resolve(),
        digests,
        {rel: stat_of(st) for rel, (_, st) in found.items()},
        tree(digests),
        read_record(str(out_dir / MANIFEST)) if MANIFEST in listed else None,
        sorted(nested),
    )


def _send(channel: forked.Channel, message: Any) -> None:
    channel.send(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
