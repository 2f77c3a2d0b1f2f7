"""Reading is linear: big lists are fast, and no line makes a regex backtrack.

Times are CPU times of this process (``time.process_time``), the best of a few runs,
so that other work on a shared machine does not make the tests flaky.
``bench/reading_bench.py`` prints the same figures, with 100,000 sections.
"""

from __future__ import annotations

import time

import pytest

from difbib.sources.readinglist import parse_list
from tests.sources.listgen import hostile_lines, many_sections, mixed_list


def cpu_seconds(text: str, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        parse_list(text)
        best = min(best, time.process_time() - start)
    return best


def test_a_list_of_3000_papers_reads_in_under_a_second():
    text = mixed_list(3000)
    assert len(parse_list(text).papers) == 3000
    assert cpu_seconds(text) < 1.0


def test_reading_time_grows_linearly_with_the_number_of_sections():
    small, large = cpu_seconds(many_sections(4_000)), cpu_seconds(many_sections(16_000))
    # Four times the sections: about four times the time (quadratic would be sixteen).
    assert large < 6 * small, (small, large)
    assert large < 3.0  # 100,000 sections: about 5 s on a loaded machine, 3 s on an idle one


@pytest.mark.parametrize("name, text", hostile_lines(), ids=[n for n, _ in hostile_lines()])
def test_no_line_makes_the_reader_backtrack(name, text):
    assert cpu_seconds(text, runs=1) < 1.0
    assert [p.arxiv_id for p in parse_list(text).papers] == ["2401.00001"]
