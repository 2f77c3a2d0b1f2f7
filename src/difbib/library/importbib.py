"""``difbib import``: merge an existing ``.bib`` file into the project's library.

Survey writers arrive with bibliographies of their own. Each imported entry is
matched to the library, in this order (the first that holds wins):

1. the arXiv id: an ``eprint`` (with ``archivePrefix`` arXiv or none), an arXiv URL,
   an arXiv DOI (``10.48550/arXiv.ID``), or Google Scholar's
   ``journal = {arXiv preprint arXiv:ID}``;
2. the DOI (case-insensitive, without a ``https://doi.org/`` prefix);
3. the normalised title (lowercase ASCII words) and the first author's family name.

A matched entry is a duplicate: it is *merged*, not added. The library's entry keeps
its values (hand edits and arXiv's data win) and takes the fields it lacks from the
imported one when both are of the same type (``pages``, ``note``, ...; a preprint
takes no venue from an imported journal article: a published version is for difbib's
venue lookup, with its evidence). Its key becomes the user's key, so their drafts
still compile (unless another entry has that key). :attr:`ImportPlan.key_map` lists
``USER_KEY LIBRARY_KEY`` for each such rename: ``difbib rekey USER_KEY LIBRARY_KEY
--tex draft.tex`` moves library and draft to the library's key when the user wants it.

An entry that matches nothing is added as it is (its macros come along as ``@string``
definitions, or expanded where the library defines the same name otherwise). An
arXiv paper among them can also be put on the reading list (the CLI's
``--category``), so that ``sync`` keeps it current. Entries that are not on arXiv
stay exactly as the user wrote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bibtexparser.model import Entry, Field, String

from difbib.errors import DifbibError
from difbib.fileio import atomic_write_text
from difbib.library import bibtex
from difbib.library.datamodel import normalize_doi
from difbib.library.latex import tex_literal, tex_to_text
from difbib.sources.ids import arxiv_id_from_url, arxiv_ids_in_text, eprint_arxiv_id
from difbib.sources.readinglist import normalize_title


def _fields(entry: Entry) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in entry.fields:
        out.setdefault(f.key.lower(), str(f.value))
    return out


def arxiv_id_of_entry(entry: Entry) -> str | None:
    """The arXiv id an entry is about (eprint, arXiv URL or DOI, Scholar's journal)."""
    f = _fields(entry)
    aid = eprint_arxiv_id(f.get("eprint"), f.get("archiveprefix") or f.get("eprinttype"))
    if aid:
        return aid
    if f.get("url") and (raw := arxiv_id_from_url(f["url"])):
        aid = eprint_arxiv_id(raw)
        if aid:
            return aid
    doi = f.get("doi", "")
    m = re.search(r"10\.48550/arxiv\.(\S+)", doi, re.I)
    if m and (aid := eprint_arxiv_id(m.group(1))):
        return aid
    for name in ("journal", "journaltitle", "note", "howpublished"):
        if "arxiv" in f.get(name, "").lower():
            for raw in arxiv_ids_in_text(f[name]):
                if aid := eprint_arxiv_id(raw):
                    return aid
    return None


def doi_of_entry(entry: Entry) -> str | None:
    doi = normalize_doi(tex_literal(_fields(entry).get("doi", ""))).lower()
    return doi or None


def title_author_of_entry(entry: Entry) -> tuple[str, str] | None:
    """(normalised title, first author's family name, folded) or None."""
    f = _fields(entry)
    title = normalize_title(tex_to_text(f.get("title", "")))
    names = bibtex.split_authors(f.get("author", "") or f.get("editor", ""))
    if not title or not names:
        return None
    first = bibtex.person(names[0])
    family = first.literal if first.literal is not None else first.family
    return title, normalize_title(family)


#: Fields an import never adds to a library entry: difbib's own (categories, rating).
NEVER_MERGED = frozenset({"keywords", "ranking"})
#: Fields an import adds to an entry of another type (a venue does not belong on a preprint:
#: a published version is found, with evidence, by difbib's venue lookup).
ANY_TYPE_FIELDS = frozenset({"note", "annote", "file", "urldate", "language"})


def mergeable(current: Entry, imported: Entry) -> list[Field]:
    """The imported entry's fields the library entry lacks and may take.

    The library's values always win. An entry of the same type takes any field it
    lacks; one of another type (a preprint, imported as a journal article) only the
    type-neutral ones (:data:`ANY_TYPE_FIELDS`).
    """
    have = {f.key.lower() for f in current.fields}
    same_type = current.entry_type.lower() == imported.entry_type.lower()
    out = []
    for f in imported.fields:
        name = f.key.lower()
        if name in have or name in NEVER_MERGED or (not same_type and name not in ANY_TYPE_FIELDS):
            continue
        have.add(name)
        out.append(Field(f.key, f.value))
    return out


@dataclass
class ImportAction:
    """What happens to one imported entry."""

    kind: str  # merge | add | skip
    key: str  # the imported entry's key
    library_key: str | None = None  # merge: the library entry it matched
    how: str = ""  # merge: "arXiv id 2405.14867", "DOI ...", "title and first author"
    new_key: str = ""  # the key the entry has in the library after the import
    fields_added: list[str] = field(default_factory=list)
    arxiv_id: str | None = None

    def line(self) -> str:
        if self.kind == "merge":
            added = f"; adds {', '.join(self.fields_added)}" if self.fields_added else ""
            rename = f"; key {self.library_key} -> {self.new_key}" if (
                self.new_key != self.library_key) else ""  # fmt: skip
            return f"merge  {self.key} = {self.library_key} (same {self.how}){added}{rename}"
        if self.kind == "add":
            where = f" (arXiv:{self.arxiv_id})" if self.arxiv_id else ""
            rename = f" as {self.new_key}" if self.new_key != self.key else ""
            return f"add    {self.key}{rename}{where}"
        return f"skip   {self.key}: {self.how}"


@dataclass
class ImportPlan:
    actions: list[ImportAction] = field(default_factory=list)
    problems: list[bibtex.BibProblem] = field(default_factory=list)
    strings: list[String] = field(default_factory=list)  # @string definitions to add
    text: str = ""  # the new library.bib

    @property
    def key_map(self) -> list[tuple[str, str]]:
        """(user's key, library's key) for each library entry renamed to the user's key:
        the arguments of ``difbib rekey OLD NEW --tex draft.tex`` to undo the rename."""
        return [
            (a.new_key, a.library_key)
            for a in self.actions
            if a.kind == "merge" and a.library_key and a.new_key != a.library_key
        ]

    def lines(self) -> list[str]:
        return [a.line() for a in self.actions]

    def summary(self) -> str:
        n = {k: sum(1 for a in self.actions if a.kind == k) for k in ("merge", "add", "skip")}
        return f"{n['merge']} merged with papers already in the library, {n['add']} added" + (
            f", {n['skip']} skipped" if n["skip"] else ""
        )

    def arxiv_added(self) -> list[ImportAction]:
        return [a for a in self.actions if a.kind == "add" and a.arxiv_id]


def plan_import(library_path: str | Path, import_path: str | Path) -> ImportPlan:
    """What importing ``import_path`` into ``library_path`` does; nothing is written.

    ``plan.text`` is the library as it would be written.
    """
    import_path = Path(import_path)
    if not import_path.exists():
        raise DifbibError(f"{str(import_path)!r} not found")
    plan = ImportPlan()
    library = bibtex.read_bib(library_path, strict=True)
    incoming = bibtex.read_bib(import_path, problems=plan.problems, warn=False)
    resolved_lib = bibtex.resolve_entries(library)
    resolved_in = {e.key: e for e in bibtex.resolve_entries(incoming)}
    by_arxiv: dict[str, str] = {}
    by_doi: dict[str, str] = {}
    by_title: dict[tuple[str, str], str] = {}
    for e in resolved_lib:
        if aid := arxiv_id_of_entry(e):
            by_arxiv.setdefault(aid, e.key)
        if doi := doi_of_entry(e):
            by_doi.setdefault(doi, e.key)
        if ta := title_author_of_entry(e):
            by_title.setdefault(ta, e.key)

    blocks = list(library.blocks)
    entries = {b.key: b for b in blocks if isinstance(b, Entry)}
    taken = {k.lower() for k in entries}
    renamed: dict[str, str] = {}  # library key -> user key
    lib_macros = {s.key.lower(): s.value for s in library.strings}
    in_macros = bibtex.Macros(incoming.strings)
    clashing = {
        s.key.lower()
        for s in incoming.strings
        if s.key.lower() in lib_macros and lib_macros[s.key.lower()] != s.value
    }

    user_keys = {e.key.lower() for e in incoming.entries}
    for raw in incoming.entries:
        entry = resolved_in[raw.key]
        action = ImportAction("add", raw.key, arxiv_id=arxiv_id_of_entry(entry))
        match = None
        if action.arxiv_id and action.arxiv_id in by_arxiv:
            match, action.how = by_arxiv[action.arxiv_id], f"arXiv id {action.arxiv_id}"
        elif (doi := doi_of_entry(entry)) and doi in by_doi:
            match, action.how = by_doi[doi], f"DOI {doi}"
        elif (ta := title_author_of_entry(entry)) and ta in by_title:
            match, action.how = by_title[ta], "title and first author"
        if match is not None:
            action.kind, action.library_key = "merge", match
            current = entries[match]
            extra = mergeable(current, entry)
            action.fields_added = [f.key for f in extra]
            new_key = current.key
            free = raw.key.lower() not in taken - {current.key.lower()}
            # a key the user's file uses already (two entries there for one paper) stays
            if current.key.lower() not in user_keys and free:
                new_key = raw.key
            if match in renamed:  # a second imported entry for the same paper
                new_key = renamed[match]
            action.new_key = new_key
            if new_key != current.key:
                taken.discard(current.key.lower())
                taken.add(new_key.lower())
                renamed[match] = new_key
            merged = Entry(current.entry_type, new_key, [*current.fields, *extra])
            blocks[blocks.index(current)] = merged
            entries[match] = merged
        else:
            new_key = bibtex.unique_key(raw.key, taken)
            taken.add(new_key.lower())
            action.new_key = new_key
            fields = []
            for f in raw.fields:
                uses_clash = f.enclosing == "no-enclosing" and any(
                    macro and text.lower() in clashing
                    for text, macro in bibtex.value_pieces(str(f.value))
                )
                if uses_clash:  # the library defines this macro otherwise: expand it here
                    fields.append(Field(f.key, in_macros.field_text(f)))
                else:
                    fields.append(Field(f.key, f.value, enclosing=f.enclosing))
            added = Entry(raw.entry_type, new_key, fields)
            blocks.append(added)
            entries[new_key] = added
            if action.arxiv_id:
                by_arxiv.setdefault(action.arxiv_id, new_key)
            if doi := doi_of_entry(entry):
                by_doi.setdefault(doi, new_key)
        plan.actions.append(action)

    for s in incoming.strings:
        if s.key.lower() not in lib_macros:
            plan.strings.append(s)
            lib_macros[s.key.lower()] = s.value
    first_entry = next((i for i, b in enumerate(blocks) if isinstance(b, Entry)), len(blocks))
    blocks[first_entry:first_entry] = plan.strings
    plan.text = bibtex.write_bib(blocks)
    return plan


def import_bib(
    library_path: str | Path, import_path: str | Path, *, dry_run: bool = False
) -> ImportPlan:
    """Plan the import and, unless ``dry_run``, write the library (atomically)."""
    plan = plan_import(library_path, import_path)
    if not dry_run:
        atomic_write_text(Path(library_path), plan.text)
    return plan
