"""CSL-JSON: the citation data that citeproc-js, citeproc-py, pandoc and Zotero read.

:func:`to_csl_items` turns library papers into items valid against the CSL-JSON
schema (``csl-data.json``, v1.0). Choices, following how Zotero exports a preprint:

- An arXiv paper is ``type: "article"`` (CSL 1.0.2's preprint type), with
  ``publisher: "arXiv"``, ``number: "arXiv:<id>"`` (Zotero's "Archive ID"), the
  arXiv DOI and URL. (No ``archive``/``archive_location``: Zotero leaves them empty
  for preprints, and APA would print them as a second "arXiv (<id>)".)
  A library entry that is not an arXiv paper keeps ``type: "article"`` without
  those fields.
- Titles and abstracts are TeX in ``library.bib``; CSL wants plain text, so they go
  through pylatexenc's ``latex2text`` (``{FLUX}.1`` becomes ``FLUX.1``, ``63\\%``
  becomes ``63%``, ``$3\\times$`` becomes ``3×``). Brace protection is dropped: the
  styles used here do not change title case, and the two processors disagree on
  case-protecting markup, so none is emitted.
- Authors are split into ``family``/``given`` (with ``non-dropping-particle`` for
  "van", "de la", ...); group authors (``{Black Forest Labs}``) become
  ``{"literal": ...}``.
- Categories go in ``categories`` (the schema's list) and in ``keyword``
  (comma separated; Zotero imports it as tags). The rating (1-5) goes in
  ``custom.rating``, the schema's place for data without a CSL variable.
"""

from __future__ import annotations

from typing import Any

from difbib.library.bibtex import person, split_authors
from difbib.library.latex import tex_to_text
from difbib.library.queries import Paper
from difbib.sources.ids import is_arxiv_id


def csl_name(name: str) -> dict[str, str]:
    """One BibTeX author name as a CSL name object."""
    p = person(name)
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
    """A BibTeX ``author`` value as a list of CSL names."""
    return [csl_name(n) for n in split_authors(value)]


def to_csl_item(paper: Paper) -> dict[str, Any]:
    """One paper as a CSL-JSON item (see the module docstring for the mapping)."""
    item: dict[str, Any] = {"id": paper.key, "type": "article"}
    authors = paper.get("author")
    if authors:
        item["author"] = csl_names(authors)
    if paper.title:
        item["title"] = tex_to_text(paper.title)
    if paper.year is not None:
        item["issued"] = {"date-parts": [[paper.year]]}
    eprint = (paper.eprint or "").strip()
    archive = (paper.get("archivePrefix") or "").strip().lower()
    if eprint and (archive == "arxiv" or (not archive and is_arxiv_id(eprint))):
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{paper.arxiv_id or eprint}"
    doi = paper.get("doi")
    if doi:
        item["DOI"] = doi.strip()
    url = paper.get("url")
    if url:
        item["URL"] = url.strip()
    abstract = paper.get("abstract")
    if abstract:
        item["abstract"] = tex_to_text(abstract)
    if paper.categories:
        item["categories"] = list(paper.categories)
        item["keyword"] = ", ".join(paper.categories)
    if paper.rating is not None:
        item["custom"] = {"rating": paper.rating}
    return item


def to_csl_items(papers: list[Paper]) -> list[dict[str, Any]]:
    """The papers as CSL-JSON items, in the given order."""
    return [to_csl_item(p) for p in papers]
