"""Looking at the library: tables and JSON for ``difbib list`` and ``difbib categories``.

Tables are for people (plain titles, short category slugs, stars); JSON is for
scripts and carries the full values, as plain text (TeX read, white space collapsed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from difbib.library.queries import Library, Paper


def _slugs(library: Library, paper: Paper) -> list[str]:
    by_heading = {c.heading: c.slug for c in library.categories}
    return [by_heading.get(h, h) for h in paper.categories]


def stars(rating: int | None) -> str:
    """``★★★★☆`` for 4; ``-`` for no rating."""
    return "★" * rating + "☆" * (5 - rating) if rating else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, width: int | None) -> str:
    """Aligned columns; the column ``title`` (or the last one) is clipped to fit ``width``."""
    if not rows:
        return ""
    cols = list(zip(header, *rows, strict=False))
    widths = [max(len(str(v)) for v in col) for col in cols]
    flex = header.index("title") if "title" in header else len(header) - 1
    if width is not None:
        fixed = sum(w for i, w in enumerate(widths) if i != flex) + 2 * (len(widths) - 1)
        widths[flex] = max(min(widths[flex], width - fixed), 10)
    lines = []
    for row in [header, *rows]:
        cells = [_clip(str(v), widths[i]) for i, v in enumerate(row)]
        padded = [c.ljust(widths[i]) for i, c in enumerate(cells)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines) + "\n"


def papers_table(library: Library, papers: Sequence[Paper], *, width: int | None = None) -> str:
    """key, year, rating, title, categories: one paper a line."""
    rows = [
        (
            p.key,
            str(p.year or ""),
            stars(p.rating),
            p.plain_title,
            ", ".join(_slugs(library, p)),
        )
        for p in papers
    ]
    return table(("key", "year", "rating", "title", "categories"), rows, width=width)


def paper_record(library: Library, paper: Paper) -> dict[str, Any]:
    """A paper for ``list --json``."""
    return {
        "key": paper.key,
        "year": paper.year,
        "rating": paper.rating,
        "title": paper.plain_title,
        "authors": paper.plain_authors,
        "categories": list(paper.categories),
        "category_slugs": _slugs(library, paper),
        "eprint": paper.eprint,
        "doi": paper.get("doi"),
        "url": paper.get("url"),
    }


def papers_json(library: Library, papers: Sequence[Paper]) -> str:
    return (
        json.dumps([paper_record(library, p) for p in papers], ensure_ascii=False, indent=2) + "\n"
    )


def categories_table(library: Library) -> str:
    """slug, count, heading: one category a line, in reading-list order."""
    rows = [(c.slug, str(library.count(c)), c.heading) for c in library.categories]
    return table(("slug", "papers", "heading"), rows, width=None)


def categories_json(library: Library) -> str:
    data = [
        {
            "slug": c.slug,
            "heading": c.heading,
            "aliases": list(c.aliases),
            "count": library.count(c),
        }
        for c in library.categories
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
