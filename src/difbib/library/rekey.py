"""Renaming keys: in ``library.bib`` and in the ``\\cite`` commands of LaTeX files.

``difbib sync`` never renames a key that is in the library: a key, once cited in
a draft, must stay valid, and a key the user set by hand is theirs. Renaming is
an explicit act, :func:`plan` then :func:`apply`:

* one key: ``plan(text, {"old": "new"})``;
* every key to the scheme of :func:`difbib.library.bibtex.scholar_key` (Google
  Scholar's keys): ``plan(text, scheme=True)``; papers whose scheme keys collide
  get ``b``, ``c``, ... in library order, as sync gives them.

A plan is refused (:class:`RekeyError`) when a new key is already taken by another
entry (BibTeX ignores case in keys) or when two keys would become one.

:func:`rename_in_tex` rewrites the keys in the citation commands of a LaTeX file:
natbib's ``\\citet``/``\\citep``/``\\citealp``/``\\citeauthor``..., biblatex's
``\\parencite``/``\\textcite``/``\\autocite``/``\\footcite``/``\\cites``... (any
command whose name contains ``cite``, starred or capitalised, with optional
arguments in ``[...]`` or ``(...)``, one or several ``{key,key}`` groups), and
``\\nocite``. Only the keys change; spacing, comments and everything else stay.

The library text is edited in place, not re-written: only the ``@type{key,`` of
renamed entries and ``crossref``/``xdata`` values naming them change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_text, locked
from difbib.library import bibtex
from difbib.library.latex import strip_protection, tex_to_text
from difbib.library.published import arxiv_year


class RekeyError(DifbibError):
    """A rename that would lose or merge entries."""


_ENTRY_HEAD = re.compile(r"(@[A-Za-z]+\s*[{(]\s*)([^\s,{}()]+)(\s*,)")
_XREF = re.compile(r"(\b(?:crossref|xdata)\s*=\s*[{\"]\s*)([^}\"]+?)(\s*[}\"])", re.I)


@dataclass(frozen=True)
class Rename:
    old: str
    new: str


def scheme_key(fields: Mapping[str, str]) -> str:
    """The scheme key of an entry's fields (plain text is read from the TeX)."""
    names = bibtex.split_authors(fields.get("author", "") or fields.get("editor", ""))
    first = tex_to_text(names[0]) if names else None
    if names and names[0].startswith("{") and names[0].endswith("}"):
        first = tex_to_text(names[0][1:-1])
    year_match = re.search(r"\d{4}", fields.get("year", "") or fields.get("date", ""))
    year = year_match.group(0) if year_match else None
    # A published paper's year is the venue's; its key keeps arXiv's v1 year, as sync's.
    eprint = fields.get("eprint") or next(
        (v for k, v in fields.items() if k.lower() == "eprint"), ""
    )
    v1 = arxiv_year(eprint) if eprint else None
    title = tex_to_text(strip_protection(fields.get("title", "")))
    return bibtex.scholar_key(first, str(v1) if v1 else year, title)


def plan(
    text: str, renames: Mapping[str, str] | None = None, *, scheme: bool = False
) -> list[Rename]:
    """The renames to make in a library's ``text``; only keys that change are listed.

    ``renames`` maps old keys to new ones; ``scheme`` renames every entry to its
    :func:`scheme_key`. Raises :class:`RekeyError` for an unknown old key, a new
    key that another entry holds, or two entries that would share a key.
    """
    library = bibtex.parse_bib(text)
    keys = [e.key for e in library.entries]
    by_lower = {k.lower(): k for k in keys}
    wanted: dict[str, str] = {}
    if scheme:
        taken: set[str] = set()
        for entry in library.entries:
            new = bibtex.unique_key(scheme_key(bibtex.entry_fields(entry)), taken)
            taken.add(new)
            wanted[entry.key] = new
    for old, new in (renames or {}).items():
        if old not in keys:
            close = by_lower.get(old.lower())
            hint = f" (did you mean {close!r}?)" if close else ""
            raise RekeyError(f"no entry has the key {old!r}{hint}")
        if not re.fullmatch(r"[^\s,{}()\"#%'=\\]+", new):
            raise RekeyError(f"{new!r} is not a valid BibTeX key")
        wanted[old] = new
    final = {k: wanted.get(k, k) for k in keys}
    seen: dict[str, str] = {}
    for old, new in final.items():
        if new.lower() in seen:
            other = seen[new.lower()]
            raise RekeyError(
                f"refusing to rename: {old!r} and {other!r} would both be {new!r}; "
                "choose another key"
            )
        seen[new.lower()] = old
    return [Rename(old, new) for old, new in final.items() if old != new]


def rename_in_bib(text: str, renames: list[Rename]) -> str:
    """The library text with entry keys (and ``crossref``/``xdata`` values) renamed."""
    mapping = {r.old: r.new for r in renames}

    def head(m: re.Match[str]) -> str:
        return m.group(1) + mapping.get(m.group(2), m.group(2)) + m.group(3)

    def xref(m: re.Match[str]) -> str:
        keys = [k.strip() for k in m.group(2).split(",")]
        return m.group(1) + ", ".join(mapping.get(k, k) for k in keys) + m.group(3)

    return _XREF.sub(xref, _ENTRY_HEAD.sub(head, text))


# A citation command, then its optional arguments and key groups:
# \citep[see][p.~3]{a,b}, \textcites(pre)(post)[x]{a}[y]{b}, \nocite{a}, \Citet*{a}.
_CITE = re.compile(r"\\([A-Za-z]*cite[A-Za-z]*|nocite)\*?", re.I)
_NOT_KEYS = {"citetext", "citenum", "citestyle", "citename"}  # text, not keys


def rename_in_tex(text: str, renames: list[Rename] | Mapping[str, str]) -> tuple[str, int]:
    """``text`` with cited keys renamed, and the number of keys changed."""
    mapping = dict(renames) if isinstance(renames, Mapping) else {r.old: r.new for r in renames}
    out: list[str] = []
    pos = 0
    changed = 0
    for m in _CITE.finditer(text):
        if m.start() < pos or m.group(1).lower() in _NOT_KEYS:
            continue
        out.append(text[pos : m.end()])
        i = m.end()
        while True:
            j = _skip_space(text, i)
            if j < len(text) and text[j] in "[(":
                close = _matching(text, j)
                if close < 0:
                    break
                out.append(text[i : close + 1])
                i = close + 1
                continue
            if j < len(text) and text[j] == "{":
                close = _matching(text, j)
                if close < 0:
                    break
                keys = text[j + 1 : close]
                new_keys, n = _rename_keys(keys, mapping)
                changed += n
                out.append(text[i : j + 1] + new_keys + "}")
                i = close + 1
                continue
            break
        pos = i
    out.append(text[pos:])
    return "".join(out), changed


def _skip_space(text: str, i: int) -> int:
    """After spaces and at most one line end (TeX's rule between arguments)."""
    m = re.compile(r"[ \t]*(?:\r?\n[ \t]*)?").match(text, i)
    return m.end() if m else i


def _matching(text: str, start: int) -> int:
    """The index of the bracket that closes the one at ``start`` (-1 if none)."""
    pairs = {"[": "]", "(": ")", "{": "}"}
    opening, closing = text[start], pairs[text[start]]
    depth = 0
    k = start
    while k < len(text):
        ch = text[k]
        if ch == "\\":
            k += 2  # an escaped bracket does not count
            continue
        if ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return -1


def _rename_keys(keys: str, mapping: Mapping[str, str]) -> tuple[str, int]:
    parts = keys.split(",")
    changed = 0
    for n, part in enumerate(parts):
        key = part.strip()
        if key in mapping:
            lead = part[: len(part) - len(part.lstrip())]
            trail = part[len(part.rstrip()) :]
            parts[n] = lead + mapping[key] + trail
            changed += 1
    return ",".join(parts), changed


@dataclass
class RekeyResult:
    """What :func:`rekey` did (or would do, with ``dry_run``)."""

    renames: list[Rename]
    tex_changes: dict[str, int]  # file → keys renamed in it


def rekey(
    library_path: str | Path,
    renames: Mapping[str, str] | None = None,
    *,
    scheme: bool = False,
    tex_paths: Sequence[str | Path] = (),
    dry_run: bool = False,
) -> RekeyResult:
    """Rename keys in the library and in ``tex_paths``; see the module docstring.

    Every file is read and every new text made before anything is written, and
    each is written atomically, so a refused plan or an unreadable file changes
    nothing. Files whose text does not change are not rewritten.
    """
    library_path = Path(library_path)
    if not library_path.exists():
        raise RekeyError(f"library {str(library_path)!r} not found")
    # Under the library's lock: a sync or another rekey at the same time waits.
    with nullcontext() if dry_run else locked(library_path):
        text = _read(library_path)
        renames_ = plan(text, renames, scheme=scheme)
        writes: dict[Path, str] = {}
        new_text = rename_in_bib(text, renames_)
        if new_text != text:
            writes[library_path] = new_text
        tex_changes: dict[str, int] = {}
        for tex in map(Path, tex_paths):
            source = _read(tex)
            renamed, count = rename_in_tex(source, renames_)
            tex_changes[str(tex)] = count
            if renamed != source:
                writes[tex] = renamed
        if not dry_run:
            for path, new in writes.items():
                atomic_write_text(path, new)
    return RekeyResult(renames_, tex_changes)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")  # line ends kept as they are
    except FileNotFoundError:
        raise RekeyError(f"{str(path)!r} not found") from None
    except UnicodeDecodeError:
        raise RekeyError(f"{str(path)!r} is not UTF-8 text") from None
    except OSError as err:
        raise RekeyError(f"cannot read {str(path)!r}: {err.strerror}") from None
