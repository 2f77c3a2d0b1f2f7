"""``difbib check``: is the library sound, and in step with the reading list?

Each problem is a :class:`Problem` with the entry's key and line. The checks:

* the file's structure, with line numbers: blocks that cannot be parsed, duplicate
  keys (BibTeX compares keys without regard to case), repeated fields and ``@string``
  names, entries without a key, undefined macros, a ``crossref`` naming no entry
  (other commands go on past these by the rules of :func:`bibtex.parse_bib`);
* duplicate papers (two entries with the same arXiv id, however their ``eprint``
  writes it);
* entries missing ``author`` (an ``editor`` will do; ``@proceedings`` and the like
  need neither), ``title`` or ``year``;
* values that would break a LaTeX build (a bare ``%``, ``&``, ``#``, unbalanced
  braces) or run code (``\\input``): ``difbib export`` makes them safe, but other
  tools read ``library.bib`` as it is;
* papers of the reading list missing from the library, and entries whose
  categories or rating are out of step with the list (run ``difbib sync``);
* entries whose keywords name no category of the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bibtexparser.model import Entry

from difbib.library import bibtex
from difbib.library.latex import (
    MAX_BRACE_DEPTH,
    brace_depth,
    control_chars,
    make_safe,
    strip_control,
    too_deep,
)
from difbib.sources.cache import MetadataCache
from difbib.sources.ids import eprint_arxiv_id
from difbib.sources.readinglist import normalize_title, read_list

TEXT_FIELDS = ("title", "author", "abstract", "note", "journal", "booktitle")
REQUIRED = ("author", "title", "year")


@dataclass(frozen=True)
class Problem:
    key: str | None
    line: int | None
    message: str

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.key + ': ' if self.key else ''}{self.message}"


#: Entry types that BibTeX styles print without an author (by their editor or title).
NO_AUTHOR_NEEDED = frozenset({"proceedings", "periodical", "collection", "manual", "booklet"})


def check_library(
    library_path: str | Path,
    list_path: str | Path | None = None,
    cache_path: str | Path | None = None,
) -> list[Problem]:
    """Every problem found in the library (and against the list, when given).

    Problems in the file's structure (blocks that cannot be parsed, repeated keys,
    fields or ``@string`` names, entries without a key, undefined macros, a
    ``crossref`` to nothing) come first, with their line numbers; then each entry's.
    Entries are checked as they read: macros expanded, ``crossref`` resolved.
    """
    found: list[bibtex.BibProblem] = []
    library = bibtex.read_bib(library_path, problems=found, warn=False)
    entries = bibtex.resolve_entries(library, problems=found)
    raw = {e.key: e for e in library.entries}
    problems: list[Problem] = []

    def add(entry: Entry | None, message: str) -> None:
        line = (
            (entry.start_line + 1) if entry is not None and entry.start_line is not None else None
        )
        problems.append(Problem(entry.key if entry is not None else None, line, message))

    dup_message = "key used by more than one entry (BibTeX ignores case in keys)"
    duplicated = {p.key.lower() for p in found if p.kind == "duplicate-key" and p.key}
    for p in found:
        if p.kind == "duplicate-key":
            problems.append(Problem(p.key, p.line, f"{dup_message}; only the first is read"))
        else:
            message = p.message
            if p.key and message.startswith(f"{p.key}: "):
                message = message[len(p.key) + 2 :]
            problems.append(Problem(p.key, p.line, message))
    eprints: dict[str, str] = {}
    for entry in entries:
        if entry.key.lower() in duplicated:
            add(entry, dup_message)
        fields = {f.key.lower(): f.value for f in entry.fields}
        if entry.entry_type.lower() == "xdata":  # lends fields; never cited on its own
            continue
        for name in REQUIRED:
            if fields.get(name, "").strip():
                continue
            if name == "year" and fields.get("date", "").strip():  # biblatex's date
                continue
            if name == "author" and (
                fields.get("editor", "").strip() or entry.entry_type.lower() in NO_AUTHOR_NEEDED
            ):
                continue
            add(entry, f"no {name}")
        for name, value in fields.items():
            if control_chars(value):
                add(entry, f"{name} holds control characters ({', '.join(control_chars(value))}) "
                    "that stop TeX; delete them")  # fmt: skip
            if too_deep(value):
                add(entry, f"{name} nests braces {brace_depth(value)} deep (difbib reads up "
                    f"to {MAX_BRACE_DEPTH}); flatten it")  # fmt: skip
        written = raw.get(entry.key)
        for name in TEXT_FIELDS:
            original = bibtex.field_ci(written, name) if written is not None else None
            if original is not None and original.enclosing == "no-enclosing":
                continue  # a macro (booktitle = neurips): BibTeX expands it, nothing to break
            value = strip_control(fields.get(name) or "")
            if value and make_safe(value) != value:
                add(entry, f"{name} would break LaTeX or run code: {make_safe(value)!r} is safe")
        aid = eprint_arxiv_id(fields.get("eprint"), fields.get("archiveprefix"))
        if aid:
            if aid in eprints:
                add(entry, f"same arXiv paper ({aid}) as {eprints[aid]}")
            eprints.setdefault(aid, entry.key)

    if list_path is not None and Path(list_path).exists():
        problems += _against_list(entries, eprints, list_path, cache_path)
    return problems


def _against_list(
    entries: Sequence[Entry],
    eprints: dict[str, str],
    list_path: str | Path,
    cache_path: str | Path | None,
) -> list[Problem]:
    """Problems against the reading list; ``eprints`` maps arXiv ids to entry keys."""
    reading = read_list(list_path)
    cache = MetadataCache(cache_path) if cache_path and Path(cache_path).exists() else None
    headings = {c.heading for c in reading.categories}
    by_key = {e.key: e for e in entries}
    problems: list[Problem] = []
    for paper in reading.papers:
        aid = paper.arxiv_id
        if aid is None and cache is not None:
            aid = cache.title_answer(normalize_title(paper.title))[1]
        key = eprints.get(aid) if aid else None
        if key is None:
            problems.append(
                Problem(
                    None,
                    None,
                    f"{list_path} line {paper.line}: {paper.title!r} is not in "
                    "the library; run 'difbib sync'",
                )  # fmt: skip
            )
            continue
        entry = by_key[key]
        fields = {f.key.lower(): f.value for f in entry.fields}
        cats = [k for k in bibtex.split_keywords(fields.get("keywords")) if k in headings]
        rating = bibtex.parse_rating(fields.get("ranking"))
        if cats != paper.categories or rating != paper.rating:
            line = entry.start_line + 1 if entry.start_line is not None else None
            problems.append(
                Problem(
                    key,
                    line,
                    "categories or rating differ from the reading list; run 'difbib sync'",
                )  # fmt: skip
            )
    for entry in entries:
        kws = bibtex.split_keywords(
            next((f.value for f in entry.fields if f.key.lower() == "keywords"), None)
        )
        if not any(k in headings for k in kws):
            line = entry.start_line + 1 if entry.start_line is not None else None
            problems.append(Problem(entry.key, line, "in no category of the reading list"))
    return problems
