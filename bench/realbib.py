"""How often ``difbib format`` equals citeproc-js on real ``.bib`` files.

    python bench/realbib.py [--styles apa,ieee,...] [--diffs out.json] FILE.bib...

For each file and style: the file is read as difbib reads it (``Library.load``),
turned into CSL-JSON once (``to_csl_items``), and that same CSL-JSON is rendered by
difbib (``render.bibliography``) and by citeproc-js (``tools/citeproc_js.js``, with
citeproc-py's en-US locale file, as the comparison tests do). So every difference
is a difference in rendering, not in the BibTeX mapping. Prints one line per file
and style:

    tugboat.bib   apa   4801/4839 (99.2%)  multiset 4830

"identical" counts entries equal at the same position; "multiset" counts entries
equal wherever they are (the two differ when the order differs). A TOTAL line per
style follows. ``--diffs`` writes the differing pairs as JSON
(``[file, style, citeproc-js, difbib]``). ``--js-cache DIR`` keeps citeproc-js's
output per input (by digest), so a second run only re-renders difbib's side.

A TOTAL line ends with how many differing entries are of items whose name list
ended in BibTeX's ``and others``: difbib prints "et al." there by design (compat's
fix 32), and citeproc-js, which does not read ``custom.author-et-al``, cannot.

Needs node and the npm package ``citeproc`` in ``.node/node_modules`` (or
``CITEPROC_JS_PATH``). TeX Live's ``.bib`` files make a good corpus:
``find /usr/share/texlive -name '*.bib'``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import citeproc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from difbib.csl import render  # noqa: E402
from difbib.csl.csljson import to_csl_items  # noqa: E402
from difbib.csl.styles import resolve  # noqa: E402
from difbib.library.queries import Library  # noqa: E402

LOCALE = Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml"
STYLES = "apa,chicago-author-date,modern-language-association,harvard-cite-them-right,ieee"


def citeproc_js(payload: dict, cache: Path | None) -> list[str]:
    """citeproc-js's bibliography for ``payload`` (see ``tools/citeproc_js.js``)."""
    text = json.dumps(payload, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    if cache is not None and (cache / f"{digest}.json").is_file():
        return json.loads((cache / f"{digest}.json").read_text())
    modules = os.environ.get("CITEPROC_JS_PATH", str(ROOT / ".node" / "node_modules"))
    proc = subprocess.run(
        ["node", str(ROOT / "tools" / "citeproc_js.js")],
        input=text,
        capture_output=True,
        text=True,
        env={**os.environ, "CITEPROC_JS_PATH": modules},
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "node failed")
    entries = json.loads(proc.stdout)["bibliography"]
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / f"{digest}.json").write_text(json.dumps(entries))
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--styles", default=STYLES, help=f"comma separated (default {STYLES})")
    parser.add_argument("--diffs", type=Path, help="write the differing entries here (JSON)")
    parser.add_argument("--js-cache", type=Path, help="keep citeproc-js's output here")
    args = parser.parse_args()
    styles = [s for s in args.styles.split(",") if s]
    diffs: list[tuple[str, str, str, str]] = []
    totals = {s: [0, 0, 0] for s in styles}
    by_design = dict.fromkeys(styles, 0)  # differing entries of "and others" items
    locale = LOCALE.read_text(encoding="utf-8")
    for path in args.files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                items = to_csl_items(Library.load(path).papers)
            except Exception as err:  # a file difbib cannot read is a result too
                print(f"{path.name:32s} LOAD FAILED: {type(err).__name__}: {err}", flush=True)
                continue
        if not items:
            continue
        others = {i["id"] for i in items if any(k.endswith("-et-al") for k in i.get("custom", {}))}
        for name in styles:
            style = resolve(name, ROOT / "styles")
            payload = {
                "style": style.path.read_text(encoding="utf-8"),
                "locale": locale,
                "items": items,
                "format": "text",
            }
            try:
                js = citeproc_js(payload, args.js_cache)
            except RuntimeError as err:
                print(f"{path.name:32s} {name:28s} citeproc-js failed: {err}", flush=True)
                continue
            rendered = render.bibliography(items, style.path)
            ours = rendered.entries
            by_design[name] += sum(
                a != b and i in others for a, b, i in zip(js, ours, rendered.ids, strict=False)
            )
            same = sum(a == b for a, b in zip(js, ours, strict=False))
            multiset = sum((Counter(js) & Counter(ours)).values())
            total = len(js)
            totals[name] = [
                t + v for t, v in zip(totals[name], (same, multiset, total), strict=True)
            ]
            share = 100 * same / total if total else 100.0
            print(
                f"{path.name:32s} {name:28s} {same:5d}/{total:<5d} ({share:5.1f}%)"
                f"  multiset {multiset}"
                + ("" if len(ours) == total else f"  (difbib {len(ours)})"),
                flush=True,
            )
            diffs += [(path.name, name, a, b) for a, b in zip(js, ours, strict=False) if a != b]
    for name, (same, multiset, total) in totals.items():
        share = 100 * same / total if total else 100.0
        print(
            f"{'TOTAL':32s} {name:28s} {same:5d}/{total:<5d} ({share:5.1f}%)  multiset {multiset}"
            f"  (and others: {by_design[name]})"
        )
    if args.diffs:
        args.diffs.write_text(json.dumps(diffs, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
