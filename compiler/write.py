"""Write artifacts into the output dir, and nowhere else."""

from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path

from .outdir import MARKER, UnsafeOutput, check_owned, guard, in_scope, is_marker, locked, with_marker

__all__ = ["UnsafeOutput", "existing_files", "safe_join", "write_artifacts"]


def safe_join(out_dir: Path, rel: str) -> Path:
    """`out_dir/rel`, refusing absolute paths, `..` and anything that resolves outside out_dir."""
    norm = posixpath.normpath(rel)
    # a backslash is a separator on Windows only; systemd unit names hold escapes ('a-b' is 'a\x2db'),
    # so refuse `..` between either separator rather than every backslash
    parts = rel.replace("\\", "/").split("/")
    if rel.startswith(("/", "\\")) or ".." in parts or norm in (".", "") or "\x00" in rel:
        raise UnsafeOutput(f"artifact path {rel!r} is not inside the output dir")
    path = out_dir / norm
    base = out_dir.resolve()
    if base not in path.resolve().parents:
        raise UnsafeOutput(f"artifact path {rel!r} resolves outside the output dir")
    return path


def existing_files(out_dir: Path, nested: list[str] | None = None) -> dict[str, os.DirEntry]:
    """Every file (and symlink) under out_dir: its POSIX path inside out_dir -> its directory entry.
    A folder holding its own marker is another output dir (an environment's, `generated/staging`): not
    listed, so this dir's compile neither removes nor reports it; `nested` gets the path of each
    (nested_outputs, in no order).

    os.scandir, not Path.rglob: outputs are thousands of files (a unit pair and a CronJob per
    schedule), and rglob spent more on them than the compare it feeds.
    """
    out: dict[str, os.DirEntry] = {}
    if not out_dir.is_dir():
        return out
    stack = [("", str(out_dir))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:  # an unreadable folder shows no files, as with Path.rglob: they count as missing
            continue
        with entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not is_marker(Path(entry.path, MARKER)):
                        stack.append((rel + "/", entry.path))
                    elif nested is not None:
                        nested.append(rel)
                else:
                    out[rel] = entry
    return out


def nested_outputs(out_dir: Path) -> list[str]:
    """Folders inside out_dir that hold their own marker: other compiles' output dirs (an environment's,
    `generated/staging`), which this dir's files leave out (existing_files, which finds them). Sorted."""
    found: list[str] = []
    existing_files(out_dir, found)
    return sorted(found)


def write_artifacts(
    out_dir: Path,
    artifacts: dict[str, str],
    root: Path,
    inputs: Iterable[str] = (),
    scope: Collection[str] | None = None,
) -> tuple[list[str], list[str]]:
    """Make out_dir hold exactly `artifacts` and the ownership marker; returns (written, removed).
    `scope`: the targets compiled (`--target`): only files in their folders are removed, the other
    targets' artifacts stay as they are.

    Refused (UnsafeOutput, nothing written) unless out_dir may be owned (see outdir.py). Unchanged
    files are not touched. Under an flock on out_dir, so concurrent compiles into it serialise.
    """
    real = guard(out_dir, root, inputs)
    try:
        real.mkdir(parents=True, exist_ok=True)
        with locked(real):
            present = set(existing_files(real))
            check_owned(real, present, artifacts)
            return _sync(real, with_marker(artifacts), {rel for rel in present if in_scope(rel, scope)})
    except OSError as e:  # permissions, a full disk, a folder replaced meanwhile: an environment error
        raise UnsafeOutput(f"cannot write the output dir {str(out_dir)!r}: {e.strerror or e}") from None


def _sync(out_dir: Path, files: dict[str, str], present: set[str]) -> tuple[list[str], list[str]]:
    targets = {rel: safe_join(out_dir, rel) for rel in sorted(files)}
    written: list[str] = []
    for rel, path in targets.items():
        data = files[rel].encode("utf-8")
        if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dativo-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # atomic: readers see the old or the new file, never half of one
        written.append(rel)
    removed = sorted(present - set(files))
    for rel in removed:
        safe_join(out_dir, rel).unlink(missing_ok=True)
    for d in sorted({p for p in out_dir.rglob("*") if p.is_dir()}, key=lambda p: len(p.parts), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    return written, removed
