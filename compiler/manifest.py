"""The output manifest: lets `compile --check` prove the targets' files unchanged without rendering them.

`dativo compile` writes `.dativo-manifest.json` into the output dir: a digest of everything rendering
depends on (`emit_key`: the plan's canonical text, the targets compiled and their typed settings, dativo's
own code and templates, the versions of the libraries that render) and one digest of the files it wrote
(`tree`: each file's path and sha256). `--check` computes the same key from the plan; when it equals the
manifest's and the output dir's files give the recorded tree digest, the check passes without rendering.
One tree digest rather than a digest per file: a mismatch means a full render and diff anyway, and the
manifest stays a few lines, committed with the output, whatever the project's size. Anything
else (no manifest, another key, a file edited, missing or added, a manifest that does not parse) falls
back to the full render and drift report, so what `--check` reports is unchanged.

The manifest is a hint, not an artifact: the drift report neither compares nor lists it, so a manifest
left stale by a code change costs the fast path only. Its bytes depend on nothing but the key's parts
and the files: no absolute paths, no times (the same on every machine with the same dativo).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Collection
from typing import Any

from .cache import package_files
from .readfile import open_fd, read_fd

MANIFEST = ".dativo-manifest.json"
FORMAT = 2
#: what the targets' code is: their folder (sources and templates) and the modules outside it that they
#: import, directly or not (tests/test_manifest.py checks this list against their imports), less the
#: diagnostics API (`FINDINGS_ONLY`): the targets use it to report findings, which `--check` computes in
#: full every time, never to render; hashing it would make every new diagnostic code a manifest change
_CODE_DIR = "targets"
RENDER_MODULES = (
    "compiler/__init__.py",
    "runtime/__init__.py",
    "runtime/cron.py",
    "runtime/exitcodes.py",
    "runtime/jsonpath.py",
    "runtime/plan.py",
    "runtime/spec.py",
)
FINDINGS_ONLY = (
    "compiler/code.py",
    "compiler/codes.py",
    "compiler/diagnostics.py",
    "compiler/emit_codes.py",
    "compiler/graph_codes.py",
)
#: the distributions whose versions can change what the targets render (dativo's own included)
_RENDER_DISTS = frozenset(
    {"dativo", "jinja2", "markupsafe", "pydantic", "pydantic_core", "croniter", "orjson", "tzdata", "python_dateutil"}
)
_code_key: str | None = None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_key() -> str:
    """A digest of the targets' code by content (`RENDER_MODULES` and every file of targets/: sources and
    templates, bytecode left out), the Python minor version and the versions of the distributions that render."""
    global _code_key
    if _code_key is None:
        h = hashlib.sha256(f"py{sys.version_info[0]}.{sys.version_info[1]}\n".encode())
        pkg_root = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
        files = [(rel, os.path.join(pkg_root, rel)) for rel in RENDER_MODULES]
        files += [(rel, entry.path) for rel, entry in package_files(pkg_root, [_CODE_DIR])]
        for rel, path in sorted(files):
            h.update(f"{rel}:{file_digest(path)}\n".encode())
        for name in _render_distributions():
            h.update(f"{name}\n".encode())
        _code_key = h.hexdigest()
    return _code_key


def _render_distributions() -> list[str]:
    """`<name>-<version>` of the rendering distributions installed, from the dist-info folder names (no
    importlib.metadata: it costs more than the rest of the key), without their folders (machine-specific)."""
    found: set[str] = set()
    for entry in sys.path:  # installed packages only: the cwd (`python -m`) may hold any egg-info
        if not entry.endswith(("site-packages", "dist-packages")):
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for n in names:
            if n.endswith(".dist-info"):
                stem = n.removesuffix(".dist-info")
                dist = stem.split("-", 1)[0].lower().replace(".", "_").replace("-", "_")
                if dist in _RENDER_DISTS:
                    found.add(stem)
    return sorted(found)


def file_digest(path: str) -> str:
    fd = open_fd(path)
    try:
        return sha256(read_fd(fd, sys.maxsize))
    finally:
        os.close(fd)


def file_digest_stat(path: str) -> tuple[str, os.stat_result]:
    """file_digest, and the stat of the same open file (what the check cache records of it)."""
    fd = open_fd(path)
    try:
        return sha256(read_fd(fd, sys.maxsize)), os.fstat(fd)
    finally:
        os.close(fd)


def emit_key(plan_text: str, settings: dict[str, Any]) -> str:
    """The digest of what rendering depends on; `settings`: each rendered target's name -> typed settings."""
    from dativo.runtime.plan import text_sha256  # here: the loading worker imports this module, never pydantic

    parts = {
        "format": FORMAT,
        "code": code_key(),
        "plan": text_sha256(plan_text),
        "targets": {name: settings[name].model_dump(mode="json") for name in sorted(settings)},
    }
    return sha256(json.dumps(parts, sort_keys=True, ensure_ascii=True).encode())


def tree(digests: dict[str, str]) -> str:
    """One digest of a set of files (path inside the output dir -> sha256 of its content)."""
    return sha256("".join(f"{rel}\0{digests[rel]}\n" for rel in sorted(digests)).encode("utf-8"))


def text(key: str, files: dict[str, str]) -> str:
    """The manifest for `files` (path inside the output dir -> content, the marker included)."""
    digests = {rel: sha256(content.encode("utf-8")) for rel, content in files.items()}
    record = {"format": FORMAT, "key": key, "files": len(digests), "tree": tree(digests)}
    return json.dumps(record, sort_keys=True, indent=1) + "\n"


def read_record(path: str) -> Any:
    """The manifest at `path`, parsed; None when it cannot be read or parsed (nested past the parser's
    depth too: the manifest is a hint, a full check follows)."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except (OSError, ValueError, RecursionError):
        return None


def records(record: Any, key: str, files: int, tree_digest: str) -> bool:
    """Whether a manifest (`record`, as read_record gives it) says: rendered with `key`, `files` files
    (the manifest left out) whose `tree` digest is `tree_digest`."""
    return (
        isinstance(record, dict)
        and record.get("format") == FORMAT
        and record.get("key") == key
        and record.get("files") == files
        and record.get("tree") == tree_digest
    )


def unchanged(key: str, on_disk: dict[str, str]) -> dict[str, str] | None:
    """The digests of the files in the output dir (`on_disk`: path inside it -> absolute path, every file
    there) when the manifest there records `key` and exactly these files with this content; else None."""
    where = on_disk.get(MANIFEST)
    if where is None:
        return None
    record = read_record(where)
    names = [rel for rel in on_disk if rel != MANIFEST]
    # the key first: a stale manifest (another plan, another dativo) spares digesting every file
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    try:
        digests = {rel: file_digest(on_disk[rel]) for rel in names}
    except OSError:
        return None
    return digests if records(record, key, len(names), tree(digests)) else None


def without(names: Collection[str]) -> list[str]:
    """`names` less the manifest (what compile reports as written or removed)."""
    return [n for n in names if n != MANIFEST]
