"""The on-disk cache of what arXiv returned.

One JSON file (``arxiv-cache.json`` by default) holds every paper's
:class:`~difbib.sources.record.ArxivRecord` by arXiv id, and the answers of title searches
by normalised title. It is sorted and indented so that it diffs well and can be
committed: a fresh clone then rebuilds ``library.bib`` with ``difbib sync --offline``.

**Checked on reading.** The file is loaded field by field against the record's
types (:func:`parse_cache`): a file of the wrong shape (``[1, 2, 3]``, a record that
is a string, ``"published": 20240523``) is an :class:`InvalidCache` error that
names the file, the place and the fix, never a traceback later on.

**Merged on saving.** Two difbib processes may fetch at the same time. :meth:`save`
takes the file's lock (:func:`difbib.fileio.locked`), reads the file again and adds
this process's new answers to what is there now, so neither loses the other's.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_text, locked
from difbib.sources.record import ArxivRecord

CACHE_FORMAT = 1

#: Record fields: name → (allowed types, required). Dates are ISO strings.
_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "id": ((str,), True),
    "version": ((int, type(None)), False),
    "title": ((str,), True),
    "authors": ((list,), True),
    "abstract": ((str,), True),
    "published": ((str,), True),
    "updated": ((str,), True),
    "primary_class": ((str,), True),
    "classes": ((list,), False),
    "doi": ((str, type(None)), False),
    "comment": ((str, type(None)), False),
    "journal_ref": ((str, type(None)), False),
}
_TYPE_NAMES = {str: "a string", int: "a number", list: "a list", type(None): "null"}


class InvalidCache(DifbibError):
    """The cache file is not what difbib writes (hand-edited, truncated, another tool's)."""


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def parse_record(aid: str, data: Any) -> ArxivRecord:
    """One cached record, checked field by field; ``ValueError`` says what is wrong."""
    where = f"papers[{aid!r}]"
    if not isinstance(data, dict):
        raise ValueError(f"{where} is {_describe(data)}, not a record (an object)")
    for name, (types, required) in _FIELDS.items():
        if name not in data:
            if required:
                raise ValueError(f"{where} has no {name!r}")
            continue
        value = data[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(_TYPE_NAMES[t] for t in types)
            raise ValueError(f"{where}.{name} is {_describe(value)}, not {wanted}")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}.{name} must be a list of strings")
        if name in ("published", "updated") and isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"{where}.{name} is {_describe(value)}, not a date (YYYY-MM-DD)"
                ) from None
    if data["id"] != aid:
        raise ValueError(f"{where} holds the record of {data['id']!r}")
    return ArxivRecord.from_json(data)


def parse_cache(text: str) -> tuple[dict[str, ArxivRecord], dict[str, str | None]]:
    """(papers, titles) from the cache file's text; ``ValueError`` says what is wrong."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"not JSON ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"the file holds {_describe(data)}, not an object")
    if data.get("format") != CACHE_FORMAT:
        raise ValueError(f"unknown cache format {data.get('format')!r}")
    papers_data = data.get("papers", {})
    titles = data.get("titles", {})
    if not isinstance(papers_data, dict):
        raise ValueError(f"'papers' is {_describe(papers_data)}, not an object")
    if not isinstance(titles, dict):
        raise ValueError(f"'titles' is {_describe(titles)}, not an object")
    for title, aid in titles.items():
        if not (aid is None or isinstance(aid, str)):
            raise ValueError(f"titles[{title!r}] is {_describe(aid)}, not an arXiv id or null")
    papers = {aid: parse_record(aid, rec) for aid, rec in papers_data.items()}
    return papers, dict(titles)


class MetadataCache:
    """arXiv records by id, and title-search answers by normalised title.

    ``ignore_invalid`` (what ``sync --refresh`` asks for) starts afresh from a cache
    file that cannot be read, instead of failing: everything is fetched again anyway.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        ignore_invalid: bool = False,
    ):
        self.path = Path(path) if path else None
        self.read_only = read_only
        self.ignore_invalid = ignore_invalid
        self.papers: dict[str, ArxivRecord] = {}
        self.titles: dict[str, str | None] = {}
        self._new_papers: set[str] = set()
        self._new_titles: set[str] = set()
        if self.path and (self.path.exists() or self.path.is_symlink()):
            self.papers, self.titles = self._read()

    def _read(self) -> tuple[dict[str, ArxivRecord], dict[str, str | None]]:
        """The file's papers and titles now (empty when it does not exist)."""
        assert self.path is not None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}, {}
        except IsADirectoryError:
            raise InvalidCache(
                f"the arXiv cache {str(self.path)!r} is a folder; give a file (--cache)"
            ) from None
        except OSError as err:
            raise InvalidCache(
                f"cannot read the arXiv cache {str(self.path)!r}: {err.strerror}"
            ) from None
        except UnicodeDecodeError:
            reason = "not UTF-8 text"
        else:
            try:
                return parse_cache(text)
            except ValueError as err:
                reason = str(err)
        if self.ignore_invalid:
            return {}, {}
        raise InvalidCache(
            f"the arXiv cache {str(self.path)!r} is invalid: {reason}; run 'difbib sync "
            "--refresh' to fetch everything again (or restore the file from version control)"
        )

    @property
    def _dirty(self) -> bool:
        return bool(self._new_papers or self._new_titles)

    def get(self, arxiv_id: str) -> ArxivRecord | None:
        return self.papers.get(arxiv_id)

    def put(self, record: ArxivRecord) -> None:
        if self.papers.get(record.id) != record:
            self.papers[record.id] = record
            self._new_papers.add(record.id)

    def title_answer(self, norm_title: str) -> tuple[bool, str | None]:
        """(known, id): whether a search for this title was answered, and its id."""
        if norm_title in self.titles:
            return True, self.titles[norm_title]
        return False, None

    def put_title(self, norm_title: str, arxiv_id: str | None) -> None:
        if self.titles.get(norm_title, "<unset>") != arxiv_id:
            self.titles[norm_title] = arxiv_id
            self._new_titles.add(norm_title)

    def to_text(self) -> str:
        data = {
            "format": CACHE_FORMAT,
            "papers": {k: self.papers[k].to_json() for k in sorted(self.papers)},
            "titles": {k: self.titles[k] for k in sorted(self.titles)},
        }
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    def save(self) -> None:
        """Write this run's new answers into the file (atomically; never when read-only).

        Under the file's lock the file is read again, so answers another process
        saved meanwhile are kept; ours win where both answered the same question.
        """
        if not (self.path and self._dirty and not self.read_only):
            return
        with locked(self.path):
            papers, titles = self._read()
            papers.update({aid: self.papers[aid] for aid in self._new_papers})
            titles.update({t: self.titles[t] for t in self._new_titles})
            self.papers, self.titles = papers, titles
            atomic_write_text(self.path, self.to_text())
        self._new_papers.clear()
        self._new_titles.clear()
