"""The README stays true: its category table and its test command."""

from __future__ import annotations

import re

from difbib.sources.readinglist import read_list
from tests.helpers import ROOT, SHIPPED_LIST

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_category_table_matches_the_shipped_list():
    table = re.search(r"^\| heading \| slug \| also found by \|\n(?:\|.*\n)+", README, re.M)
    assert table, "category table not found"
    rows = re.findall(r"^\| ([^|]+?) \| `([^`]+)` \| (.*?) \|$", table.group(0), re.M)
    assert rows, "category table not found"
    documented = {heading: (slug, re.findall(r"`([^`]+)`", also)) for heading, slug, also in rows}
    for cat in read_list(SHIPPED_LIST).categories:
        slug, also = documented[cat.heading]
        assert slug == cat.slug
        assert set(also) <= set(cat.aliases)
    assert len(documented) == 8


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(b for b in blocks if "pytest" in b and "[test]" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci
