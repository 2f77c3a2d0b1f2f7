"""Reading is linear: four times the text takes about four times the time.

These tests compare two sizes of the same input, never a time with a budget: a ratio
holds on a fast machine and a slow one, busy or idle, while a quadratic reader (or a
regex that backtracks) shows as a ratio near sixteen. Times are CPU times of this
process (``time.process_time``), the best of a few runs. The budgets themselves (a list
of 100,000 sections in under 5 s) are in ``bench/reading_bench.py``, which prints the
figures.
"""

from __future__ import annotations

import time

import pytest

from difbib.sources.readinglist import parse_list
from tests.sources.listgen import hostile_lines, many_sections, mixed_list

#: Four times the input may take at most this many times as long (linear: about 4,
#: quadratic: 16).
MAX_RATIO = 6
#: Below this many seconds a time is mostly noise; it is added to the allowance.
NOISE = 0.05


def cpu_seconds(text: str, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        parse_list(text)
        best = min(best, time.process_time() - start)
    return best


def assert_linear(small: str, large: str, runs: int = 2) -> None:
    s, big = cpu_seconds(small, runs), cpu_seconds(large, runs)
    assert big < MAX_RATIO * s + NOISE, f"4x the input took {big:.3f} s against {s:.3f} s"


def test_reading_time_grows_linearly_with_the_number_of_papers():
    assert len(parse_list(mixed_list(3000)).papers) == 3000
    assert_linear(mixed_list(750), mixed_list(3000))


def test_reading_time_grows_linearly_with_the_number_of_sections():
    assert len(parse_list(many_sections(4_000)).categories) == 4_000
    assert_linear(many_sections(4_000), many_sections(16_000))


def test_the_ratio_test_catches_a_quadratic_reader(monkeypatch):
    """The test above fails on a reader that looks back over every earlier section."""
    import difbib.sources.readinglist as readinglist

    real = readinglist._heading_parents

    def quadratic(headings):  # a scan of every earlier heading, as once in _category_level
        for n in range(len(headings)):
            any(h.level > 9 for h in headings[:n])
        return real(headings)

    monkeypatch.setattr(readinglist, "_heading_parents", quadratic)
    with pytest.raises(AssertionError, match="4x the input"):
        assert_linear(many_sections(1_000), many_sections(4_000), runs=1)


@pytest.mark.parametrize(
    "name, small, large",
    [(n, s, big) for (n, s), (_, big) in zip(hostile_lines(0.25), hostile_lines(), strict=True)],
    ids=[n for n, _ in hostile_lines(0.01)],
)
def test_no_line_makes_the_reader_backtrack(name, small, large):
    assert [p.arxiv_id for p in parse_list(large).papers] == ["2401.00001"]
    assert_linear(small, large, runs=1)
