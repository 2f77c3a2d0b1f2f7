"""Work split across forked processes, with the result of doing it all in one.

A bibliography of thousands of entries is rendered entry by entry, and after the
sort and disambiguation every entry can be rendered on its own. :func:`fork_map`
runs such work on several CPU cores: it forks a child process per extra chunk.
A child starts as an exact copy of this process (the parsed style, the registered
items, the decisions of disambiguation), so nothing has to be sent to it; it sends
its result back, pickled, through a pipe and exits. The first chunk is done here
meanwhile.

Nothing depends on a child succeeding. A child that raises, dies, sends something
unreadable, or hangs (it is given :data:`PATIENCE`) is simply redone here, so a
failure costs time, never output.

Forking is used only where it is safe (:func:`can_fork`):

- on Linux: macOS's system libraries are not safe to use in a forked child, and
  Windows has no ``fork``;
- in a process with a single thread: a child keeps only the forking thread, and a
  lock that another thread held at that moment stays locked in the child forever.

How many processes (:func:`jobs`): the ``DIFBIB_JOBS`` environment variable, or the
CPU cores this process may run on, at most :data:`MAX_JOBS`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from difbib.errors import DifbibError

_T = TypeVar("_T")
_R = TypeVar("_R")

#: At most this many processes by default (more rarely pays for the forks).
MAX_JOBS = 8

#: A child has this many seconds, plus this many times as long as this process took
#: for its own chunk, once this process is done; then its chunk is done here.
PATIENCE = (10.0, 4.0)

#: Fewer items than this per process are not worth a fork (a fork and its result
#: cost milliseconds; an entry or a cite, a few).
MIN_RUN = 100


def jobs(requested: int | None = None) -> int:
    """The number of processes to use: ``requested``, else ``DIFBIB_JOBS``, else the
    CPU cores available to this process (at most :data:`MAX_JOBS`); at least 1."""
    if requested is None:
        value = os.environ.get("DIFBIB_JOBS", "").strip()
        if value:
            try:
                requested = int(value)
            except ValueError:
                raise DifbibError(
                    f"DIFBIB_JOBS must be a whole number of processes, not {value!r}"
                ) from None
        else:
            try:
                cores = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):  # (not on every platform)
                cores = os.cpu_count() or 1
            requested = min(cores, MAX_JOBS)
    if requested < 1:
        raise DifbibError(f"the number of processes must be at least 1, not {requested}")
    return requested


def can_fork() -> bool:
    """Whether :func:`fork_map` may fork here: Linux, and this process's only thread."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def split(count: int, parts: int) -> list[range]:
    """``range(count)`` cut into ``parts`` consecutive runs of nearly equal length
    (the first ones one longer), leaving out empty runs."""
    size, extra = divmod(count, parts)
    runs, start = [], 0
    for k in range(parts):
        stop = start + size + (1 if k < extra else 0)
        if stop > start:
            runs.append(range(start, stop))
        start = stop
    return runs


def runs(count: int, jobs: int) -> list[range]:
    """``range(count)`` cut into at most ``jobs`` runs (:func:`split`) of at least
    :data:`MIN_RUN` items each (one run if there are too few)."""
    return split(count, max(1, min(jobs, count // max(1, MIN_RUN))))


def fork_map(work: Callable[[_T], _R], chunks: Sequence[_T]) -> list[_R]:
    """``[work(chunk) for chunk in chunks]``, the chunks after the first in forked
    children when :func:`can_fork` (see the module's docstring).

    ``work`` must not depend on what the other chunks do in this process (each
    child sees this process as it was before any chunk), and its result must
    pickle. A child's result is read when this process has done the first chunk.
    """
    if len(chunks) < 2 or not can_fork():
        return [work(chunk) for chunk in chunks]
    children: list[tuple[int, int] | None] = []  # (pid, read end of its pipe)
    try:
        for chunk in chunks[1:]:
            children.append(_start(work, chunk))
        started = time.monotonic()
        results = [work(chunks[0])]
        # a child doing as much work may take longer (a busy machine), not forever
        deadline = time.monotonic() + PATIENCE[0] + PATIENCE[1] * (time.monotonic() - started)
        for n, child in enumerate(children, 1):
            children[n - 1] = None  # _collect ends it, whatever happens
            results.append(_collect(child, work, chunks[n], deadline))
        return results
    finally:
        for child in children:  # only if this process failed: stop the others
            if child is not None:
                _stop(child)


def _start(work: Callable[[_T], _R], chunk: _T) -> tuple[int, int] | None:
    """A child doing ``work(chunk)`` and writing the pickled result to a pipe; its
    pid and the pipe's read end (``None`` if no child could be made)."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read)
            gc.disable()  # short-lived: a collection would only copy shared pages
            data = pickle.dumps(work(chunk), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers, no buffers flushed, no cleanup
    os.close(write)
    return pid, read


def _collect(
    child: tuple[int, int] | None, work: Callable[[_T], _R], chunk: _T, deadline: float
) -> _R:
    """The result the child sent, or ``work(chunk)`` done here if it sent none by
    ``deadline`` (a :func:`time.monotonic` time)."""
    if child is None:
        return work(chunk)
    pid, read = child
    data = None
    try:
        data = _read_until(read, deadline)
    finally:
        os.close(read)
        if data is None:  # interrupted or too slow: the child's work is not wanted
            _kill(pid)
        _, status = os.waitpid(pid, 0)
    if data is not None and os.waitstatus_to_exitcode(status) == 0:
        try:
            result: _R = pickle.loads(data)
            return result
        except Exception:  # noqa: BLE001 - a truncated or garbled result: redo it
            pass
    return work(chunk)


def _read_until(fd: int, deadline: float) -> bytes | None:
    """All that ``fd`` gives until end of file, or ``None`` if that takes past
    ``deadline``."""
    parts: list[bytes] = []
    poll = select.poll()  # (not select.select: it cannot watch a descriptor above 1023)
    poll.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0 or not poll.poll(wait * 1000):
            return None
        part = os.read(fd, 1 << 20)
        if not part:
            return b"".join(parts)
        parts.append(part)


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):  # (already gone)
        os.kill(pid, signal.SIGKILL)


def _stop(child: tuple[int, int] | None) -> None:
    """End a child whose result is no longer wanted."""
    if child is None:
        return
    pid, read = child
    _kill(pid)
    os.waitpid(pid, 0)
    os.close(read)
