"""Benchmark: ``difbib export --category distillation`` on a 10,000-entry library.

    python bench/export_bench.py [--entries 10000] [--runs 5]

The library is the shipped ``library.bib`` replicated to ``--entries`` entries with
fresh keys and fresh arXiv ids (``eprint``, ``doi`` and ``url`` follow), abstracts
kept; the reading list is the shipped ``papers.md``, so the categories are real.

Every figure is a whole process (start-up included), the median of ``--runs`` runs,
with the peak resident memory of that process (``os.wait4``'s rusage of the child).
difbib's modules are compiled to bytecode first, as an installed package (and any
second run) has them: where ``PYTHONDONTWRITEBYTECODE`` is set, every run would
otherwise compile them anew, a cost no user pays twice (the peer's modules come
compiled with their install).

- difbib: ``difbib export --category distillation`` of that library;
- the peer, measured in the same run: bibtexparser on its own,
  ``bibtexparser.parse_file`` + ``bibtexparser.write_string`` of the same file.

Prints figures beside the goals of issue 12 (under 1.0 s, at most 150 MB); asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from difbib_runner import add_before_option, difbib_command

ROOT = Path(__file__).resolve().parent.parent

#: The goals of issue 12 for this command.
GOAL_SECONDS = 1.0
GOAL_RSS_MB = 150

PEER = """
import sys, bibtexparser
library = bibtexparser.parse_file(sys.argv[1])
bibtexparser.write_string(library)
"""

_ENTRY = re.compile(r"^@(\w+)\{([^,\s]+),", re.M)


def replicated_library(source: str, n: int) -> str:
    """``source``'s entries repeated to ``n`` entries, each with a fresh key and arXiv id.

    Works on the text (no parser involved, so the file is the same whatever difbib's
    reader does): entry ``k`` of the output is a copy of entry ``k mod m`` of the
    source, its key suffixed with ``x{k}`` and every occurrence of its eprint replaced
    by ``YYMM.{k:05d}`` (same year and month, so the id stays valid).
    """
    starts = [m.start() for m in _ENTRY.finditer(source)]
    head = source[: starts[0]] if starts else source
    ends = [*starts[1:], len(source)]
    blocks = [source[a:b].rstrip() + "\n" for a, b in zip(starts, ends, strict=True)]
    out = [head]
    for k in range(n):
        block = blocks[k % len(blocks)]
        m = _ENTRY.match(block)
        assert m
        block = block.replace(m.group(0), f"@{m.group(1)}{{{m.group(2)}x{k},", 1)
        eprint = re.search(r"eprint\s*=\s*\{([^}]*)\}", block)
        if eprint:
            old = eprint.group(1)
            block = block.replace(old, f"{old[:4]}.{k:05d}")
        out.append(block + "\n")
    return "".join(out)


def run_rss(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float, bytes]:
    """Wall seconds, CPU seconds, peak RSS (MB) and stdout of one process (which must
    succeed). CPU time (user + system) is less disturbed by other work on the machine."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:3])} failed: {err.read().decode()[-500:]}")
        rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
        return elapsed, usage.ru_utime + usage.ru_stime, rss_mb, out.read()


def measure(
    cmd: list[str], runs: int, cwd: Path | None = None
) -> tuple[float, float, float, bytes]:
    """Median wall and CPU seconds, largest peak RSS (MB) and the stdout of ``runs`` runs."""
    times, cpus, peaks, output = [], [], [], b""
    for _ in range(runs):
        seconds, cpu, rss, output = run_rss(cmd, cwd)
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(rss)
    return statistics.median(times), statistics.median(cpus), max(peaks), output


def compile_bytecode(src: Path) -> None:
    """Compile the ``difbib`` package in ``src`` to bytecode (``__pycache__``), as
    installing it does."""
    compileall.compile_dir(src / "difbib", quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--category", default="distillation")
    add_before_option(parser)
    args = parser.parse_args()
    import difbib

    compile_bytecode(Path(difbib.__file__).parent.parent)
    if args.before:
        compile_bytecode(args.before)
    source = (ROOT / "library.bib").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        library = tmp / "library.bib"
        library.write_text(replicated_library(source, args.entries), encoding="utf-8")
        papers = tmp / "papers.md"
        papers.write_text((ROOT / "papers.md").read_text(encoding="utf-8"), encoding="utf-8")
        size = library.stat().st_size / 1e6
        print(
            f"{args.entries} entries ({size:.1f} MB), median of {args.runs} whole processes "
            "(bytecode compiled first)"
        )
        command = ["export", "--category", args.category, "--library", str(library)]
        command += ["--list", str(papers)]
        # (python -c, not the console script: --before has no script of its own)
        difbib_cmd = [*difbib_command(script=False), *command]
        seconds, cpu, rss, output = measure(difbib_cmd, args.runs, cwd=tmp)
        exported = output.count(b"@") - output.count(b"@comment")
        peer = [sys.executable, "-c", PEER, str(library)]
        peer_s, peer_cpu, peer_rss, _ = measure(peer, args.runs)
        if args.before:
            before_cmd = [*difbib_command(args.before, script=False), *command]
            before = measure(before_cmd, args.runs, cwd=tmp)
            if before[3] != output:
                print("  NOTE: --before exported something else")
    print(f"  {'':42s} {'wall s':>7s} {'CPU s':>7s} {'peak RSS':>10s}")
    name = "difbib export --category " + args.category
    print(f"  {name:42s} {seconds:7.3f} {cpu:7.3f} {rss:7.0f} MB")
    if args.before:
        name = f"  the same, {args.before}"
        print(f"  {name:42s} {before[0]:7.3f} {before[1]:7.3f} {before[2]:7.0f} MB")
    name = "bibtexparser parse_file + write_string"
    print(f"  {name:42s} {peer_s:7.3f} {peer_cpu:7.3f} {peer_rss:7.0f} MB")
    print(f"  exported {exported} entries; difbib / bibtexparser: {seconds / peer_s:.2f}")
    ok_time = "met" if seconds < GOAL_SECONDS else "NOT met"
    ok_rss = "met" if rss <= GOAL_RSS_MB else "NOT met"
    print(f"  goal: under {GOAL_SECONDS:.1f} s ({ok_time}), at most {GOAL_RSS_MB} MB ({ok_rss})")


if __name__ == "__main__":
    main()
