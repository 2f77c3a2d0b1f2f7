"""How the bench scripts start difbib as a whole process, and their ``--before`` option.

Imported by the scripts of this folder (each puts ``bench/`` on ``sys.path`` by being
run from it), so that they start difbib, and an older checkout's difbib, one way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def difbib_command(src: Path | None = None, script: bool = True) -> list[str]:
    """The command that runs difbib with this Python.

    With ``script``, the ``difbib`` console script next to this Python when there is
    one (the command users type). Otherwise, or for the difbib in ``src`` (the
    ``src`` folder of another checkout, for ``--before``), ``python -c`` importing
    :func:`difbib.main`."""
    exe = Path(sys.executable).with_name("difbib")
    if script and src is None and exe.exists():
        return [str(exe)]
    path = f"sys.path.insert(0, {str(src)!r}); " if src else ""
    return [sys.executable, "-c", f"import sys; {path}from difbib import main; sys.exit(main())"]


def add_before_option(parser: argparse.ArgumentParser) -> None:
    """``--before SRC``: also time the difbib in another checkout's ``src``, same run."""
    parser.add_argument(
        "--before",
        type=Path,
        metavar="SRC",
        help="also time the difbib in this src folder (e.g. of main), in the same run",
    )
