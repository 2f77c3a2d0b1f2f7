"""The library: ``library.bib``, how it is built from the sources, and its queries.

* :mod:`~difbib.library.latex`: LaTeX safety, capital protection, TeX to text;
* :mod:`~difbib.library.bibtex`: entries from records, reading and writing ``.bib``;
* :mod:`~difbib.library.sync`: list + arXiv + the existing library -> ``library.bib``;
* :mod:`~difbib.library.queries`: :class:`Library` and :class:`Paper`, selection;
* :mod:`~difbib.library.aux`: the keys a LaTeX document cites;
* :mod:`~difbib.library.add` and :mod:`~difbib.library.check`: editing the list, checking.

Imports only from :mod:`difbib.sources` and the foundation modules.
"""

from difbib.library.queries import Library, Paper

__all__ = ["Library", "Paper"]
