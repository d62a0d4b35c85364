"""Whole small files read with few syscalls and no big buffer.

`open(path, "rb").read(limit)` allocates `limit` bytes before reading: with the loader's 8 MiB bound
that was an 8 MiB buffer (an mmap and munmap) for each of thousands of small job files, five times
the cost of reading them; and `read()` without a bound pays a buffered file object and an fstat.
Here a file is read in 64 KiB chunks straight from its descriptor.
"""

from __future__ import annotations

import os

CHUNK = 1 << 16
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def open_fd(path: str | os.PathLike[str]) -> int:
    """A read-only descriptor of `path` (OSError as `open` raises it)."""
    return os.open(path, _FLAGS)


def read_fd(fd: int, limit: int) -> bytes:
    """The bytes of `fd` up to its end or `limit` bytes, whichever comes first (a folder: OSError EISDIR)."""
    data = os.read(fd, min(CHUNK, limit))
    if not data:
        return data
    parts, size = [data], len(data)
    while size < limit:  # a pipe may return less than it has: read until the end, not the first short read
        data = os.read(fd, min(CHUNK, limit - size))
        if not data:
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts)
