"""Published versions: from an arXiv preprint to the venue's record, and back.

**Deciding** (:func:`decide`). The sources, cheapest first: arXiv's own
``journal_ref`` and ``doi`` (already in the cached feed), then the Semantic Scholar
record of the arXiv id and, when it names one, the DBLP record
(:mod:`difbib.sources.venues`). A record is accepted only when

* its title matches arXiv's after normalising case and punctuation, up to small
  edits (SVDQuant's "Component" against arXiv's "Components"), with the same
  numbers (``SageAttention2`` is not ``SageAttention3``, ``4-Bit`` not ``8-Bit``);
* its first author's family name is arXiv's first author's;
* its year is not before the year of arXiv's v1;
* its venue is not a workshop (a workshop paper is not the main conference), is a
  venue (not arXiv / CoRR) and is known (:mod:`difbib.sources.venuenames`) or comes
  from DBLP.

When two sources name different venues or years, the paper stays a preprint and
the run says so. A venue written in the reading list next to a paper is a hint:
never used as a source, reported when it disagrees with what was found.

**Writing** (:func:`generated_fields`). A published paper becomes
``@inproceedings`` (``booktitle``) or ``@article`` (``journal``, ``volume``,
``number``) with the venue's year, ``pages``, ``publisher`` and the publisher's DOI
where known (never arXiv's DOI), and keeps ``eprint``, ``archivePrefix``,
``primaryClass`` and the arXiv ``url``. The entry keeps **arXiv's title and
author list** (the authors' latest version; a venue that lists other authors, like
SageAttention's ICLR page without Haofeng Huang, is reported, not copied): edit
them by hand to cite the venue's, and the edit is kept.

**Pinning.** An entry with the field ``difbib = {preprint}`` stays a preprint,
whatever the sources say.

**Back to the preprint** (:func:`as_preprint`), for ``--prefer preprint``: the
arXiv ``@misc`` again (v1 year, arXiv DOI, no venue fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from bibtexparser.model import Entry, Field

from difbib.library.bibtex import VENUE_FIELDS, family_name, field_ci
from difbib.library.latex import make_safe
from difbib.sources.readinglist import normalize_title
from difbib.sources.record import ArxivRecord
from difbib.sources.textfold import ascii_fold
from difbib.sources.venuenames import VenueTable, is_workshop
from difbib.sources.venues import (
    DblpRecord,
    LookupStats,
    S2Paper,
    VenueAnswer,
    VenueCache,
    VenueLookup,
    is_arxiv_dblp_key,
)

PIN_FIELD = "difbib"
PIN_VALUE = "preprint"
TITLE_THRESHOLD = 0.9
_ARXIV_NAMES = {"arxiv", "arxiv org", "corr", "arxiv preprint", "biorxiv", "ssrn"}


@dataclass
class PublishedVersion:
    """A paper's published version, ready to be written into its entry."""

    entry_type: str  # inproceedings | article
    container: str  # the booktitle or journal, as the library writes it
    venue: str  # short label for messages: "CVPR 2024"
    year: int
    source: str  # "DBLP conf/nips/DaoFERR22", "Semantic Scholar", "arXiv journal_ref"
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None
    doi: str | None = None

    @property
    def container_field(self) -> str:
        return "booktitle" if self.entry_type == "inproceedings" else "journal"


@dataclass
class Decision:
    """What difbib concluded about one paper, and what it has to tell the user."""

    arxiv_id: str
    version: PublishedVersion | None = None
    status: str = "preprint"  # published | preprint | conflict | pinned | unchecked
    reason: str = "no published version found"
    notes: list[str] = field(default_factory=list)  # details, shown with --dry-run
    warnings: list[str] = field(default_factory=list)  # disagreements, always shown


# -- matching -----------------------------------------------------------------------


def titles_agree(a: str, b: str) -> bool:
    """Same paper title up to small edits: close after normalising, and the same numbers."""
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return False
    if re.findall(r"\d+", na) != re.findall(r"\d+", nb):
        return False
    return na == nb or SequenceMatcher(None, na, nb).ratio() >= TITLE_THRESHOLD


def _family(name: str) -> str:
    name = re.sub(r"\s+\d{4}$", "", name.strip())  # DBLP's homonym numbers: "Wei Li 0001"
    return re.sub(r"[^a-z]", "", ascii_fold(family_name(name)).lower())


def first_authors_agree(a: list[str], b: list[str]) -> bool:
    """The first authors' family names agree (either name order)."""
    if not a or not b:
        return False
    fa, fb = _family(a[0]), _family(b[0])
    words_a = {re.sub(r"[^a-z]", "", w) for w in ascii_fold(a[0]).lower().split()}
    words_b = {re.sub(r"[^a-z]", "", w) for w in ascii_fold(b[0]).lower().split()}
    return bool(fa) and (fa == fb or fa in words_b or fb in words_a)


def _year_in(text: str) -> int | None:
    m = re.search(r"\b(19|20)\d\d\b", text)
    if m:
        return int(m.group(0))
    m = re.search(r"'(\d\d)\b", text)
    return 2000 + int(m.group(1)) if m else None


def _pages(value: str | None) -> str | None:
    if not value:
        return None
    return re.sub(r"\s*[-\u2013\u2014]+\s*", "--", value.strip())


def _publisher_doi(doi: str | None) -> str | None:
    if not doi or doi.lower().startswith("10.48550/"):
        return None
    return doi


def _is_arxiv_name(name: str | None) -> bool:
    norm = " ".join(re.sub(r"[^a-z]", " ", (name or "").lower()).split())
    return not norm or norm in _ARXIV_NAMES


# -- candidates from each source --------------------------------------------------


@dataclass
class _Candidate:
    version: PublishedVersion | None
    title: str
    authors: list[str]
    rejected: str | None = None  # why it is not a published version of this paper


def _from_journal_ref(record: ArxivRecord, table: VenueTable) -> _Candidate | None:
    ref = record.journal_ref
    if not ref:
        return None
    if is_workshop(ref):
        return _Candidate(
            None, record.title, record.authors, f"arXiv's journal_ref {ref!r} is a workshop"
        )
    venue = table.find(re.sub(r"\b(19|20)\d\d\b", " ", ref))
    year = _year_in(ref)
    if venue is None or year is None:
        return _Candidate(
            None,
            record.title,
            record.authors,
            f"arXiv's journal_ref {ref!r} names no known venue and year",
        )
    version = PublishedVersion(
        venue.entry_type,
        venue.full,
        f"{venue.abbr} {year}",
        year,
        "arXiv journal_ref",
        doi=_publisher_doi(record.doi),
    )
    return _Candidate(version, record.title, record.authors)


def _from_s2(s2: S2Paper, table: VenueTable) -> _Candidate:
    names = [n for n in (s2.publication_venue, s2.venue, s2.journal) if n]
    if any(is_workshop(n) for n in names):
        return _Candidate(
            None, s2.title, s2.authors, f"Semantic Scholar's venue {names[0]!r} is a workshop"
        )
    real = [n for n in names if not _is_arxiv_name(n)]
    if not real:
        return _Candidate(None, s2.title, s2.authors, "Semantic Scholar knows only the preprint")
    venue = next((v for v in map(table.find, real) if v is not None), None)
    if venue is None:
        return _Candidate(
            None,
            s2.title,
            s2.authors,
            f"Semantic Scholar's venue {real[0]!r} is not a venue difbib knows "
            "(add it to difbib-venues.toml)",
        )
    if s2.year is None:
        return _Candidate(None, s2.title, s2.authors, "Semantic Scholar gives no year")
    version = PublishedVersion(
        venue.entry_type,
        venue.full,
        f"{venue.abbr} {s2.year}",
        s2.year,
        "Semantic Scholar",
        volume=s2.volume if venue.kind == "journal" else None,
        pages=_pages(s2.pages),
        doi=_publisher_doi(s2.doi),
    )
    return _Candidate(version, s2.title, s2.authors)


def _from_dblp(rec: DblpRecord, table: VenueTable) -> _Candidate:
    name = rec.booktitle or rec.journal or ""
    if is_workshop(name):
        return _Candidate(
            None, rec.title, rec.authors, f"DBLP's {rec.key} is a workshop paper ({name!r})"
        )
    if rec.year is None or not name:
        return _Candidate(None, rec.title, rec.authors, f"DBLP's {rec.key} has no venue or year")
    venue = table.by_dblp_key(rec.key) or table.find(name)
    entry_type = venue.entry_type if venue else ("article" if rec.journal else "inproceedings")
    label = f"{venue.abbr} {rec.year}" if venue else f"{name} ({rec.year})"
    version = PublishedVersion(
        entry_type,
        venue.full if venue else name,
        label,
        rec.year,
        f"DBLP {rec.key}",
        volume=rec.volume if entry_type == "article" else None,
        number=rec.number if entry_type == "article" else None,
        pages=_pages(rec.pages),
        publisher=rec.publisher,
        doi=_publisher_doi(rec.doi),
    )
    return _Candidate(version, rec.title, rec.authors)


def _check(candidate: _Candidate, record: ArxivRecord, source: str) -> str | None:
    """Why this candidate is not a published version of ``record`` (None: it is)."""
    if candidate.rejected:
        return candidate.rejected
    if not titles_agree(record.title, candidate.title):
        return f"{source}'s title {candidate.title!r} is another paper's"
    if not first_authors_agree(record.authors, candidate.authors):
        first = candidate.authors[0] if candidate.authors else "nobody"
        return f"{source}'s first author {first!r} is not arXiv's {record.authors[0]!r}"
    v = candidate.version
    if v is not None and v.year < record.year:
        return f"{source}'s year {v.year} is before arXiv's v1 ({record.year}): another paper"
    return None


# -- the decision -------------------------------------------------------------------


def decide(
    record: ArxivRecord,
    answer: VenueAnswer | None,
    table: VenueTable,
    *,
    hint: str | None = None,
    pinned: bool = False,
    unchecked: str | None = None,
) -> Decision:
    """Where ``record`` was published, from arXiv's own fields and the services' answer."""
    decision = Decision(record.id)
    accepted: list[PublishedVersion] = []
    sources: list[tuple[str, _Candidate | None]] = [("arXiv", _from_journal_ref(record, table))]
    if answer is not None and answer.s2 is not None:
        sources.append(("Semantic Scholar", _from_s2(answer.s2, table)))
        if answer.dblp is not None:
            sources.append(("DBLP", _from_dblp(answer.dblp, table)))
        elif answer.s2.dblp and not is_arxiv_dblp_key(answer.s2.dblp):
            decision.notes.append(f"DBLP has no record {answer.s2.dblp}")
    workshops: list[str] = []  # this paper's own workshop version, seen by a source
    for name, candidate in sources:
        if candidate is None:
            continue
        why = _check(candidate, record, name)
        if why:
            decision.notes.append(why)
            if candidate.rejected and "workshop" in candidate.rejected:
                workshops.append(why)
            continue
        assert candidate.version is not None
        accepted.append(candidate.version)
        if len(candidate.authors) != len(record.authors):
            decision.notes.append(
                f"{name} lists {len(candidate.authors)} authors, arXiv {len(record.authors)}; "
                "the library keeps arXiv's list"
            )
        if normalize_title(candidate.title) != normalize_title(record.title):
            decision.notes.append(
                f"{name}'s title is {candidate.title!r}; the library keeps arXiv's"
            )
    # Venues must agree; years too, except Semantic Scholar's (often the preprint's year).
    containers = {v.container for v in accepted}
    years = {v.year for v in accepted if v.source != "Semantic Scholar"}
    if len(containers) > 1 or len(years) > 1 or (accepted and workshops):
        decision.status = "conflict"
        decision.reason = "the sources disagree"
        decision.warnings.append(
            "the sources disagree ("
            + "; ".join([f"{v.source}: {v.venue}" for v in accepted] + workshops)
            + "); kept as a preprint"
        )
    elif accepted:
        best = accepted[-1]  # DBLP over Semantic Scholar over arXiv's journal_ref

        def first(name: str) -> str | None:
            """The detail from the first source (in that order) that has it."""
            return next((getattr(v, name) for v in reversed(accepted) if getattr(v, name)), None)

        version = replace(
            best,
            volume=first("volume"),
            number=first("number"),
            pages=first("pages"),
            publisher=first("publisher"),
            doi=first("doi"),
        )
        if years:  # a year from DBLP or arXiv's journal_ref beats Semantic Scholar's
            year = years.pop()
            version = replace(version, year=year, venue=re.sub(r"\d{4}", str(year), best.venue))
        decision.version = version
        decision.status = "published"
        decision.reason = best.venue
    elif unchecked:
        decision.status = "unchecked"
        decision.reason = unchecked
    if hint:
        hint_venue = table.find(re.sub(r"'?\b(19|20)?\d\d\b", " ", hint))
        label = f"{hint_venue.abbr} {_year_in(hint)}" if hint_venue else hint
        found = decision.version.venue if decision.version else None
        if found != label and decision.status != "unchecked":
            decision.warnings.append(
                f"the reading list says {hint!r}, but "
                + (
                    f"the published version is {found}"
                    if found
                    else "no published version was found"
                )
            )
    if pinned:
        if decision.version is not None:
            decision.notes.append(f"pinned as a preprint (published: {decision.version.venue})")
        decision.version = None
        decision.status = "pinned"
        decision.reason = f"pinned with {PIN_FIELD} = {{{PIN_VALUE}}}"
    return decision


# -- entries ------------------------------------------------------------------------


def is_pinned(entry: Entry | None) -> bool:
    """True when the entry carries the marker ``difbib = {preprint}``."""
    if entry is None:
        return False
    f = field_ci(entry, PIN_FIELD)
    return f is not None and PIN_VALUE in str(f.value).lower()


def generated_fields(
    fields: dict[str, str], version: PublishedVersion | None
) -> tuple[str, dict[str, str]]:
    """The entry type and fields difbib generates: arXiv's, upgraded by a published version."""
    if version is None:
        return "misc", fields
    out = dict(fields)
    if out.get("doi", "").lower().startswith("10.48550/"):
        del out["doi"]
    out[version.container_field] = make_safe(version.container)
    out["year"] = str(version.year)
    for name in ("volume", "number", "pages", "publisher", "doi"):
        value = getattr(version, name)
        if value:
            out[name] = make_safe(value)
    return version.entry_type, out


def arxiv_year(eprint: str) -> int | None:
    """The year of an arXiv id's v1: ``2210.02747`` → 2022, ``hep-th/9901001`` → 1999."""
    m = re.fullmatch(
        r"(?:arxiv:)?(?:[a-z\-]+(?:\.[A-Z]{2})?/)?(\d\d)(\d\d)[\d.]+(?:v\d+)?", eprint.strip(), re.I
    )
    if not m:
        return None
    yy = int(m.group(1))
    return 1900 + yy if yy >= 91 else 2000 + yy


def as_preprint(entry: Entry) -> Entry:
    """The arXiv ``@misc`` of an entry with an ``eprint`` (others are returned as they are)."""
    eprint = field_ci(entry, "eprint")
    if eprint is None or entry.entry_type.lower() == "misc":
        return entry
    aid = re.sub(r"v\d+$", "", re.sub(r"^arxiv:", "", eprint.value.strip(), flags=re.I))
    year = arxiv_year(aid)
    fields: list[Field] = []
    for f in entry.fields:
        name = f.key.lower()
        if name in VENUE_FIELDS:
            continue
        if name == "year" and year:
            f = Field(f.key, str(year))
        if name == "doi":
            f = Field(f.key, f"10.48550/arXiv.{aid}")
        fields.append(f)
    if not any(f.key.lower() == "doi" for f in fields):
        pos = next(
            (i + 1 for i, f in enumerate(fields) if f.key.lower() == "primaryclass"), len(fields)
        )
        fields.insert(pos, Field("doi", f"10.48550/arXiv.{aid}"))
    return Entry("misc", entry.key, fields)


def with_venue_names(entry: Entry, table: VenueTable, form: str) -> Entry:
    """The entry with its known venue named in ``form``: ``full`` or ``short`` (``Proc. CVPR``)."""
    fields = []
    for f in entry.fields:
        if f.key.lower() in ("booktitle", "journal"):
            venue = table.find(str(f.value))
            if venue is not None:
                f = Field(f.key, venue.short if form == "short" else venue.full)
        fields.append(f)
    return Entry(entry.entry_type, entry.key, fields)


# -- finding the versions of a sync's papers ------------------------------------------


@dataclass
class VenueOptions:
    """How ``difbib sync`` finds published versions.

    ``lookup`` holds :class:`~difbib.sources.venues.VenueLookup` keyword arguments
    (``s2_url``, ``dblp_url``, ``api_key``, ``policy``, ``session``, ...).
    """

    cache_path: str | Path
    table: VenueTable = field(default_factory=VenueTable)
    lookup: dict[str, Any] = field(default_factory=dict)


@dataclass
class Change:
    """One entry whose type or venue fields a sync changes (for ``--dry-run``)."""

    key: str
    old_type: str | None
    new_type: str
    old: dict[str, str]  # the changed fields' old values ("" when absent)
    new: dict[str, str]
    source: str


@dataclass
class VenueReport:
    """What the published-version step found: decisions per arXiv id, and its requests."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    versions: dict[str, PublishedVersion | None] = field(default_factory=dict)
    previous: dict[str, PublishedVersion | None] = field(default_factory=dict)
    stats: LookupStats = field(default_factory=LookupStats)
    changes: list[Change] = field(default_factory=list)

    final_types: dict[str, str] = field(default_factory=dict)  # entry type per arXiv id

    def summary(self) -> str:
        """``20 published, 13 preprints (no published version found)``, from the written types."""
        pub = [a for a, t in self.final_types.items() if t.lower() != "misc"]
        pre = [a for a, t in self.final_types.items() if t.lower() == "misc"]
        words = {
            "preprint": "no published version found",
            "conflict": "sources disagree",
            "pinned": "pinned",
            "unchecked": "not checked",
            "published": "kept as edited by hand",
        }
        reasons: dict[str, int] = {}
        for aid in pre:
            status = self.decisions[aid].status if aid in self.decisions else "preprint"
            reasons[words[status]] = reasons.get(words[status], 0) + 1
        if len(reasons) == 1:
            detail = next(iter(reasons))
        else:
            detail = ", ".join(f"{n} {why}" for why, n in reasons.items())
        text = f"{len(pub)} published, {len(pre)} preprint{'' if len(pre) == 1 else 's'}"
        return text + (f" ({detail})" if pre else "")

    def messages(self, *, dry_run: bool = False, quiet: bool = False) -> list[str]:
        """What a sync tells the user: disagreements, per-paper changes (``dry_run``),
        what could not be checked, the requests, and the summary (always last)."""
        keys = {c.key for c in self.changes}
        out = []
        for aid, decision in self.decisions.items():
            out += [f"arXiv:{aid}: {w}" for w in decision.warnings]
            if dry_run:
                out += [f"arXiv:{aid}: {n}" for n in decision.notes]
        if dry_run:
            for c in self.changes:
                old = f"@{c.old_type}" if c.old_type else "(new)"
                out.append(f"  {c.key}: {old} -> @{c.new_type}  [{c.source}]")
                out += [f"      {n}: {c.old[n] or '-'} -> {c.new[n] or '-'}" for n in c.new]
        for reason, ids in self.unchecked().items():
            out.append(
                f"could not check {len(ids)} paper(s) for a published version ({reason}); "
                "they keep what the library had"
            )
        if not quiet:
            st = self.stats
            out.append(
                f"published versions: {st.s2_requests} Semantic Scholar and {st.dblp_requests} "
                f"DBLP request(s), {st.from_cache} from the cache"
                + (f" ({len(keys)} entries would change)" if dry_run else "")
            )
        out.append(self.summary())
        return out

    def unchecked(self) -> dict[str, list[str]]:
        """The papers not checked, by reason."""
        out: dict[str, list[str]] = {}
        for aid, d in self.decisions.items():
            if d.status == "unchecked":
                out.setdefault(d.reason, []).append(aid)
        return out


def find_versions(
    papers: list[tuple[ArxivRecord, str | None]],
    options: VenueOptions,
    *,
    previous_records: dict[str, ArxivRecord],
    pinned: set[str],
    offline: bool = False,
    refresh: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> VenueReport:
    """Decide every paper's published version (``papers``: records with reading-list hints).

    A paper the services could not be asked about keeps what the cache knew, so a
    service that is down changes nothing in the library.
    """
    cache = VenueCache(options.cache_path, read_only=dry_run)
    ids = [rec.id for rec, _ in papers]
    before = {aid: cache.answer(aid) for aid in ids}
    lookup = VenueLookup(
        cache, offline=offline, refresh=refresh, progress=progress, **options.lookup
    )
    found = lookup.lookup(ids)
    report = VenueReport(stats=found.stats)
    for record, hint in papers:
        aid = record.id
        old = before.get(aid)
        report.previous[aid] = (
            decide(previous_records.get(aid, record), old, options.table).version
            if old is not None
            else None
        )
        answer = found.answers.get(aid)
        unchecked = found.unchecked.get(aid)
        decision = decide(
            record,
            answer if answer is not None else old,
            options.table,
            hint=hint,
            pinned=aid in pinned,
            unchecked=unchecked,
        )
        if unchecked and answer is None:
            decision.status = "unchecked"  # summarised by reason at the end of the run
            decision.reason = unchecked
        report.decisions[aid] = decision
        report.versions[aid] = decision.version
    return report


def describe_changes(
    before: dict[str, Entry], after: dict[str, Entry], report: VenueReport
) -> list[Change]:
    """The entries (by arXiv id) whose type or venue fields changed, with the source."""
    watched = ("year", "doi", *VENUE_FIELDS)
    changes = []
    for aid, new in after.items():
        old = before.get(aid)
        old_fields = {f.key.lower(): str(f.value) for f in old.fields} if old else {}
        new_fields = {f.key.lower(): str(f.value) for f in new.fields}
        diff = [n for n in watched if old_fields.get(n) != new_fields.get(n)]
        old_type = old.entry_type.lower() if old else None
        if old is not None and not diff and old_type == new.entry_type.lower():
            continue
        if old is None and new.entry_type.lower() == "misc":
            continue
        decision = report.decisions.get(aid)
        version = decision.version if decision else None
        changes.append(
            Change(
                new.key,
                old_type,
                new.entry_type.lower(),
                {n: old_fields.get(n, "") for n in diff},
                {n: new_fields.get(n, "") for n in diff},
                version.source if version else (decision.reason if decision else "arXiv"),
            )
        )
    return changes
