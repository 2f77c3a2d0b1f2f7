"""Run the official CSL processor test suite, scored as citeproc-py's own runner scores it.

The suite (``../shared/csl-test-suite``, see its README) holds fixtures in the
"humans" text format: a MODE (citation or bibliography), a style, CSL-JSON input,
optional CITATION-ITEMS / CITATIONS / BIBENTRIES, and the expected RESULT in HTML.
The fixtures are parsed with the suite's own ``processor.py`` and scored like
``tests/citeproc-test.py`` in citeproc-py's repository:

- eight "raw date" fixtures are not scored (six of them exist: 839 scored);
- input items without ``id``/``type`` get their index and ``book``;
- fixtures with a ``bibliography-header`` mode or a BIBSECTION count, and fail;
- a bibliography is ``<div class="csl-bib-body">``, one ``  <div class="csl-entry">``
  line per entry, ``</div>``; citations with CITATIONS are prefixed ``..[i] `` and
  ``>>[i] `` for the last one;
- each result is split into lines, ``&amp;`` is read as ``&#38;``, and the lines
  must equal RESULT's.

Two engines render each fixture: ``plain`` is citeproc-py as it comes, ``difbib``
goes through difbib's layer (:mod:`difbib.csl.compat`, :mod:`difbib.csl.render`) with
the HTML output difbib itself produces. A fixture without CITATION-ITEMS or
CITATIONS cites all items in one cluster: citeproc-py puts cites in bibliography
order anyway; difbib keeps the order given (fix 8), so it is given the order of
citeproc-js's registry, the bibliography's, as citeproc-js's harness does.
Only cited items are registered, in the order first cited, as citeproc-py's runner
(which registers the clusters) and citeproc-js's harness do: an item no cluster
cites takes no year suffix and has no entry.

Run as a script for a report::

    .venv/bin/python -m tests.csl.csl_suite [difbib|plain] [GLOB] [-v | --passing]
"""

from __future__ import annotations

import fnmatch
import io
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.machinery import SourceFileLoader
from pathlib import Path
from typing import Any

from tests.helpers import ROOT

SUITE = Path(os.environ.get("CSL_TEST_SUITE", ROOT.parent / "shared" / "csl-test-suite"))
FIXTURES = SUITE / "processor-tests" / "humans"

#: Not scored by citeproc-py's runner: they test citeproc-js's raw date parsing.
IGNORED = {
    "date_Accessed",
    "date_LoneJapaneseMonth",
    "date_LopsidedDataYearSuffixCollapse",
    "date_RawParseSimpleDate",
    "date_RawSeasonRange1",
    "date_RawSeasonRange2",
    "date_RawSeasonRange3",
    "date_String",
}


def available() -> bool:
    return (SUITE / "processor.py").is_file() and FIXTURES.is_dir()


@lru_cache(maxsize=1)
def _parser() -> Any:
    return SourceFileLoader("csl_suite_processor", str(SUITE / "processor.py")).load_module()


@dataclass
class Fixture:
    name: str
    data: dict[str, Any]
    expected: list[str] = field(default_factory=list)

    @property
    def skipped_by_runner(self) -> bool:
        return self.data["mode"] == "bibliography-header" or bool(self.data["bibsection"])


def fixtures(pattern: str = "*") -> Iterator[Fixture]:
    """The scored fixtures, by name, parsed with the suite's own parser."""
    for path in sorted(FIXTURES.glob("*.txt")):
        name = path.stem
        if name in IGNORED or not fnmatch.fnmatch(name, pattern):
            continue
        test = _parser().CslTest({}, None, (str(path),), path.name)
        test.parse()
        test.fix_dates()  # what the suite's grinder does before writing "machines" JSON
        data = test.data
        for i, ref in enumerate(data["input"]):
            ref.setdefault("id", i)
            ref.setdefault("type", "book")
        yield Fixture(name, data, data["result"].splitlines())


def _cite_items(data: dict[str, Any], make_item: Any) -> list[list[Any]]:
    """The clusters of a fixture, as lists of citation items."""

    def item(spec: dict[str, Any]) -> Any:
        from citeproc.source import Locator

        options = {}
        key = ""
        for name, value in spec.items():
            name = name.replace("-", "_")
            if name == "id":
                key = str(value)
            elif name == "locator":
                options["locator"] = Locator(spec.get("label", "page"), value)
            elif name != "label":
                options[name] = value
        return make_item(key, **options)

    if data["citation_items"]:
        return [[item(i) for i in cluster] for cluster in data["citation_items"]]
    if data["citations"]:
        return [[item(i) for i in c[0]["citationItems"]] for c in data["citations"]]
    if data["bibentries"]:
        return [[item({"id": i}) for i in data["bibentries"][-1]]]
    return [[item({"id": ref["id"]}) for ref in data["input"]]]


def _lines(data: dict[str, Any], cites: list[str], entries: list[str]) -> list[str]:
    if data["mode"] == "citation":
        if data["citations"]:
            n = len(cites)
            return [f"{'>>' if i == n - 1 else '..'}[{i}] {c}" for i, c in enumerate(cites)]
        return list(cites)
    lines = ['<div class="csl-bib-body">']
    for entry in entries:
        if entry.startswith('<div class="csl-'):
            # block parts (second-field-align) on a line of their own, as citeproc-js lays out
            lines += ['  <div class="csl-entry">', f"    {entry}", "  </div>"]
        else:
            lines.append(f'  <div class="csl-entry">{entry}</div>')
    lines.append("</div>")
    return lines


def run_plain(fixture: Fixture) -> list[str]:
    """The fixture rendered by citeproc-py alone, as its runner does (without the
    schema validation, which only warns and takes most of the time)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
    from citeproc.source.json import CiteProcJSON

    data = fixture.data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        style = CitationStylesStyle(io.BytesIO(data["csl"].encode("utf-8")), validate=False)
        bib = CitationStylesBibliography(style, CiteProcJSON(data["input"]))
    clusters = [Citation(c) for c in _cite_items(data, CitationItem)]
    for cluster in clusters:
        bib.register(cluster)
    if style.has_bibliography():
        bib.sort()
    cites, entries = [], []
    if data["mode"] == "citation":
        cites = [str(bib.cite(c, lambda _: None)) for c in clusters]
    else:
        entries = [str(e) for e in bib.bibliography()]
    return _lines(data, cites, entries)


def run_difbib(fixture: Fixture) -> list[str]:
    """The fixture rendered through difbib's layer, in difbib's HTML."""
    from citeproc import Citation

    from difbib.csl import compat, render

    data = fixture.data
    style = compat.load_style(io.BytesIO(data["csl"].encode("utf-8")))
    clusters = [Citation(c) for c in _cite_items(data, compat.CitationItem)]
    # as both harnesses do, only the cited items are registered, in the order first cited
    by_key = {str(ref["id"]).lower(): ref for ref in data["input"]}
    cited = [by_key[c.key] for cluster in clusters for c in cluster.cites if c.key in by_key]
    cited = list({id(ref): ref for ref in cited}.values())
    bib = render.engine(style, cited, "html", rich_text=True)
    for cluster in clusters:
        bib.register(cluster)
    if style.has_bibliography():
        bib.sort()
    if not (data["citation_items"] or data["citations"] or data["bibentries"]):
        # citeproc-js's harness cites every item, in the order of its registry
        clusters[0].cites.sort(key=lambda cite: bib.keys.index(cite.key))
    bib.disambiguate()
    cites, entries = [], []
    if data["mode"] == "citation":
        cites = [render.finish(bib.cite(c, lambda _: None), "html") for c in clusters]
    else:
        entries = [render.finish(e, "html") for e in bib.bibliography()]
    return _lines(data, cites, entries)


ENGINES = {"plain": run_plain, "difbib": run_difbib}


def passes(fixture: Fixture, engine: str) -> bool:
    if fixture.skipped_by_runner:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unsupported arguments: position, ..."
            lines = ENGINES[engine](fixture)
    except Exception:  # scored as a failure, like citeproc-py's runner does
        return False
    lines = [part for line in lines for part in line.split("\n")]
    return [line.replace("&amp;", "&#38;") for line in lines] == fixture.expected


def score(engine: str, pattern: str = "*") -> tuple[set[str], int]:
    """The names of the passing fixtures, and the number scored."""
    passed, total = set(), 0
    for fixture in fixtures(pattern):
        total += 1
        if passes(fixture, engine):
            passed.add(fixture.name)
    return passed, total


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a not in ("-v", "--passing")]
    engine = args[0] if args else "difbib"
    pattern = args[1] if len(args) > 1 else "*"
    if "--passing" in argv:  # the list test_csl_suite.py keeps
        print("\n".join(sorted(score(engine, pattern)[0])))
        return 0
    passed, total = 0, 0
    groups: dict[str, list[int]] = {}
    for fixture in fixtures(pattern):
        ok = passes(fixture, engine)
        total += 1
        passed += ok
        group = groups.setdefault(fixture.name.split("_")[0], [0, 0])
        group[0] += ok
        group[1] += 1
        if verbose and not ok:
            print(f">>> {fixture.name}")
            print("EXP: " + "\n     ".join(fixture.expected))
            try:
                got = ENGINES[engine](fixture)
            except Exception as err:  # noqa: BLE001 - a report
                got = [f"{type(err).__name__}: {err}"]
            print("RES: " + "\n     ".join(got))
        elif not ok:
            print(f"FAIL {fixture.name}")
    for name, (ok, n) in sorted(groups.items()):
        print(f" {name:<14} {ok:>3} / {n:>3}")
    print(f"{engine}: {passed} / {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
