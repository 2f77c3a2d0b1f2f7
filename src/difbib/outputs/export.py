"""Exporting a selection of the library: BibTeX, biblatex and RIS.

Every format is a writer ``(papers, options) -> str`` registered in :data:`FORMATS`;
adding a format is one line there. Writers never touch the library: they build new
entries from copies of its values.

LaTeX safety: library values are LaTeX-safe as ``difbib sync`` writes them, but hand
edits may not be. Every exported text field goes through :func:`latex.make_safe`
(idempotent, so sync's values come out unchanged), and identifiers that styles typeset
with ``\\url`` (``url``, ``doi``, ``eprint``) through :func:`url_safe`.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import rispy
from bibtexparser.model import Entry, Field

from difbib.csl.csljson import to_csl_items
from difbib.errors import SelectionError
from difbib.library import bibtex
from difbib.library.datamodel import csl_name, parse_month, ris_fields, ris_name
from difbib.library.latex import make_safe, protect_capitals, tex_to_text
from difbib.library.queries import Paper, rating_tag

#: Fields a style typesets verbatim (``\url``, ``\doi``, ``\verb``): percent-encoded,
#: never TeX-escaped.
IDENTIFIER_FIELDS = frozenset({"url", "doi", "eprint"})

#: ``--minimal``: what a paper's reference list does not need.
MINIMAL_DROP = frozenset({"abstract", "keywords", "ranking"})


@dataclass
class ExportOptions:
    """How to export: fields to drop (lower-case library field names), ASCII-only output.

    ``warn`` receives one-line notices (e.g. characters ``--ascii`` cannot encode).
    """

    drop: frozenset[str] = frozenset()
    ascii: bool = False
    #: The project's protected terms, braced in titles (BibTeX and biblatex).
    terms: tuple[str, ...] = ()
    warn: Callable[[str], None] = field(default=lambda message: None)


Writer = Callable[[Sequence[Paper], ExportOptions], str]


@dataclass(frozen=True)
class Format:
    """An export format: its writer, a one-line description, and whether it is TeX
    (so that ``--ascii`` means something for it)."""

    writer: Writer
    description: str
    latex: bool = False


def parse_drop(values: Iterable[str], *, minimal: bool = False) -> frozenset[str]:
    """Field names from ``--drop a,b --drop c`` (and ``--minimal``), lower-cased."""
    names = {n.strip().lower() for v in values for n in v.split(",") if n.strip()}
    bad = sorted(n for n in names if not re.fullmatch(r"[a-z][a-z0-9_:.+-]*", n))
    if bad:
        raise SelectionError(
            f"--drop {bad[0]!r} is not a field name; give names like abstract,keywords"
        )
    return frozenset(names | (MINIMAL_DROP if minimal else set()))


def unused_drops(papers: Sequence[Paper], names: Iterable[str]) -> list[str]:
    """The names in ``names`` that no paper has as a field (likely typos)."""
    present = {f.key.lower() for p in papers for f in p.entry.fields}
    return sorted(n for n in names if n.lower() not in present)


# -- values -----------------------------------------------------------------------

_URL_KEEP = re.compile(r"%[0-9A-Fa-f]{2}|[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]+")


def url_safe(value: str) -> str:
    """A URL, DOI or id that ``\\url``/``\\doi``/``\\verb`` typeset and BibTeX parses.

    Characters outside RFC 3986 (spaces, braces, backslashes, quotes, non-ASCII, a
    ``%`` that starts no escape) are percent-encoded; valid URLs are unchanged.
    """
    value = value.strip()
    out: list[str] = []
    i = 0
    while i < len(value):
        m = _URL_KEEP.match(value, i)
        if m:
            out.append(m.group(0))
            i = m.end()
        else:
            out.append(urllib.parse.quote(value[i], safe=""))
            i += 1
    return "".join(out)


class _Encoder(Protocol):
    """pylatexenc's ``UnicodeToLatexEncoder``, as difbib uses it."""

    def unicode_to_latex(self, s: str, /) -> str: ...


def _ascii_encoder(unmapped: set[str]) -> _Encoder:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    def unknown(char: str) -> str:
        unmapped.add(char)
        return "{\\texttt{U+" + f"{ord(char):04X}" + "}}"

    encoder: _Encoder = UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy=unknown,
        unknown_char_warning=False,
    )
    return encoder


class _Values:
    """Makes field values safe (and ASCII with ``--ascii``) for one export."""

    def __init__(self, options: ExportOptions):
        self.options = options
        self.unmapped: set[str] = set()
        self._encoder = _ascii_encoder(self.unmapped) if options.ascii else None

    def tex(self, name: str, value: str) -> str:
        if name.lower() in IDENTIFIER_FIELDS:
            return url_safe(value)
        value = make_safe(value)
        if name.lower() == "title" and self.options.terms:
            value = protect_capitals(value, self.options.terms, auto=False)
        if self._encoder is not None:
            value = self._encoder.unicode_to_latex(value)
        return value

    def finish(self) -> None:
        if self.unmapped:
            chars = " ".join(sorted(self.unmapped))
            self.options.warn(
                f"{len(self.unmapped)} character(s) have no LaTeX form and are written "
                f"as U+ codes: {chars}"
            )


def _kept_fields(paper: Paper, options: ExportOptions) -> list[Field]:
    return [f for f in paper.entry.fields if f.key.lower() not in options.drop]


# -- BibTeX -----------------------------------------------------------------------


def month_macro(value: str) -> str | None:
    """A month as BibTeX's month macro (``December`` → ``dec``, ``April 14`` →
    ``apr # { 14}``), which every style prints in its own way (``Dec.`` in IEEEtran);
    ``None`` when the value is not a month."""
    month, day = parse_month(value)
    words = re.findall(r"[A-Za-z]+", value)
    if month is None or len(words) > 1 or (words and day is None and value.strip() != words[0]):
        return None
    macro = list(bibtex.MONTHS)[month - 1]
    return f"{macro} # {{ {day}}}" if day else macro


def bibtex_entry(paper: Paper, values: _Values) -> Entry:
    """The library entry as sync writes it, values made safe, dropped fields left out.

    ``@string`` macros and ``crossref``/``xdata`` come expanded (the entries are
    resolved, see :func:`bibtex.resolve_entries`), so an exported selection needs no
    definitions and no parent entry; months are written as month macros.
    """
    fields = []
    for f in _kept_fields(paper, values.options):
        macro = month_macro(f.value) if f.key.lower() == "month" else None
        if macro:
            fields.append(Field(f.key, macro, enclosing="no-enclosing"))
        else:
            fields.append(Field(f.key, values.tex(f.key, f.value)))
    return Entry(paper.entry.entry_type, paper.key, fields)


def write_bibtex(papers: Sequence[Paper], options: ExportOptions) -> str:
    """Classic BibTeX (natbib, IEEEtran, ...): the library's entries."""
    values = _Values(options)
    text = bibtex.write_bib(bibtex_entry(p, values) for p in papers)
    values.finish()
    return text


# -- biblatex ---------------------------------------------------------------------

#: BibTeX field → biblatex field, where biblatex has its own name.
BIBLATEX_RENAME = {
    "archiveprefix": "eprinttype",
    "primaryclass": "eprintclass",
    "journal": "journaltitle",
    "address": "location",
    "school": "institution",
}
#: BibTeX entry type → biblatex entry type, where they differ.
BIBLATEX_TYPES = {
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "conference": "inproceedings",
}


def biblatex_entry(paper: Paper, values: _Values) -> Entry:
    """A biblatex entry: arXiv papers as ``@online`` with ``eprinttype = {arxiv}``.

    Only fields of biblatex's data model are written (``biber --validate-datamodel``
    is silent): JabRef's ``ranking`` is not one, so the rating becomes the keyword
    ``rating:N``, beside the categories.
    """
    fields: dict[str, str] = {}
    for f in _kept_fields(paper, values.options):
        if f.key.lower() == "ranking":
            continue  # not in biblatex's data model: the rating goes into keywords
        name = BIBLATEX_RENAME.get(f.key.lower(), f.key)
        value = values.tex(name, f.value)
        if name.lower() == "month" and parse_month(f.value)[0]:
            value = str(parse_month(f.value)[0])  # biblatex's month is a number
        if name == "eprinttype":
            value = value.lower()  # biblatex knows "arxiv"
        if name.lower() == "year" and not paper.get("date"):
            name = "date"
        fields.setdefault(name, value)
    drop = values.options.drop
    if paper.rating and "ranking" not in drop and "keywords" not in drop:
        # `\printbibliography[keyword={rating:5}]`; the tag RIS and Zotero get too
        key = next((k for k in fields if k.lower() == "keywords"), "keywords")
        tags = bibtex.split_keywords(fields.get(key)) + [rating_tag(paper.rating)]
        fields[key] = values.tex(key, bibtex.keywords_value(tags))
    prefix = paper.get("archivePrefix") or paper.get("eprinttype") or ""
    is_arxiv = prefix.lower() == "arxiv"
    entry_type = paper.entry.entry_type.lower()
    if is_arxiv and entry_type == "misc":
        entry_type = "online"
        if paper.eprint and "eprinttype" not in fields and "eprinttype" not in values.options.drop:
            fields["eprinttype"] = "arxiv"
    entry_type = BIBLATEX_TYPES.get(entry_type, entry_type)
    order = ["author", "title", "date", "eprint", "eprinttype", "eprintclass", "doi", "url"]
    ordered = [k for k in order if k in fields] + [k for k in fields if k not in order]
    return Entry(entry_type, paper.key, [Field(k, fields[k]) for k in ordered])


def write_biblatex(papers: Sequence[Paper], options: ExportOptions) -> str:
    """biblatex + biber: ``@online`` entries with ``eprinttype``, ``eprintclass``, ``date``."""
    values = _Values(options)
    text = bibtex.write_bib(biblatex_entry(p, values) for p in papers)
    values.finish()
    return text


# -- RIS --------------------------------------------------------------------------


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers references ("1."); importers expect none


def ris_author(name: str) -> str:
    """``Family, Given`` (``van den Oord, Aaron``; ``Smith, Jr., John``); groups whole."""
    csl = csl_name(name)
    return ris_name(csl) if csl else ""


def ris_record(paper: Paper, options: ExportOptions) -> dict[str, Any]:
    """One reference as a rispy dict: :func:`datamodel.ris_fields` (type, venue, volume,
    pages, ...), plus categories and rating as ``KW`` and the arXiv id in ``N1``."""
    drop = options.drop
    fields = {f.key: f.value for f in reversed(paper.entry.fields) if f.key.lower() not in drop}
    rec: dict[str, Any] = {"type_of_reference": "GEN", "id": paper.key}
    rec.update(ris_fields(paper.entry.entry_type, fields))
    for tag in ("doi",):
        if tag in rec:
            rec[tag] = url_safe(rec[tag])
    if "urls" in rec:
        rec["urls"] = [url_safe(u) for u in rec["urls"]]
    keywords: list[str] = []
    if "keywords" not in drop:
        keywords += bibtex.split_keywords(tex_to_text(paper.get("keywords") or ""))
    if paper.rating and "ranking" not in drop:
        keywords.append(rating_tag(paper.rating))
    if keywords:
        rec["keywords"] = keywords
    if paper.eprint and "eprint" not in drop:
        note = f"arXiv:{url_safe(paper.arxiv_id or paper.eprint)}"
        if (cls := paper.get("primaryClass")) and "primaryclass" not in drop:
            note += f" [{tex_to_text(cls)}]"
        rec["notes"] = [*rec.get("notes", []), note]
    return rec


def write_ris(papers: Sequence[Paper], options: ExportOptions) -> str:
    """RIS for Zotero, EndNote and Mendeley; categories and rating as ``KW`` tags."""
    if not papers:
        return ""
    records = [ris_record(p, options) for p in papers]
    return rispy.dumps(records, implementation=_RisWriter)


# -- CSL-JSON ---------------------------------------------------------------------

#: Library fields and the CSL-JSON variables made from them (for ``--drop``).
CSL_VARIABLES = {
    "author": ("author",),
    "title": ("title",),
    "year": ("issued",),
    "eprint": ("number", "publisher"),
    "doi": ("DOI",),
    "url": ("URL",),
    "abstract": ("abstract",),
    "keywords": ("keyword", "categories"),
}


def write_csl_json(papers: Sequence[Paper], options: ExportOptions) -> str:
    """CSL-JSON (see :mod:`difbib.csl.csljson`) for citeproc-js, pandoc and Zotero."""
    dropped = {v for name in options.drop for v in CSL_VARIABLES.get(name, ())}
    items = [{k: v for k, v in item.items() if k not in dropped} for item in to_csl_items(papers)]
    if "ranking" in options.drop:  # the rating is custom.rating
        for item in items:
            custom = {k: v for k, v in item.pop("custom", {}).items() if k != "rating"}
            if custom:
                item["custom"] = custom
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# -- the registry -----------------------------------------------------------------

FORMATS: dict[str, Format] = {
    "bibtex": Format(write_bibtex, "BibTeX as in library.bib (natbib, IEEEtran, ...)", True),
    "biblatex": Format(write_biblatex, "biblatex/biber: @online with eprinttype, date", True),
    "ris": Format(write_ris, "RIS for Zotero, EndNote, Mendeley"),
    "csl-json": Format(write_csl_json, "CSL-JSON for citeproc-js, pandoc, Zotero"),
}


def get_format(name: str) -> Format:
    """The format called ``name``; raises :class:`SelectionError` listing the known ones."""
    fmt = FORMATS.get(name.lower())
    if fmt is None:
        known = ", ".join(FORMATS)
        raise SelectionError(f"unknown format {name!r}; use one of: {known}")
    return fmt


def export(papers: Sequence[Paper], format_name: str, options: ExportOptions | None = None) -> str:
    """The papers in the named format; raises :class:`SelectionError` for an unknown one."""
    return get_format(format_name).writer(papers, options or ExportOptions())
