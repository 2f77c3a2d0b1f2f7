"""Benchmark: ``difbib format`` on 2,000 entries against citeproc-js, in the same run.

    python bench/format_bench.py [--entries 2000] [--style apa[,chicago-author-date,...]]
                                 [--lookalike]

``--lookalike``: the shipped ``library.bib`` replicated to ``--entries`` with fresh
keys (same authors, titles, years, abstracts), so that nearly every cite has
look-alikes and disambiguation does most of the work; difbib runs as a user runs it,
``difbib format --style STYLE --library library.bib``. Without it, the synthetic
arXiv items of ``bench/synthetic.py`` (CSL-JSON, there is no .bib) go to
:func:`difbib.csl.render.cached_bibliography` in a fresh process.

Every figure is the wall time of a fresh process, start-up included, with its CPU
time (user + system, the processes it forks included) beside it:

- citeproc-js: ``node tools/citeproc_js.js`` on the same CSL-JSON items (needs the
  npm package, see ``.ci/run``);
- difbib cold, one process: a new Python process, empty render cache,
  ``DIFBIB_JOBS=1``;
- difbib cold: the same, rendering entries in as many processes as difbib uses by
  default (one per CPU core, :mod:`difbib.csl.workers`); it must print what one
  process prints;
- difbib warm: the same again, nothing changed (entries from the cache);
- difbib one changed: one entry's title changed (that entry re-rendered).

It also counts the entries both processors print identically, and prints each
figure beside the goal of issue 12. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import citeproc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from synthetic import synthetic_items  # noqa: E402

from difbib.csl import workers  # noqa: E402
from difbib.csl.styles import resolve  # noqa: E402

RENDER = """
import json, sys
from pathlib import Path
from difbib.csl import render
from difbib.csl.rendercache import RenderCache
items_path, style_path, cache_dir, out_path = sys.argv[1:5]
items = json.loads(Path(items_path).read_text())
cache = RenderCache(Path(cache_dir), Path(style_path), "en-US", "text")
result = render.cached_bibliography(items, style_path, "en-US", "text", cache)
cache.save()
Path(out_path).write_text(json.dumps(result.entries))
"""

CLI = "import sys; from difbib import main; sys.argv[0] = 'difbib'; main()"

#: Issue 12's goals: (figure, against, at most).
GOALS = {
    True: {"cold": 1.0, "warm": 0.10, "one": 0.3, "identical": 1990 / 2000},
    False: {"cold": 0.8},
}


def replicated_bib(n: int) -> str:
    """The shipped library.bib's entries, replicated to ``n`` with fresh keys."""
    text = (ROOT / "library.bib").read_text(encoding="utf-8")
    blocks = [b for b in re.split(r"\n(?=@)", text) if re.match(r"@(?!comment)\w+\{", b, re.I)]
    out = []
    for k in range(n):
        block = blocks[k % len(blocks)]
        out.append(re.sub(r"^(@\w+\{)([^,\s]+),", rf"\g<1>\g<2>-{k},", block, count=1))
    return "\n".join(b.rstrip() + "\n" for b in out)


class Timing(NamedTuple):
    """A whole process's wall time and CPU time (user + system, its children's too)."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], **kwargs) -> tuple[Timing, subprocess.CompletedProcess]:
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.strip()[-500:]}")
    return Timing(elapsed, _children_cpu() - cpu), proc


def citeproc_js(items: list[dict], style_path: Path) -> tuple[Timing, list[str]] | None:
    """citeproc-js's time (whole process) and bibliography, or None if not installed."""
    modules = Path(os.environ.get("CITEPROC_JS_PATH", ROOT / ".node" / "node_modules"))
    if not (modules / "citeproc").is_dir():
        print(f"citeproc-js: not installed in {modules}; skipped")
        return None
    locale = Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml"
    payload = {
        "style": style_path.read_text(encoding="utf-8"),
        "locale": locale.read_text(encoding="utf-8"),
        "items": items,
    }
    timing, proc = timed(
        ["node", str(ROOT / "tools" / "citeproc_js.js")],
        input=json.dumps(payload),
        env={**os.environ, "CITEPROC_JS_PATH": str(modules)},
    )
    return timing, json.loads(proc.stdout)["bibliography"]


def run_lookalike(n: int, style, tmp: Path) -> tuple[dict[str, Timing], list[str], list[dict]]:
    """difbib format on the replicated library: figures, entries, the CSL-JSON items."""
    from difbib.csl.csljson import to_csl_items
    from difbib.library.queries import Library

    bib = tmp / "library.bib"
    original = replicated_bib(n)
    bib.write_text(original, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DIFBIB_RENDER_CACHE_DIR": str(tmp / "cache"),
    }
    run = [sys.executable, "-c", CLI, "format", "--style", str(style.path), "--library", str(bib)]
    figures = {}
    alone = {**env, "DIFBIB_JOBS": "1", "DIFBIB_RENDER_CACHE_DIR": str(tmp / "cache1")}
    figures["alone"], proc = timed(run, env=alone, cwd=tmp)
    alone_out = proc.stdout
    figures["cold"], proc = timed(run, env=env, cwd=tmp)
    assert proc.stdout == alone_out, "one process and several print different entries"
    ours = proc.stdout.splitlines()
    figures["warm"], proc = timed(run, env=env, cwd=tmp)
    assert proc.stdout.splitlines() == ours, "warm output differs from cold"
    # one entry's title changed, half-way through the file
    blocks = original.split("\n@")
    half = len(blocks) // 2
    blocks[half] = re.sub(r"(\btitle\s*=\s*\{)", r"\1Revisited: ", blocks[half], count=1)
    bib.write_text("\n@".join(blocks), encoding="utf-8")
    figures["one"], _ = timed(run, env=env, cwd=tmp)
    bib.write_text(original, encoding="utf-8")
    items = to_csl_items(Library.load(bib).papers)
    return figures, ours, items


def run_synthetic(n: int, style, tmp: Path) -> tuple[dict[str, Timing], list[str], list[dict]]:
    """cached_bibliography on the synthetic items: figures, entries, the items."""
    items = synthetic_items(n)
    items_path = tmp / "items.json"
    items_path.write_text(json.dumps(items))
    out_path = tmp / "out.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = [sys.executable, "-c", RENDER, str(items_path), str(style.path), str(tmp / "cache")]
    run.append(str(out_path))
    figures = {}
    alone = [*run[:5], str(tmp / "cache1"), str(out_path)]
    figures["alone"], _ = timed(alone, env={**env, "DIFBIB_JOBS": "1"})
    alone_out = json.loads(out_path.read_text())
    figures["cold"], _ = timed(run, env=env)
    ours = json.loads(out_path.read_text())
    assert ours == alone_out, "one process and several print different entries"
    figures["warm"], _ = timed(run, env=env)
    assert json.loads(out_path.read_text()) == ours, "warm output differs from cold"
    changed = [dict(i) for i in items]
    changed[n // 2]["title"] = "Revisited: " + changed[n // 2]["title"]
    items_path.write_text(json.dumps(changed))
    figures["one"], _ = timed(run, env=env)
    return figures, ours, items


def report(n: int, figures: dict[str, Timing], ours: list[str], js, goals: dict) -> None:
    def line(label: str, timing: Timing, note: str = "") -> None:
        ms = timing.wall * 1000
        cpu = f"CPU {timing.cpu:5.1f} s"
        print(f"  {label:34s} {ms:8.0f} ms {ms / n:6.2f} ms/entry  {cpu}{note}")

    def ratio(name: str, value: float, against: str) -> str:
        goal = f", goal at most {goals[name]:.2f}x" if name in goals else ""
        return f"  {value:.3f}x {against}{goal}"

    jobs = workers.jobs()
    labels = {
        "alone": "difbib cold, one process",
        "cold": f"difbib cold ({jobs} process{'es' if jobs > 1 else ''})",
        "warm": "difbib warm (nothing changed)",
        "one": "difbib one entry changed",
    }
    if js is None:
        for name, timing in figures.items():
            line(labels[name], timing)
        return
    js_time, js_entries = js
    line("citeproc-js (node, incl. start)", js_time)
    alone = ratio("alone", figures["alone"].wall / js_time.wall, "citeproc-js")
    line(labels["alone"], figures["alone"], alone)
    cold = ratio("cold", figures["cold"].wall / js_time.wall, "citeproc-js")
    line(labels["cold"], figures["cold"], cold)
    warm = ratio("warm", figures["warm"].wall / js_time.wall, "citeproc-js")
    line(labels["warm"], figures["warm"], warm)
    one = ratio("one", figures["one"].wall / figures["cold"].wall, "cold")
    line(labels["one"], figures["one"], one)
    same = sum(a == b for a, b in zip(js_entries, ours, strict=False))
    want = f" (goal at least {goals['identical'] * n:.0f})" if "identical" in goals else ""
    print(f"  identical to citeproc-js: {same}/{len(js_entries)} entries{want}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--style", default="apa", help="a style, or several, comma separated")
    parser.add_argument("--lookalike", action="store_true", help="replicated shipped entries")
    args = parser.parse_args()
    n = args.entries
    kind = "look-alike (shipped library.bib, replicated)" if args.lookalike else "synthetic arXiv"
    for name in args.style.split(","):
        style = resolve(name, ROOT / "styles")
        print(f"{n} {kind} entries, style {style.name}, locale en-US")
        with tempfile.TemporaryDirectory() as tmp:
            run = run_lookalike if args.lookalike else run_synthetic
            figures, ours, items = run(n, style, Path(tmp))
        js = citeproc_js(items, style.path)
        goals = GOALS[args.lookalike] if style.name == "apa" else {}
        report(n, figures, ours, js, goals)


if __name__ == "__main__":
    main()
