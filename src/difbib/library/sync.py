"""``difbib sync``: from the curated reading list to a canonical ``library.bib``.

The steps:

1. read the reading list (:mod:`difbib.sources.readinglist`);
2. resolve every paper to an arXiv record: ids in batches, the rest by title
   (:mod:`difbib.sources.arxiv`, through the cache);
3. merge the records into the existing ``library.bib`` (:func:`merge_entry`);
4. write the library atomically, and only if it changed.

**Hand edits survive, improvements arrive.** Entries are matched to papers by their
``eprint`` (the arXiv id, read by :func:`difbib.sources.ids.eprint_arxiv_id`), so a
renamed key stays. For each field difbib takes from arXiv it compares three values:
the entry's current one, the one difbib wrote at the last sync (the *base*) and the
one it generates now. A field still equal to the base was not touched by hand and
takes the new value; a field that differs from the base was edited and is kept; a
field removed by hand stays removed.

The base is *recorded*, not recomputed: :class:`SyncState` keeps, per arXiv id, a
hash of every field difbib generated, in ``.difbib-sync.json`` next to the library,
written together with it. So when a new difbib writes a field differently (capital
protection, names, escaping), an untouched field takes the new form, while a field
edited by hand keeps its value. For an entry the record does not know (the file is
missing, or the entry predates it) the base is rebuilt from the cached arXiv record
with today's code, as older versions did: hand edits are safe, but a field written
by an older difbib then counts as edited and keeps its old form.

Categories (``keywords``) and rating (``ranking``) come from the reading list, which
is their source of truth: a rating removed from the list removes ``ranking``;
keywords added by hand that are not categories of the list are kept.

**Deterministic.** Entries are sorted by key (case-insensitively); fields follow
:data:`difbib.library.bibtex.FIELD_ORDER`, then fields added by hand in their order. The
same list, cache and library give a byte-identical file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import arxiv
from bibtexparser.model import Block, Entry, ExplicitComment, Field, ImplicitComment

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_texts, locked
from difbib.library import bibtex, published
from difbib.sources.arxiv import Fetcher, FetchStats, titles_match
from difbib.sources.cache import MetadataCache
from difbib.sources.ids import eprint_arxiv_id
from difbib.sources.readinglist import ListedPaper, Notice, ReadingList, read_list
from difbib.sources.record import ArxivRecord

HEADER_MARK = "difbib:"
#: Times a sync reads the list again when another process changed it meanwhile.
MAX_ROUNDS = 5
TITLE_WARNING_THRESHOLD = 0.6
#: The record of what sync wrote, next to the library (see :class:`SyncState`).
STATE_FILE = ".difbib-sync.json"
STATE_FORMAT = 1


@dataclass
class Unresolved:
    paper: ListedPaper
    reason: str

    def __str__(self) -> str:
        return f"line {self.paper.line}: {self.paper.title!r}: {self.reason}"


@dataclass
class SyncResult:
    """What a sync did: counts for the summary, and what is left to fix."""

    library_path: Path
    entries: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # entries not (or no longer) in the list
    unresolved: list[Unresolved] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    stats: FetchStats = field(default_factory=FetchStats)
    venues: published.VenueReport | None = None  # None: published versions not looked up
    written: bool = False
    state_written: bool = False
    text: str = ""

    @property
    def complete(self) -> bool:
        return not self.unresolved


@dataclass
class Resolved:
    paper: ListedPaper
    record: ArxivRecord


def resolve(
    reading: ReadingList, fetcher: Fetcher, notify: Callable[[Notice], None]
) -> tuple[list[Resolved], list[Unresolved]]:
    """Match every listed paper to an arXiv record (ids first, in batches).

    ``notify`` receives a :class:`Notice` for each thing worth telling the user.
    """
    by_id = fetcher.fetch_ids(p.arxiv_id for p in reading.papers if p.arxiv_id)
    resolved: dict[str, Resolved] = {}
    unresolved: list[Unresolved] = []
    for paper in reading.papers:
        record = by_id.get(paper.arxiv_id) if paper.arxiv_id else None
        if record is not None:
            score = titles_match(paper.title, record.title)
            if paper.title and score < TITLE_WARNING_THRESHOLD:
                notify(
                    Notice(
                        paper.line,
                        f"the list's title {paper.title!r} and arXiv's {record.title!r} "
                        f"(arXiv:{record.id}) differ; check the link",
                    )
                )
        else:
            reason_id = ""
            if paper.arxiv_id:
                reason_id = f"arXiv has no paper {paper.arxiv_id}; "
                notify(
                    Notice(paper.line, f"arXiv has no paper {paper.arxiv_id}; searching by title")
                )
            match = fetcher.find_by_title(paper.title)
            record = match.record
            if record is None:
                unresolved.append(Unresolved(paper, reason_id + (match.reason or "not found")))
                continue
            if not match.cached:
                notify(Notice(paper.line, f"found {paper.title!r} by title: arXiv:{record.id}"))
        if record.id in resolved:
            first = resolved[record.id].paper
            for cat in paper.categories:
                if cat not in first.categories:
                    first.categories.append(cat)
            first.rating = max(first.rating or 0, paper.rating or 0) or None
            notify(
                Notice(paper.line, f"same paper as line {first.line} (arXiv:{record.id}); merged")
            )
            continue
        resolved[record.id] = Resolved(paper, record)
    return list(resolved.values()), unresolved


# -- what the last sync wrote ------------------------------------------------------


def field_digest(value: str) -> str:
    """A short hash of a field's value (as read, without enclosing braces)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def digests(fields: Mapping[str, str]) -> dict[str, str]:
    """``{field name: digest}`` for generated fields: a base for :func:`merge_entry`."""
    return {name: field_digest(value) for name, value in fields.items()}


#: The pseudo-field under which the record keeps the digest of the entry type.
TYPE_DIGEST = "@type"


def typed_digests(entry_type: str, fields: Mapping[str, str]) -> dict[str, str]:
    """:func:`digests` of generated fields plus their entry type's (``@type``)."""
    return {**digests(fields), TYPE_DIGEST: field_digest(entry_type.lower())}


def default_state_path(library_path: str | Path) -> Path:
    """The record of what sync wrote: ``.difbib-sync.json`` next to the library."""
    return Path(library_path).parent / STATE_FILE


class SyncState:
    """What sync last generated, per paper: the base of the three-way merge.

    The file (``.difbib-sync.json``, committed with the library) maps a library's
    file name to ``{arXiv id: {field: digest}}``, one digest per field difbib
    generated from arXiv, whether or not a hand edit kept it out of the file. A
    folder holding two libraries keeps both records in one file. The file holds
    hashes only; deleting it loses nothing but the record (see the module docstring).
    """

    def __init__(self, path: str | Path, library_name: str):
        self.path = Path(path)
        self.library_name = library_name
        self.data: dict[str, dict[str, Any]] = {}  # library -> its record, as read
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise DifbibError(
                    f"cannot read {str(self.path)!r} ({err}); delete it and run again "
                    "(hand edits are still kept)"
                ) from None
            if isinstance(data, dict) and data.get("format") == STATE_FORMAT:
                libraries = data.get("libraries", {})
                if not isinstance(libraries, dict):
                    raise DifbibError(
                        f"{str(self.path)!r} is not a sync record ('libraries' is not an "
                        "object); delete it and run again (hand edits are still kept)"
                    )
                self.data = {k: v for k, v in libraries.items() if isinstance(v, dict)}
        self.entries: dict[str, dict[str, str]] = dict(self.data.get(library_name, {}))

    def base(self, arxiv_id: str) -> dict[str, str] | None:
        """The digests recorded for a paper, or None when the record does not know it."""
        found = self.entries.get(arxiv_id)
        return dict(found) if isinstance(found, dict) else None

    def text(self, entries: Mapping[str, Mapping[str, str]]) -> str:
        """The file's text with this library's record replaced by ``entries``."""
        libraries = {**self.data, self.library_name: {k: dict(v) for k, v in entries.items()}}
        data = {
            "format": STATE_FORMAT,
            "about": "what 'difbib sync' wrote, per arXiv id and field (hashes); "
            "commit it with the library",
            "libraries": libraries,
        }
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# -- merging ----------------------------------------------------------------------


def merge_entry(
    current: Entry,
    new: dict[str, str],
    base: Mapping[str, str] | None,
    list_values: dict[str, str],
    category_names: set[str],
    new_type: str = "misc",
) -> Entry:
    """Merge freshly generated fields into an existing entry, keeping hand edits.

    ``new`` is :func:`difbib.library.bibtex.arxiv_fields` of the record now; ``base``
    the :func:`digests` of what difbib generated at the last sync (None when
    unknown: then every differing value counts as a hand edit, and only missing
    fields are filled in). ``list_values`` are the reading list's fields
    (``keywords``, ``ranking``), which replace the entry's. With a published version
    (:mod:`difbib.library.published`) ``new`` also holds the venue's fields, and the
    entry type ``new_type`` follows the same rule (its digest is the base's ``@type``;
    a base without one was written as ``@misc``).
    """
    cur = {f.key.lower(): f for f in current.fields}
    out: dict[str, Field] = {}
    for name in bibtex.GENERATED_FIELDS:
        c = cur.get(name.lower())
        n = new.get(name)
        b = base.get(name) if base is not None else None
        if c is None:
            if n is not None and b is None:
                out[name] = Field(name, n)  # new from arXiv, or never generated before
            continue  # removed by hand: stays removed
        untouched = b is not None and field_digest(c.value) == b
        if untouched and c.enclosing != "no-enclosing":
            if n is not None:
                out[name] = Field(c.key, n)
            continue
        out[name] = c
    # From the reading list: categories and rating.
    extra_keywords = [
        k
        for k in bibtex.split_keywords(cur["keywords"].value if "keywords" in cur else None)
        if k not in category_names
    ]
    keywords = bibtex.split_keywords(list_values.get("keywords")) + extra_keywords
    if keywords:
        key_name = cur["keywords"].key if "keywords" in cur else "keywords"
        out["keywords"] = Field(key_name, bibtex.keywords_value(keywords))
    if "ranking" in list_values:
        key_name = cur["ranking"].key if "ranking" in cur else "ranking"
        out["ranking"] = Field(key_name, list_values["ranking"])
    # else: the list gives no rating (any more), so the entry has none either
    ordered = [out[f] for f in bibtex.FIELD_ORDER if f in out]
    handled = {f.lower() for f in bibtex.FIELD_ORDER}
    ordered += [f for f in current.fields if f.key.lower() not in handled]
    base_type = (base.get(TYPE_DIGEST) or field_digest("misc")) if base is not None else None
    untouched = field_digest(current.entry_type.lower()) == base_type
    return Entry(new_type if untouched else current.entry_type, current.key, ordered)


def _eprint_of(entry: Entry) -> str | None:
    eprint = bibtex.field_ci(entry, "eprint")
    prefix = bibtex.field_ci(entry, "archivePrefix")
    return eprint_arxiv_id(eprint.value if eprint else None, prefix.value if prefix else None)


def header_comment(list_name: str) -> ExplicitComment:
    return ExplicitComment(
        f"{HEADER_MARK} this library is written by 'difbib sync' from {list_name}. "
        "Edit entries freely: hand edits survive a re-sync. Categories (keywords) "
        "and ratings (ranking) come from the reading list: change them there."
    )


def build_library(
    existing: list[Block],
    resolved: list[Resolved],
    previous: dict[str, ArxivRecord],
    category_names: set[str],
    list_name: str,
    result: SyncResult,
    state: SyncState | None = None,
    written: dict[str, dict[str, str]] | None = None,
    terms: Sequence[str] = (),
    versions: dict[str, published.PublishedVersion | None] | None = None,
    previous_versions: dict[str, published.PublishedVersion | None] | None = None,
) -> list[Block]:
    """The new library's blocks: merged entries sorted by key, other blocks first.

    The base of each merge is ``state``'s record of the paper, else the fields of
    its ``previous`` cached record as today's code writes them. ``written`` receives
    the new record: the digests of what was generated now, per arXiv id (entries
    not in the list keep their old record).
    """
    if written is None:
        written = {}
    entries = [b for b in existing if isinstance(b, Entry)]
    by_eprint: dict[str, Entry] = {}
    for entry in entries:
        eprint = _eprint_of(entry)
        if eprint and eprint not in by_eprint:
            by_eprint[eprint] = entry
    taken = {e.key for e in entries}
    old_text = {e.key: bibtex.write_bib([e]) for e in entries}
    matched: set[str] = set()
    out_entries: list[Entry] = []
    for item in resolved:
        rec = item.record
        version = (versions or {}).get(rec.id)
        new_type, new = published.generated_fields(bibtex.arxiv_fields(rec, terms), version)
        lst = bibtex.list_fields(item.paper.categories, item.paper.rating)
        written[rec.id] = typed_digests(new_type, new)
        current = by_eprint.get(rec.id)
        if current is not None:
            matched.add(current.key)
            base = state.base(rec.id) if state is not None else None
            if base is None and rec.id in previous:
                old_version = (previous_versions or {}).get(rec.id)
                base = typed_digests(
                    *published.generated_fields(
                        bibtex.arxiv_fields(previous[rec.id], terms), old_version
                    )
                )
            merged = merge_entry(current, new, base, lst, category_names, new_type)
            out_entries.append(merged)
            if bibtex.write_bib([merged]) == old_text[current.key]:
                result.unchanged.append(merged.key)
            else:
                result.updated.append(merged.key)
        else:
            key = bibtex.unique_key(bibtex.base_key(rec), taken)
            taken.add(key)
            out_entries.append(bibtex.make_entry(key, {**new, **lst}, new_type))
            result.added.append(key)
    for entry in entries:
        if entry.key not in matched:
            out_entries.append(entry)
            result.kept.append(entry.key)
            aid = _eprint_of(entry)
            old = state.base(aid) if state is not None and aid else None
            if aid and old is not None and aid not in written:
                written[aid] = old  # e.g. a paper arXiv could not be asked about today
    out_entries.sort(key=lambda e: (e.key.casefold(), e.key))
    others = [
        b
        for b in existing
        if not isinstance(b, Entry)
        and not (isinstance(b, ExplicitComment) and b.comment.strip().startswith(HEADER_MARK))
        and not (isinstance(b, ImplicitComment) and not b.comment.strip())
    ]
    result.entries = len(out_entries)
    return [header_comment(list_name), *others, *out_entries]


def sync(
    list_path: str | Path,
    library_path: str | Path,
    cache_path: str | Path,
    *,
    offline: bool = False,
    refresh: bool = False,
    dry_run: bool = False,
    client: arxiv.Client | None = None,
    progress: Callable[[str], None] | None = None,
    warn: Callable[[Notice], None] | None = None,
    fetcher_options: dict[str, Any] | None = None,
    state_path: str | Path | None = None,
    terms: Sequence[str] = (),
    venues: published.VenueOptions | None = None,
) -> SyncResult:
    """Sync the reading list into the library; see the module docstring.

    ``progress`` gets one-line progress messages, ``warn`` each :class:`Notice`
    as soon as it is known (notices are also kept in the result). ``terms`` are
    the project's protected terms, braced in titles. ``dry_run``
    writes neither the library nor the cache nor the record. ``state_path`` is
    the record of what sync wrote (default: :func:`default_state_path`); it is
    written together with the library. Raises :class:`~difbib.errors.DifbibError`
    for unreadable input and for arXiv failures; in every such case
    ``library.bib`` and its record are left untouched. ``venues`` turns on the
    published-version step (:mod:`difbib.library.published`); without it entries
    keep their type and venue.
    """
    library_path, list_path = Path(library_path), Path(list_path)
    state_file = Path(state_path) if state_path is not None else default_state_path(library_path)
    result = SyncResult(library_path)

    def notify(notice: Notice) -> None:
        result.notices.append(notice)
        if warn is not None:
            warn(notice)

    listed = _snapshot(list_path)
    reading = read_list(list_path)
    bibtex.read_bib(library_path, strict=True)  # fails early on a broken library
    SyncState(state_file, library_path.name)  # and on an unreadable record
    cache = MetadataCache(cache_path, read_only=dry_run, ignore_invalid=refresh)
    previous = dict(cache.papers)
    fetcher = Fetcher(
        cache,
        client=client,
        offline=offline,
        refresh=refresh,
        progress=progress,
        **(fetcher_options or {}),
    )
    for round_number in range(MAX_ROUNDS):
        if round_number:
            listed = _snapshot(list_path)
            reading = read_list(list_path)
        for notice in reading.notices:
            notify(notice)
        fetcher.plan(
            [p.arxiv_id for p in reading.papers if p.arxiv_id],
            [p.title for p in reading.papers if not p.arxiv_id],
        )
        resolved, result.unresolved = resolve(reading, fetcher, notify)
        result.stats = fetcher.stats
        fetcher.refresh = False  # a second round asks only for what is new
        category_names = {c.heading for c in reading.categories}
        if venues is not None:  # network: before the lock, like arXiv's
            result.venues = _find_versions(
                resolved,
                bibtex.read_bib(library_path).entries,
                previous,
                venues,
                offline,
                refresh and not round_number,
                dry_run,
                progress,
            )
        # The library and its record are read again under their lock: whatever
        # another process (or a hand edit) wrote while we were fetching is merged,
        # not overwritten. If the list changed meanwhile (another `difbib add`), this
        # round's papers are stale: resolve again rather than drop the new paper.
        with ExitStack() as stack:
            if not dry_run:
                stack.enter_context(locked(library_path, waiting=progress))
                stack.enter_context(locked(state_file, waiting=progress))
                if _snapshot(list_path) != listed:
                    if progress is not None:
                        progress(f"{list_path} changed while syncing; reading it again")
                    continue
            existing = bibtex.read_bib(library_path, strict=True, warn=False)
            state = SyncState(state_file, library_path.name)
            written: dict[str, dict[str, str]] = {}
            blocks = build_library(
                existing.blocks,
                resolved,
                previous,
                category_names,
                list_path.name,
                result,
                state,
                written,
                terms,
                result.venues.versions if result.venues else None,
                result.venues.previous if result.venues else None,
            )
            if result.venues is not None:
                _describe_venue_changes(result.venues, existing.entries, blocks)
            result.text = bibtex.write_bib(blocks)
            old = library_path.read_text(encoding="utf-8") if library_path.exists() else None
            state_text = state.text(written)
            old_state = state.path.read_text(encoding="utf-8") if state.path.exists() else None
            files: dict[Path, str] = {}
            if result.text != old:
                files[library_path] = result.text
            if state_text != old_state:
                files[state.path] = state_text
            if files and not dry_run:
                atomic_write_texts(files)  # both or neither
                result.written = library_path in files
                result.state_written = state.path in files
            return result
    raise DifbibError(
        f"{list_path} kept changing while syncing ({MAX_ROUNDS} rounds); run 'difbib sync' "
        "again when nothing else edits it"
    )


def _snapshot(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None  # read_list reports it


# -- published versions: one hook, so that the merge above stays as it was -------------


def _find_versions(
    resolved: list[Resolved],
    entries: list[Entry],
    previous: dict[str, ArxivRecord],
    options: published.VenueOptions,
    offline: bool,
    refresh: bool,
    dry_run: bool,
    progress: Callable[[str], None] | None,
) -> published.VenueReport:
    """Each listed paper's published version (:func:`difbib.library.published.find_versions`)."""
    pinned = {e for x in entries if published.is_pinned(x) and (e := _eprint_of(x))}
    return published.find_versions(
        [(item.record, item.paper.venue_hint) for item in resolved],
        options,
        previous_records=previous,
        pinned=pinned,
        offline=offline,
        refresh=refresh,
        dry_run=dry_run,
        progress=progress,
    )


def _describe_venue_changes(
    report: published.VenueReport, before: list[Entry], blocks: list[Block]
) -> None:
    """Fill in the report's per-paper changes and the written entry types."""
    after = {
        e: x
        for x in blocks
        if isinstance(x, Entry) and (e := _eprint_of(x)) and e in report.decisions
    }
    report.changes = published.describe_changes(
        {e: x for x in before if (e := _eprint_of(x))}, after, report
    )
    report.final_types = {e: x.entry_type for e, x in after.items()}
