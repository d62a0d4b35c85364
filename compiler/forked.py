"""Work on the second core: forked children that send pickled messages back through a pipe.

A compile is interpreter-bound, so threads would not help; fork, because a child then starts with
everything the parent holds (spawn would start an interpreter and import again). Pipes, shared memory
and pickle are used directly, without multiprocessing: its import costs about as much as a hundred small
files' load. Used by compiler/prefetch.py, which loads the files the parent did not get from its child
itself, and by `Side`: a part of a compile's tail that runs beside the rest (compiler/pipeline.py,
compiler/emit.py), or the base side of `dativo plan` (compiler/commands/plan.py). A child forks no
children of its own.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterator
from typing import Generic, NoReturn, TypeVar

T = TypeVar("T")

_PLACE = struct.Struct("<qQ")  # (offset in the arena, or -1: the bytes follow in the pipe; length)
ARENA = 64 << 20  # bytes of messages a child may have sent before the parent reads them (pages used as written)
_children: list[int] = []  # children not yet reaped
#: whether work may be forked: set by the console script (cli.entry), whose process ends with the command,
#: so a child never outlives its use; callers in a longer-lived process (tests, a program embedding
#: dativo) work in one process unless they set it
enabled = False
#: whether the process ends with the command: set by the console script (cli.entry), which leaves with
#: os._exit; `enabled` may be off meanwhile (`alone`, a child), this stays
leaving = False
#: the fewest items (jobs, schedules) a Side forks a child for: forking a compile's process, sending the
#: result and reading it cost 3 to 5 ms; a project check or the targets' checks take about that for 200
SIDE_ITEMS = 200
_held: list[object] = []  # see keep


def keep(held: object) -> None:
    """Hold `held` until the process ends, where it ends with the command (`leaving`): the console script
    leaves with os._exit (cli.entry), so freeing a compile's objects one by one on the way out, a
    reference count at a time, is wasted (10-15 ms of a 0.5 s compile of 2,000 small files). Elsewhere
    (tests, a program embedding dativo) nothing is held."""
    if leaving:
        _held.append(held)


def may_fork() -> bool:
    """Whether a child can help: allowed, fork exists, and the process may run on two cores or more (a
    cpuset of one core, from taskset or a container's CPU limit, would have the two share it)."""
    return enabled and hasattr(os, "fork") and len(os.sched_getaffinity(0)) >= 2


class Channel:
    """Messages from a child to its parent: their bytes in memory both share, their places through a pipe.
    A child so never waits for its parent to read: a pipe holds 64 KiB, and a parent busy importing reads
    nothing (a project's runner config alone can be more). A message the arena has no room left for goes
    through the pipe itself. The pipe's end also tells the parent that the child ended (or died)."""

    def __init__(self) -> None:
        self._arena = mmap.mmap(-1, ARENA)  # anonymous and shared: the forked child writes, the parent reads
        self.read_end, self.write_end = os.pipe()
        self._used = 0  # the child's: where its next message goes

    def send(self, data: bytes) -> None:
        """The child's side: one message (pickled by the caller)."""
        size, at = len(data), self._used
        if at + size <= ARENA:
            self._arena[at : at + size] = data
            self._used += size
            _write_all(self.write_end, _PLACE.pack(at, size))
        else:
            _write_all(self.write_end, _PLACE.pack(-1, size) + data)

    def receive(self) -> bytes:
        """The parent's side: the next message; EOFError when the child ended (or died) first."""
        at, size = _PLACE.unpack(_read_exactly(self.read_end, _PLACE.size))
        return _read_exactly(self.read_end, size) if at < 0 else self._arena[at : at + size]

    def close(self) -> None:
        os.close(self.read_end)
        self._arena.close()


def fork(work: Callable[[Channel], None]) -> tuple[Channel, int] | None:
    """(the channel from a child running `work(channel)`, its pid), or None where may_fork() says no. The
    child never returns into the caller's code; whatever it raises ends it, and the parent sees the
    channel end early."""
    if not may_fork():
        return None
    reap()
    try:
        channel = Channel()
    except OSError:  # no memory or descriptors to spare (a strict overcommit policy, say): one process does it all
        return None
    try:
        pid = os.fork()
    except OSError:  # no process to spare (EAGAIN, ENOMEM): the same
        os.close(channel.write_end)
        channel.close()
        return None
    if pid == 0:
        _child(work, channel)
    os.close(channel.write_end)
    _children.append(pid)
    return channel, pid


class Side(Generic[T]):
    """`work()` computed by a forked child while the parent goes on; `result()` gives its value, pickled
    back. Where no child may be forked, or the child failed (it raised, or died), `result()` calls `work()`
    here instead: so the value is the same either way, and an exception is raised here as it would have
    been. `work` must therefore read only what the parent holds when it forks (a child sees nothing done
    after), and change nothing the parent reads later (what it changes in the child is lost)."""

    def __init__(self, work: Callable[[], T], items: int):
        """`items`: how many things `work` goes through (jobs, schedules); below SIDE_ITEMS it runs here,
        in `result()`: the fork and the pickle back would cost more than they save."""
        self._work = work
        send = lambda channel: channel.send(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))  # noqa: E731
        self._child = fork(send) if items >= SIDE_ITEMS else None

    def result(self) -> T:
        """The value of `work()` (the parent waits for the child, if it is still at it)."""
        child, self._child = self._child, None
        if child is not None:
            channel = child[0]
            try:
                value: T = pickle.loads(channel.receive())
                return value
            except (OSError, EOFError, pickle.UnpicklingError, ValueError):
                pass  # the child sent nothing whole: computed here
            finally:
                channel.close()
                reap()  # never waits: the child exits once it has sent (a large one takes a while to)
        return self._work()

    @property
    def running(self) -> bool:
        """Whether a child computes the value (`result()` not called yet)."""
        return self._child is not None

    def cancel(self) -> None:
        """The value is not wanted: its child, if any, is stopped (`result()` would compute it again)."""
        child, self._child = self._child, None
        if child is not None:
            end(child[1])
            child[0].close()


@contextlib.contextmanager
def alone(when: bool = True) -> Iterator[None]:
    """Within the block (`when` it is wanted), this process forks no child: the second core is taken."""
    global enabled
    was = enabled
    enabled = enabled and not when
    try:
        yield
    finally:
        enabled = was


def _child(work: Callable[[Channel], None], channel: Channel) -> NoReturn:
    global enabled
    code = 0
    enabled = False  # a child works alone: children of its own would compete with its parent for the cores
    try:
        os.close(channel.read_end)
        work(channel)
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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the child closed its end")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
