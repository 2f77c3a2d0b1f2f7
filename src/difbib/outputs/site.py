"""``difbib site``: the library, or a selection, as one static page to browse.

The page is a single ``index.html`` with its style and script inline, so it works from
disk (``file://``), offline, with no server and nothing fetched. Per paper it shows the
title (linked to the paper), authors, year, venue or arXiv id, rating as stars and
categories; the abstract and the BibTeX sit in ``<details>`` (shown on demand, and
readable without JavaScript). The script adds filters by category and minimum rating,
a search of titles, authors and (optionally) abstracts, "Copy BibTeX" per paper and
"Download these as .bib" for the papers shown. The BibTeX of a paper is exactly what
``difbib export -k KEY`` prints, and a download is what ``difbib export`` prints for
the papers shown.

Safety: the page is rendered by Jinja2 with autoescaping, so every value from the
library (titles, abstracts, authors, keys) is text, never markup. Links are made only
from ``http(s)`` URLs (a ``javascript:`` URL gives no link). A Content-Security-Policy
allows no source at all except the page's own inline style and script, named by
their SHA-256 hashes computed here; an injected script or event handler would not
run even if escaping failed.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from difbib import __version__
from difbib.errors import DifbibError
from difbib.fileio import atomic_write_text
from difbib.library.latex import tex_to_text
from difbib.library.queries import Library, Paper, fold
from difbib.outputs.export import export, url_safe
from difbib.outputs.listing import stars
from difbib.outputs.stats import venue

#: Authors shown before "and N more" (all of them are searched).
MAX_AUTHORS = 12
PAGE = "index.html"


@dataclass
class SiteEntry:
    """What the page shows and searches for one paper (plain text; the template escapes)."""

    key: str
    index: int  # library order, for downloads in `difbib export` order
    title: str
    url: str | None
    authors: str
    year: int | None
    venue: str | None
    eprint: str | None
    rating: int | None
    stars: str
    categories: list[str] = field(default_factory=list)
    category_slugs: list[str] = field(default_factory=list)
    abstract: str = ""
    bibtex: str = ""
    search_text: str = ""  # folded title and authors
    search_abstract: str = ""  # folded abstract


def safe_link(paper: Paper) -> str | None:
    """The paper's address for its title link: its ``url``, else its DOI, else its arXiv
    page; only ``http``/``https`` addresses (never ``javascript:``, ``data:``, ...)."""
    candidates = [paper.get("url")]
    if doi := paper.get("doi"):
        candidates.append("https://doi.org/" + urllib.parse.quote(doi.strip(), safe="/:;()._-"))
    if paper.eprint:
        candidates.append("https://arxiv.org/abs/" + urllib.parse.quote(paper.eprint.strip(), "/."))
    for candidate in candidates:
        if not candidate:
            continue
        url = url_safe(candidate)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return url
    return None


def _authors(paper: Paper) -> str:
    names = [tex_to_text(n) for n in paper.authors]
    if len(names) > MAX_AUTHORS:
        return ", ".join(names[:MAX_AUTHORS]) + f" and {len(names) - MAX_AUTHORS} more"
    return ", ".join(names)


def site_entries(library: Library, papers: Sequence[Paper]) -> list[SiteEntry]:
    """The papers as the page shows them, newest first (then by rating, then by key)."""
    slug = {c.heading: c.slug for c in library.categories}
    order = {p.key: i for i, p in enumerate(library.papers)}
    entries = []
    for paper in papers:
        abstract = paper.get("abstract", "") or ""
        entries.append(
            SiteEntry(
                key=paper.key,
                index=order.get(paper.key, len(order)),
                title=tex_to_text(paper.title) or paper.key,
                url=safe_link(paper),
                authors=_authors(paper),
                year=paper.year,
                venue=venue(paper),
                eprint=paper.eprint,
                rating=paper.rating,
                stars=stars(paper.rating),
                categories=list(paper.categories),
                category_slugs=[slug[h] for h in paper.categories if h in slug],
                abstract=tex_to_text(abstract) if abstract else "",
                bibtex=export([paper], "bibtex"),
                search_text=fold(" ".join([paper.title, *paper.authors])),
                search_abstract=fold(abstract),
            )
        )
    entries.sort(key=lambda e: (-(e.year or 0), -(e.rating or 0), e.key.lower()))
    return entries


def csp_hash(text: str) -> str:
    """The CSP source (``'sha256-...'``) allowing an inline element with this content."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(script: str, style: str) -> str:
    """Nothing may load or run but this script and this style sheet."""
    return (
        f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
        "base-uri 'none'; form-action 'none'"
    )


def _template_text(name: str) -> str:
    return (resources.files("difbib.outputs") / "templates" / name).read_text(encoding="utf-8")


def render_site(library: Library, papers: Sequence[Paper], *, title: str) -> str:
    """The page's HTML for these papers."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("difbib.outputs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    script = _template_text("site.js")
    style = _template_text("site.css")
    entries = site_entries(library, papers)
    shown = {h for p in papers for h in p.categories}
    categories = [
        {
            "slug": c.slug,
            "heading": c.heading,
            "count": sum(c.heading in p.categories for p in papers),
        }
        for c in library.categories
        if c.heading in shown
    ]
    return env.get_template("site.html.j2").render(
        title=title,
        entries=entries,
        categories=categories,
        csp=content_security_policy(script, style),
        script=Markup(script),
        style=Markup(style),
        version=__version__,
    )


def write_site(
    library: Library, papers: Sequence[Paper], out_dir: str | Path, *, title: str
) -> Path:
    """Write ``out_dir/index.html`` (atomically; the folder is made if missing)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DifbibError(f"{str(out_dir)!r} is a file, not a folder; give -o a folder")
    html = render_site(library, papers, title=title)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DifbibError(f"cannot make the folder {str(out_dir)!r}: {err.strerror}") from None
    page = out_dir / PAGE
    atomic_write_text(page, html)
    return page
