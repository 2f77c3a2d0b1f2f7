"""compat's fast paths decide as the slow ones they stand for.

``cs:choose`` tests a difbib ``cs:if`` / ``cs:else-if`` directly (:func:`compat._condition`)
instead of through its ``render`` and a ``ConditionFailed`` per branch not taken. Every
branch of the reference styles, on items of many types and variables, must be taken
exactly when ``If.render`` (citeproc-py's, with difbib's fix 9) takes it.
"""

from __future__ import annotations

import itertools

import pytest
from citeproc import model

from difbib.csl import compat, render
from difbib.csl.styles import resolve
from tests.helpers import ROOT

STYLES = [
    "apa",
    "chicago-author-date",
    "modern-language-association",
    "harvard-cite-them-right",
    "ieee",
    "nature",
    "difbib-compact",
]

TYPES = ["article", "article-journal", "book", "chapter", "paper-conference", "thesis", "report"]
#: optional variables; items take them in turn, so each test sees both present and absent
OPTIONAL = {
    "container-title": "Journal of Tests",
    "volume": "12",
    "issue": "3-4",
    "page": "100-123",
    "edition": "2",
    "publisher": "P",
    "DOI": "10.1/x",
    "URL": "https://example.org",
    "number": "arXiv:2401.00001",
    "editor": [{"family": "Ed", "given": "A"}],
    "language": "de",
}


def _items() -> list[dict]:
    out = []
    keys = list(OPTIONAL)
    for n, (kind, size) in enumerate(itertools.product(TYPES, range(0, len(keys) + 1, 3))):
        item = {"id": f"i{n}", "type": kind, "title": f"Title {n}"}
        if n % 2:
            item["author"] = [{"family": "Doe", "given": "Jo"}]
        item["issued"] = {"date-parts": [[2020 + n % 3]]}
        for key in keys[n % len(keys) :][:size] + keys[: max(0, size - len(keys) + n % len(keys))]:
            item[key] = OPTIONAL[key]
        out.append(item)
    return out


@pytest.mark.parametrize("name", STYLES)
def test_choose_takes_the_branches_if_render_takes(name):
    style = render.load_style(resolve(name, ROOT / "styles").path, "en-US")
    bib = render.engine(style, _items(), "text")
    branches = [e for e in style.root.iter() if isinstance(e, model.If)]
    assert branches
    layout = style.root.bibliography.layout  # the context (a position test needs one)
    for item in bib.items:
        for branch in branches:
            fast = compat._condition(branch)(branch, item, layout)
            try:
                branch.render(item, context=layout)
                slow = True
            except model.ConditionFailed:
                slow = False
            except Exception:  # taken: its children failed to render out of context
                slow = True
            assert fast == slow, (name, dict(branch.attrib), item.key)
