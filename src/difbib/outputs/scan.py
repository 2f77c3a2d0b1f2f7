"""``difbib scan``: what the reader recognised in a reading list, as text or JSON.

Nothing here asks the network: it shows the parsed :class:`ReadingList` as ``sync``
will use it. Per paper: the line, the clean title, the arXiv id (or none, and why),
the categories, the rating, the venue written next to it, and its links. Then the
categories with their heading levels, the resources (items that are not papers and
are never searched for), and the notices.
"""

from __future__ import annotations

import json
from typing import Any

from difbib.sources.readinglist import Link, ListedPaper, ReadingList


def _link_json(link: Link) -> dict[str, Any]:
    return {"label": link.label, "url": link.url, "kind": link.kind, "line": link.line}


def paper_json(paper: ListedPaper) -> dict[str, Any]:
    """One paper as ``scan --json`` gives it."""
    return {
        "line": paper.line,
        "title": paper.title,
        "arxiv_id": paper.arxiv_id,
        "no_id_reason": paper.no_id_reason,
        "categories": list(paper.categories),
        "rating": paper.rating,
        "venue": paper.venue,
        "links": [_link_json(link) for link in paper.links],
        "other_ids": list(paper.other_ids),
    }


def scan_json(reading: ReadingList) -> str:
    """The whole scan as a JSON document (``papers``, ``categories``, ``notices``, ...)."""
    counts = _counts(reading)
    data = {
        "list": str(reading.path) if reading.path else None,
        "title": reading.title,
        "category_level": reading.level,
        "papers": [paper_json(p) for p in reading.papers],
        "categories": [
            {
                "heading": c.heading,
                "slug": c.slug,
                "level": c.level,
                "line": c.line,
                "papers": counts.get(c.heading, 0),
            }
            for c in reading.categories
        ],
        "resources": [
            {
                "line": r.line,
                "title": r.title,
                "kind": r.kind,
                "category": r.category,
                "links": [_link_json(link) for link in r.links],
            }
            for r in reading.resources
        ],
        "notices": [{"line": n.line, "message": n.message} for n in reading.notices],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _counts(reading: ReadingList) -> dict[str, int]:
    counts: dict[str, int] = {}
    for paper in reading.papers:
        for cat in paper.categories:
            counts[cat] = counts.get(cat, 0) + 1
    return counts


def _link_text(link: Link, title: str) -> str:
    label = link.label if link.label and link.label != title else ""
    return f"{label + ' ' if label else ''}<{link.url}> ({link.kind})"


def scan_text(reading: ReadingList) -> str:
    """The scan as text for people: one block per paper, then categories and notices."""
    out: list[str] = []
    width = max((len(str(p.line)) for p in reading.papers), default=1)
    pad = " " * (width + 2)
    for paper in reading.papers:
        aid = paper.arxiv_id or "no id"
        out.append(f"{paper.line:>{width}}  {aid:<16} {paper.title or '(no title)'}")
        facts = [f"categories: {'; '.join(paper.categories)}"]
        facts.append(f"rating: {paper.rating}" if paper.rating else "rating: -")
        facts.append(f"venue: {paper.venue}" if paper.venue else "venue: -")
        out.append(f"{pad}{' | '.join(facts)}")
        if paper.arxiv_id is None:
            out.append(f"{pad}no arXiv id: {paper.no_id_reason}; to be found by its title")
        for other in paper.other_ids:
            out.append(f"{pad}also links arXiv:{other} (not used)")
        if paper.links:
            out.append(
                f"{pad}links: {', '.join(_link_text(link, paper.title) for link in paper.links)}"
            )
    counts = _counts(reading)
    out.append("")
    out.append(f"categories (heading level {reading.level}):")
    for cat in reading.categories:
        out.append(
            f"  line {cat.line}  {'#' * (cat.level or reading.level)} {cat.heading}  "
            f"({counts.get(cat.heading, 0)} papers; --category {cat.slug})"
        )
    if reading.resources:
        out.append("")
        out.append("resources (not papers; never searched on arXiv):")
        for res in reading.resources:
            url = res.links[0].url if res.links else ""
            out.append(f"  line {res.line}  {res.kind:<8} {res.title}  <{url}>")
    if reading.notices:
        out.append("")
        out.append("notices:")
        out += [f"  {notice}" for notice in reading.notices]
    return "\n".join(out) + "\n"


def scan_summary(reading: ReadingList) -> str:
    """One line for stderr: how many papers, ids, searches, categories and resources."""
    with_id = sum(1 for p in reading.papers if p.arxiv_id)
    return (
        f"{len(reading.papers)} papers ({with_id} with an arXiv id, "
        f"{len(reading.papers) - with_id} to search by title) in "
        f"{len(reading.categories)} categories; {len(reading.resources)} resources, "
        f"{len(reading.notices)} notices"
    )
