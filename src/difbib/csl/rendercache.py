"""A cache of rendered bibliography entries, so a repeated ``difbib format`` is instant.

Keys are content hashes: an entry is reused only when its CSL-JSON item, the style
file's bytes, the locale, the output kind, difbib's rendering code (a hash of
its source, so a fix to the compatibility layer is never hidden by the cache)
and citeproc-py's version,
for numbered styles its number, and what disambiguation decided for it are all
unchanged; the sorted order is kept
likewise for the exact list of items. A changed entry gets a new key and is
rendered again; everything else is read back. Each item's cite as the style first
writes it (what disambiguation compares to find look-alikes) is kept too, so one
changed entry does not render every cite again.

A warm run should not even build the CSL-JSON items (TeX to text through
pylatexenc is the slow part of that): the cache also maps each library entry, as
read from ``library.bib`` (key, type, raw fields, categories, rating; see
:func:`paper_digest`), to the hash of the item it gave. When every entry of a run
is known that way and the order and texts are cached, nothing is converted or
rendered. The conversion code (``csljson``, ``datamodel``, ``latex``) is part of
the fingerprint, like the rendering code.

Where: ``$DIFBIB_RENDER_CACHE_DIR``, else the user's cache folder
(:func:`difbib.userdirs.user_cache_dir`: ``~/.cache/difbib`` on Linux, the
platform's own elsewhere, ``$DIFBIB_CACHE_DIR`` if set); a user cache, not the
project folder: rendered text is derived data, and the library folder may be
read-only or under version control. One JSON
file per style/locale/output, written atomically under a lock (entries another
process saved meanwhile are kept); a cache file that is unreadable or of the wrong
shape is ignored and rewritten. ``--no-cache`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_text, locked
from difbib.userdirs import user_cache_dir

#: Entries kept per cache file (the most recently used ones).
MAX_ENTRIES = 20000


def default_dir() -> Path:
    """The cache folder (see the module docstring)."""
    if os.environ.get("DIFBIB_RENDER_CACHE_DIR"):
        return Path(os.environ["DIFBIB_RENDER_CACHE_DIR"])
    return user_cache_dir()


def digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True).encode()
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


#: The modules whose code decides rendered text, from an entry of ``library.bib``.
FINGERPRINTED = (
    "csl/render.py",
    "csl/compat.py",
    "csl/bibformat.py",
    "csl/csljson.py",
    "csl/rendercache.py",
    "library/datamodel.py",
    "library/latex.py",
)


def renderer_fingerprint() -> str:
    """A hash of the modules whose code decides rendered text (and of pylatexenc's
    version, which turns TeX into text)."""
    from importlib.metadata import version

    package = Path(__file__).parent.parent
    code = [(package / m).read_bytes() for m in FINGERPRINTED]
    return digest(*code, version("pylatexenc"))


def item_digest(item: dict[str, Any]) -> str:
    return digest(item)


class SortOrder(TypedDict):
    """A list of items as the style sorted it: the ids in order, and what
    disambiguation decided for each (``repr`` of its decision, when not the default)."""

    ids: list[str]
    extras: dict[str, str]


def paper_digest(paper: Any, omit: Sequence[str] = ()) -> str:
    """The hash of what a library paper's CSL-JSON item is made from: its key, entry
    type and raw fields, categories and rating (and the variables left out)."""
    entry = paper.entry
    fields = [(f.key, str(f.value)) for f in entry.fields]
    rating = paper.rating
    return digest(
        "paper", paper.key, entry.entry_type, fields, list(paper.categories), rating, sorted(omit)
    )


class RenderCache:
    """Rendered entries and sort orders for one style, locale and output kind."""

    def __init__(self, folder: Path, style_path: Path, locale: str, output: str):
        from importlib.metadata import version

        citeproc_version = version("citeproc-py")
        style_bytes = Path(style_path).read_bytes()
        self.numbered = b"citation-number" in style_bytes
        self.scope = digest(renderer_fingerprint(), citeproc_version, style_bytes, locale, output)
        self.path = Path(folder) / f"rendered-{self.scope[:24]}.json"
        self.entries: dict[str, str] = {}
        self.orders: dict[str, SortOrder] = {}  # order key -> the sorted list
        self.items: dict[str, str] = {}  # paper digest -> item digest
        self.cites: dict[str, str] = {}  # item digest -> its cite before disambiguation
        self.used: dict[str, str] = {}
        self.used_items: dict[str, str] = {}
        self.used_cites: dict[str, str] = {}
        self.changed = False
        self.entries, self.orders, self.items, self.cites = self._read()

    def _read(self) -> tuple[dict[str, str], dict[str, SortOrder], dict[str, str], dict[str, str]]:
        """The file's entries, orders, item hashes and cites; empty when it is missing,
        stale or not ours."""
        empty: tuple[dict[str, str], dict[str, SortOrder], dict[str, str], dict[str, str]] = (
            {},
            {},
            {},
            {},
        )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return empty
        if not isinstance(data, dict) or data.get("scope") != self.scope:
            return empty
        entries, orders = data.get("entries"), data.get("orders")
        items, cites = data.get("items", {}), data.get("cites", {})
        if not (
            isinstance(entries, dict)
            and isinstance(orders, dict)
            and isinstance(items, dict)
            and isinstance(cites, dict)
        ):
            return empty
        entries = {k: v for k, v in entries.items() if isinstance(v, str)}
        items = {k: v for k, v in items.items() if isinstance(v, str)}
        cites = {k: v for k, v in cites.items() if isinstance(v, str)}
        orders = {
            k: v
            for k, v in orders.items()
            if isinstance(v, dict)
            and isinstance(v.get("ids"), list)
            and all(isinstance(i, str) for i in v["ids"])
            and isinstance(v.get("extras", {}), dict)
        }
        return entries, orders, items, cites

    def order_key(self, digests: Sequence[str]) -> str:
        return digest("order", list(digests))

    def entry_key(self, item_hash: str, number: int, extra: str = "") -> str:
        """The key of one entry: its content, its number (numbered styles) and
        ``extra`` (what disambiguation decided for it)."""
        return digest("entry", item_hash, number if self.numbered else 0, extra)

    def get_entry(self, key: str) -> str | None:
        text = self.entries.get(key)
        if text is not None:
            self.used[key] = text
        return text

    def put_entry(self, key: str, text: str) -> None:
        self.entries[key] = text
        self.used[key] = text
        self.changed = True

    def item_hash(self, paper_hash: str) -> str | None:
        """The item digest a paper (:func:`paper_digest`) gave last time, if known."""
        found = self.items.get(paper_hash)
        if found is not None:
            self.used_items[paper_hash] = found
        return found

    def put_item_hash(self, paper_hash: str, item_hash: str) -> None:
        if self.items.get(paper_hash) != item_hash:
            self.items[paper_hash] = item_hash
            self.changed = True
        self.used_items[paper_hash] = item_hash

    def get_cite(self, item_hash: str) -> str | None:
        """An item's cite as the style first writes it (what disambiguation compares)."""
        found = self.cites.get(item_hash)
        if found is not None:
            self.used_cites[item_hash] = found
        return found

    def put_cite(self, item_hash: str, text: str) -> None:
        self.cites[item_hash] = self.used_cites[item_hash] = text
        self.changed = True

    def put_order(self, key: str, value: SortOrder) -> None:
        """Keep the sorted ids (and disambiguation) of an item list; the last 8 lists."""
        self.orders = {key: value, **{k: v for k, v in list(self.orders.items())[:7] if k != key}}
        self.changed = True

    def save(self) -> None:
        """Write the cache if anything was added (keeps the most recently used entries)."""
        if not self.changed:
            return
        kept = _most_recent(self.used, self.entries)
        items = _most_recent(self.used_items, self.items)
        cites = _most_recent(self.used_cites, self.cites)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with locked(self.path):  # keep what another process rendered meanwhile
                theirs, _, their_items, their_cites = self._read()
                kept = _most_recent(kept, theirs)
                items = _most_recent(items, their_items)
                cites = _most_recent(cites, their_cites)
                data = {
                    "scope": self.scope,
                    "orders": self.orders,
                    "entries": kept,
                    "items": items,
                    "cites": cites,
                }
                atomic_write_text(self.path, json.dumps(data, ensure_ascii=False))
        except (OSError, DifbibError):  # atomic_write_text reports OSError as DifbibError
            pass  # a cache that cannot be written only costs speed


def _most_recent(first: dict[str, str], more: dict[str, str]) -> dict[str, str]:
    """``first``, then what ``more`` adds, up to :data:`MAX_ENTRIES` keys."""
    kept = dict(first)
    for key, value in more.items():
        if len(kept) >= MAX_ENTRIES:
            break
        kept.setdefault(key, value)
    return kept
