"""A cache of rendered bibliography entries, so a repeated ``difbib format`` is instant.

Keys are content hashes: an entry is reused only when its CSL-JSON item, the style
file's bytes, the locale, the output kind, difbib's rendering code (a hash of
its source, so a fix to the compatibility layer is never hidden by the cache)
and citeproc-py's version,
for numbered styles its number, and what disambiguation decided for it are all
unchanged; the sorted order is kept
likewise for the exact list of items. A changed entry gets a new key and is
rendered again; everything else is read back.

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


def renderer_fingerprint() -> str:
    """A hash of the modules whose code decides rendered text."""
    here = Path(__file__).parent
    return digest(*[(here / f"{m}.py").read_bytes() for m in ("render", "compat", "bibformat")])


def item_digest(item: dict[str, Any]) -> str:
    return digest(item)


class SortOrder(TypedDict):
    """A list of items as the style sorted it: the ids in order, and what
    disambiguation decided for each (``repr`` of its decision, when not the default)."""

    ids: list[str]
    extras: dict[str, str]


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
        self.used: dict[str, str] = {}
        self.changed = False
        self.entries, self.orders = self._read()

    def _read(self) -> tuple[dict[str, str], dict[str, SortOrder]]:
        """The file's entries and orders; empty when it is missing, stale or not ours."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}, {}
        if not isinstance(data, dict) or data.get("scope") != self.scope:
            return {}, {}
        entries, orders = data.get("entries"), data.get("orders")
        if not isinstance(entries, dict) or not isinstance(orders, dict):
            return {}, {}
        entries = {k: v for k, v in entries.items() if isinstance(v, str)}
        orders = {
            k: v
            for k, v in orders.items()
            if isinstance(v, dict)
            and isinstance(v.get("ids"), list)
            and all(isinstance(i, str) for i in v["ids"])
            and isinstance(v.get("extras", {}), dict)
        }
        return entries, orders

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

    def put_order(self, key: str, value: SortOrder) -> None:
        """Keep the sorted ids (and disambiguation) of an item list; the last 8 lists."""
        self.orders = {key: value, **{k: v for k, v in list(self.orders.items())[:7] if k != key}}
        self.changed = True

    def save(self) -> None:
        """Write the cache if anything was added (keeps the most recently used entries)."""
        if not self.changed:
            return
        kept = dict(self.used)
        for key, text in self.entries.items():
            if len(kept) >= MAX_ENTRIES:
                break
            kept.setdefault(key, text)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with locked(self.path):  # keep what another process rendered meanwhile
                theirs, _ = self._read()
                for key, text in theirs.items():
                    if len(kept) >= MAX_ENTRIES:
                        break
                    kept.setdefault(key, text)
                data = {"scope": self.scope, "orders": self.orders, "entries": kept}
                atomic_write_text(self.path, json.dumps(data, ensure_ascii=False))
        except (OSError, DifbibError):  # atomic_write_text reports OSError as DifbibError
            pass  # a cache that cannot be written only costs speed
