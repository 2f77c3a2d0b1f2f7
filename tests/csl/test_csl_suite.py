"""The official CSL processor test suite, through difbib's layer and through plain citeproc-py.

Reads ``../shared/csl-test-suite`` (see :mod:`tests.csl.csl_suite` for how fixtures
are scored) and skips when it is absent. Two guarantees:

- difbib's score never falls: :data:`FLOOR` is the score reached so far; raise it
  when a fix makes more fixtures pass, never lower it;
- no fixture that passed stops passing: ``csl_suite_passing.txt`` lists them, one
  name a line (``python -m tests.csl.csl_suite difbib --passing`` prints the list);
- no fixture that plain citeproc-py passes fails with difbib's layer.

``python -m tests.csl.csl_suite difbib -v`` shows what the failing fixtures give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.csl import csl_suite

#: difbib's score (of 842 scored fixtures); it may only rise.
FLOOR = 764

#: The fixtures that pass with difbib's layer; a fix adds names, nothing removes one.
PASSING = Path(__file__).with_name("csl_suite_passing.txt")

pytestmark = pytest.mark.skipif(
    not csl_suite.available(), reason=f"the CSL test suite is not in {csl_suite.SUITE}"
)


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {"plain": {}, "difbib": {}}
    for fixture in csl_suite.fixtures():
        for engine in out:
            out[engine][fixture.name] = csl_suite.passes(fixture, engine)
    return out


def test_difbib_score_does_not_fall(results):
    passed = sum(results["difbib"].values())
    assert passed >= FLOOR, f"{passed} / {len(results['difbib'])} pass; the floor is {FLOOR}"


def test_no_fixture_that_passed_fails(results):
    expected = PASSING.read_text(encoding="utf-8").split()
    assert len(expected) >= FLOOR
    assert sorted(n for n in expected if not results["difbib"].get(n)) == []


def test_no_fixture_plain_citeproc_passes_fails_with_difbib(results):
    regressions = sorted(n for n, ok in results["plain"].items() if ok and not results["difbib"][n])
    assert regressions == []


def test_the_suite_is_all_there(results):
    # the scorer counts every fixture but the raw-date ones; a parser change must not lose any
    assert len(results["difbib"]) == 842
