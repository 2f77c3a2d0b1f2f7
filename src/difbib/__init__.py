"""difbib: a canonical BibTeX library of diffusion and flow-matching papers.

The core is usable without the command line::

    from difbib.library.sync import sync
    result = sync("papers.md", "library.bib", "arxiv-cache.json", offline=True)
"""

__version__ = "0.1.0"
