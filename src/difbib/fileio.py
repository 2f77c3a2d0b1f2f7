"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from difbib.errors import DifbibError


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is flushed to disk and then renamed over ``path``, so a crash
    or a full disk leaves the previous file as it was.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise DifbibError(f"cannot write {str(path)!r}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise DifbibError(f"cannot write {str(path)!r}: {err.strerror}") from None
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
            path = Path(path)
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
