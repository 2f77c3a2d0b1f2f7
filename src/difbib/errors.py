"""Errors that difbib reports to its users.

Every error a user can cause (a bad id, an unknown category, a broken ``.bib``,
an unreachable arXiv) is a :class:`DifbibError`. Its message is one line that says
what is wrong and what to do; the CLI prints it as ``error: <message>`` and exits
with :attr:`ExitCode.ERROR`, without a traceback. Any other exception is a bug in
difbib: the CLI says so in one line (exit :attr:`ExitCode.BUG`) and shows the
traceback with ``--debug``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code of the ``difbib`` command, each with one meaning."""

    #: Done (also when a selection matches nothing).
    OK = 0
    #: An error the user can fix; one ``error:`` line on stderr says which.
    ERROR = 1
    #: A usage error: an unknown option, a bad option value (click's own code).
    USAGE = 2
    #: ``sync`` (and ``add``) wrote the library, but some papers could not be resolved.
    UNRESOLVED = 3
    #: ``zotero push`` finished, but some items were skipped (conflicts) or failed.
    ZOTERO_INCOMPLETE = 4
    #: ``check`` found problems in the library (listed on stdout).
    PROBLEMS = 5
    #: A bug in difbib (an unexpected exception); please report it.
    BUG = 70  # EX_SOFTWARE in BSD's sysexits.h
    #: Interrupted by Ctrl-C (128 + SIGINT, as a shell reports it); one line on stderr.
    INTERRUPTED = 130


class DifbibError(Exception):
    """A problem the user can fix; ``str(err)`` is a one-line message."""

    exit_code: int = ExitCode.ERROR


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


class BibWarning(UserWarning):
    """A problem in a ``.bib`` file that difbib works around by a documented rule
    (see :func:`difbib.library.bibtex.parse_bib`); the CLI prints it as one
    ``warning:`` line."""
