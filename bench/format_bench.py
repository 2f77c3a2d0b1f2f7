"""Benchmark: 2,000 entries in APA, difbib (citeproc-py) against citeproc-js.

    python bench/format_bench.py [--entries 2000] [--style apa] [--lookalike]

``--lookalike``: instead of synthetic entries, the shipped library's entries
replicated with fresh ids (same authors, titles and years), so that nearly every
cite has look-alikes and disambiguation does most of the work.

Every figure is the wall time of a fresh process, start-up included, as a user
meets it:

- citeproc-js: ``node tools/citeproc_js.js`` (needs the npm package, see
  ``.ci/run``);
- difbib cold: a new Python process, empty render cache;
- difbib warm: the same again, library and style unchanged (entries from the cache);
- difbib one changed: one entry's title changed (that entry re-rendered).

It also checks that both processors printed the same entries. Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import citeproc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from synthetic import synthetic_items  # noqa: E402

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


def lookalike_items(n: int) -> list[dict]:
    """The shipped library's CSL-JSON items, replicated to ``n`` with fresh ids."""
    from difbib.csl.csljson import to_csl_items
    from difbib.library.queries import Library

    base = to_csl_items(Library.load(ROOT / "library.bib", ROOT / "papers.md").papers)
    return [{**base[k % len(base)], "id": f"{base[k % len(base)]['id']}-{k}"} for k in range(n)]


def timed(cmd: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.strip()[-500:]}")
    return elapsed, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--style", default="apa")
    parser.add_argument("--lookalike", action="store_true", help="replicated shipped entries")
    args = parser.parse_args()
    n = args.entries
    items = lookalike_items(n) if args.lookalike else synthetic_items(n)
    style = resolve(args.style, ROOT / "styles")
    locale = Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml"

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        items_path = tmp / "items.json"
        items_path.write_text(json.dumps(items))
        out_path = tmp / "out.json"
        cache_dir = tmp / "cache"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        run = [sys.executable, "-c", RENDER, str(items_path), str(style.path), str(cache_dir)]

        kind = "look-alike (shipped, replicated)" if args.lookalike else "synthetic arXiv"
        print(f"{n} {kind} entries, style {style.name}, locale en-US")
        figures = {}
        cold, _ = timed([*run, str(out_path)], env=env)
        ours = json.loads(out_path.read_text())
        figures["difbib cold"] = cold
        warm, _ = timed([*run, str(out_path)], env=env)
        figures["difbib warm (cached)"] = warm
        assert json.loads(out_path.read_text()) == ours
        changed = [dict(i) for i in items]
        changed[n // 2]["title"] = changed[n // 2]["title"] + " revisited"
        items_path.write_text(json.dumps(changed))
        one, _ = timed([*run, str(out_path)], env=env)
        figures["difbib one entry changed"] = one
        items_path.write_text(json.dumps(items))

        modules = Path(os.environ.get("CITEPROC_JS_PATH", ROOT / ".node" / "node_modules"))
        js_entries = None
        if (modules / "citeproc").is_dir():
            payload = {
                "style": style.path.read_text(encoding="utf-8"),
                "locale": locale.read_text(encoding="utf-8"),
                "items": items,
            }
            js_time, proc = timed(
                ["node", str(ROOT / "tools" / "citeproc_js.js")],
                input=json.dumps(payload),
                env={**os.environ, "CITEPROC_JS_PATH": str(modules)},
            )
            js_entries = json.loads(proc.stdout)["bibliography"]
            figures["citeproc-js (node, incl. start)"] = js_time
        else:
            print(f"citeproc-js: not installed in {modules}; skipped")

    for name, seconds in figures.items():
        print(f"  {name:34s} {seconds * 1000:9.0f} ms  {seconds * 1000 / n:6.2f} ms/entry")
    if js_entries is not None:
        same = sum(a == b for a, b in zip(js_entries, ours, strict=False))
        print(f"  identical to citeproc-js: {same}/{len(js_entries)} entries")
        print(f"  cold / citeproc-js: {figures['difbib cold'] / js_time:.2f}")
    print(f"  warm / cold: {figures['difbib warm (cached)'] / figures['difbib cold']:.3f}")


if __name__ == "__main__":
    main()
