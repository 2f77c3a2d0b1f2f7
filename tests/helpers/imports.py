"""Whether ``difbib import`` doubled a paper: shared by the import tests and the bench."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from difbib.library import bibtex
from difbib.library.importbib import arxiv_id_of_entry, doi_of_entry, title_author_of_entry


def _marks(entry: object) -> list[tuple[str, str]]:
    """What makes two entries one paper: arXiv id, DOI, normalised title and first author."""
    out = []
    for kind, mark in (
        ("arXiv id", arxiv_id_of_entry(entry)),  # type: ignore[arg-type]
        ("DOI", doi_of_entry(entry)),  # type: ignore[arg-type]
        ("title", title_author_of_entry(entry)),  # type: ignore[arg-type]
    ):
        if mark:
            out.append((kind, str(mark)))
    return out


def doubled(original: Path, merged: Path) -> list[str]:
    """The papers of ``original`` that ``merged`` holds more than once (``key (how)``)."""
    counts: Counter[tuple[str, str]] = Counter()
    for e in bibtex.resolve_entries(bibtex.read_bib(merged, warn=False)):
        counts.update(set(_marks(e)))
    found = set()
    for e in bibtex.resolve_entries(bibtex.read_bib(original, warn=False)):
        for kind, mark in _marks(e):
            if counts[(kind, mark)] > 1:
                found.add(f"{e.key} (same {kind})")
    return sorted(found)
