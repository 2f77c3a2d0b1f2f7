"""Errors that difbib reports to its users.

Every error a user can cause (a bad id, an unknown category, a broken ``.bib``,
an unreachable arXiv) is a :class:`DifbibError`. Its message is one line that says
what is wrong and what to do; the CLI prints it as ``error: <message>`` and exits
non-zero, without a traceback.
"""

from __future__ import annotations


class DifbibError(Exception):
    """A problem the user can fix; ``str(err)`` is a one-line message."""

    exit_code = 1


class ListError(DifbibError):
    """The curated reading list cannot be read."""


class BibError(DifbibError):
    """A ``.bib`` file cannot be read or written."""


class FetchError(DifbibError):
    """arXiv could not be reached or answered badly, even after retries."""


class OfflineError(DifbibError):
    """``--offline`` was asked for but the cache lacks some papers."""


class SelectionError(DifbibError):
    """A selector (category, key, style, ...) names nothing that exists."""
