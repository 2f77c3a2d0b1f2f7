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

What an entry reads besides its own item must be in its key too. Some styles
(APA 6th edition, and many with a ``givenname-disambiguation-rule`` other than
``by-cite``) give a name the form the name register of the whole bibliography asks
for (fix 23 of :mod:`difbib.csl.compat`): "Liu, Jie" in full only because another
entry has a "Liu, Jiaheng". Once a render shows that the style's entries read the
register, the cache says so (:attr:`RenderCache.register_keyed`) and the
register's digest joins every entry's key. Likewise each item's sort keys are kept
(so one changed entry is keyed alone and the list sorted again) only when they
did not read the register, and never for numbered styles.

A warm run should not even build the CSL-JSON items (TeX to text through
pylatexenc is the slow part of that): the cache also maps each library entry, as
read from ``library.bib`` (key, type, raw fields, categories, rating; see
:func:`paper_digest`), to the hash of the item it gave. When every entry of a run
is known that way and the order and texts are cached, nothing is converted or
rendered. The conversion code (``csljson``, ``datamodel``, ``latex``) is part of
the fingerprint, like the rendering code. The converted items themselves are kept
too (by item hash), so a run where one entry changed converts that entry only.

The property test in ``tests/csl/test_rendercache.py`` holds all this to one rule:
after any single-entry edit, a run through the cache prints what a cold run prints.

Where: ``$DIFBIB_RENDER_CACHE_DIR``, else the user's cache folder
(:func:`difbib.userdirs.user_cache_dir`: ``~/.cache/difbib`` on Linux, the
platform's own elsewhere, ``$DIFBIB_CACHE_DIR`` if set); a user cache, not the
project folder: rendered text is derived data, and the library folder may be
read-only or under version control. One JSON
file per style/locale/output, written atomically under a lock (entries another
process saved meanwhile are kept); a cache file that is unreadable or of the wrong
shape is ignored and rewritten. The cache is derived data, so it is not flushed
to disk (``durable=False``: a busy disk's ``fsync`` would cost more than the run
saves); after a power cut it may be unreadable, and is then rebuilt.
``--no-cache`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict, TypeVar, cast

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


class SortOrder(TypedDict, total=False):
    """A list of items as the style sorted it: the ids in order, what disambiguation
    decided for each (``repr`` of its decision, when not the default), and the digest
    of the name register its entries were keyed by (if they were)."""

    ids: list[str]
    extras: dict[str, str]
    register: str


class _Stored(TypedDict):
    """The tables of a cache file (see :class:`RenderCache`)."""

    entries: dict[str, str]
    orders: dict[str, SortOrder]
    items: dict[str, str]
    cites: dict[str, str]
    converted: dict[str, dict[str, Any]]
    sortkeys: dict[str, list[Any]]
    register_keyed: bool


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
        self.converted: dict[str, dict[str, Any]] = {}  # item digest -> the CSL-JSON item
        self.sortkeys: dict[str, list[Any]] = {}  # item digest -> its sort keys
        self.used: dict[str, str] = {}
        self.used_items: dict[str, str] = {}
        self.used_cites: dict[str, str] = {}
        self.used_converted: dict[str, dict[str, Any]] = {}
        self.used_sortkeys: dict[str, list[Any]] = {}
        self.changed = False
        self.read_signature: tuple[int, int, int] | None = None
        data = self._read()
        self.entries, self.orders = data["entries"], data["orders"]
        self.items, self.cites, self.converted = data["items"], data["cites"], data["converted"]
        self.sortkeys = data["sortkeys"]
        #: entries of this style read the name register of the whole bibliography
        #: (fix 23 of :mod:`difbib.csl.compat`): their keys hold its digest
        self.register_keyed = data["register_keyed"]

    def _read(self, unless_read: bool = False) -> _Stored:
        """The file's entries, orders, item hashes, cites and items; empty when it is
        missing, stale or not ours (a table of the wrong shape is dropped alone), and,
        with ``unless_read``, when it is still the file this cache read."""
        stored: _Stored = {
            "entries": {},
            "orders": {},
            "items": {},
            "cites": {},
            "converted": {},
            "sortkeys": {},
            "register_keyed": False,
        }
        try:
            with open(self.path, "rb") as fh:
                seen = os.fstat(fh.fileno())
                signature = (seen.st_ino, seen.st_size, seen.st_mtime_ns)
                if unless_read and signature == self.read_signature:
                    return stored  # the file this cache read: nothing new in it
                data = json.loads(fh.read())
            self.read_signature = signature
        except (OSError, ValueError):
            return stored
        if not isinstance(data, dict) or data.get("scope") != self.scope:
            return stored
        entries, orders = data.get("entries"), data.get("orders")
        items, cites = data.get("items", {}), data.get("cites", {})
        converted, sortkeys = data.get("converted", {}), data.get("sortkeys", {})
        if not (
            isinstance(entries, dict)
            and isinstance(orders, dict)
            and isinstance(items, dict)
            and isinstance(cites, dict)
        ):
            return stored
        stored["entries"] = {k: v for k, v in entries.items() if isinstance(v, str)}
        stored["items"] = {k: v for k, v in items.items() if isinstance(v, str)}
        stored["cites"] = {k: v for k, v in cites.items() if isinstance(v, str)}
        if isinstance(converted, dict):
            stored["converted"] = {
                k: v for k, v in converted.items() if isinstance(v, dict) and "id" in v
            }
        stored["register_keyed"] = data.get("register-keyed") is True
        if isinstance(sortkeys, dict):
            stored["sortkeys"] = {k: v for k, v in sortkeys.items() if isinstance(v, list)}
        stored["orders"] = {
            k: cast(SortOrder, v)
            for k, v in orders.items()
            if isinstance(v, dict)
            and isinstance(v.get("ids"), list)
            and all(isinstance(i, str) for i in v["ids"])
            and isinstance(v.get("extras", {}), dict)
        }
        return stored

    def order_key(self, digests: Sequence[str]) -> str:
        return digest("order", list(digests))

    def entry_key(self, item_hash: str, number: int, extra: str = "", register: str = "") -> str:
        """The key of one entry: its content, its number (numbered styles), ``extra``
        (what disambiguation decided for it) and, when entries read it, the digest of
        the name register (see :attr:`register_keyed`)."""
        parts: list[Any] = ["entry", item_hash, number if self.numbered else 0, extra]
        return digest(*parts, register) if register else digest(*parts)

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

    def get_item(self, item_hash: str) -> dict[str, Any] | None:
        """The CSL-JSON item with this digest, as converted in an earlier run (shared
        with the cache: read it, never change it)."""
        found = self.converted.get(item_hash)
        if found is not None:
            self.used_converted[item_hash] = found
        return found

    def put_item(self, item_hash: str, item: dict[str, Any]) -> None:
        if item_hash not in self.converted:
            self.converted[item_hash] = item
            self.changed = True
        self.used_converted[item_hash] = item

    def get_sort_keys(self, item_hash: str) -> list[Any] | None:
        """An item's sort keys (one per ``cs:key`` of the bibliography's sort, as JSON
        holds them: lists for tuples), kept only when they depend on the item alone."""
        found = self.sortkeys.get(item_hash)
        if found is not None:
            self.used_sortkeys[item_hash] = found
        return found

    def put_sort_keys(self, item_hash: str, keys: list[Any]) -> None:
        self.sortkeys[item_hash] = self.used_sortkeys[item_hash] = keys
        self.changed = True

    def get_cite(self, item_hash: str) -> str | None:
        """An item's cite as the style first writes it (what disambiguation compares)."""
        found = self.cites.get(item_hash)
        if found is not None:
            self.used_cites[item_hash] = found
        return found

    def put_cite(self, item_hash: str, text: str) -> None:
        self.cites[item_hash] = self.used_cites[item_hash] = text
        self.changed = True

    def set_register_keyed(self) -> None:
        """From now on, key entries by the name register too (see :attr:`register_keyed`)."""
        if not self.register_keyed:
            self.register_keyed = self.changed = True

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
        converted = _most_recent(self.used_converted, self.converted)
        sortkeys = _most_recent(self.used_sortkeys, self.sortkeys)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with locked(self.path):  # keep what another process rendered meanwhile
                theirs = self._read(unless_read=True)
                kept = _most_recent(kept, theirs["entries"])
                items = _most_recent(items, theirs["items"])
                cites = _most_recent(cites, theirs["cites"])
                converted = _most_recent(converted, theirs["converted"])
                sortkeys = _most_recent(sortkeys, theirs["sortkeys"])
                data = {
                    "scope": self.scope,
                    "orders": _most_recent(self.orders, theirs["orders"], limit=8),
                    "entries": kept,
                    "items": items,
                    "cites": cites,
                    "converted": converted,
                    "sortkeys": sortkeys,
                    "register-keyed": self.register_keyed or theirs["register_keyed"],
                }
                text = json.dumps(data, ensure_ascii=False)
                atomic_write_text(self.path, text, durable=False)  # derived data
        except (OSError, DifbibError):  # atomic_write_text reports OSError as DifbibError
            pass  # a cache that cannot be written only costs speed


_V = TypeVar("_V")


def _most_recent(
    first: dict[str, _V], more: dict[str, _V], limit: int = MAX_ENTRIES
) -> dict[str, _V]:
    """``first``, then what ``more`` adds, up to ``limit`` keys."""
    kept = dict(first)
    for key, value in more.items():
        if len(kept) >= limit:
            break
        kept.setdefault(key, value)
    return kept
