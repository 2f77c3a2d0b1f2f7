"""The field at a glance: papers per category and year, ratings, venues, and the figure.

:func:`field_stats` counts a selection of the library; :func:`stats_table` and
:func:`stats_json` print the counts; :func:`save_figure` draws them for a survey.

How papers are counted:

* **Year:** the entry's ``year`` (``difbib sync`` writes the year of arXiv's first
  version; an entry changed to the published version, ``@inproceedings`` or
  ``@article`` with its ``booktitle``/``journal``, carries the venue's year).
* **Category:** a paper listed under two headings counts in both, so a year's
  categories can add up to more than its papers; the ``all papers`` row counts each
  paper once.
* **Venue:** the ``booktitle`` or ``journal`` as plain text; papers with neither are
  preprints.

The figure is stacked bars, one bar a year and one segment a category, in the
reading list's order from the bottom up. Stacked bars show both what a survey's
opening figure is asked for (how the field grew) and each area's share of it, and
stay legible for a handful of years in one column, where a timeline of single papers
would not. It is made for a LaTeX document: vector output (SVG with glyphs as paths,
PDF with TrueType fonts embedded, never Type 3), the Okabe-Ito palette (distinct for
the common colour-vision deficiencies; after eight categories, hatching tells the
colours' second round apart), the reading list's headings in the legend, and an exact
width (``3.5in``, ``8.5cm``, ``246pt``) so it fills one column at 100% scale.
matplotlib is an optional dependency (``pip install 'difbib[plot]'``).
"""

from __future__ import annotations

import io
import json
import re
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_bytes
from difbib.library.latex import tex_to_text
from difbib.library.queries import Library, Paper
from difbib.outputs.listing import stars, table
from difbib.sources.readinglist import Category

if TYPE_CHECKING:  # matplotlib is optional (the plot extra)
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

#: The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2002), ordered so
#: that neighbouring segments contrast in lightness too.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Papers in no category of the list (e.g. kept entries not in the list), in grey.
NO_CATEGORY = "(no category)"
NO_CATEGORY_COLOUR = "#999999"
#: Hatching for the second and later rounds of the palette.
HATCHES = ("", "////", "....", "xxxx")

FIGURE_SUFFIXES = (".svg", ".pdf", ".png")
PLOT_EXTRA = "pip install 'difbib[plot]'"


def venue(paper: Paper) -> str | None:
    """Where the paper was published (``booktitle`` or ``journal``, as text), if known."""
    for name in ("booktitle", "journal", "journaltitle"):
        value = paper.get(name)
        if value and value.strip():
            return tex_to_text(value)
    return None


@dataclass
class CategoryCount:
    """One category's papers by year, and their mean rating."""

    slug: str
    heading: str
    by_year: dict[int, int] = field(default_factory=dict)
    papers: int = 0
    mean_rating: float | None = None


@dataclass
class FieldStats:
    """The counts behind ``difbib stats``; ``years`` is contiguous from first to last."""

    papers: int
    years: list[int]
    by_year: dict[int, int]  # distinct papers per year
    categories: list[CategoryCount]
    ratings: dict[int, int]  # stars -> papers (5 down to 1)
    unrated: int
    venues: list[tuple[str, int]]  # most papers first
    preprints: int  # papers with no known venue
    no_year: list[str]  # keys of papers without a year


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def field_stats(
    library: Library, papers: Sequence[Paper], *, categories: Sequence[Category] = ()
) -> FieldStats:
    """Count ``papers`` per category and year; ``categories`` limits the categories
    counted (default: every category of the library that holds one of the papers)."""
    wanted = list(categories) or list(library.categories)
    known = {c.heading for c in library.categories}
    counts: list[CategoryCount] = []
    for cat in wanted:
        members = [p for p in papers if cat.heading in p.categories]
        if not members and not categories:
            continue
        counts.append(_count(cat.slug, cat.heading, members))
    if not categories:
        loose = [p for p in papers if not known & set(p.categories)]
        if loose:
            counts.append(_count(NO_CATEGORY, NO_CATEGORY, loose))
    dated = [p.year for p in papers if p.year is not None]
    years = list(range(min(dated), max(dated) + 1)) if dated else []
    rated = Counter(p.rating for p in papers if p.rating)
    venues = Counter(v for p in papers if (v := venue(p)))
    return FieldStats(
        papers=len(papers),
        years=years,
        by_year={y: dated.count(y) for y in years},
        categories=counts,
        ratings={r: rated.get(r, 0) for r in range(5, 0, -1)},
        unrated=sum(1 for p in papers if not p.rating),
        venues=sorted(venues.items(), key=lambda kv: (-kv[1], kv[0].casefold())),
        preprints=sum(1 for p in papers if venue(p) is None),
        no_year=[p.key for p in papers if p.year is None],
    )


def _count(slug: str, heading: str, members: Sequence[Paper]) -> CategoryCount:
    by_year = Counter(p.year for p in members if p.year is not None)
    return CategoryCount(
        slug=slug,
        heading=heading,
        by_year=dict(sorted(by_year.items())),
        papers=len(members),
        mean_rating=_mean([p.rating for p in members if p.rating]),
    )


# -- text and JSON ----------------------------------------------------------------


def _rating(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def stats_table(stats: FieldStats) -> str:
    """Three tables: category x year (with mean rating), ratings, venues."""
    if not stats.papers:
        return ""
    header = ("category", *map(str, stats.years), "papers", "rating")
    rows = [
        (
            c.slug,
            *(str(c.by_year.get(y, 0)) for y in stats.years),
            str(c.papers),
            _rating(c.mean_rating),
        )
        for c in stats.categories
    ]
    all_ratings = [r for r, n in stats.ratings.items() for _ in range(n)]
    rows.append(
        (
            "all papers",
            *(str(stats.by_year[y]) for y in stats.years),
            str(stats.papers),
            _rating(_mean(all_ratings)),
        )
    )
    parts = [table(header, rows, width=None)]
    notes = ["A paper in two categories counts in both; 'all papers' counts it once."]
    if stats.no_year:
        notes.append(f"Without a year (in no year column): {', '.join(stats.no_year)}.")
    parts.append("\n".join(notes) + "\n")
    rating_rows = [(stars(r), str(n)) for r, n in stats.ratings.items()]
    if stats.unrated:
        rating_rows.append(("unrated", str(stats.unrated)))
    parts.append(table(("rating", "papers"), rating_rows, width=None))
    venue_rows = [(name, str(n)) for name, n in stats.venues]
    venue_rows.append(("(preprint, no venue)", str(stats.preprints)))
    parts.append(table(("venue", "papers"), venue_rows, width=None))
    return "\n".join(parts)


def stats_record(stats: FieldStats) -> dict[str, Any]:
    """The counts as JSON-ready data (years as strings, as JSON keys must be)."""
    return {
        "papers": stats.papers,
        "years": stats.years,
        "by_year": {str(y): n for y, n in stats.by_year.items()},
        "categories": [
            {
                "slug": c.slug,
                "heading": c.heading,
                "papers": c.papers,
                "by_year": {str(y): c.by_year.get(y, 0) for y in stats.years},
                "mean_rating": c.mean_rating,
            }
            for c in stats.categories
        ],
        "ratings": {str(r): n for r, n in stats.ratings.items()},
        "unrated": stats.unrated,
        "venues": [{"venue": name, "papers": n} for name, n in stats.venues],
        "preprints": stats.preprints,
        "no_year": stats.no_year,
    }


def stats_json(stats: FieldStats) -> str:
    return json.dumps(stats_record(stats), ensure_ascii=False, indent=2) + "\n"


# -- the figure -------------------------------------------------------------------

_UNITS = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72.27, "bp": 1 / 72}


def parse_length(text: str) -> float:
    """A length in inches from ``3.5``, ``3.5in``, ``8.5cm``, ``85mm``, ``246pt`` (TeX
    points, as ``\\the\\columnwidth`` prints them) or ``246bp``."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", text.lower())
    if not m or m.group(2) not in ("", *_UNITS):
        raise DifbibError(
            f"--width {text!r} is not a length; give e.g. 3.5in, 8.5cm, 85mm or 246pt"
        )
    inches = float(m.group(1)) * _UNITS[m.group(2) or "in"]
    if not 1 <= inches <= 20:
        raise DifbibError(f"--width {text!r} is out of range; give 1 to 20 inches")
    return inches


def check_figure_path(path: Path) -> str:
    """The figure format for ``path`` (``svg``, ``pdf``, ``png``), or a clear error."""
    suffix = path.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise DifbibError(
            f"--plot {str(path)!r}: cannot tell the figure format from {suffix or 'no suffix'!r}; "
            f"name the file .svg, .pdf or .png"
        )
    return suffix[1:]


def require_matplotlib() -> None:
    """Raise a one-line error naming the extra when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise DifbibError(
            f"--plot needs matplotlib, which is not installed: {PLOT_EXTRA}"
        ) from None


def style(index: int) -> tuple[str, str]:
    """Colour and hatch of the ``index``-th category."""
    return OKABE_ITO[index % len(OKABE_ITO)], HATCHES[(index // len(OKABE_ITO)) % len(HATCHES)]


def figure(stats: FieldStats, *, width: float = 3.5, font_size: float = 8.0) -> Figure:
    """A matplotlib Figure: papers per year, stacked by category, ``width`` inches wide."""
    require_matplotlib()
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    if not stats.years:
        raise DifbibError("no selected paper has a year; nothing to plot")
    rc: dict[RcKeyType, Any] = {
        "font.size": font_size,
        "hatch.linewidth": 0.6,
        "hatch.color": "white",
    }
    with matplotlib.rc_context(rc):
        cats = stats.categories
        ncol = 1 if width < 2.5 else 2 if width < 5.5 else 3
        # characters a legend column holds (a glyph is ~0.55 em; the handle takes ~3 em)
        wrap = max(int((width * 72 / ncol / font_size - 3) / 0.55), 12)
        labels = [textwrap.fill(c.heading, wrap) for c in cats]
        # the legend fills column by column; a row is as tall as its tallest label
        rows = -(-len(labels) // ncol)
        lines = sum(
            max(labels[i].count("\n") + 1 for i in range(row, len(labels), rows))
            for row in range(rows)
        )
        legend_height = (lines * 1.25 + 0.8) * font_size / 72
        plot_height = max(width * 0.55, 1.6)
        fig = Figure(figsize=(width, plot_height + legend_height), layout="constrained")
        ax = fig.add_subplot()
        x = list(range(len(stats.years)))
        bottom = [0] * len(x)
        for i, cat in enumerate(cats):
            heights = [cat.by_year.get(y, 0) for y in stats.years]
            colour, hatch = style(i)
            if cat.heading == NO_CATEGORY:
                colour, hatch = NO_CATEGORY_COLOUR, ""
            bars = ax.bar(
                x,
                heights,
                bottom=bottom,
                width=0.7,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                linewidth=0.5,
                label=labels[i],
            )
            for year, bar in zip(stats.years, bars, strict=True):
                bar.set_gid(f"{cat.slug}-{year}")  # unique ids in the SVG, for readers and tests
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_xticks(x, [str(y) for y in stats.years])
        ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
        ax.set_ylabel("papers")
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.grid(axis="y", linewidth=0.4, color="#dddddd")
        ax.set_axisbelow(True)
        fig.legend(
            loc="outside lower center",
            ncols=ncol,
            frameon=False,
            handlelength=1.2,
            columnspacing=1.0,
        )
    return fig


def save_figure(stats: FieldStats, path: Path, *, width: float = 3.5) -> None:
    """Draw the figure into ``path`` (format from its suffix), atomically.

    Output is reproducible (no dates, fixed SVG ids), so a committed figure changes
    only when the counts do.
    """
    kind = check_figure_path(path)
    fig = figure(stats, width=width)
    import matplotlib

    # Fonts: TrueType embedded in PDF (Type 3 fonts are refused by some publishers),
    # glyphs as paths in SVG (viewable without the font).
    buffer = io.BytesIO()
    rc: dict[RcKeyType, Any] = {
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.hashsalt": "difbib",
    }
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {"Software": None}}
    with matplotlib.rc_context(rc):
        fig.savefig(buffer, format=kind, dpi=300, metadata=metadata[kind])
    atomic_write_bytes(path, buffer.getvalue())
