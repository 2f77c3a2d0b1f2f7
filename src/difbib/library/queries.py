"""The library (``library.bib``) and the queries survey writers run on it.

A :class:`Library` is the parsed ``library.bib`` plus the categories of the reading
list (their order, slugs and aliases). When the reading list is not at hand the
categories are taken from the entries' ``keywords``.

:meth:`Library.select` implements the selectors shared by ``export``, ``list``,
``format`` and ``zotero push``: categories, minimum rating, year, since, free-text
search and keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bibtexparser.model import Entry

from difbib.errors import DifbibError, SelectionError
from difbib.library import bibtex
from difbib.library.latex import strip_protection, tex_to_text
from difbib.sources.readinglist import Category, make_category, read_list


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
        f = bibtex.field_ci(self.entry, name)
        return f.value if f is not None else default

    @property
    def title(self) -> str:
        """The title as stored (TeX, with protecting braces)."""
        return self.get("title", "") or ""

    @property
    def plain_title(self) -> str:
        return strip_protection(self.title)

    @property
    def authors(self) -> list[str]:
        """Author names as stored, group names with their braces removed."""
        value = self.get("author", "") or ""
        names = [n.strip() for n in re.split(r"\s+and\s+", value) if n.strip()]
        return [n[1:-1] if n.startswith("{") and n.endswith("}") else n for n in names]

    @property
    def year(self) -> int | None:
        m = re.search(r"\d{4}", self.get("year", "") or self.get("date", "") or "")
        return int(m.group(0)) if m else None

    @property
    def eprint(self) -> str | None:
        return self.get("eprint")


# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNACCENT = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "ð": "d"}
)  # fmt: skip


def fold(text: str) -> str:
    """Lowercase, accent-free, TeX-free text for case- and accent-insensitive search.

    TeX is read as the text it prints (``M{\\"u}ller`` and ``Gr{\\o}nbech`` are
    ``muller`` and ``gronbech``), so hand-edited TeX accents match plain queries.
    """
    text = tex_to_text(text) if "\\" in text else re.sub(r"[{}$]", "", text)
    text = unicodedata.normalize("NFKD", text.translate(_UNACCENT))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).casefold()


class Library:
    """Entries of a ``.bib`` file with the reading list's categories."""

    def __init__(self, entries: Sequence[Entry], categories: Sequence[Category]):
        self.entries = list(entries)
        self.categories = list(categories)
        names = {c.heading for c in self.categories}
        self.papers: list[Paper] = []
        for entry in self.entries:
            keywords = bibtex.split_keywords(
                entry.fields_dict.get("keywords").value if "keywords" in entry.fields_dict else None
            )
            cats = [k for k in keywords if k in names]
            rating = bibtex.parse_rating(
                entry.fields_dict["ranking"].value if "ranking" in entry.fields_dict else None
            )
            self.papers.append(Paper(entry, cats, rating))

    @classmethod
    def load(cls, library_path: str | Path, list_path: str | Path | None = None) -> Library:
        """Read ``library.bib``; take categories from the reading list if it exists."""
        library_path = Path(library_path)
        if not library_path.exists():
            raise DifbibError(
                f"library {str(library_path)!r} not found; run 'difbib sync' first "
                "or pass --library PATH"
            )
        parsed = bibtex.read_bib(library_path)
        entries = list(parsed.entries)
        categories: list[Category] = []
        if list_path is not None and Path(list_path).exists():
            categories = read_list(list_path).categories
        else:
            seen: dict[str, Category] = {}
            for entry in entries:
                kw = entry.fields_dict.get("keywords")
                for k in bibtex.split_keywords(kw.value if kw else None):
                    seen.setdefault(k, make_category(k))
            categories = list(seen.values())
        return cls(entries, categories)

    # -- categories -------------------------------------------------------------

    def category(self, name: str) -> Category:
        """The category a user means by ``name`` (slug, alias, heading, or a prefix).

        Raises :class:`SelectionError` listing the candidates when ``name`` is
        ambiguous, or all categories when it matches none.
        """
        wanted = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
        if not wanted:
            raise SelectionError("empty category name; see 'difbib categories'")
        levels = [
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
        raise SelectionError(f"no entry with key {key!r} in the library; see 'difbib list'")

    def select(
        self,
        *,
        categories: Iterable[str] = (),
        min_rating: int | None = None,
        year: int | None = None,
        since: int | None = None,
        search: str | None = None,
        keys: Iterable[str] = (),
    ) -> list[Paper]:
        """Papers matching every given selector (any of several categories or keys).

        Papers come in library order (by key). Unknown categories or keys raise
        :class:`SelectionError`.
        """
        papers = list(self.papers)
        cats = [self.category(c) for c in categories]
        if cats:
            headings = {c.heading for c in cats}
            papers = [p for p in papers if headings & set(p.categories)]
        keys = list(keys)
        if keys:
            wanted = {self.paper(k).key for k in keys}
            papers = [p for p in papers if p.key in wanted]
        if min_rating is not None:
            papers = [p for p in papers if (p.rating or 0) >= min_rating]
        if year is not None:
            papers = [p for p in papers if p.year == year]
        if since is not None:
            papers = [p for p in papers if p.year is not None and p.year >= since]
        if search:
            needle = fold(search)
            papers = [
                p
                for p in papers
                if needle in fold(" ".join([p.title, p.get("abstract", "") or "", *p.authors]))
            ]
        return papers
