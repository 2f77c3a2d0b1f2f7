"""Outputs: what the library becomes for its readers.

* :mod:`~difbib.outputs.export`: BibTeX, biblatex, RIS and CSL-JSON files;
* :mod:`~difbib.outputs.listing`: tables and JSON for ``difbib list`` and ``categories``.
"""
