"""``difbib check``: is the library sound, and in step with the reading list?

Each problem is a :class:`Problem` with the entry's key and line. The checks:

* duplicate keys (BibTeX compares keys without regard to case) and duplicate papers
  (two entries with the same arXiv id, however their ``eprint`` writes it);
* entries missing ``author``, ``title`` or ``year``;
* values that would break a LaTeX build (a bare ``%``, ``&``, ``#``, unbalanced
  braces) or run code (``\\input``): ``difbib export`` makes them safe, but other
  tools read ``library.bib`` as it is;
* papers of the reading list missing from the library, and entries whose
  categories or rating are out of step with the list (run ``difbib sync``);
* entries whose keywords name no category of the list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

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


def check_library(
    library_path: str | Path,
    list_path: str | Path | None = None,
    cache_path: str | Path | None = None,
) -> list[Problem]:
    """Every problem found in the library (and against the list, when given)."""
    library = bibtex.read_bib(library_path)
    entries = list(library.entries)
    problems: list[Problem] = []

    def add(entry, message: str) -> None:
        line = (
            (entry.start_line + 1) if entry is not None and entry.start_line is not None else None
        )
        problems.append(Problem(entry.key if entry is not None else None, line, message))

    by_key = Counter(e.key.lower() for e in entries)
    eprints: dict[str, str] = {}
    for entry in entries:
        if by_key[entry.key.lower()] > 1:
            add(entry, "key used by more than one entry (BibTeX ignores case in keys)")
        fields = {f.key.lower(): f.value for f in entry.fields}
        for name in REQUIRED:
            if not fields.get(name, "").strip():
                add(entry, f"no {name}")
        for name, value in fields.items():
            if control_chars(value):
                add(entry, f"{name} holds control characters ({', '.join(control_chars(value))}) "
                    "that stop TeX; delete them")  # fmt: skip
            if too_deep(value):
                add(entry, f"{name} nests braces {brace_depth(value)} deep (difbib reads up "
                    f"to {MAX_BRACE_DEPTH}); flatten it")  # fmt: skip
        for name in TEXT_FIELDS:
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


def _against_list(entries, eprints: dict[str, str], list_path, cache_path) -> list[Problem]:
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
