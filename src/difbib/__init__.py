"""difbib: a canonical BibTeX library of diffusion and flow-matching papers.

The core is usable without the command line::

    from difbib.library.sync import sync
    result = sync("papers.md", "library.bib", "arxiv-cache.json", offline=True)
"""

__version__ = "0.1.0"


def main() -> None:
    """The ``difbib`` command: the CLI, with Ctrl-C at any moment one line, exit 130.

    It lives here, not in :mod:`difbib.cli`, so that a Ctrl-C while the command line's
    modules are still being imported is caught too.
    """
    import sys

    try:
        from difbib.cli import main as run_cli

        run_cli()
    except KeyboardInterrupt:
        sys.stderr.write("difbib: interrupted\n")
        sys.exit(130)
