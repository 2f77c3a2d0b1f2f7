"""The keys a LaTeX document cites, read from its ``.aux`` file.

LaTeX writes one ``\\citation{key1,key2}`` line per ``\\cite`` (BibTeX workflow);
biblatex writes ``\\abx@aux@cite{0}{key}`` (newer) or ``\\abx@aux@cite{key}``
(older). ``\\include``d chapters get their own ``.aux`` files, pulled in with
``\\@input{chapter.aux}``; those are followed too. ``\\nocite{*}`` appears as
``\\citation{*}`` and means "everything".
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from difbib.errors import DifbibError

_CITATION = re.compile(r"\\citation\{([^}]*)\}")
_ABX_CITE = re.compile(r"\\abx@aux@cite\{(?:[^}]*)\}\{([^}]*)\}|\\abx@aux@cite\{([^}]*)\}")
_INPUT = re.compile(r"\\@input\{([^}]*)\}")

ALL = "*"


#: An ``.aux`` file (with the chapters it pulls in) larger than this is not one.
MAX_AUX_BYTES = 64 * 1024 * 1024
#: Nor is one with a line longer than this (LaTeX writes short lines).
MAX_LINE_BYTES = 1024 * 1024


def cited_keys(path: str | Path) -> list[str]:
    """Cited keys in first-cited order (``*`` when the document cites everything).

    Files are read line by line; past :data:`MAX_AUX_BYTES` in all, or a line
    longer than :data:`MAX_LINE_BYTES`, the file is refused with one line (``--aux
    /dev/zero`` never fills the memory).
    """
    keys: list[str] = []
    _read(Path(path), keys, set(), _Budget(Path(path)))
    return list(dict.fromkeys(keys))


class _Budget:
    """Bytes read so far, over the top file and every file it inputs."""

    def __init__(self, top: Path):
        self.top = top
        self.used = 0


def _read(path: Path, keys: list[str], seen: set[Path], used: _Budget) -> None:
    real = path.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed below, after the error handling)
    except FileNotFoundError:
        if len(seen) == 1:
            raise DifbibError(
                f"aux file {str(path)!r} not found; run LaTeX on the document first"
            ) from None
        return  # an \@input of a chapter not compiled yet
    except OSError as err:
        raise DifbibError(f"cannot read aux file {str(path)!r}: {err.strerror}") from None
    with fh:
        for number in itertools.count(1):
            try:
                raw = fh.readline(MAX_LINE_BYTES + 1)
            except OSError as err:
                raise DifbibError(f"cannot read aux file {str(path)!r}: {err.strerror}") from None
            if not raw:
                break
            used.used += len(raw)
            if len(raw) > MAX_LINE_BYTES:
                raise DifbibError(
                    f"aux file {str(path)!r} line {number} is longer than "
                    f"{MAX_LINE_BYTES / 2**20:g} MB: not a LaTeX .aux file"
                )
            if used.used > MAX_AUX_BYTES:
                raise DifbibError(
                    f"aux file {str(used.top)!r} (with the files it inputs) is larger than "
                    f"{MAX_AUX_BYTES / 2**20:g} MB: not a LaTeX .aux file"
                )
            _scan(raw.decode("utf-8", errors="replace"), path, keys, seen, used)


def _scan(line: str, path: Path, keys: list[str], seen: set[Path], used: _Budget) -> None:
    for m in _CITATION.finditer(line):
        keys += [k.strip() for k in m.group(1).split(",") if k.strip()]
    for m in _ABX_CITE.finditer(line):
        key = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
        if key:
            keys.append(key)
    for m in _INPUT.finditer(line):
        _read(path.parent / m.group(1), keys, seen, used)
