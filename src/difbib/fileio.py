"""Safe file writes: atomic replacement, symlinks written through, and OS file locks.

Three guarantees for every project file difbib writes (``papers.md``, ``library.bib``,
``arxiv-cache.json``, ``.difbib-zotero.json``, exported files):

* **Atomic.** :func:`atomic_write_bytes` writes a temporary file in the same folder,
  flushes it to disk and renames it over the old one, so a reader (or a crash, a
  full disk, a ``SIGKILL``) sees the old file or the new one, never half of one.
* **Symlinks are written through.** A ``library.bib`` that is a link to
  ``~/papers/library.bib`` stays a link; the target is replaced (atomically, next
  to the target), never the link.
* **Locked.** :func:`locked` takes an OS file lock (``flock`` on Unix, through the
  `filelock <https://py-filelock.readthedocs.io>`_ package) around a
  read-modify-write, so two difbib processes writing the same file take turns: the
  second waits (``DIFBIB_LOCK_TIMEOUT`` seconds, 60 by default), then re-reads the
  file and works on the new content, or gives up with one line. The operating
  system drops the lock when a process dies, even by ``SIGKILL``, so a crashed run
  never leaves a stale lock behind.

The lock is one small file per folder, ``.difbib.lock``, next to the files it guards
(empty; safe to delete when no difbib runs). It is not the guarded file itself,
because an atomic write replaces that file and a lock on the old one would guard
nothing. One lock per folder rather than per file keeps a project folder tidy and
costs nothing: difbib holds it only for the moment of a read-modify-write.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from difbib.errors import DifbibError

#: Seconds a writer waits for another difbib process to release a file.
DEFAULT_LOCK_TIMEOUT = 60.0
LOCK_TIMEOUT_ENV = "DIFBIB_LOCK_TIMEOUT"


class LockTimeout(DifbibError):
    """Another process held a file's lock for longer than we were willing to wait."""


def real_path(path: str | Path) -> Path:
    """The file a path stands for: symlinks followed (also when the target is missing)."""
    path = Path(path)
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def atomic_write_text(
    path: str | Path, text: str, *, encoding: str = "utf-8", durable: bool = True
) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode(encoding), durable=durable)


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is flushed to disk and then renamed over ``path``, so a crash
    or a full disk leaves the previous file as it was. When ``path`` is a symlink,
    its target is replaced and the link stays.

    ``durable=False`` skips the flush to disk (``fsync``, which can take a second
    on a busy disk): readers still see the old file or the new one, but after a
    power cut the file may be empty. Only for derived data that is rebuilt when
    unreadable, like the render cache.
    """
    shown = Path(path)
    path = real_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise DifbibError(f"cannot write {str(shown)!r}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise DifbibError(f"cannot write {str(shown)!r}: {err.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_texts(files: Mapping[Path, str], *, encoding: str = "utf-8") -> None:
    """Write several files as one step: all of them, or (on failure) none of them.

    Every new content is first written to a temporary file beside its target and
    flushed; only then are the temporary files renamed over their targets. Should a
    rename fail, the targets already replaced get their previous content back, so
    a failed call leaves every file as it was.
    """
    staged: list[tuple[Path, str, bytes | None]] = []
    try:
        for path, text in files.items():
            path = real_path(path)  # a symlink is written through to its target
            folder = path.parent if str(path.parent) else Path(".")
            old = path.read_bytes() if path.exists() else None
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            except OSError as err:
                raise DifbibError(f"cannot write {str(path)!r}: {err.strerror}") from None
            staged.append((path, tmp, old))
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(text.encode(encoding))
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, path.stat().st_mode & 0o777 if old is not None else 0o644)
            except OSError as err:
                raise DifbibError(f"cannot write {str(path)!r}: {err.strerror}") from None
        done: list[tuple[Path, bytes | None]] = []
        for path, tmp, old in staged:
            try:
                os.replace(tmp, path)
            except OSError as err:
                for written, previous in reversed(done):
                    if previous is None:
                        written.unlink(missing_ok=True)
                    else:
                        atomic_write_bytes(written, previous)
                raise DifbibError(f"cannot write {str(path)!r}: {err.strerror}") from None
            done.append((path, old))
    finally:
        for _, tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def lock_timeout() -> float:
    """The wait for a lock: ``$DIFBIB_LOCK_TIMEOUT`` seconds, else 60."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if raw:
        try:
            value = float(raw)
        except ValueError:
            raise DifbibError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
        if value >= 0:
            return value
    return DEFAULT_LOCK_TIMEOUT


LOCK_FILE = ".difbib.lock"


def lock_path(path: str | Path) -> Path:
    """The lock file guarding ``path``: ``.difbib.lock`` in the real file's folder."""
    target = real_path(path).absolute()
    return target.parent / LOCK_FILE


# One lock object per lock file in this process, so that nested ``locked()`` calls on
# the same folder (the library, then its sync record) count up instead of waiting for
# themselves. Its state is per thread, so two threads still exclude each other.
_LOCKS: dict[str, object] = {}


@contextmanager
def locked(
    path: str | Path,
    *,
    timeout: float | None = None,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the OS lock of ``path`` for a read-modify-write of it.

    Read the file *inside* the block: whoever held the lock before may have changed
    it. Waits up to ``timeout`` seconds (default :func:`lock_timeout`), telling
    ``waiting`` once that it does, then raises :class:`LockTimeout`. Re-entrant
    within a thread (threads of one process take turns like processes do). A
    folder where no lock file can be made (read-only) is not locked: nobody can
    write there anyway.
    """
    from filelock import FileLock
    from filelock import Timeout as FileLockTimeout

    where = lock_path(path)
    lock = _LOCKS.get(str(where))
    if lock is None:
        lock = _LOCKS[str(where)] = FileLock(str(where))
    wait = lock_timeout() if timeout is None else timeout
    try:
        try:
            lock.acquire(timeout=0)  # type: ignore[attr-defined]
        except FileLockTimeout:
            if waiting is not None:
                waiting(f"waiting (up to {wait:g}s) for another difbib process writing {path}")
            lock.acquire(timeout=wait)  # type: ignore[attr-defined]
    except FileLockTimeout:
        raise LockTimeout(
            f"{str(path)!r} is being written by another difbib process (waited {wait:g}s "
            f"for {str(where)!r}); try again when it has finished, or set "
            f"{LOCK_TIMEOUT_ENV} to wait longer"
        ) from None
    except OSError:
        yield  # no lock file possible here (read-only folder, missing folder)
        return
    try:
        yield
    finally:
        lock.release()  # type: ignore[attr-defined]
