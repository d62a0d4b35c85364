"""Work on the second core: forked children that send pickled messages back through a pipe.

A compile is interpreter-bound, so threads would not help; fork, because a child then starts with
everything the parent holds (spawn would start an interpreter and import again). Pipes and pickle are
used directly, without multiprocessing: its import costs about as much as a hundred small files' load.
Used by compiler/prefetch.py, which loads the files the parent did not get from its child itself.
"""

from __future__ import annotations

import os
import signal
import struct
from collections.abc import Callable
from typing import NoReturn

_HEADER = struct.Struct("<Q")
_children: list[int] = []  # children not yet reaped
#: whether work may be forked: set by the console script (cli.entry), whose process ends with the command,
#: so a child never outlives its use; callers in a longer-lived process (tests, a program embedding
#: dativo) work in one process unless they set it
enabled = False


def may_fork() -> bool:
    """Whether a child can help: allowed, fork exists, and the process may run on two cores or more (a
    cpuset of one core, from taskset or a container's CPU limit, would have the two share it)."""
    return enabled and hasattr(os, "fork") and len(os.sched_getaffinity(0)) >= 2


def fork(work: Callable[[int], None]) -> tuple[int, int] | None:
    """(read end of a pipe from a child running `work(write_end)`, its pid), or None where may_fork() says no.
    The child never returns into the caller's code; whatever it raises ends it, and the parent sees the
    pipe end early."""
    if not may_fork():
        return None
    reap()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(work, read_end, write_end)
    os.close(write_end)
    _children.append(pid)
    return read_end, pid


def _child(work: Callable[[int], None], read_end: int, write_end: int) -> NoReturn:
    code = 0
    try:
        os.close(read_end)
        work(write_end)
    except BaseException:  # the parent does what the child did not send
        code = 1
    finally:
        os._exit(code)


def end(pid: int) -> None:
    """Stop a child whose work is no longer wanted and collect its exit (a few milliseconds: it was forked
    small). A long-lived process (`dativo run`) is then left with no zombie."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    if pid in _children:
        _children.remove(pid)


def reap() -> None:
    """Collect the exit of finished children (the parent never waits for one)."""
    for pid in list(_children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _children.remove(pid)


def send(fd: int, data: bytes) -> None:
    """One message (pickled by the caller): its length, then its bytes."""
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd: int) -> bytes:
    """The next message; EOFError when the child ended (or died) first."""
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    return _read_exactly(fd, size)


def _read_exactly(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the child closed its end")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
