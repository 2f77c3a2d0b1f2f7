"""Pushing the library into a Zotero library through the Zotero Web API v3.

``difbib zotero push`` keeps a Zotero library in step with ``library.bib``:

* one parent collection (named after the reading list) with one sub-collection per
  category; a paper in two categories sits in both;
* one item per paper, of the type its entry maps to (:mod:`difbib.library.datamodel`,
  checked against Zotero's schema): a ``preprint`` with repository ``arXiv`` and
  archive ID ``arXiv:ID``, a ``conferencePaper`` with its ``proceedingsTitle``, a
  ``journalArticle`` with its ``publicationTitle``, volume, issue, pages, ...; with
  title, creators (group authors as single-field names), abstract, date, DOI, URL,
  citation key (difbib's key) and tags for its categories and its rating (``rating:4``);
* an item is matched to its paper by arXiv id (archive ID, arXiv DOI or URL), so a
  paper is never added twice, even when the local state file is lost; a paper on no
  preprint server (an entry written by hand) by its citation key.

Every push records, per arXiv id, the item key and a hash of the managed fields as
Zotero stored them, in a small JSON state file next to the library
(``.difbib-zotero.json``). On the next push an item whose managed fields still hash
the same was not edited in Zotero and is updated when its paper changed; an item
whose managed fields changed in Zotero is a *conflict*: it is skipped and reported,
unless ``force``. Fields difbib does not manage (notes in *Extra*, personal tags,
other collections) are kept on every update.

Writes follow the API's rules: at most 50 objects per request; creations carry a
``Zotero-Write-Token`` (so a retried request never creates twice), updates carry
each item's ``version`` (so an edit made in between fails with 412 rather than being
overwritten); ``Backoff`` and ``Retry-After`` (HTTP 429/503) are waited out; per-object
``failed`` results are reported while the rest of the push goes on.

The HTTP side (settings, the API key, retries) is :mod:`difbib.zotero.api`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from difbib.fileio import atomic_write_text, locked
from difbib.library.datamodel import (
    zotero_fields,
    zotero_managed_fields,
    zotero_valid_fields,
)
from difbib.library.queries import Paper, rating_tag
from difbib.sources.ids import InvalidArxivId, arxiv_id_from_url, arxiv_ids_in_text, parse_arxiv_id
from difbib.zotero.api import (
    WRITE_LIMIT,
    ZoteroClient,
    ZoteroError,
    ZoteroSettings,
    load_settings,
)

__all__ = ["ZoteroClient", "ZoteroError", "ZoteroSettings", "load_settings", "push"]

STATE_FILE = ".difbib-zotero.json"
_RATING_TAG = re.compile(r"rating:[1-5]")
#: Item properties every item type has (kept when an item becomes a preprint).
_ANY_TYPE_FIELDS = ("key", "version", "tags", "collections", "relations", "extra")
#: Item fields difbib writes and owns (besides creators, its tags and collections).
MANAGED_FIELDS = (
    "title",
    "abstractNote",
    "date",
    "repository",
    "archiveID",
    "DOI",
    "url",
    "citationKey",
    "libraryCatalog",
)
#: The other fields difbib may write, depending on the item type (``proceedingsTitle``,
#: ``publicationTitle``, ``volume``, ``pages``, ``publisher``, ...).
EXTRA_MANAGED_FIELDS = tuple(sorted(zotero_managed_fields() - set(MANAGED_FIELDS)))


# -- mapping papers to items ------------------------------------------------------------


def creators(author_field: str) -> list[dict[str, str]]:
    """Zotero creators for a BibTeX ``author`` value.

    A braced whole name (``{Black Forest Labs}``), a group name or a one-word name
    is a single-field ``name``; others are split into ``firstName``/``lastName``
    (particles stay with the family name, a suffix goes after the given names).
    """
    made: list[dict[str, str]] = zotero_fields("misc", {"author": author_field})["creators"]
    return made


def item_for(paper: Paper, collection_keys: Iterable[str]) -> dict[str, Any]:
    """The Zotero item for a paper (without key and version), valid for Zotero's schema.

    Its type and fields are :func:`difbib.library.datamodel.zotero_fields`'s: a preprint
    is a ``preprint`` (repository ``arXiv``, archive ID ``arXiv:ID``), an
    ``@inproceedings`` a ``conferencePaper`` with ``proceedingsTitle``, an ``@article``
    a ``journalArticle`` with ``publicationTitle``, ... Every field of
    :data:`MANAGED_FIELDS` the type has is present (empty when the paper has no value).
    """
    eprint = paper.arxiv_id or ""
    fields = {f.key: f.value for f in reversed(paper.entry.fields)}
    mapped = zotero_fields(paper.entry.entry_type, fields)
    item_type = mapped["itemType"]
    valid = zotero_valid_fields(item_type)
    item: dict[str, Any] = {"itemType": item_type}
    for name in MANAGED_FIELDS:
        if name in valid:
            item[name] = mapped.get(name, "")
    for name, value in mapped.items():
        if name not in ("itemType", "creators") and name in valid:
            item[name] = value
    if item_type == "preprint" and eprint:
        item["libraryCatalog"] = "arXiv.org"
        item["DOI"] = item.get("DOI") or f"10.48550/arXiv.{eprint}"
    if eprint and not item.get("url"):
        item["url"] = f"https://arxiv.org/abs/{eprint}"
    item["citationKey"] = paper.key
    item["creators"] = mapped["creators"]
    tags = [{"tag": c} for c in paper.categories]
    if paper.rating:
        tags.append({"tag": rating_tag(paper.rating)})
    item["tags"] = tags
    item["collections"] = sorted(set(collection_keys))
    return item


def identity_of(paper: Paper) -> str:
    """What a paper's item is found by: its arXiv id, or ``key:KEY`` (the citation key)
    for a paper that is on no preprint server (an entry written by hand)."""
    return paper.arxiv_id or f"key:{paper.key}"


def identities_of(data: dict[str, Any]) -> list[str]:
    """What an item can be found by: the arXiv id it names, and ``key:`` its citation key."""
    found = [arxiv_id_of(data) or ""]
    if data.get("citationKey"):
        found.append(f"key:{data['citationKey']}")
    return [i for i in found if i]


def label(identity: str) -> str:
    """``arXiv:2405.14867`` or ``key:smith2020`` for messages."""
    return identity if identity.startswith("key:") else f"arXiv:{identity}"


def arxiv_id_of(data: dict[str, Any]) -> str | None:
    """The arXiv id (without version) an item is about, from its archive ID, arXiv DOI
    or arXiv URL; ``None`` when it names no valid arXiv id."""
    raws: list[str | None] = []
    raws += arxiv_ids_in_text(str(data.get("archiveID") or ""))
    raws += arxiv_ids_in_text(str(data.get("DOI") or ""))
    if data.get("url"):
        raws.append(arxiv_id_from_url(str(data["url"])))
    for raw in raws:
        if raw:
            try:
                return parse_arxiv_id(raw).id
            except InvalidArxivId:
                continue
    return None


@dataclass
class Ownership:
    """What in a Zotero item difbib owns: its fields, some tags, some collections."""

    tags: set[str]  # category headings (rating tags are recognised by their form)
    collections: set[str]  # the parent collection and its sub-collections

    def owns_tag(self, tag: str) -> bool:
        return tag in self.tags or bool(_RATING_TAG.fullmatch(tag))

    def view(self, data: dict[str, Any]) -> dict[str, Any]:
        """The part of an item difbib manages, normalised for comparison."""
        people = []
        for c in data.get("creators") or []:
            if c.get("name"):
                people.append([c.get("creatorType", ""), c["name"]])
            else:
                people.append(
                    [c.get("creatorType", ""), c.get("firstName", ""), c.get("lastName", "")]
                )
        return {
            "itemType": data.get("itemType", ""),
            **{f: str(data.get(f) or "") for f in MANAGED_FIELDS},
            **{f: str(data[f]) for f in EXTRA_MANAGED_FIELDS if data.get(f)},
            "creators": people,
            "tags": sorted({t["tag"] for t in data.get("tags") or [] if self.owns_tag(t["tag"])}),
            "collections": sorted(set(data.get("collections") or []) & self.collections),
        }

    def digest(self, data: dict[str, Any]) -> str:
        text = json.dumps(self.view(data), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def merge(self, current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        """``current`` with difbib's fields, tags and collections replaced by ``desired``'s.

        Everything else (Extra, personal tags, other collections, relations) stays. An
        item of another type (a preprint that was published, say) changes type in place
        and keeps only the fields every type has, as the others may not exist for the
        new type; a managed field the paper no longer has is emptied.
        """
        if current.get("itemType") == desired["itemType"]:
            merged = dict(current)
        else:
            merged = {k: current[k] for k in _ANY_TYPE_FIELDS if k in current}
        merged["itemType"] = desired["itemType"]
        for name in (*MANAGED_FIELDS, *EXTRA_MANAGED_FIELDS):
            if name in desired:
                merged[name] = desired[name]
            elif merged.get(name):
                merged[name] = ""
        merged["creators"] = desired["creators"]
        mine = [t for t in current.get("tags") or [] if not self.owns_tag(t["tag"])]
        merged["tags"] = mine + desired["tags"]
        others = [c for c in current.get("collections") or [] if c not in self.collections]
        merged["collections"] = others + [c for c in desired["collections"] if c not in others]
        for stamp in ("dateAdded", "dateModified"):
            merged.pop(stamp, None)
        return merged


# -- state ----------------------------------------------------------------------------


class PushState:
    """What the last push left in each Zotero library, kept in a JSON file.

    ``items[arxiv_id] = {"key", "version", "zotero", "local"}``: the item key, its
    version after the push, and hashes of the managed fields as Zotero stored them
    and as difbib wanted them.

    The file is checked when read (:func:`parse_state`): one of another shape is an
    error that says to delete it, which is safe. :meth:`save` reads it again under
    its lock and writes this push's items into what is there now, so two pushes (to
    two libraries, or to one) do not drop each other's records.
    """

    def __init__(self, path: Path, library: str):
        self.path = path
        self.library = library
        self.doc = self._read()
        self.lib = self.doc["libraries"].setdefault(library, {"items": {}})
        self.items: dict[str, dict[str, Any]] = self.lib.setdefault("items", {})
        self._recorded: set[str] = set()
        self._library_version: int | None = None

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"libraries": {}}
        try:
            return parse_state(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) else str(err)
            raise ZoteroError(
                f"cannot read the Zotero push state {str(self.path)!r} ({reason}); delete it, "
                "which is safe (difbib then finds items by arXiv id and reports differing "
                "ones as conflicts)"
            ) from None

    def record(self, arxiv_id: str, key: str, version: int, zotero: str, local: str) -> None:
        self.items[arxiv_id] = {"key": key, "version": version, "zotero": zotero, "local": local}
        self._recorded.add(arxiv_id)

    def save(self, library_version: int | None) -> None:
        if library_version is not None:
            self.lib["library_version"] = library_version
            self._library_version = library_version
        with locked(self.path):
            doc = self._read()
            lib = doc["libraries"].setdefault(self.library, {"items": {}})
            lib.setdefault("items", {}).update({a: self.items[a] for a in self._recorded})
            if self._library_version is not None:
                lib["library_version"] = self._library_version
            text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            atomic_write_text(self.path, text)
        self.doc, self.lib, self.items = doc, lib, lib["items"]
        self._recorded.clear()


def parse_state(text: str) -> dict[str, Any]:
    """The push state document, checked; ``ValueError`` says what is wrong."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("libraries"), dict):
        raise ValueError("no 'libraries' object")
    for name, lib in doc["libraries"].items():
        if not isinstance(lib, dict):
            raise ValueError(f"library {name!r} is not an object")
        version = lib.get("library_version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise ValueError(f"library {name!r}: library_version is not a number")
        items = lib.setdefault("items", {})
        if not isinstance(items, dict):
            raise ValueError(f"library {name!r}: 'items' is not an object")
        for aid, item in items.items():
            if not isinstance(item, dict):
                raise ValueError(f"library {name!r}: item {aid!r} is not an object")
            for field_name, kind in _STATE_ITEM.items():
                value = item.get(field_name)
                if not isinstance(value, kind) or isinstance(value, bool):
                    raise ValueError(f"library {name!r}: item {aid!r} has no valid {field_name!r}")
    return doc


#: The fields of one item in the state file, and their types.
_STATE_ITEM: dict[str, type] = {"key": str, "version": int, "zotero": str, "local": str}


# -- plan and push ----------------------------------------------------------------------

CREATE, UPDATE, UNCHANGED, CONFLICT = "create", "update", "unchanged", "conflict"


@dataclass
class Action:
    """What a push does (or would do) with one paper."""

    kind: str  # create | update | unchanged | conflict
    paper: Paper
    arxiv_id: str  # the paper's identity: its arXiv id, or key:KEY (see identity_of)
    desired: dict[str, Any]
    current: dict[str, Any] | None = None  # the Zotero item (key, version, data)
    result: str = ""  # after the push: created, updated, unchanged, skipped, failed: ...

    @property
    def item_key(self) -> str | None:
        return self.current["key"] if self.current else None


@dataclass
class PushReport:
    """A push's plan and outcome."""

    parent: str
    library: str = ""  # users/123 or groups/456
    collections_created: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    skipped: list[tuple[Paper, str]] = field(default_factory=list)  # papers not pushed, why
    failed: list[tuple[Action, str]] = field(default_factory=list)
    writes: int = 0

    def count(self, result: str) -> int:
        return sum(1 for a in self.actions if a.result == result)

    def planned(self, kind: str) -> int:
        return sum(1 for a in self.actions if a.kind == kind)

    @property
    def complete(self) -> bool:
        """Every selected paper is in step (no conflict, failure or skipped paper)."""
        return not (self.failed or self.skipped or self.planned(CONFLICT))

    def plan_lines(self) -> list[str]:
        """The plan, one line per collection to create and per paper."""
        lines = [f"create     collection  {name}" for name in self.collections_created]
        for a in self.actions:
            lines.append(f"{a.kind:<10} {a.paper.key}  {label(a.arxiv_id)}  {a.item_key or '-'}")
        return lines

    def outcome_lines(self, *, verbose: bool = True) -> list[str]:
        """What was written (when ``verbose``), then conflicts, failures and skipped papers."""
        lines = [
            f"  {a.result:<8} {a.paper.key} ({a.item_key})"
            for a in self.actions
            if verbose and a.result in ("created", "updated")
        ]
        lines += [
            f"conflict: {a.paper.key} ({label(a.arxiv_id)}, Zotero item {a.item_key}) was "
            "edited in Zotero since the last push; skipped (pass --force to overwrite it)"
            for a in self.actions
            if a.kind == CONFLICT
        ]
        lines += [f"failed: {a.paper.key} ({label(a.arxiv_id)}): {why}" for a, why in self.failed]
        lines += [f"skipped {paper.key}: {why}" for paper, why in self.skipped]
        return lines

    def summary(self, *, dry_run: bool = False) -> str:
        """One line of counts."""
        if dry_run:
            return (
                f"dry run, nothing written: {len(self.collections_created)} collection(s) and "
                f"{self.planned(CREATE)} item(s) to create, {self.planned(UPDATE)} to update, "
                f"{self.planned(UNCHANGED)} unchanged, {self.planned(CONFLICT)} conflict(s)"
                + (f", {len(self.skipped)} paper(s) skipped" if self.skipped else "")
            )
        return (
            f"Zotero {self.library}, collection {self.parent!r}: "
            f"{len(self.collections_created)} collection(s) created, "
            f"{self.count('created')} item(s) created, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {self.planned(CONFLICT)} conflict(s) skipped, "
            f"{len(self.failed)} failed; {self.writes} write request(s)"
            + (f"; {len(self.skipped)} paper(s) skipped" if self.skipped else "")
        )


def _decide(action: Action, own: Ownership, state: PushState, force: bool) -> str:
    """create / update / unchanged / conflict for a paper whose item exists."""
    assert action.current is not None
    data = action.current["data"]
    now_zotero = own.digest(data)
    now_local = own.digest(action.desired)
    last = state.items.get(action.arxiv_id) or {}  # (what the last push wrote)
    untouched = last.get("key") == action.current["key"] and last.get("zotero") == now_zotero
    if untouched and last.get("local") == now_local:
        return UNCHANGED
    if own.view(data) == own.view(action.desired):
        return UNCHANGED
    if untouched or force:
        return UPDATE
    return CONFLICT


def _batches(seq: Sequence[Any], size: int = WRITE_LIMIT) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def push(
    client: ZoteroClient,
    papers: Sequence[Paper],
    *,
    parent_name: str,
    category_order: Sequence[str],
    state_path: Path,
    force: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda msg: None,
) -> PushReport:
    """Make the Zotero library hold ``papers`` under ``parent_name``; returns the report.

    ``category_order`` lists every category heading of the library (reading-list
    order): their tags belong to difbib. With ``dry_run`` nothing is written (not
    even the state file) and each action's ``result`` stays empty.
    """
    report = PushReport(parent=parent_name, library=client.prefix)
    state = PushState(state_path, client.base)
    used = [h for h in category_order if any(h in p.categories for p in papers)]
    parent_key, children = _ensure_collections(client, report, parent_name, used, dry_run, progress)
    own = Ownership(tags=set(category_order), collections={parent_key, *children.values()})
    by_id = _items_by_arxiv_id(client, state, progress)
    for paper in papers:
        keys = [children[h] for h in paper.categories] or [parent_key]
        desired = item_for(paper, keys)
        ident = identity_of(paper)
        action = Action(CREATE, paper, ident, desired, by_id.get(ident))
        if action.current is not None:
            action.kind = _decide(action, own, state, force)
        report.actions.append(action)
    if dry_run:
        return report
    try:
        _write_creates(client, report, own, state, progress)
        _write_updates(client, report, own, state, force, progress)
        for action in report.actions:
            if action.kind == UNCHANGED:
                assert action.current is not None  # an unchanged paper has its item
                _done(action, "unchanged", action.current, own, state)
            elif action.kind == CONFLICT:
                action.result = "skipped"
    finally:
        report.writes = client.writes_made
        state.save(client.library_version)
    return report


def _ensure_collections(
    client: ZoteroClient,
    report: PushReport,
    parent_name: str,
    headings: Sequence[str],
    dry_run: bool,
    progress: Callable[[str], None],
) -> tuple[str, dict[str, str]]:
    """The parent collection's key and its sub-collections' keys by name.

    Missing ones are created (and listed in ``report.collections_created``); with
    ``dry_run`` they get stand-in keys (``<new:NAME>``) instead.
    """
    progress(f"reading collections of Zotero library {client.prefix}")
    collections = client.get_all("collections")
    parent = next(
        (
            c
            for c in collections
            if c["data"].get("name") == parent_name and not c["data"].get("parentCollection")
        ),
        None,
    )
    children: dict[str, str] = {}
    if parent is not None:
        for c in collections:
            if c["data"].get("parentCollection") == parent["key"]:
                children.setdefault(c["data"].get("name", ""), c["key"])
    missing = [h for h in headings if h not in children]
    report.collections_created = ([] if parent else [parent_name]) + missing
    if dry_run:
        children.update({h: f"<new:{h}>" for h in missing})
        return (parent["key"] if parent else f"<new:{parent_name}>"), children
    parent_key = (
        parent["key"] if parent else _create_collections(client, [{"name": parent_name}])[0]
    )
    if missing:
        objs = [{"name": h, "parentCollection": parent_key} for h in missing]
        children.update(zip(missing, _create_collections(client, objs), strict=True))
    return parent_key, children


def _items_by_arxiv_id(
    client: ZoteroClient, state: PushState, progress: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """The library's top-level items by what they can be found by (:func:`identities_of`)."""
    progress(f"reading items of Zotero library {client.prefix}")
    by_id: dict[str, dict[str, Any]] = {}
    for item in client.get_all("items/top"):
        for aid in identities_of(item.get("data") or {}):
            if aid not in by_id:
                by_id[aid] = item
                continue
            # Several items for one paper: keep the one the last push wrote in step.
            progress(f"Zotero holds more than one item for {label(aid)}; keeping one in step")
            if (state.items.get(aid) or {}).get("key") == item["key"]:
                by_id[aid] = item
    return by_id


def _create_collections(client: ZoteroClient, objects: list[dict[str, Any]]) -> list[str]:
    """Create collections; their keys, in order. A failure stops the push."""
    keys: list[str] = []
    for batch in _batches(objects):
        result = client.write("collections", batch)
        if result.already_written:  # an earlier try went through: find them by name
            existing = client.get_all("collections")
            for obj in batch:
                match = next(
                    (
                        c["key"]
                        for c in existing
                        if c["data"].get("name") == obj["name"]
                        and (c["data"].get("parentCollection") or None)
                        == obj.get("parentCollection")
                    ),
                    None,
                )
                if match is None:
                    raise ZoteroError(
                        f"Zotero accepted collection {obj['name']!r} but does not list it; "
                        "push again"
                    )
                keys.append(match)
            continue
        for i, obj in enumerate(batch):
            if i in result.successful:
                keys.append(result.successful[i]["key"])
            else:
                code, message = result.failed.get(i, (0, "no answer for it"))
                raise ZoteroError(
                    f"Zotero could not create collection {obj['name']!r} ({code}: {message})"
                )
    return keys


def _write_creates(
    client: ZoteroClient,
    report: PushReport,
    own: Ownership,
    state: PushState,
    progress: Callable[[str], None],
) -> None:
    creates = [a for a in report.actions if a.kind == CREATE]
    for n, batch in enumerate(_batches(creates), start=1):
        progress(f"creating items: batch {n} ({len(batch)} item(s))")
        result = client.write("items", [a.desired for a in batch])
        if result.already_written:
            # The answer to an earlier try was lost but the items were made: find them.
            found = {
                aid: i for i in client.get_all("items/top") for aid in identities_of(i["data"])
            }
            for action in batch:
                item = found.get(action.arxiv_id)
                if item is None:
                    _failed(report, action, "the write was accepted but the item is not found")
                    continue
                _done(action, "created", item, own, state)
            continue
        for i, action in enumerate(batch):
            if i in result.successful:
                _done(action, "created", result.successful[i], own, state)
            else:
                code, message = result.failed.get(i, (0, "Zotero gave no result for it"))
                _failed(report, action, f"HTTP {code}: {message}")


def _write_updates(
    client: ZoteroClient,
    report: PushReport,
    own: Ownership,
    state: PushState,
    force: bool,
    progress: Callable[[str], None],
) -> None:
    updates = [a for a in report.actions if a.kind == UPDATE]
    for n, batch in enumerate(_batches(updates), start=1):
        progress(f"updating items: batch {n} ({len(batch)} item(s))")
        objects = []
        for action in batch:
            assert action.current is not None
            obj = own.merge(action.current["data"], action.desired)
            obj["key"] = action.current["key"]
            obj["version"] = action.current["version"]
            objects.append(obj)
        result = client.write("items", objects)
        for i, action in enumerate(batch):
            if i in result.successful:
                _done(action, "updated", result.successful[i], own, state)
            elif i in result.unchanged:
                _done(action, "unchanged", action.current, own, state)
            else:
                code, message = result.failed.get(i, (0, "Zotero gave no result for it"))
                if code == 412:
                    # Edited in Zotero between our read and our write (or our own
                    # earlier try went through): look again.
                    now = client.get_item(action.current["key"])
                    if now is not None and own.view(now["data"]) == own.view(action.desired):
                        _done(action, "updated", now, own, state)
                    else:
                        action.kind = CONFLICT
                        action.result = "skipped"
                        if now is not None:
                            action.current = now
                    continue
                _failed(report, action, f"HTTP {code}: {message}")


def _done(
    action: Action, result: str, item: dict[str, Any], own: Ownership, state: PushState
) -> None:
    action.result = result
    action.current = item
    state.record(
        action.arxiv_id,
        item["key"],
        int(item.get("version") or item["data"].get("version") or 0),
        own.digest(item["data"]),
        own.digest(action.desired),
    )


def _failed(report: PushReport, action: Action, why: str) -> None:
    action.result = "failed"
    report.failed.append((action, why))


def default_state_path(library_path: Path) -> Path:
    """The state file next to the library: ``.difbib-zotero.json``."""
    return library_path.parent / STATE_FILE
