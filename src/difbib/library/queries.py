"""The library (``library.bib``) and the queries survey writers run on it.

A :class:`Library` is the parsed ``library.bib`` plus the categories of the reading
list (their order, slugs and aliases). When the reading list is not at hand the
categories are taken from the entries' ``keywords``.

A :class:`Selection` says which papers a command works on: categories, minimum
rating, year, since, free-text search, keys, the keys a LaTeX document cites (its
``.aux`` file) and what to do about cited keys the library lacks. ``export``,
``list``, ``format`` and ``zotero push`` all take one; the command line builds it
from the same options for each of them, and :meth:`Library.select` applies it::

    library = Library.load("library.bib", "papers.md")
    papers = library.select(Selection(categories=("rl",), min_rating=4))
    papers = library.select(categories=["rl"], min_rating=4)  # the same
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from bibtexparser.model import Entry

from difbib.errors import BibError, BibWarning, DifbibError, SelectionError
from difbib.gcpause import paused_gc
from difbib.library import bibtex
from difbib.library.aux import ALL, cited_keys
from difbib.library.bibsplit import LazyEntry
from difbib.library.latex import MAX_BRACE_DEPTH, brace_depth, tex_to_text, too_deep
from difbib.sources.ids import eprint_arxiv_id
from difbib.sources.readinglist import Category, make_category, read_list
from difbib.sources.textfold import ascii_fold


def rating_tag(rating: int) -> str:
    """The tag that carries a star rating in tag-based tools (RIS ``KW``, Zotero): ``rating:4``."""
    return f"rating:{rating}"


@dataclass
class Paper:
    """A library entry, with the values queries and exporters need."""

    entry: Entry
    categories: list[str] = field(default_factory=list)  # headings, list order
    rating: int | None = None

    @property
    def key(self) -> str:
        return self.entry.key

    def get(self, name: str, default: str | None = None) -> str | None:
        value = bibtex.field_value(self.entry, name)
        return value if value is not None else default

    @property
    def title(self) -> str:
        """The title as stored (TeX, with protecting braces)."""
        return self.get("title", "") or ""

    @property
    def plain_title(self) -> str:
        """The title as plain text (accents, math, ``\\url`` read; white space collapsed)."""
        return tex_to_text(self.title) if self.title else ""

    @property
    def plain_authors(self) -> list[str]:
        """Author names as plain text, as a reader writes them ("Michaël Gharbi",
        "Aaron van den Oord", "John Smith, Jr."); ``and others`` as "others"."""
        out = []
        for name in bibtex.split_authors(self.get("author", "") or ""):
            p = bibtex.person(name)
            if p.others:
                out.append("others")
            elif p.literal is not None:
                out.append(p.literal)
            else:
                full = " ".join(x for x in (p.given, p.particle, p.family) if x)
                out.append(f"{full}, {p.suffix}" if p.suffix else full)
        return out

    @property
    def authors(self) -> list[str]:
        """Author names as stored, split as BibTeX does (an ``and`` inside braces, as in
        ``{Black and Decker Lab}``, is part of a name); group names lose their braces."""
        names = bibtex.split_authors(self.get("author", "") or "")
        return [n[1:-1] if n.startswith("{") and n.endswith("}") else n for n in names]

    @property
    def year(self) -> int | None:
        m = re.search(r"\d{4}", self.get("year", "") or self.get("date", "") or "")
        return int(m.group(0)) if m else None

    @property
    def eprint(self) -> str | None:
        """The ``eprint`` field as written (see :attr:`arxiv_id` for the paper's id)."""
        return self.get("eprint")

    @property
    def arxiv_id(self) -> str | None:
        """The paper's arXiv id without version (``arXiv:2506.15742v2`` → ``2506.15742``),
        as :func:`difbib.sources.ids.eprint_arxiv_id` reads it; None if it has none."""
        return eprint_arxiv_id(self.get("eprint"), self.get("archivePrefix"))


@dataclass(frozen=True)
class Selection:
    """Which papers of a library to work on; every criterion given must hold.

    ``keys`` and the keys cited by the ``aux`` file add up (a document's citations
    plus a few more); the other criteria narrow that down. ``categories`` are any
    names :meth:`Library.category` understands; several mean any of them. A cited
    key missing from the library is reported and is an error unless
    ``allow_missing``; a ``\\nocite{*}`` in the document selects every entry.
    The empty selection is the whole library.
    """

    categories: tuple[str, ...] = ()
    min_rating: int | None = None
    year: int | None = None
    since: int | None = None
    search: str | None = None
    keys: tuple[str, ...] = ()
    aux: Path | None = None
    allow_missing: bool = False

    def __post_init__(self) -> None:
        # Accept any iterable of names (lists from Python callers), keep tuples.
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "keys", tuple(self.keys))
        if self.aux is not None:
            object.__setattr__(self, "aux", Path(self.aux))

    @classmethod
    def names(cls) -> list[str]:
        """The criteria's names (the keyword arguments :meth:`Library.select` takes)."""
        return [f.name for f in fields(cls)]


def fold(text: str) -> str:
    """Lowercase, accent-free, TeX-free text for case- and accent-insensitive search.

    TeX is read as the text it prints (``M{\\"u}ller`` and ``Gr{\\o}nbech`` are
    ``muller`` and ``gronbech``), so hand-edited TeX accents match plain queries.
    """
    text = tex_to_text(text) if "\\" in text else re.sub(r"[{}$]", "", text)
    text = ascii_fold(text)
    return re.sub(r"\s+", " ", text).casefold()


def _check_depth(entries: Sequence[Entry], source: Path) -> None:
    """Refuse a field nested too deep to read as text, naming its entry (one line)."""
    for entry in entries:
        if isinstance(entry, LazyEntry) and not entry.made:
            continue  # its shape has braces one level deep inside values at most
        for f in entry.fields:
            if isinstance(f.value, str) and too_deep(f.value):
                line = f" line {entry.start_line + 1}" if entry.start_line is not None else ""
                raise BibError(
                    f"{source}{line}: entry {entry.key!r}: {f.key} nests braces "
                    f"{brace_depth(f.value)} deep (difbib reads up to {MAX_BRACE_DEPTH}); "
                    "flatten it by hand"
                )


class Library:
    """Entries of a ``.bib`` file with the reading list's categories."""

    def __init__(self, entries: Sequence[Entry], categories: Sequence[Category]):
        self.entries = list(entries)
        self.categories = list(categories)
        self.path: Path | None = None  # where it was loaded from, for messages
        names = {c.heading for c in self.categories}
        self.papers: list[Paper] = []
        # Papers share a few keywords and ranking values: each is read once.
        read: dict[tuple[str | None, str | None], tuple[list[str], int | None]] = {}
        for entry in self.entries:
            values = (bibtex.field_value(entry, "keywords"), bibtex.field_value(entry, "ranking"))
            found = read.get(values)
            if found is None:
                cats = [k for k in bibtex.split_keywords(values[0]) if k in names]
                found = read[values] = (cats, bibtex.parse_rating(values[1]))
            self.papers.append(Paper(entry, list(found[0]), found[1]))

    @classmethod
    @paused_gc()  # builds many objects, none in a cycle (see paused_gc)
    def load(cls, library_path: str | Path, list_path: str | Path | None = None) -> Library:
        """Read ``library.bib``; take categories from the reading list if it exists."""
        library_path = Path(library_path)
        if not library_path.exists():
            raise DifbibError(
                f"library {str(library_path)!r} not found; run 'difbib sync' first "
                "or pass --library PATH"
            )
        # Lazy: an entry makes its fields when a command uses them (export --category
        # makes 1,500 entries' fields in a library of 10,000).
        parsed = bibtex.read_bib(library_path, lazy=True)
        _check_depth(list(parsed.entries), library_path)
        # Macros, months and crossref resolved: every output reads the same values.
        found: list[bibtex.BibProblem] = []
        entries = bibtex.resolve_entries(parsed, problems=found)
        # an @xdata entry only lends fields to others: biblatex never cites it
        entries = [e for e in entries if e.entry_type.lower() != "xdata"]
        for problem in found:
            warnings.warn(f"{library_path}: {problem}", BibWarning, stacklevel=2)
        categories: list[Category] = []
        if list_path is not None and Path(list_path).exists():
            categories = read_list(list_path).categories
        else:
            seen: dict[str, Category] = {}
            for entry in entries:
                for k in _keywords(entry):
                    seen.setdefault(k, make_category(k))
            categories = list(seen.values())
        library = cls(entries, categories)
        library.path = library_path
        return library

    # -- categories -------------------------------------------------------------

    def category(self, name: str) -> Category:
        """The category a user means by ``name`` (slug, alias, heading, or a prefix).

        Raises :class:`SelectionError` listing the candidates when ``name`` is
        ambiguous, or all categories when it matches none.
        """
        wanted = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
        if not wanted:
            raise SelectionError("empty category name; see 'difbib categories'")
        levels: list[Callable[[Category], bool]] = [
            lambda c: c.slug == wanted,
            lambda c: (
                wanted in c.aliases
                or re.sub(r"[^a-z0-9]+", "-", fold(c.heading)).strip("-") == wanted
            ),
            lambda c: c.slug.startswith(wanted) or any(a.startswith(wanted) for a in c.aliases),
            # whole words of the heading: "id-preserving" finds "Personalized - ID Preserving ..."
            lambda c: f"-{wanted}-" in "-" + re.sub(r"[^a-z0-9]+", "-", fold(c.heading)) + "-",
        ]
        for matches in levels:
            found = [c for c in self.categories if matches(c)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(f"{c.slug} ({c.heading})" for c in found)
                raise SelectionError(f"category {name!r} is ambiguous: it could be {names}")
        known = ", ".join(c.slug for c in self.categories) or "none"
        raise SelectionError(
            f"unknown category {name!r}; known categories: {known} (see 'difbib categories')"
        )

    def count(self, category: Category) -> int:
        return sum(1 for p in self.papers if category.heading in p.categories)

    # -- selection --------------------------------------------------------------

    def paper(self, key: str) -> Paper:
        for p in self.papers:
            if p.key == key:
                return p
        for p in self.papers:
            if p.key.lower() == key.lower():
                return p
        where = f"{str(self.path)!r}" if self.path is not None else "the library"
        raise SelectionError(f"no entry with key {key!r} in {where}; see 'difbib list'")

    def select(
        self,
        selection: Selection | None = None,
        /,
        *,
        warn: Callable[[str], None] | None = None,
        **criteria: object,
    ) -> list[Paper]:
        """The papers a :class:`Selection` picks, in library order (by key).

        Pass a ``Selection``, or its criteria as keyword arguments
        (``select(categories=["rl"], min_rating=4)``). ``warn`` receives one message
        per cited key missing from the library. Unknown categories or keys, and
        missing cited keys unless ``allow_missing``, raise :class:`SelectionError`.
        """
        if selection is None:
            selection = Selection(**criteria)  # type: ignore[arg-type]
        elif criteria:
            raise TypeError("pass a Selection or keyword criteria, not both")
        papers = list(self.papers)
        cats = [self.category(c) for c in selection.categories]
        if cats:
            headings = {c.heading for c in cats}
            papers = [p for p in papers if headings & set(p.categories)]
        keys = list(selection.keys)
        if selection.aux is not None:
            cited = self._cited(selection, warn)
            if cited is None:  # \nocite{*}: every entry (with keys: still every entry)
                keys = []
            elif not cited and not keys:
                return []
            else:
                keys += cited
        if keys:
            wanted = {self.paper(k).key for k in keys}
            papers = [p for p in papers if p.key in wanted]
        if selection.min_rating is not None:
            papers = [p for p in papers if (p.rating or 0) >= selection.min_rating]
        if selection.year is not None:
            papers = [p for p in papers if p.year == selection.year]
        if selection.since is not None:
            papers = [p for p in papers if p.year is not None and p.year >= selection.since]
        if selection.search:
            needle = fold(selection.search)
            papers = [
                p
                for p in papers
                if needle in fold(" ".join([p.title, p.get("abstract", "") or "", *p.authors]))
            ]
        return papers

    def _cited(self, selection: Selection, warn: Callable[[str], None] | None) -> list[str] | None:
        """The cited keys the library holds (None for ``\\nocite{*}``); see :class:`Selection`."""
        assert selection.aux is not None
        cited = cited_keys(selection.aux)
        known = {p.key.lower() for p in self.papers}
        missing = [k for k in cited if k != ALL and k.lower() not in known]
        where = str(self.path) if self.path is not None else "the library"
        for key in missing:
            if warn is not None:
                warn(f"{selection.aux}: cited key {key!r} is not in {where}")
        if missing and not selection.allow_missing:
            raise SelectionError(
                f"{len(missing)} cited key(s) are not in {where}; add the papers "
                "to the reading list and sync, or pass --allow-missing"
            )
        if ALL in cited:
            return None
        return [k for k in cited if k.lower() in known]


def _keywords(entry: Entry) -> list[str]:
    """An entry's keywords, whatever the case of the field's name (``Keywords``)."""
    return bibtex.split_keywords(bibtex.field_value(entry, "keywords"))
