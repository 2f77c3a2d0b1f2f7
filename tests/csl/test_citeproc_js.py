"""difbib's output against citeproc-js, the reference CSL processor (Zotero, Mendeley).

Both render the shipped library from the same CSL-JSON, style XML and locale XML
(citeproc-py's en-US file); bibliographies and citations must be identical.
Needs node and the npm package ``citeproc`` (``.ci/run`` installs it into
``.node/``; or point ``CITEPROC_JS_PATH`` at a ``node_modules`` folder). Without
them the tests skip, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import citeproc
import pytest

from difbib.csl import render
from difbib.csl.csljson import to_csl_items
from difbib.csl.styles import resolve
from difbib.library.queries import Library
from tests.helpers import ROOT, SHIPPED_LIBRARY, SHIPPED_LIST

pytestmark = pytest.mark.node

SCRIPT = ROOT / "tools" / "citeproc_js.js"
MODULES = Path(os.environ.get("CITEPROC_JS_PATH", ROOT / ".node" / "node_modules"))
LOCALE = Path(citeproc.__file__).parent / "data" / "locales" / "locales-en-US.xml"
STYLES = [
    "apa",
    "ieee",
    "chicago-author-date",
    "modern-language-association",
    "nature",
    "harvard-cite-them-right",
    "difbib-compact",
]
REFERENCE_STYLES = STYLES[:-1]


def _need_node() -> None:
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not (MODULES / "citeproc").is_dir():
        missing.append(f"the citeproc npm package in {MODULES}")
    if missing:
        message = f"needs {' and '.join(missing)} (npm install --prefix .node citeproc)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def citeproc_js(
    items, style_path: Path, cite=(), output: str = "text", locale: str = "en-US", runs=()
) -> dict:
    """citeproc-js's bibliography of ``items`` and its citations of ``cite``; each of
    ``runs``, ``(ids, clusters)``, is a document of its own that registers only
    ``ids`` (in that order) and cites ``clusters`` (its texts are in ``"runs"``)."""
    locale_file = LOCALE.with_name(f"locales-{locale}.xml")
    payload = {
        "style": style_path.read_text(encoding="utf-8"),
        "locale": locale_file.read_text(encoding="utf-8"),
        "lang": locale,
        "format": output,
        "items": items,
        "cite": [list(c) for c in cite],
        "runs": [{"ids": list(ids), "cite": [list(c) for c in cs]} for ids, cs in runs],
    }
    proc = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env={**os.environ, "CITEPROC_JS_PATH": str(MODULES)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def items():
    _need_node()
    return to_csl_items(Library.load(SHIPPED_LIBRARY, SHIPPED_LIST).papers)


def html_entry(js_entry: str) -> str:
    """A citeproc-js HTML entry without its csl-entry div and layout white space."""
    inner = re.fullmatch(r'<div class="csl-entry">(.*)</div>', js_entry.strip(), re.S)
    return re.sub(r"\n\s*", "", inner.group(1) if inner else js_entry)


@pytest.mark.parametrize("output", ["text", "html"])
@pytest.mark.parametrize("style_name", STYLES)
def test_bibliography_identical_to_citeproc_js(items, style_name, output):
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(items, style.path, output=output)["bibliography"]
    if output == "html":
        expected = [html_entry(e) for e in expected]
    got = render.bibliography(items, style.path, output=output).entries
    assert len(got) == len(expected) == 33
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not diffs, f"{len(diffs)} entries differ; first: js={diffs[0][0]!r} py={diffs[0][1]!r}"


def _article(key: str, authors: list[tuple[str, str]], title: str) -> dict:
    return {
        "id": key,
        "type": "article-journal",
        "title": title,
        "container-title": "Journal",
        "issued": {"date-parts": [[2025]]},
        "author": [{"family": f, "given": g} for f, g in authors],
    }


@pytest.mark.parametrize(
    "style_name",
    ["harvard-cite-them-right", "apa", "chicago-author-date", "modern-language-association"],
)
def test_sort_keys_identical_to_citeproc_js(style_name):
    """Sort keys give names the form citeproc-js's name register asks for (fix 16).

    In Harvard "Liu, J. et al. (Alpha)" sorts after "Liu, J. (Beta)": its key has
    "Liu, Jie", as the entry also names a Jiaheng Liu; likewise "Liu, Dongyang"
    (with a David Liu) sorts after "Liu, D. (Zeta)". The form is the name's own:
    "Wang, J. et al. (Alpha)" stays before "Wang, J. (Beta)".
    """
    _need_node()
    style = resolve(style_name, ROOT / "styles")
    items = [
        _article(
            "twin",
            [("Liu", "Jie"), ("Wang", "Xintao"), ("Liu", "Jiaheng"), ("Du", "Ruoyi")],
            "Alpha",
        ),
        _article("lone", [("Liu", "Jiacheng")], "Beta"),
        _article(
            "pair",
            [("Liu", "Dongyang"), ("Gao", "Peng"), ("Liu", "David"), ("Du", "Ruoyi")],
            "Gamma",
        ),
        _article("other", [("Liu", "Dan")], "Zeta"),
        # Junsong Gao's full name must not make Junsong Wang's full too
        _article(
            "shared",
            [("Wang", "Junsong"), ("Gao", "Jintao"), ("Gao", "Junsong"), ("Du", "Ruoyi")],
            "Alpha",
        ),
        _article("single", [("Wang", "Jie")], "Beta"),
    ]
    expected = citeproc_js(items, style.path)["bibliography"]
    assert render.bibliography(items, style.path).entries == expected


@pytest.mark.parametrize("style_name", ["apa", "chicago-author-date"])
def test_year_suffixes_identical_to_citeproc_js(style_name):
    """Year suffixes letter citeproc-js's whole pending list, as it does.

    Five "Liu et al. 2025": two copies of a three-author paper and, with a fourth
    author, two copies of "Beta" and one "Gamma". Adding names tells "Gamma" from
    "Beta", but the list holding the three still clashes when the names run out,
    so citeproc-js letters all three: "Gamma" is "2025c", not a bare "2025".
    """
    _need_node()
    style = resolve(style_name, ROOT / "styles")
    three = [("Liu", "Jie"), ("Liu", "Gongye"), ("Liang", "Jie")]
    items = [
        _article("a1", three, "Alpha"),
        _article("a2", three, "Alpha"),
        _article("b1", [*three, ("Wu", "Pengfei")], "Beta"),
        _article("b2", [*three, ("Wu", "Pengfei")], "Beta"),
        _article("c", [*three, ("Zhou", "Qi")], "Gamma"),
    ]
    expected = citeproc_js(items, style.path)["bibliography"]
    assert render.bibliography(items, style.path).entries == expected


def _work(key: str, kind: str, year: int, **names: list[tuple[str, str]]) -> dict:
    item = {"id": key, "type": kind, "title": key.title(), "issued": {"date-parts": [[year]]}}
    if kind == "chapter":
        item["container-title"] = "Book"
    return item | {role: [{"family": f, "given": g} for f, g in ns] for role, ns in names.items()}


#: Gaia and Guido Franchi look alike with initials ("G. Franchi"); so do J. and
#: Jacques André. Who gets a full given name depends on when each is registered.
GAIA, GUIDO = ("Franchi", "Gaia"), ("Franchi", "Guido")
NAMESAKES = [
    _work("pair", "book", 1991, author=[("Abrahams", "Paul")], translator=[GAIA, GUIDO]),
    _work("late", "book", 1992, author=[GUIDO], translator=[GAIA]),
    _work(
        "hidden",
        "book",
        1993,
        author=[("Aa", "P"), ("Bb", "P"), ("Cc", "P"), GUIDO],
        translator=[GAIA],
    ),
    _work(
        "chapter",
        "chapter",
        1994,
        author=[("André", "J.")],
        editor=[("André", "Jacques"), ("Hersch", "R. D.")],
    ),
    _work("roles", "chapter", 1995, author=[("Zed", "Ann")], editor=[GAIA], translator=[GUIDO]),
    _work(
        "cut",
        "book",
        1996,
        author=[("Zed", "Ann")],
        translator=[GAIA, ("Xx", "A"), ("Yy", "B"), GUIDO],
    ),
    _work("edited", "book", 1997, editor=[GAIA, GUIDO]),
]


@pytest.mark.parametrize(
    "style_name",
    [
        "harvard-cite-them-right",
        "elsevier-harvard",
        "bloomsbury-academic",
        "apa",
        "chicago-author-date",
        "modern-language-association",
        "springer-basic-author-date",
    ],
)
def test_namesakes_in_an_entry_identical_to_citeproc_js(style_name):
    """An entry's editors and translators get full given names from its name
    register, in the order they are printed, as citeproc-js gives them (fix 34).

    Under the by-cite rule with ``disambiguate-add-givenname``, a name printed with
    initials is printed in full when the entry's register already holds another
    given name with its family name and initials: "Translated by G. Franchi and
    Guido Franchi" (Gaia is printed before Guido is registered), "André, J. ...
    in Jacques André (eds.)" (the author is registered first). The cite's names
    (all of them, even those et al. hides) are registered before the entry; the
    names et al. hides in the entry are not.
    """
    _need_node()
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(NAMESAKES, style.path)["bibliography"]
    assert render.bibliography(NAMESAKES, style.path).entries == expected


@pytest.mark.parametrize("style_name", STYLES)
def test_citations_identical_to_citeproc_js(items, style_name):
    style = resolve(style_name, ROOT / "styles")
    by_id = {i["id"]: i for i in items}
    clusters = [
        ["yin2024improved"],
        ["lipman2022flow", "dao2022flashattention"],
        ["labs2025flux"],
        ["lipman2022flow", "dao2022flashattention", "yin2024improved", "labs2025flux"],
    ]
    # The document's references are the cited papers, in citing order.
    cited = [by_id[k] for k in dict.fromkeys(k for c in clusters for k in c)]
    expected = citeproc_js(cited, style.path, clusters)["citations"]
    got = [render.citation(cited, c, style.path) for c in clusters]
    assert got == expected


@pytest.mark.parametrize(
    "style_name", ["apa", "chicago-author-date", "modern-language-association", "difbib-compact"]
)
def test_disambiguation_identical_to_citeproc_js(items, style_name):
    """Look-alike cites: added names (two Yin et al. 2024) and year suffixes (two Dao 2023)."""
    style = resolve(style_name, ROOT / "styles")
    changed = [dict(i) for i in items]
    by_id = {i["id"]: i for i in changed}
    by_id["yin2023one"]["issued"] = {"date-parts": [[2024]]}
    twin = dict(by_id["dao2023flashattention"], id="dao2023twin", title="A Second Paper")
    changed.append(twin)
    clusters = [
        ["yin2023one"],
        ["dao2023twin"],
        ["yin2024improved", "dao2023flashattention"],
        ["dao2023twin", "dao2023flashattention"],  # collapse="year": (Dao, 2023a, 2023b)
        ["dao2022flashattention", "dao2023twin", "lipman2022flow"],
        ["dao2023twin", "dao2023flashattention", "yin2023one", "yin2024improved"],
    ]
    js = citeproc_js(changed, style.path, clusters)
    assert render.bibliography(changed, style.path).entries == js["bibliography"]
    assert [render.citation(changed, c, style.path) for c in clusters] == js["citations"]


@pytest.mark.parametrize("style_name", ["apa", "ieee", "chicago-author-date"])
def test_other_locale_identical_to_citeproc_js(items, style_name):
    style = resolve(style_name, ROOT / "styles")
    clusters = [["lipman2022flow", "dao2022flashattention"]]
    js = citeproc_js(items, style.path, clusters, locale="de-DE")
    assert render.bibliography(items, style.path, "de-DE").entries == js["bibliography"]
    cited = [i for i in items if i["id"] in clusters[0]]
    expected = citeproc_js(cited, style.path, clusters, locale="de-DE")["citations"]
    assert [render.citation(cited, clusters[0], style.path, "de-DE")] == expected


def _bib_items(name):
    """The CSL-JSON of ``tests/data/bib/NAME`` as both processors get it."""
    return _without_et_al(to_csl_items(Library.load(ROOT / "tests/data/bib" / name).papers))


def _without_et_al(items):
    """``items`` without ``custom.author-et-al`` (BibTeX's ``and others``): citeproc-js
    does not read ``custom``, while difbib prints "et al." for it (fix 32, tested in
    ``tests/csl/test_format.py``)."""
    out = []
    for item in items:
        custom = {k: v for k, v in item.get("custom", {}).items() if not k.endswith("-et-al")}
        out.append({**item, "custom": custom})
    return out


@pytest.mark.parametrize(
    "style_name",
    [
        "ieee",
        "nature",
        "apa",
        "chicago-author-date",
        "modern-language-association",
        "harvard-cite-them-right",
    ],
)
def test_every_entry_type_identical_to_citeproc_js(style_name):
    """Hand-written entries of every BibTeX type (proceedings, journals, chapters,
    theses, reports, ...) render as citeproc-js renders the same CSL-JSON."""
    _need_node()
    items = _bib_items("constructs.bib")
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(items, style.path)["bibliography"]
    got = render.bibliography(items, style.path).entries
    assert len(got) == len(expected) == len(items)
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not diffs, f"{len(diffs)} entries differ; first: js={diffs[0][0]!r} py={diffs[0][1]!r}"


def _subsets(items) -> list[list[str]]:
    """Documents citing part of the library: every pair of look-alike papers (same
    first family name and year, as "Liu et al. 2025" twice) and a few random
    subsets (fixed seed)."""
    first: dict[tuple, list[str]] = {}
    for item in items:
        names = item.get("author") or item.get("editor") or [{}]
        year = (item.get("issued") or {}).get("date-parts", [[None]])[0][0]
        first.setdefault((names[0].get("family"), year), []).append(item["id"])
    pairs = [[a, b] for ids in first.values() for n, a in enumerate(ids) for b in ids[n + 1 :]]
    rng = random.Random(69)
    ids = [item["id"] for item in items]
    return pairs + [rng.sample(ids, rng.randint(2, 10)) for _ in range(10)]


@pytest.mark.parametrize("style_name", REFERENCE_STYLES)
def test_cites_of_subsets_identical_to_citeproc_js(items, style_name):
    """``difbib cite`` on part of the library, in the order given and reversed.

    The document's references are the cited papers only: disambiguation is among
    them (two Liu et al. 2025 need their fourth name, not a given name the whole
    library would call for), and a style's citation sort orders the cites whatever
    the order given.
    """
    style = resolve(style_name, ROOT / "styles")
    by_id = {i["id"]: i for i in items}
    docs = []
    for subset in _subsets(items):
        for ids in (subset, subset[::-1]):
            docs.append((ids, [ids] + [[k] for k in ids]))
    assert len(docs) >= 20
    expected = citeproc_js(items, style.path, runs=docs)["runs"]
    diffs = []
    for (ids, clusters), js in zip(docs, expected, strict=True):
        cited = [by_id[k] for k in ids]
        got = [render.citation(cited, c, style.path) for c in clusters]
        diffs += [(c, e, g) for c, e, g in zip(clusters, js, got, strict=True) if e != g]
    assert not diffs, f"{len(diffs)} cites differ; first: {diffs[0]}"


#: constructs-more.bib: entries rendered exactly as citeproc-js renders them, per
#: style; a floor that may only rise. All 40 in every style since compat's fix S7
#: parses particles out of family names as citeproc-js does ("d'Alembert" is "d’" +
#: "Alembert", so Chicago and Harvard sort it under A).
MORE_FLOOR = {
    "apa": 40,
    "chicago-author-date": 40,
    "modern-language-association": 40,
    "harvard-cite-them-right": 40,
    "ieee": 40,
    "nature": 40,
}


@pytest.mark.parametrize("style_name", list(MORE_FLOOR))
def test_more_constructs_identical_to_citeproc_js(style_name):
    """Entry types x name particles x missing fields (tests/data/bib/constructs-more.bib)."""
    _need_node()
    items = _bib_items("constructs-more.bib")
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(items, style.path)["bibliography"]
    got = render.bibliography(items, style.path).entries
    assert len(got) == len(expected) == len(items) == 40
    same = sum(e == g for e, g in zip(expected, got, strict=True))
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert same >= MORE_FLOOR[style_name], f"{same}/40; first: {diffs[0]}"


#: Number variables as real .bib files hold them (fix 28): open ranges (``46-??``),
#: letters in page numbers (``M-1-M-14``), page counts written as sums, ranges
#: abbreviated (``321-28``), several ranges, report numbers with a prefix
#: (``S544-3``) or a hyphen (``99-02``), lowercase roman numerals.
NUMBER_VALUES = [
    "46-??",
    "??-??",
    "c 3-c 3",
    "M-1-M-14",
    "6 + 120 + 1",
    "12-15",
    "321-28",
    "1-3, 5-7",
    "xi + 317",
    "S544-3",
    "99-02",
    "12a-c",
    "iv",
    "7",
]


def _number_items() -> list[dict]:
    items = []
    for n, value in enumerate(NUMBER_VALUES):
        common = {
            "author": [{"family": "Doe", "given": "Jane"}],
            "issued": {"date-parts": [[2000]]},
        }
        items += [
            {"id": f"a{n}", "type": "article-journal", "title": f"A{n:02d}",
             "container-title": "Journal", "volume": value, "issue": value, "page": value,
             **common},
            {"id": f"r{n}", "type": "report", "title": f"R{n:02d}", "number": value, **common},
            {"id": f"b{n}", "type": "book", "title": f"B{n:02d}", "volume": value,
             "number-of-pages": value, "edition": value, **common},
            {"id": f"c{n}", "type": "chapter", "title": f"C{n:02d}", "page": value,
             "container-title": "Book", **common},
        ]  # fmt: skip
    return items


@pytest.mark.parametrize("style_name", REFERENCE_STYLES)
def test_number_variables_identical_to_citeproc_js(style_name):
    """Ranges, labels (``p.``/``pp.``, ``Vols.``) and ``is-numeric`` of number
    variables as citeproc-js reads them (fix 28)."""
    _need_node()
    items = _number_items()
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(items, style.path)["bibliography"]
    got = render.bibliography(items, style.path).entries
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not diffs, f"{len(diffs)} entries differ; first: js={diffs[0][0]!r} py={diffs[0][1]!r}"


@pytest.mark.parametrize("style_name", REFERENCE_STYLES)
def test_term_opening_an_entry_is_capitalised_as_in_citeproc_js(style_name):
    """An entry with neither author nor title opens with its date; APA's "n.d." term is
    then capitalised, ``(N.d.-a).``, as citeproc-js does (fix 29); a group that renders
    nothing before it does not count."""
    _need_node()
    items = [
        {"id": "a", "type": "book", "publisher": "Press"},
        {"id": "b", "type": "book", "publisher": "Press", "container-title": "Series"},
        {"id": "c", "type": "book", "publisher": "Press", "issued": {"date-parts": [[2001]]}},
    ]
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(items, style.path)["bibliography"]
    got = render.bibliography(items, style.path).entries
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not diffs, f"{len(diffs)} entries differ; first: js={diffs[0][0]!r} py={diffs[0][1]!r}"


def _order(entries: list[str], titles: list[str]) -> list[str]:
    """Which of ``titles`` each entry shows, in the entries' order."""
    return [next(t for t in titles if t in e) for e in entries]


@pytest.mark.parametrize("style_name", REFERENCE_STYLES)
def test_sort_order_of_edited_books_and_stroked_letters_as_in_citeproc_js(style_name):
    """The bibliography's order, as citeproc-js sorts: a name key has no role label
    (an edited book sorts with its editor's own books by year and title, fix 30),
    ``ł``, ``ø``, ``æ`` collate as ``l``, ``o``, ``ae``, and every space parts words,
    even around a word of punctuation alone (fix 6c)."""
    _need_node()
    andre = [{"family": "André", "given": "Jacques"}]
    people = ["Kołodziejska", "Koning", "Kopka", "Sønderby", "Soz", "Spz", "Æbelø", "Aeby", "Af"]
    items = [
        {"id": "a", "type": "book", "title": "Analytical", "author": andre},
        {"id": "b", "type": "book", "title": "Actes", "editor": andre},
        {"id": "c", "type": "book", "title": "Zebra", "editor": andre},
        {"id": "d", "type": "book", "title": "Yak", "author": andre},
        # same name, same year: by title, where a lone dash still parts words
        {"id": "y1", "type": "book", "title": "YUNUS (Turkish)", "author": andre},
        {"id": "y2", "type": "book", "title": "YUNUS – Turkish TeX", "author": andre},
    ] + [
        {"id": f"p{n}", "type": "book", "title": f"Title{n}", "author": [{"family": f}]}
        for n, f in enumerate(people)
    ]
    for n, item in enumerate(items):
        item["issued"] = {"date-parts": [[1991 if item["id"][0] == "y" else 1980 + n % 3]]}
    titles = sorted((i["title"] for i in items), key=len, reverse=True)  # Title1 after Title10
    style = resolve(style_name, ROOT / "styles")
    expected = _order(citeproc_js(items, style.path)["bibliography"], titles)
    got = _order(render.bibliography(items, style.path).entries, titles)
    assert got == expected


@pytest.mark.parametrize("style_name", REFERENCE_STYLES)
def test_space_before_question_mark_is_narrow_as_in_citeproc_js(style_name):
    """A space before ``?``, ``!``, ``:``, ``;``, ``»`` (after ``«``) in a value prints as
    a narrow no-break space, as citeproc-js writes it (fix 31)."""
    _need_node()
    author = [{"family": "Doe", "given": "Jane"}]
    items = [
        {"id": "a", "type": "article-journal", "title": "Gibt es eine Vertretungsmacht ?",
         "container-title": "« Revue » : Juristische Schulung", "author": author},
        {"id": "b", "type": "book", "title": "Quoi ! Encore ; et alors", "author": author,
         "publisher": "Presses"},
    ]  # fmt: skip
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(items, style.path)["bibliography"]
    got = render.bibliography(items, style.path).entries
    assert got == expected


#: Entries as real .bib files make them (issue 14's corpus, TeX Live's .bib files):
#: an entry with nothing after IEEE's number, a journal with only a title (IEEE's
#: ``<text value=".">`` after the quoted title stays outside), a quotation inside a
#: title followed by text, TeX's ``{\"u}`` (no quotation), editions written out
#: ("Revised and enlarged"), name lists ending in an institution, entries whose
#: title stands in for the author, labelled editors in MLA's substitute, a language
#: written out ("English"), "vi" (a skip word to citeproc-js), publishers starting in
#: lowercase before a hyphen or slash (capitalize-first), and two books without
#: author of one title and year whose cites differ only in their quotation marks.
REAL_BIB_ITEMS = [
    {"id": "empty", "type": "book"},
    {"id": "journal", "type": "article-journal", "title": "Journal of Glaciology"},
    {"id": "journal2", "type": "article-journal", "title": "Applied Mathematics",
     "author": [{"family": "Scott", "given": "Tom"}]},
    {"id": "inner", "type": "article-journal", "container-title": "TUGboat",
     "title": "'Verheissung und Versprechen', a third generation approach"},
    {"id": "inner2", "type": "article-journal", "container-title": "TUGboat",
     "title": "The \"American Instructor\". Early Americanism"},
    {"id": "tex", "type": "article-journal", "container-title": "Printing History",
     "title": "Review: \\booktitle{Der Fr{\\\"u}hdruck im deutschen S{\\\"u}dwesten}"},
    {"id": "ed1", "type": "book", "title": "How to Get Around MIT", "edition": "Twenty-third"},
    {"id": "ed2", "type": "book", "title": "Type", "edition": "Third printing, with corrections"},
    {"id": "ed3", "type": "book", "title": "Typography", "edition": "revised and enlarged"},
    {"id": "inst1", "type": "book", "title": "Deluxe Paint",
     "author": [{"literal": "Electronic Arts"}, {"literal": "Advanced Memory Systems"}]},
    {"id": "inst2", "type": "book", "title": "Fontographer", "author": [
        {"family": "Von Ehr", "given": "Jim"}, {"family": "Crowder", "given": "Kevin"},
        {"literal": "Altsys Corporation"}]},
    {"id": "inst3", "type": "book", "title": "Printing",
     "author": [{"family": "Hopkins", "given": "Richard L."}, {"literal": "Hill & Dale Press"}]},
    {"id": "t1", "type": "book", "title": "Epistulae", "issued": {"date-parts": [[1990]]}},
    {"id": "t2", "type": "book", "title": "Epistulae", "issued": {"date-parts": [[1991]]}},
    {"id": "x1", "type": "book", "title": "Alpha", "author": [{"literal": "Anonymous"}]},
    {"id": "x2", "type": "book", "title": "Beta", "editor": [{"literal": "Anonymous"}]},
    {"id": "x3", "type": "book", "title": "Gamma", "author": [{"literal": "Anonymous"}]},
    {"id": "x4", "type": "book", "title": "Delta", "translator": [{"literal": "Anonymous"}]},
    {"id": "lang", "type": "article-journal", "title": "A system for typesetting mathematics",
     "container-title": "Communications of the ACM", "language": "English"},
    {"id": "vi", "type": "book", "title": "An international version of the vi editor"},
    {"id": "pub1", "type": "book", "title": "LaTeX", "publisher": "dpunkt-Verlag"},
    {"id": "pub2", "type": "book", "title": "TeXiraamat", "publisher": "a/S KompuT"},
    {"id": "de", "type": "chapter", "title": "Vom Nutzen der Historie", "language": "german",
     "container-title": "Sämtliche Werke", "volume": "1", "edition": "zweite durchgesehene"},
    {"id": "proc1", "type": "book", "title": "Proc. Fifteenth Symposium",
     "issued": {"date-parts": [[1983]]}},
    {"id": "proc2", "type": "book", "title": "Proc. Fifteenth Symposium",
     "container-title": "Proc. ACM Symposium", "issued": {"date-parts": [[1983]]}},
]  # fmt: skip


@pytest.mark.parametrize("output", ["text", "html"])
@pytest.mark.parametrize("style_name", REFERENCE_STYLES)
def test_real_bib_constructs_identical_to_citeproc_js(style_name, output):
    """Punctuation in quotes moves from affixes only (fix 2), an entry ends at its
    margin field when nothing follows (fix 3), subsequent-author-substitute as
    citeproc-js applies it (fix 13), a straight quote inside a word is text and
    leaves the letter after it alone in title case (fix 21, fix 7), each piece of an
    edition takes the text case (fix 28), a last institution is joined by the
    style's inherited "and" options (fix 33), title case follows citeproc-js's
    reading of ``language`` (for its "multi-fields" only) and its skip words
    (fix 7), capitalize-first cuts the first word at punctuation (fix 1), cites
    alike but for their quotation marks take year suffixes (fix 12)."""
    _need_node()
    style = resolve(style_name, ROOT / "styles")
    expected = citeproc_js(REAL_BIB_ITEMS, style.path, output=output)["bibliography"]
    if output == "html":
        expected = [html_entry(e) for e in expected]
    got = render.bibliography(REAL_BIB_ITEMS, style.path, output=output).entries
    diffs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not diffs, f"{len(diffs)} entries differ; first: js={diffs[0][0]!r} py={diffs[0][1]!r}"


_SUBSTITUTE_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>t</title><id>t</id><updated>2024-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography subsequent-author-substitute="---">
    <layout suffix=".">
      <group delimiter=". ">
        <names variable="author">
          <name/><label prefix=", "/>
          <substitute>SUBSTITUTE</substitute>
        </names>
        <text variable="title"/>
      </group>
    </layout>
  </bibliography>
</style>
"""


@pytest.mark.parametrize(
    "substitute",
    [
        '<text variable="container-title"/>',
        '<choose><if type="book"><text variable="container-title"/></if></choose>',
        '<names variable="editor"/><text variable="container-title"/>',
        '<names variable="editor"><name/></names><text variable="container-title"/>',
        '<text variable="container-title"/><names variable="editor"><name/></names>',
    ],
)
def test_subsequent_author_substitute_of_substitutes_as_in_citeproc_js(tmp_path, substitute):
    """subsequent-author-substitute (fix 13) when ``cs:substitute`` prints: a text
    standing in compares by its values, an editor keeps its label (``---, editor``),
    and nothing after a ``cs:names`` with a ``cs:name`` of its own takes part."""
    _need_node()
    path = tmp_path / "style.csl"
    path.write_text(_SUBSTITUTE_STYLE.replace("SUBSTITUTE", substitute), encoding="utf-8")
    items = [
        {"id": "a", "type": "book", "title": "A1", "container-title": "Same"},
        {"id": "b", "type": "book", "title": "A2", "container-title": "Same"},
        {"id": "c", "type": "book", "title": "A3", "editor": [{"family": "Doe", "given": "J"}]},
        {"id": "d", "type": "book", "title": "A4", "editor": [{"family": "Doe", "given": "J"}]},
    ]
    assert render.bibliography(items, path).entries == citeproc_js(items, path)["bibliography"]
