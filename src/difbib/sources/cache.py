"""The on-disk cache of what arXiv returned.

One JSON file (``arxiv-cache.json`` by default) holds every paper's
:class:`~difbib.sources.record.ArxivRecord` by arXiv id, and the answers of title searches
by normalised title. It is sorted and indented so that it diffs well and can be
committed: a fresh clone then rebuilds ``library.bib`` with ``difbib sync --offline``.
"""

from __future__ import annotations

import json
from pathlib import Path

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_text
from difbib.sources.record import ArxivRecord

CACHE_FORMAT = 1


class MetadataCache:
    """arXiv records by id, and title-search answers by normalised title."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path else None
        self.read_only = read_only
        self.papers: dict[str, ArxivRecord] = {}
        self.titles: dict[str, str | None] = {}
        self._dirty = False
        if self.path and self.path.exists():
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT:
                raise ValueError(f"unknown cache format {data.get('format')!r}")
            self.papers = {k: ArxivRecord.from_json(v) for k, v in data["papers"].items()}
            self.titles = dict(data.get("titles", {}))
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise DifbibError(
                f"the arXiv cache {str(self.path)!r} is unreadable ({err}); "
                "delete it and run 'difbib sync' to fetch again"
            ) from None

    def get(self, arxiv_id: str) -> ArxivRecord | None:
        return self.papers.get(arxiv_id)

    def put(self, record: ArxivRecord) -> None:
        if self.papers.get(record.id) != record:
            self.papers[record.id] = record
            self._dirty = True

    def title_answer(self, norm_title: str) -> tuple[bool, str | None]:
        """(known, id): whether a search for this title was answered, and its id."""
        if norm_title in self.titles:
            return True, self.titles[norm_title]
        return False, None

    def put_title(self, norm_title: str, arxiv_id: str | None) -> None:
        if self.titles.get(norm_title, "<unset>") != arxiv_id:
            self.titles[norm_title] = arxiv_id
            self._dirty = True

    def to_text(self) -> str:
        data = {
            "format": CACHE_FORMAT,
            "papers": {k: self.papers[k].to_json() for k in sorted(self.papers)},
            "titles": {k: self.titles[k] for k in sorted(self.titles)},
        }
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    def save(self) -> None:
        """Write the cache if anything changed (atomically; never when read-only)."""
        if self.path and self._dirty and not self.read_only:
            atomic_write_text(self.path, self.to_text())
            self._dirty = False
