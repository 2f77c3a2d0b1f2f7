"""CSL-JSON: the citation data that citeproc-js, citeproc-py, pandoc and Zotero read.

:func:`to_csl_items` turns library papers into items valid against the CSL-JSON
schema (``csl-data.json``, v1.0). The type and field mapping is
:mod:`difbib.library.datamodel`'s (``docs/mapping.md``), shared with RIS and Zotero:

- ``@inproceedings`` is ``paper-conference``, ``@article`` ``article-journal``, ...,
  with ``container-title``, ``volume``, ``issue``, ``page``, ``publisher``, ``editor``.
- An arXiv preprint is ``type: "article"`` (CSL 1.0.2's preprint type), with
  ``publisher: "arXiv"``, ``number: "arXiv:<id>"`` (Zotero's "Archive ID"), the
  arXiv DOI and URL. (No ``archive``/``archive_location``: Zotero leaves them empty
  for preprints, and APA would print them as a second "arXiv (<id>)".)
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
  ``custom.rating``, the schema's place for data without a CSL variable, and a name
  list that ended in BibTeX's ``and others`` sets ``custom.author-et-al`` (or
  ``editor-et-al``): CSL has no name for it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from difbib.library.datamodel import csl_name, csl_names, csl_variables
from difbib.library.latex import tex_to_text
from difbib.library.queries import Paper

__all__ = ["csl_name", "csl_names", "tex_to_text", "to_csl_item", "to_csl_items"]


#: BibTeX fields that feed only one CSL variable: when a style never names the
#: variable, the field need not be converted at all (an abstract is the longest
#: TeX of an entry, and APA never prints it).
ONLY_FEEDS = {"abstract": "abstract"}


def to_csl_item(paper: Paper, omit: Collection[str] = ()) -> dict[str, Any]:
    """One paper as a CSL-JSON item (the mapping is :mod:`difbib.library.datamodel`'s).

    ``omit``: CSL variables left out (only those of :data:`ONLY_FEEDS` save work).
    """
    fields = {f.key: f.value for f in reversed(paper.entry.fields)}
    for field, variable in ONLY_FEEDS.items():
        if variable in omit:
            fields.pop(field, None)
    item: dict[str, Any] = {"id": paper.key, **csl_variables(paper.entry.entry_type, fields)}
    if paper.categories:
        # a file's own keywords may be TeX (``Fr{\"u}hdruck``), over several lines
        categories = [tex_to_text(c) for c in paper.categories]
        item["categories"] = categories
        item["keyword"] = ", ".join(categories)
    if paper.rating is not None:
        item["custom"] = {**item.get("custom", {}), "rating": paper.rating}
    return item


def to_csl_items(papers: Sequence[Paper], omit: Collection[str] = ()) -> list[dict[str, Any]]:
    """The papers as CSL-JSON items, in the given order (``omit``: see :func:`to_csl_item`)."""
    return [to_csl_item(p, omit) for p in papers]
