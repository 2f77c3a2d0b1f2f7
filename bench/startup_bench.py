"""Benchmark: how long ``difbib --help`` takes against a bare ``python -c pass``.

    python bench/startup_bench.py [--runs 15]

Both are whole processes started by this script, alternating, the median of
``--runs`` each; ``difbib`` is the console script next to this Python (the command
users type), or ``python -c "from difbib import main; main()"`` without one. Prints
the medians, the ratio and the goal of issue 12 (at most 6x); asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from difbib_runner import add_before_option, difbib_command

GOAL_RATIO = 6.0


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    add_before_option(parser)
    args = parser.parse_args()
    commands = {"difbib --help": [*difbib_command(), "--help"]}
    if args.before:
        commands[f"difbib --help, {args.before}"] = [*difbib_command(args.before), "--help"]
    commands["python -c pass"] = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():
        wall(cmd)  # warm the file cache and the .pyc files
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(wall(cmd))
    medians = {name: statistics.median(t) for name, t in times.items()}
    b = medians["python -c pass"]
    print(f"median of {args.runs} whole processes each, alternating")
    for name, m in medians.items():
        print(f"  {name:40s} {m * 1000:7.1f} ms  {m / b:5.2f}x")
    o = medians["difbib --help"]
    verdict = "met" if o / b <= GOAL_RATIO else "NOT met"
    print(f"  goal: difbib --help at most {GOAL_RATIO:.0f}x python -c pass ({verdict})")


if __name__ == "__main__":
    main()
