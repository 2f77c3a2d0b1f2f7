"""The bibliographic data model: how a BibTeX entry maps to CSL, RIS and Zotero.

Every non-TeX output reads a library entry through this one module, so a type or a
field is mapped the same way everywhere:

* :func:`csl_type` and :func:`csl_variables` give an entry's CSL type and its CSL
  variables as plain text (CSL-JSON is made from them, and ``format`` renders them);
* :func:`ris_fields` gives RIS tags (``TY``, ``T2``/``JO``, ``VL``, ``IS``, ``SP``/``EP``,
  ``PB``, ``A2``, ...);
* :func:`zotero_fields` gives a Zotero item's type, fields and creators, checked
  against Zotero's own schema (``zotero-schema.json``, shipped with difbib).

The mapping follows maintained ones rather than inventing its own: BibTeX → CSL as
pandoc (citeproc's BibTeX reader) and citation-js map it, CSL → Zotero through the
``csl`` section of Zotero's schema (so ``container-title`` lands in
``proceedingsTitle`` for a conference paper, ``publicationTitle`` for a journal
article, ``bookTitle`` for a book section). Where difbib departs from pandoc it
says so in :data:`TYPES` and in ``docs/mapping.md``, which has the full tables.

An arXiv preprint (a ``@misc``, ``@online`` or ``@unpublished`` entry with an arXiv
``eprint``) is CSL ``article`` (CSL 1.0.2's preprint type; Zotero's ``preprint``)
with publisher ``arXiv`` and number ``arXiv:ID``, as Zotero exports it. A published
entry that keeps its ``eprint`` is mapped by its own type.

Values are TeX in ``library.bib``; here they become plain text through
:func:`difbib.library.latex.tex_to_text`. Entries are read with their ``@string``
macros, months and ``crossref`` already resolved (:func:`bibtex.resolve_entries`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

from difbib.library.bibtex import MONTHS, person, split_authors
from difbib.library.latex import URL_COMMAND, tex_literal, tex_to_text
from difbib.sources.ids import eprint_arxiv_id


@dataclass(frozen=True)
class TypeMap:
    """Where one BibTeX entry type goes: its CSL type, RIS type, and default CSL genre."""

    csl: str
    ris: str
    genre: str = ""


#: BibTeX / biblatex entry type → CSL type, RIS type (and a genre for theses).
#: pandoc's mapping, except: ``@misc`` is CSL ``document`` (pandoc leaves the type
#: empty; ``document`` is what Zotero imports ``@misc`` as), and ``@conference``
#: is ``@inproceedings``, as BibTeX defines it (pandoc leaves it empty).
TYPES: dict[str, TypeMap] = {
    "article": TypeMap("article-journal", "JOUR"),
    "inproceedings": TypeMap("paper-conference", "CPAPER"),
    "conference": TypeMap("paper-conference", "CPAPER"),
    "incollection": TypeMap("chapter", "CHAP"),
    "inbook": TypeMap("chapter", "CHAP"),
    "bookinbook": TypeMap("chapter", "CHAP"),
    "inreference": TypeMap("entry-encyclopedia", "ENCYC"),
    "book": TypeMap("book", "BOOK"),
    "mvbook": TypeMap("book", "BOOK"),
    "collection": TypeMap("book", "EDBOOK"),
    "mvcollection": TypeMap("book", "EDBOOK"),
    "reference": TypeMap("book", "BOOK"),
    "mvreference": TypeMap("book", "BOOK"),
    "mvproceedings": TypeMap("book", "CONF"),
    "suppbook": TypeMap("chapter", "CHAP"),
    "suppcollection": TypeMap("chapter", "CHAP"),
    "proceedings": TypeMap("book", "CONF"),
    "manual": TypeMap("book", "BOOK"),
    "booklet": TypeMap("pamphlet", "PAMP"),
    "phdthesis": TypeMap("thesis", "THES", "PhD thesis"),
    "mastersthesis": TypeMap("thesis", "THES", "Master's thesis"),
    "thesis": TypeMap("thesis", "THES"),
    "techreport": TypeMap("report", "RPRT", "Technical report"),
    "report": TypeMap("report", "RPRT"),
    "online": TypeMap("webpage", "ELEC"),
    "electronic": TypeMap("webpage", "ELEC"),
    "www": TypeMap("webpage", "ELEC"),
    "unpublished": TypeMap("manuscript", "UNPB"),
    "misc": TypeMap("document", "GEN"),
    "software": TypeMap("software", "COMP"),
    "dataset": TypeMap("dataset", "DATA"),
    "patent": TypeMap("patent", "PAT"),
    "periodical": TypeMap("article-journal", "JFULL"),  # an issue of a journal (pandoc)
    "suppperiodical": TypeMap("article-journal", "JOUR"),
    "standard": TypeMap("standard", "STAND"),  # CSL 1.0.2 (pandoc 2: legislation)
    # biblatex's "unsupported" types, as pandoc maps them
    "review": TypeMap("review", "JOUR"),
    "artwork": TypeMap("graphic", "ART"),
    "image": TypeMap("graphic", "ART"),
    "audio": TypeMap("song", "SOUND"),
    "music": TypeMap("song", "MUSIC"),
    "movie": TypeMap("motion_picture", "MPCT"),
    "video": TypeMap("motion_picture", "VIDEO"),
    "commentary": TypeMap("book", "BOOK"),
    "jurisdiction": TypeMap("legal_case", "CASE"),
    "legislation": TypeMap("legislation", "STAT"),
    "legal": TypeMap("treaty", "LEGAL"),
    "letter": TypeMap("personal_communication", "PCOMM"),
    "letters": TypeMap("personal_communication", "PCOMM"),
    "performance": TypeMap("speech", "GEN"),
    "data": TypeMap("dataset", "DATA"),  # biblatex-apa
    "newsarticle": TypeMap("article-newspaper", "NEWS"),  # biblatex-apa
}
#: biblatex's ``entrysubtype`` of an ``@article`` or ``@periodical`` (pandoc's reading).
SUBTYPES = {"magazine": "article-magazine", "newspaper": "article-newspaper"}
#: An arXiv preprint: CSL's (and Zotero's) preprint type, RIS's unpublished work.
PREPRINT = TypeMap("article", "UNPB")
#: Entry types that are a preprint when they carry an arXiv ``eprint``.
PREPRINT_CARRIERS = frozenset({"misc", "online", "electronic", "www", "unpublished", "preprint"})
#: CSL types of a part of a book: their container is the ``booktitle``.
_IN_BOOK = frozenset({"chapter", "paper-conference", "entry-encyclopedia"})
#: CSL types whose ``number`` is an issue of a periodical.
_PERIODICAL = frozenset({"article-journal", "article-magazine", "article-newspaper", "periodical",
                         "review"})  # fmt: skip


class Fields:
    """Case-insensitive access to an entry's fields, as text or as TeX."""

    def __init__(self, entry_type: str, fields: dict[str, str]):
        self.type = entry_type.lower()
        self.raw = {k.lower(): v for k, v in fields.items() if v is not None and str(v).strip()}

    def tex(self, name: str) -> str:
        return str(self.raw.get(name, "")).strip()

    def text(self, *names: str) -> str:
        """Plain text of the first of ``names`` the entry has ('' if none)."""
        for name in names:
            if self.raw.get(name):
                return tex_to_text(str(self.raw[name]))
        return ""


def arxiv_id(f: Fields) -> str | None:
    """The entry's arXiv id, without version (:func:`difbib.sources.ids.eprint_arxiv_id`:
    ``eprint`` with ``archivePrefix``/``eprinttype`` arXiv or none)."""
    return eprint_arxiv_id(f.tex("eprint"), f.tex("archiveprefix") or f.tex("eprinttype"))


def type_map(f: Fields) -> TypeMap:
    """The entry's :class:`TypeMap` (an unknown type maps as ``@misc``)."""
    if f.type in PREPRINT_CARRIERS and arxiv_id(f):
        return PREPRINT
    return TYPES.get(f.type, TYPES["misc"])


def csl_type(f: Fields) -> str:
    """The CSL type: the entry type's (:data:`TYPES`); for an ``@article`` or a
    periodical with ``entrysubtype`` magazine or newspaper, that kind of article; for an
    ``@unpublished`` with an event (``eventtitle``, ``eventdate``, ``venue``), a speech."""
    tm = type_map(f)
    if tm.csl == "article-journal" and f.text("entrysubtype").lower() in SUBTYPES:
        return SUBTYPES[f.text("entrysubtype").lower()]
    if f.type == "unpublished" and any(f.tex(n) for n in ("eventtitle", "eventdate", "venue")):
        return "speech"  # a talk (biblatex's event fields), as pandoc reads it
    return tm.csl


# -- names ------------------------------------------------------------------------


def csl_name(name: str) -> dict[str, str] | None:
    """One BibTeX name as a CSL name; ``None`` for ``others``.

    A BibTeX "von" part (``van den``, ``de la``) is a ``non-dropping-particle``, as
    citation-js and Zotero give it, so "van den Oord" is cited as written. Corporate
    names (braced whole, or a group such as "Black Forest Labs") are ``literal``.
    """
    p = person(name)
    if p.others:
        return None
    if p.literal is not None:
        return {"literal": p.literal}
    out = {"family": p.family}
    if p.given:
        out["given"] = p.given
    if p.particle:
        out["non-dropping-particle"] = p.particle
    if p.suffix:
        out["suffix"] = p.suffix
    return out


def csl_names(value: str) -> list[dict[str, str]]:
    """A BibTeX name list as CSL names. ``and others`` ends the list: CSL has no name
    for it (styles print "et al." by their own rules), so it is left out."""
    return [n for n in (csl_name(x) for x in split_authors(value)) if n is not None]


def has_others(value: str) -> bool:
    """Whether a BibTeX name list ends with ``and others``."""
    return any(person(x).others for x in split_authors(value))


# -- dates ------------------------------------------------------------------------

_MONTH_WORDS = {**{k: i for i, k in enumerate(MONTHS, 1)},
                **{v.lower(): i for i, v in enumerate(MONTHS.values(), 1)}}  # fmt: skip


def parse_month(value: str) -> tuple[int | None, int | None]:
    """(month, day) from a month field: ``dec``, ``December``, ``12``, ``April 14``."""
    words = re.findall(r"[A-Za-z]+|\d+", value)
    month = day = None
    for w in words:
        low = w.lower().rstrip(".")
        if month is None and low[:3] in _MONTH_WORDS and low in (low[:3], _month_name(low)):
            month = _MONTH_WORDS[low[:3]]
        elif w.isdigit() and month is None and 1 <= int(w) <= 12 and len(words) == 1:
            month = int(w)
        elif w.isdigit() and month is not None and day is None and 1 <= int(w) <= 31:
            day = int(w)
    return month, day


def _month_name(low: str) -> str:
    return MONTHS.get(low[:3], "").lower()


def date_parts(f: Fields) -> list[int] | None:
    """``[year, month, day]`` (as far as known) from ``date`` or ``year`` + ``month``."""
    date = f.text("date")
    m = re.match(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", date)
    if m:
        return [int(x) for x in m.groups() if x]
    # a sort key such as {\noopsort{1973c}}1981 prints nothing: the year is what prints
    m = re.search(r"\d{4}", re.sub(r"\\[A-Za-z]+\{[^{}]*\}", "", f.tex("year")))
    if not m:
        return None
    parts = [int(m.group(0))]
    month, day = parse_month(f.text("month"))
    if month:
        parts.append(month)
        if day:
            parts.append(day)
    return parts


# -- CSL --------------------------------------------------------------------------


def _titled(f: Fields, title: str, subtitle: str, addon: str = "") -> str:
    """``title: subtitle. addon`` (biblatex's title parts), as pandoc joins them."""
    text = f.text(title)
    if text and f.text(subtitle):
        text += ": " + f.text(subtitle)
    if text and addon and f.text(addon):
        text += ". " + f.text(addon)
    return text


def join_list(parts: list[str], sep: str = ";") -> str:
    """Parts joined by ``sep`` and a space, as pandoc joins them: after a part that
    ends in punctuation (``Online journal.``) only the space."""
    out = ""
    for part in parts:
        if not out:
            out = part
        elif out[-1] in "!?.,:;":
            out += " " + part
        else:
            out += f"{sep} {part}"
    return out


def _pages(value: str) -> str:
    return re.sub(r"\s*(?:--|–|—)\s*", "-", value)


def normalize_doi(value: str) -> str:
    """A DOI without ``https://doi.org/`` or ``doi:`` in front."""
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value.strip(), flags=re.I)


def _only_url(value: str) -> str | None:
    """The URL when a value is nothing but a URL (``\\url{...}`` or bare)."""
    m = URL_COMMAND.fullmatch(value.strip())
    if m:
        return tex_literal(m.group(1)) or None
    m = re.fullmatch(r"\s*(https?://\S+)\s*", value)
    return tex_literal(m.group(1)) if m else None


def csl_variables(entry_type: str, fields: dict[str, str]) -> dict[str, Any]:
    """The CSL variables of a BibTeX entry (plain text; names as CSL names).

    See ``docs/mapping.md`` for the table; ``type`` is included, ``id`` is not.
    """
    f = Fields(entry_type, fields)
    tm = type_map(f)
    out: dict[str, Any] = {"type": csl_type(f)}

    def put(var: str, value: str | None) -> None:
        if value and var not in out:
            out[var] = value

    for var, name in (("author", "author"), ("editor", "editor"), ("translator", "translator")):
        if f.tex(name):
            names = csl_names(f.tex(name))
            if names:
                out[var] = names
            if has_others(f.tex(name)):
                # CSL has no "et al." name; the fact is kept for a renderer that wants it
                out.setdefault("custom", {})[f"{var}-et-al"] = True
    put("title", _titled(f, "title", "subtitle", "titleaddon"))
    main = _titled(f, "maintitle", "mainsubtitle", "maintitleaddon")
    if main and tm.csl in _IN_BOOK:
        put("container-title", main)  # biblatex: the multi-volume work contains the book
        put("volume-title", _titled(f, "booktitle", "booksubtitle", "booktitleaddon"))
    if f.type == "periodical":  # a whole issue: its title is the journal's (biblatex, pandoc)
        put("container-title", out.get("title"))
    journal = _titled(f, "journaltitle", "journalsubtitle") or _titled(
        f, "journal", "journalsubtitle"
    )
    book = _titled(f, "booktitle", "booksubtitle", "booktitleaddon")
    # a part of a book is in its book, whatever else the entry says (pandoc, biblatex)
    put("container-title", book or journal if tm.csl in _IN_BOOK else journal or book)
    put("collection-title", f.text("series"))
    volume, part = f.text("volume"), f.text("part")
    put("volume", f"{volume}.{part}" if volume and part else volume or part)
    number = f.text("number")
    if number:
        if tm.csl in _PERIODICAL:
            # biblatex's "issue" (e.g. "Spring") follows the number, as pandoc joins them
            put("issue", ", ".join(x for x in (number, f.text("issue")) if x))
        elif f.text("series") and tm.csl not in ("report",):
            put("collection-number", number)
        else:
            put("number", number)
    put("issue", f.text("issue"))
    put("page", _pages(f.text("pages")))
    put("chapter-number", f.text("chapter"))
    put("edition", f.text("edition"))
    howpublished = f.tex("howpublished")
    how_url = _only_url(howpublished) if howpublished else None
    # Who published it, joined as pandoc joins them ("The ACM; Academic Press")
    publishers: list[str] = []
    for name in ("school", "institution", "organization", "howpublished", "publisher"):
        value = f.text(name) if name != "howpublished" or not how_url else ""
        if value and value.casefold() not in (p.casefold() for p in publishers):
            publishers.append(value)
    put("publisher", join_list(publishers))
    put("publisher-place", f.text("address", "location"))
    put("genre", f.text("type") or tm.genre)
    parts = date_parts(f)
    if parts:
        out["issued"] = {"date-parts": [parts]}
    accessed = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", f.text("urldate"))
    if accessed:
        out["accessed"] = {"date-parts": [[int(x) for x in accessed.groups()]]}
    aid = arxiv_id(f)
    if tm is PREPRINT and aid:
        out["publisher"] = "arXiv"
        out["number"] = f"arXiv:{aid}"
    put("DOI", normalize_doi(tex_literal(f.tex("doi"))))
    put("ISBN", f.text("isbn"))
    put("ISSN", f.text("issn"))
    put("URL", tex_literal(f.tex("url")) or how_url)
    put("note", f.text("note", "addendum"))
    put("language", f.text("language", "langid"))
    put("abstract", f.text("abstract"))
    return out


# -- RIS --------------------------------------------------------------------------


def ris_name(name: dict[str, str]) -> str:
    """A CSL name as RIS wants it: ``Family, Given`` (``van den Oord, Aaron``; ``Smith,
    Jr., John``); literal names whole."""
    if "literal" in name:
        return name["literal"]
    family = " ".join(x for x in (name.get("non-dropping-particle"), name["family"]) if x)
    return ", ".join(x for x in (family, name.get("suffix"), name.get("given")) if x)


def ris_fields(entry_type: str, fields: dict[str, str]) -> dict[str, Any]:
    """The RIS tags of an entry, as rispy keys (without keywords and notes of difbib).

    The venue goes in ``T2`` (secondary title: proceedings, book, and the journal too,
    which is where Zotero reads it) and, for a journal article, also in ``JO``.
    """
    csl = csl_variables(entry_type, fields)
    tm = type_map(Fields(entry_type, fields))
    rec: dict[str, Any] = {"type_of_reference": tm.ris}
    if csl.get("author"):
        rec["authors"] = [ris_name(n) for n in csl["author"]]
    if csl.get("editor"):
        rec["secondary_authors"] = [ris_name(n) for n in csl["editor"]]
    simple = {
        "title": "primary_title",
        "container-title": "secondary_title",
        "collection-title": "tertiary_title",
        "volume": "volume",
        "publisher": "publisher",
        "publisher-place": "place_published",
        "edition": "edition",
        "abstract": "abstract",
    }
    for var, key in simple.items():
        if csl.get(var):
            rec[key] = csl[var]
    if tm.ris == "JOUR" and csl.get("container-title"):
        rec["journal_name"] = csl["container-title"]
    if csl.get("issue") or (csl.get("number") and tm is not PREPRINT):
        rec["number"] = csl.get("issue") or csl["number"]
    if csl.get("page"):
        first, _, last = csl["page"].partition("-")
        rec["start_page"] = first.strip()
        if last.strip():
            rec["end_page"] = last.strip()
    if csl.get("ISBN") or csl.get("ISSN"):
        rec["issn"] = csl.get("ISBN") or csl["ISSN"]
    issued = csl.get("issued", {}).get("date-parts", [[]])[0]
    if issued:
        rec["year"] = str(issued[0])
        if len(issued) > 1:
            rec["date"] = "/".join(f"{x:02d}" if i else str(x) for i, x in enumerate(issued))
    if csl.get("DOI"):
        rec["doi"] = csl["DOI"]
    if csl.get("URL"):
        rec["urls"] = [csl["URL"]]
    if csl.get("note"):
        rec["notes"] = [csl["note"]]
    return rec


# -- Zotero -----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def zotero_schema() -> dict[str, Any]:
    """Zotero's data schema (item types, their fields and creator types, CSL mappings)."""
    text = resources.files("difbib").joinpath("data/zotero-schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


class _ZoteroTables(NamedTuple):
    """The parts of Zotero's schema difbib looks up."""

    item_types: dict[str, dict[str, str]]  # type -> base field -> its own field name
    creator_types: dict[str, list[str]]  # type -> its creator types
    csl_types: dict[str, str]  # CSL type -> Zotero type
    csl_fields: dict[str, list[str]]  # CSL variable -> Zotero (base) fields


@functools.lru_cache(maxsize=1)
def _zotero_tables() -> _ZoteroTables:
    schema = zotero_schema()
    item_types: dict[str, dict[str, str]] = {}  # type -> base field -> its own field name
    creator_types: dict[str, list[str]] = {}
    for t in schema["itemTypes"]:
        own: dict[str, str] = {}
        for fld in t.get("fields", []):
            own[fld["field"]] = fld["field"]
            if fld.get("baseField"):
                own[fld["baseField"]] = fld["field"]
        item_types[t["itemType"]] = own
        creator_types[t["itemType"]] = [c["creatorType"] for c in t.get("creatorTypes", [])]
    csl_types = {csl: zot[0] for csl, zot in schema["csl"]["types"].items()}
    csl_fields: dict[str, list[str]] = dict(schema["csl"]["fields"]["text"])
    csl_fields.update({k: [v] for k, v in schema["csl"]["fields"]["date"].items()})
    return _ZoteroTables(item_types, creator_types, csl_types, csl_fields)


def zotero_item_type(csl: str) -> str:
    """The Zotero item type for a CSL type (schema's ``csl.types``; ``document`` if none)."""
    return _zotero_tables().csl_types.get(csl, "document")


def zotero_valid_fields(item_type: str) -> set[str]:
    """Fields a Zotero item of this type may have (its own names, not base fields)."""
    return set(_zotero_tables().item_types.get(item_type, {}).values())


def zotero_creator_types(item_type: str) -> list[str]:
    return list(_zotero_tables().creator_types.get(item_type, []))


def _zotero_date(parts: list[int]) -> str:
    return "-".join(f"{x:02d}" if i else str(x) for i, x in enumerate(parts))


#: CSL variables difbib writes to Zotero (others, e.g. ``note``, would land in Extra,
#: which is the user's).
ZOTERO_VARIABLES = (
    "title", "abstract", "container-title", "collection-title", "collection-number",
    "volume", "issue", "number", "page", "edition", "publisher", "publisher-place",
    "genre", "issued", "DOI", "ISBN", "ISSN", "URL", "language", "chapter-number",
)  # fmt: skip


def zotero_fields(
    entry_type: str, fields: dict[str, str], *, warn: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """A Zotero item (``itemType``, fields, ``creators``) valid against Zotero's schema.

    Each CSL variable goes to the first Zotero field the schema maps it to that the
    item type has (by its own name or its base field: a conference paper's
    ``container-title`` is ``proceedingsTitle``); variables the type has no field for
    are left out. Creators whose role the type lacks become contributors.
    """
    item_types, _, _, csl_fields = _zotero_tables()
    csl = csl_variables(entry_type, fields)
    item_type = zotero_item_type(csl["type"])
    own = item_types.get(item_type, {})
    item: dict[str, Any] = {"itemType": item_type}
    for var in ZOTERO_VARIABLES:
        value = csl.get(var)
        if not value:
            continue
        if var == "issued":
            value = _zotero_date(value["date-parts"][0])
        for base in csl_fields.get(var, []):
            name = own.get(base)
            if name and name not in item:
                item[name] = value
                break
    allowed = zotero_creator_types(item_type)
    creators: list[dict[str, str]] = []
    for role in ("author", "editor", "translator"):
        for name in csl.get(role, []):
            kind = role if role in allowed else "contributor"
            if kind not in allowed:
                continue
            if "literal" in name:
                creators.append({"creatorType": kind, "name": name["literal"]})
            else:
                given = ", ".join(x for x in (name.get("given"), name.get("suffix")) if x)
                family = " ".join(
                    x for x in (name.get("non-dropping-particle"), name["family"]) if x
                )
                creators.append({"creatorType": kind, "firstName": given, "lastName": family})
    item["creators"] = creators
    return item


def zotero_managed_fields() -> set[str]:
    """Every Zotero field :func:`zotero_fields` can write, over all item types."""
    item_types, _, _, csl_fields = _zotero_tables()
    names: set[str] = set()
    for var in ZOTERO_VARIABLES:
        for base in csl_fields.get(var, []):
            for own in item_types.values():
                if base in own:
                    names.add(own[base])
    return names
