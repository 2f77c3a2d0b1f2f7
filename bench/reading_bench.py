"""How fast difbib reads reading lists: large lists, and lines built to make regexes backtrack.

Run ``python bench/reading_bench.py`` (``--quick`` skips the 100,000 sections). It
prints one row per case: its size, the seconds it took (wall clock and CPU time of
this process), and papers read per second; then whether each goal is met. The goals
(issue 15, point 7, and issue 11): a list of 3,000 papers in under 1 s, 100,000
sections in under 5 s, every hostile line in under 1 s. They are measured in CPU
seconds, the best of ``--runs`` runs, so that other work on a shared machine counts
less. The tests (``tests/sources/test_reading_speed.py``) check only that reading is
linear, by the ratio of two sizes, never a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sources.listgen import hostile_lines, many_sections, mixed_list  # noqa: E402

from difbib.sources.readinglist import parse_list  # noqa: E402

#: (case, goal in CPU seconds)
GOALS = {"3,000 papers": 1.0, "100,000 sections": 5.0, "hostile line": 1.0}


def timed(name: str, text: str, runs: int) -> float:
    """Parse ``text`` ``runs`` times; print a row with the best times; return the CPU time."""
    wall = cpu = float("inf")
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        reading = parse_list(text)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    papers = len(reading.papers)
    print(
        f"{name:<36} {len(text) / 1e6:6.2f} MB {len(reading.categories):8,d} "
        f"{papers:8,d} {wall:8.2f} {cpu:8.2f} {papers / max(cpu, 1e-9):11,.0f}"
    )
    return cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="best of this many runs (2)")
    parser.add_argument("--quick", action="store_true", help="skip 100,000 sections")
    args = parser.parse_args(argv)

    header = f"{'case':<36} {'size':>9} {'sections':>8} {'papers':>8} {'wall s':>8} "
    print(header + f"{'CPU s':>8} {'papers/s':>11}")
    worst: dict[str, float] = {}
    worst["3,000 papers"] = timed("3,000 papers, mixed layouts", mixed_list(3000), args.runs)
    sizes = (5_000, 20_000) if args.quick else (5_000, 20_000, 100_000)
    for n in sizes:
        cpu = timed(f"{n:,} sections (seed layout)", many_sections(n), args.runs)
        if n == 100_000:
            worst["100,000 sections"] = cpu
    worst["hostile line"] = max(timed(name, text, 1) for name, text in hostile_lines())

    print()
    missed = 0
    for case, goal in GOALS.items():
        if case not in worst:
            continue
        met = worst[case] < goal
        missed += not met
        print(
            f"goal: {case:<17} in under {goal:.0f} s of CPU: "
            f"{worst[case]:5.2f} s  {'met' if met else 'MISSED'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
