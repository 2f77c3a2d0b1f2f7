"""`difbib site`: the page's HTML, read without a browser (tests/outputs/test_site_browser.py
drives it in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from difbib.library.queries import Library
from tests.helpers import SHIPPED_LIBRARY, SHIPPED_LIST

#: A hand-edited entry that tries every way into a page.
HOSTILE_BIB = r"""@misc{evil2024script,
  author   = {Mallory <script>window.pwned = 'author'</script> Evil
              and {"><img src=x onerror=window.pwned=1>}},
  title    = {<script>window.pwned = 'title'</script>" onmouseover="window.pwned='hover' x="},
  year     = {2024},
  url      = {javascript:window.pwned='link'},
  abstract = {</details><script>window.pwned = 'abstract'</script>
              <a href="javascript:alert(1)">x</a>' onfocus='window.pwned=2},
  keywords = {Model Distillation, "><svg onload=window.pwned=3>},
  ranking  = {rank3},
}
"""


class Page(HTMLParser):
    """The parts of the page the tests look at: elements with attributes, texts, scripts."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.pres: list[str] = []
        self.titles: list[str] = []
        self._in: str | None = None
        self._buf: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style", "pre", "h2"):
            self._in, self._buf = tag, []

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == self._in:
            text = "".join(self._buf)
            {"script": self.scripts, "style": self.styles, "pre": self.pres, "h2": self.titles}[
                tag
            ].append(text)
            self._in = None

    def papers(self) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == "li" and a.get("class") == "paper"]


def make_site(run, *args: str) -> str:
    res = run("site", "-o", "site", *args)
    assert res.exit_code == 0, res.stderr
    return Path("site/index.html").read_text(encoding="utf-8")


def test_page_lists_every_paper_with_its_bibtex(shipped, run):
    html = make_site(run)
    page = Page(html)
    library = Library.load(SHIPPED_LIBRARY, SHIPPED_LIST)
    keys = [p["data-key"] for p in page.papers()]
    assert sorted(keys) == sorted(p.key for p in library.papers)
    assert "site/index.html: 33 paper(s)" in run("site", "-o", "site").stderr
    # each paper's BibTeX is what `difbib export -k KEY` prints
    for key, pre in zip(keys, page.pres, strict=True):
        assert pre == run("export", "-k", key).stdout
    # newest first
    years = [int(y) for y in re.findall(r'<span class="year">(\d{4})</span>', html)]
    assert years == sorted(years, reverse=True)
    assert "<title>Diffusion and Flow Models Research</title>" in html  # the list's title


def test_per_paper_values(shipped, run):
    html = make_site(run, "--key", "yin2024improved")
    page = Page(html)
    assert page.titles == ["Improved Distribution Matching Distillation for Fast Image Synthesis"]
    link = next(a for t, a in page.elements if t == "a")
    assert link["href"] == "https://arxiv.org/abs/2405.14867"
    assert "Tianwei Yin, Michaël Gharbi, Taesung Park" in html
    assert 'aria-label="4 of 5 stars">★★★★☆<' in html
    assert "<li>Model Distillation</li>" in html
    assert "<summary>Abstract</summary>" in html
    assert '<option value="distillation">Model Distillation (1)</option>' in html


def test_selection_and_title(shipped, run):
    html = make_site(run, "--category", "distillation", "--title", "Distillation <papers>")
    page = Page(html)
    wanted = Library.load(SHIPPED_LIBRARY, SHIPPED_LIST).select(categories=["distillation"])
    assert sorted(p["data-key"] for p in page.papers()) == sorted(p.key for p in wanted)
    assert "<title>Distillation &lt;papers&gt;</title>" in html


def test_works_without_javascript_and_loads_nothing(shipped, run):
    page = Page(make_site(run))
    hidden = {a.get("id") or a.get("class") for t, a in page.elements if "hidden" in a}
    assert {"controls", "copy", "none"} <= hidden  # controls appear only with the script
    assert not any("src" in a for _, a in page.elements)  # nothing loaded
    assert not any(t in ("link", "img", "iframe", "object", "embed") for t, _ in page.elements)
    assert all(not a.get("style") for _, a in page.elements)  # no inline style attribute


def _csp(page: Page) -> str:
    return next(
        a["content"]
        for t, a in page.elements
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_allows_only_the_pages_own_script_and_style(shipped, run):
    page = Page(make_site(run))
    policy = dict(d.strip().split(" ", 1) for d in _csp(page).split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == _sha256(page.scripts[0])
    assert policy["style-src"] == _sha256(page.styles[0])
    assert policy["base-uri"] == policy["form-action"] == "'none'"
    assert len(page.scripts) == len(page.styles) == 1
    # the policy comes before anything it governs
    tags = [t for t, _ in page.elements]
    assert tags.index("meta") < tags.index("style")


@pytest.fixture
def hostile(shipped) -> Path:
    lib = shipped / "hostile.bib"
    lib.write_text(SHIPPED_LIBRARY.read_text(encoding="utf-8") + "\n" + HOSTILE_BIB, "utf-8")
    return lib


def test_hostile_values_are_text_not_markup(hostile, run):
    html = make_site(run, "--library", str(hostile))
    page = Page(html)
    assert len(page.papers()) == 34
    assert len(page.scripts) == 1 and "pwned" not in page.scripts[0]
    for tag, attrs in page.elements:
        assert tag not in ("img", "svg"), attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for value in attrs.values():
            assert not (value or "").lower().lstrip().startswith("javascript:"), (tag, attrs)
    assert "<script>window" not in html and "&lt;script&gt;window.pwned" in html
    title = next(t for t in page.titles if "pwned" in t)
    assert title.startswith("<script>window.pwned = 'title'</script>\" onmouseover=")
    evil = next(p for p in page.papers() if p["data-key"] == "evil2024script")
    assert evil["data-categories"] == "distillation"  # the bogus keyword is no category
    # no link from a javascript: URL: the title is plain text
    assert 'href="javascript' not in html.lower()


def test_output_must_be_a_folder(shipped, run):
    Path("site").write_text("a file", encoding="utf-8")
    res = run("site", "-o", "site")
    assert res.exit_code != 0 and "error" in res.stderr.lower()
    assert Path("site").read_text(encoding="utf-8") == "a file"


@pytest.mark.parametrize(
    ("fields", "link"),
    [
        ({"url": "https://example.org/paper"}, "https://example.org/paper"),
        ({"url": "javascript:alert(1)"}, None),
        ({"url": " JaVaScRiPt:alert(1)", "eprint": "2405.14867"},
         "https://arxiv.org/abs/2405.14867"),
        ({"url": "java\nscript:alert(1)"}, None),
        ({"url": "data:text/html,<script>alert(1)</script>"}, None),
        ({"url": "//evil.example/x"}, None),
        ({"doi": "10.1000/a b"}, "https://doi.org/10.1000/a%20b"),
        ({"eprint": "hep-th/9901001"}, "https://arxiv.org/abs/hep-th/9901001"),
        ({"url": 'https://example.org/"onmouseover=x'}, "https://example.org/%22onmouseover=x"),
    ],
)  # fmt: skip
def test_title_links_only_to_web_addresses(fields, link):
    from bibtexparser.model import Entry, Field

    from difbib.library.queries import Paper
    from difbib.outputs.site import safe_link

    paper = Paper(Entry("misc", "k", [Field(k, v) for k, v in fields.items()]))
    assert safe_link(paper) == link
