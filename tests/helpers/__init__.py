"""What the tests share: the project's paths, the seed's headings, and a CLI runner.

Import it as ``from tests.helpers import ...``; the local API servers are
:mod:`tests.helpers.arxiv_server` and :mod:`tests.helpers.zotero_server`. Fixtures are
in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from click.testing import CliRunner

from difbib.cli import cli

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"
SEED = DATA / "seed-list.md"  # byte for byte as received (mojibake and all)
SHIPPED_LIBRARY = ROOT / "library.bib"
SHIPPED_LIST = ROOT / "papers.md"
SHIPPED_CACHE = ROOT / "arxiv-cache.json"
SHIPPED_STATE = ROOT / ".difbib-sync.json"  # what sync wrote into the shipped library
SHIPPED_TERMS = ROOT / "protected-terms.txt"
SHIPPED_VENUE_CACHE = ROOT / "venues-cache.json"
#: The categories of the seed list, in its order.
SEED_HEADINGS = [
    "Milestone Models",
    "Inference Acceleration",
    "Model Optimization",
    "Model Distillation",
    "Reinforcement Learning",
    "Flow Matching Concepts",
    "Image Editing",
    "Personalized - ID Preserving Image Generation",
]


class Run:
    """Runs the difbib CLI in-process; returns click's Result (stdout/stderr apart).

    With ``DIFBIB_DEBUG`` set, a bug in difbib raises in the test with its traceback
    instead of becoming difbib's one-line "internal error" (pass ``DIFBIB_DEBUG=""``
    in ``env`` to see what users see).
    """

    def __init__(self, env: dict[str, str] | None = None):
        self.env = {"DIFBIB_DEBUG": "1", **(env or {})}

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        runner = CliRunner()
        return runner.invoke(
            cli, list(args), input=input, env={**self.env, **(env or {})}, catch_exceptions=False
        )


def as_preprints(library: Path) -> None:
    """Rewrite a library with every published entry turned back into its arXiv @misc.

    For tests about how preprints come out: the shipped library has published entries.
    """
    from difbib.library import bibtex
    from difbib.library.published import as_preprint

    lib = bibtex.read_bib(library)
    blocks = [as_preprint(b) if b in lib.entries else b for b in lib.blocks]
    library.write_text(bibtex.write_bib(blocks), encoding="utf-8")


#: Semantic Scholar and DBLP are never asked for real: a closed local port by default.
NO_VENUE_NETWORK = {
    "DIFBIB_S2_URL": "http://127.0.0.1:9/graph/v1",
    "DIFBIB_DBLP_URL": "http://127.0.0.1:9",
    "DIFBIB_VENUES_DELAY": "0",
    "DIFBIB_VENUES_BACKOFF": "0",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a difbib child process: no DIFBIB_* settings of the caller's
    (but the test's own user folders),
    the venue services pointed at a closed port (no test reaches the network), then ``extra``."""
    keep = ("DIFBIB_CACHE_DIR", "DIFBIB_CONFIG_DIR", "DIFBIB_RENDER_CACHE_DIR")  # test folders
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIFBIB_") or k in keep}
    return {**env, **NO_VENUE_NETWORK, **extra}


def default_sigint() -> None:
    """``preexec_fn`` for a child that must see Ctrl-C even when the test runner was started
    in the background (where the shell ignores SIGINT, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
