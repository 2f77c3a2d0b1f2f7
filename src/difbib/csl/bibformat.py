"""``difbib format`` and ``difbib cite`` without the command line.

:func:`format_bibliography` renders library papers in a CSL style as one
document (text, HTML or Markdown), optionally grouped by category;
:func:`cite` gives the in-text citation of some papers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from difbib.csl import render
from difbib.csl.csljson import ONLY_FEEDS, to_csl_item, to_csl_items
from difbib.csl.styles import Style
from difbib.library.queries import Library, Paper

GROUPS = ("category",)


def _heading(title: str, output: str) -> str:
    if output == "html":
        return f"<h2>{html.escape(title)}</h2>"
    if output == "markdown":
        return f"## {render.md_escape(title)}"
    return f"{title}\n{'=' * len(title)}"


def _block(entries: Sequence[str], output: str) -> str:
    if output == "html":
        body = "".join(f'  <div class="csl-entry">{e}</div>\n' for e in entries)
        return f'<div class="csl-bib-body">\n{body}</div>'
    if output == "markdown":
        return "\n\n".join(entries)  # one paragraph per entry
    return "\n".join(entries)


def format_bibliography(
    papers: Sequence[Paper],
    style: Style,
    *,
    library: Library | None = None,
    locale: str = "en-US",
    output: str = "text",
    group_by: str | None = None,
    cache_dir: Path | None = None,
    jobs: int | None = None,
) -> str:
    """The formatted bibliography of ``papers`` (ends with a newline unless empty).

    The whole selection is rendered once, so entries are sorted and numbered as
    one bibliography. With ``group_by="category"`` a heading per category (in the
    reading list's order) precedes the entries of that category, in that order; a
    paper in two categories appears under both. ``cache_dir`` enables the
    :mod:`difbib.csl.rendercache` cache. ``jobs``: processes to render the entries
    in (:func:`difbib.csl.render.render_entries`; ``None``: one per CPU core).
    """
    if not papers:
        return ""
    headings = _headings(papers, library) if group_by == "category" else []
    if headings:
        # Numbered styles number in the order the reader meets the entries, as a
        # survey's sections cite them: [1], [2], ... down the sections; a paper under
        # a second heading keeps its first number. (Styles that sort, like APA, sort.)
        order: dict[str, Paper] = {}
        for heading in headings:
            order.update(
                {p.key: p for p in papers if heading in p.categories and p.key not in order}
            )
        order.update({p.key: p for p in papers if p.key not in order})
        papers = list(order.values())
    omit = [v for v in ONLY_FEEDS.values() if not render.uses_variable(style.path, v)]
    if cache_dir is None:
        items = to_csl_items(list(papers), omit)
        result = render.cached_bibliography(items, style.path, locale, output, jobs=jobs)
    else:
        result = _cached(papers, style, locale, output, cache_dir, omit, jobs)
    if group_by is None:
        return _block(result.entries, output) + "\n"
    if group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    text_of = dict(zip(result.ids, result.entries, strict=True))
    by_key = {p.key: p for p in papers}
    sections = []
    for heading in headings:
        entries = [text_of[i] for i in result.ids if heading in by_key[i].categories]
        if entries:
            sections.append(_heading(heading, output) + "\n\n" + _block(entries, output))
    loose = [text_of[i] for i in result.ids if not by_key[i].categories]
    if loose:
        sections.append(_heading("Uncategorised", output) + "\n\n" + _block(loose, output))
    return "\n\n".join(sections) + "\n"


def _cached(
    papers: Sequence[Paper],
    style: Style,
    locale: str,
    output: str,
    cache_dir: Path,
    omit: list[str],
    jobs: int | None,
) -> render.Rendered:
    """The bibliography through the render cache; papers known to the cache (by
    their raw fields) are not even converted to CSL-JSON when nothing changed, and
    only the changed ones are converted when something did."""
    from difbib.csl.rendercache import RenderCache, item_digest, paper_digest

    render.locale_path(locale)
    cache = RenderCache(cache_dir, style.path, locale, output)
    raw = [paper_digest(p, omit) for p in papers]
    known = [cache.item_hash(r) for r in raw]
    result = None
    hashes = [h for h in known if h is not None]
    if len(hashes) == len(raw):  # every paper is known: no conversion at all
        result = render.cached_entries([p.key for p in papers], hashes, cache)
    if result is None:
        items, hashes = [], []
        for paper, paper_hash, item_hash in zip(papers, raw, known, strict=True):
            item = cache.get_item(item_hash) if item_hash is not None else None
            if item is None or item_hash is None or item.get("id") != paper.key:
                item = to_csl_item(paper, omit)
                item_hash = item_digest(item)
                cache.put_item_hash(paper_hash, item_hash)
                cache.put_item(item_hash, item)
            items.append(item)
            hashes.append(item_hash)
        result = render.cached_bibliography(
            items, style.path, locale, output, cache, hashes, jobs=jobs
        )
    cache.save()
    return result


def _headings(papers: Sequence[Paper], library: Library | None) -> list[str]:
    """The category headings, in the reading list's order, then any others."""
    headings = [c.heading for c in library.categories] if library is not None else []
    for p in papers:
        headings += [c for c in p.categories if c not in headings]
    return headings


def cite(
    papers: Sequence[Paper],
    cited: Sequence[Paper],
    style: Style,
    *,
    locale: str = "en-US",
    output: str = "text",
) -> str:
    """The in-text citation of ``cited`` (one cluster), numbered among ``papers``."""
    items = to_csl_items(list(papers))
    return render.citation(items, [p.key for p in cited], style.path, locale, output)
