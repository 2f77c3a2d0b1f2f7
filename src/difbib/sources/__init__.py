"""Sources: where papers come from, before they are BibTeX.

* :mod:`~difbib.sources.readinglist`: the Markdown reading list (sections, ratings, links);
* :mod:`~difbib.sources.ids`: arXiv identifiers in links and text;
* :mod:`~difbib.sources.record`: :class:`~difbib.sources.record.ArxivRecord`, what arXiv says;
* :mod:`~difbib.sources.arxiv`: the arXiv API client (batches, title search, retries);
* :mod:`~difbib.sources.cache`: ``arxiv-cache.json``, so a second run asks nothing.

Nothing here imports from the later stages (library, csl, zotero, outputs).
"""
