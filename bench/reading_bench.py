"""How fast difbib reads reading lists: large lists, and lines built to make regexes backtrack.

Run ``python bench/reading_bench.py``; it prints one line per case (the time to parse
the text, and what was found). The budgets (issue 15, point 7, and issue 11): a list of
3,000 papers in under 1 s, 100,000 sections in under 5 s, and every hostile line in
well under a second. The same cases, with those budgets, are in
``tests/sources/test_reading_speed.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sources.listgen import hostile_lines, many_sections, mixed_list  # noqa: E402

from difbib.sources.readinglist import parse_list  # noqa: E402


def timed(name: str, text: str) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    reading = parse_list(text)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{name:<42} {len(text) / 1e6:7.2f} MB  {took:6.2f} s ({cpu:5.2f} s CPU)  "
        f"{len(reading.papers):6d} papers  {len(reading.categories):6d} categories"
    )


def main() -> None:
    timed("3,000 papers, mixed layouts", mixed_list(3000))
    for n in (5_000, 20_000, 100_000):
        timed(f"{n:,} sections (seed layout)", many_sections(n))
    for name, text in hostile_lines():
        timed(name, text)


if __name__ == "__main__":
    main()
