"""The keys a LaTeX document cites, read from its ``.aux`` file.

LaTeX writes one ``\\citation{key1,key2}`` line per ``\\cite`` (BibTeX workflow);
biblatex writes ``\\abx@aux@cite{0}{key}`` (newer) or ``\\abx@aux@cite{key}``
(older). ``\\include``d chapters get their own ``.aux`` files, pulled in with
``\\@input{chapter.aux}``; those are followed too. ``\\nocite{*}`` appears as
``\\citation{*}`` and means "everything".
"""

from __future__ import annotations

import re
from pathlib import Path

from difbib.errors import DifbibError

_CITATION = re.compile(r"\\citation\{([^}]*)\}")
_ABX_CITE = re.compile(r"\\abx@aux@cite\{(?:[^}]*)\}\{([^}]*)\}|\\abx@aux@cite\{([^}]*)\}")
_INPUT = re.compile(r"\\@input\{([^}]*)\}")

ALL = "*"


def cited_keys(path: str | Path) -> list[str]:
    """Cited keys in first-cited order (``*`` when the document cites everything)."""
    keys: list[str] = []
    _read(Path(path), keys, set())
    return list(dict.fromkeys(keys))


def _read(path: Path, keys: list[str], seen: set[Path]) -> None:
    real = path.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        if len(seen) == 1:
            raise DifbibError(
                f"aux file {str(path)!r} not found; run LaTeX on the document first"
            ) from None
        return  # an \@input of a chapter not compiled yet
    except OSError as err:
        raise DifbibError(f"cannot read aux file {str(path)!r}: {err.strerror}") from None
    for line in text.splitlines():
        for m in _CITATION.finditer(line):
            keys += [k.strip() for k in m.group(1).split(",") if k.strip()]
        for m in _ABX_CITE.finditer(line):
            key = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
            if key:
                keys.append(key)
        for m in _INPUT.finditer(line):
            _read(path.parent / m.group(1), keys, seen)
