"""`difbib stats`: papers per category and year, ratings, venues, and the figure."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import bibtexparser
import pytest
from bibtexparser.middlewares import RemoveEnclosingMiddleware

from difbib.library.queries import Library
from difbib.outputs import stats as field
from difbib.sources.readinglist import read_list
from tests.helpers import SHIPPED_LIBRARY, SHIPPED_LIST


@pytest.fixture(scope="module")
def shipped_entries() -> list[tuple[str, int, list[str], int]]:
    """(key, year, categories, rating) of each shipped entry, read by bibtexparser itself."""
    lib = bibtexparser.parse_string(
        SHIPPED_LIBRARY.read_text(encoding="utf-8"), parse_stack=[RemoveEnclosingMiddleware()]
    )
    rows = []
    for e in lib.entries:
        f = e.fields_dict
        cats = [k.strip() for k in f["keywords"].value.split(",")]
        rows.append((e.key, int(f["year"].value), cats, int(f["ranking"].value[-1])))
    return rows


@pytest.fixture(scope="module")
def shipped_venues() -> Counter:
    """Papers per booktitle/journal of the shipped entries, read by bibtexparser itself."""
    lib = bibtexparser.parse_string(
        SHIPPED_LIBRARY.read_text(encoding="utf-8"), parse_stack=[RemoveEnclosingMiddleware()]
    )
    return Counter(
        f.value for e in lib.entries for f in e.fields if f.key in ("booktitle", "journal")
    )


def test_table_counts_papers_per_category_and_year(shipped, run, shipped_entries, shipped_venues):
    res = run("stats")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    years = sorted({year for _, year, _, _ in shipped_entries})
    assert lines[0].split() == ["category", *map(str, years), "papers", "rating"]
    categories = read_list(SHIPPED_LIST).categories
    assert len(categories) == 8
    for cat, line in zip(categories, lines[1:], strict=False):
        cells = line.split()
        assert cells[0] == cat.slug
        members = [(y, r) for _, y, cats, r in shipped_entries if cat.heading in cats]
        assert [int(c) for c in cells[1:-2]] == [
            sum(y == year for y, _ in members) for year in years
        ]
        assert int(cells[-2]) == len(members)
        assert float(cells[-1]) == pytest.approx(
            sum(r for _, r in members) / len(members), abs=0.005
        )
    total = lines[1 + len(categories)].split()
    assert total[:2] == ["all", "papers"]
    # a paper in two categories is counted once here
    assert [int(c) for c in total[2:-2]] == [
        sum(y == year for _, y, _, _ in shipped_entries) for year in years
    ]
    assert int(total[-2]) == len(shipped_entries)
    ratings = Counter(r for *_, r in shipped_entries)
    assert f"★★★★★   {ratings[5]}" in res.stdout
    assert f"★☆☆☆☆   {ratings[1]}" in res.stdout
    preprints = len(shipped_entries) - sum(shipped_venues.values())
    assert re.search(rf"\(preprint, no venue\)\s+{preprints}\n", res.stdout)
    for venue, n in shipped_venues.items():
        assert re.search(rf"{re.escape(venue)}\s+{n}\n", res.stdout)


def test_json_for_scripts(shipped, run, shipped_entries, shipped_venues):
    res = run("stats", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    years = [y for _, y, _, _ in shipped_entries]
    assert data["years"] == list(range(min(years), max(years) + 1))
    assert data["papers"] == len(shipped_entries)
    headings = [c.heading for c in read_list(SHIPPED_LIST).categories]
    assert [c["heading"] for c in data["categories"]] == headings
    for cat in data["categories"]:
        for year, count in cat["by_year"].items():
            assert count == sum(
                1 for _, y, cats, _ in shipped_entries if cat["heading"] in cats and y == int(year)
            )
    assert data["ratings"] == {str(r): n for r, n in sorted(
        Counter(r for *_, r in shipped_entries).items(), reverse=True)}  # fmt: skip
    assert {v["venue"]: v["papers"] for v in data["venues"]} == dict(shipped_venues)
    assert data["preprints"] == len(shipped_entries) - sum(shipped_venues.values())


def test_selectors_as_in_export(shipped, run, shipped_entries):
    res = run("stats", "--json", "--category", "rl", "-c", "reinforcement", "--since", "2025")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    # only the category asked for, though one of its papers is also in another
    assert [c["slug"] for c in data["categories"]] == ["reinforcement"]
    expected = [k for k, y, cats, _ in shipped_entries
                if "Reinforcement Learning" in cats and y >= 2025]  # fmt: skip
    assert data["papers"] == data["categories"][0]["papers"] == len(expected)
    res = run("stats", "--category", "nonesuch")
    assert res.exit_code == 1 and res.stderr.startswith("error: unknown category")


PUBLISHED_BIB = r"""@inproceedings{lipman2022flow,
  author    = {Yaron Lipman and Ricky T. Q. Chen},
  title     = {Flow Matching for Generative Modeling},
  booktitle = {The Eleventh International Conference on Learning Representations ({ICLR})},
  year      = {2023},
  eprint    = {2210.02747},
  keywords  = {Flow Matching Concepts},
  ranking   = {rank5},
}

@article{doe2024journal,
  author   = {Jane Doe},
  title    = {A Journal Paper},
  journal  = {Transactions on Diffusion},
  year     = {2024},
  keywords = {Flow Matching Concepts, Model Distillation},
}

@misc{roe2021preprint,
  author   = {Richard Roe},
  title    = {A Preprint},
  year     = {2021},
  eprint   = {2101.00001},
  keywords = {Model Distillation},
  ranking  = {rank2},
}

@misc{loose2024,
  author = {Nobody},
  title  = {In No Category},
  year   = {2024},
}
"""


def test_published_versions_count_by_their_venue_and_year(tmp_path, run):
    bib = tmp_path / "pub.bib"
    bib.write_text(PUBLISHED_BIB, encoding="utf-8")
    res = run("stats", "--json", "--library", str(bib), "--list", str(tmp_path / "none.md"))
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["years"] == [2021, 2022, 2023, 2024]  # contiguous, 2022 empty
    flow = next(c for c in data["categories"] if c["heading"] == "Flow Matching Concepts")
    assert flow["by_year"] == {"2021": 0, "2022": 0, "2023": 1, "2024": 1}
    assert data["venues"] == [
        {"venue": "The Eleventh International Conference on Learning Representations (ICLR)",
         "papers": 1},
        {"venue": "Transactions on Diffusion", "papers": 1},
    ]  # fmt: skip
    assert data["preprints"] == 2
    assert data["unrated"] == 2 and data["ratings"]["5"] == 1 and data["ratings"]["2"] == 1
    assert data["categories"][-1]["heading"] == field.NO_CATEGORY
    assert data["categories"][-1]["papers"] == 1
    table = run("stats", "--library", str(bib), "--list", str(tmp_path / "none.md")).stdout
    assert "Transactions on Diffusion" in table and "unrated" in table


# -- the figure -------------------------------------------------------------------


def test_figure_stacks_the_counts_by_category_in_list_order():
    library = Library.load(SHIPPED_LIBRARY, SHIPPED_LIST)
    stats = field.field_stats(library, library.papers)
    fig = field.figure(stats, width=3.5)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in stats.years]
    legend = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert legend == [c.heading for c in library.categories]
    colours = set()
    for cat, bars in zip(library.categories, ax.containers, strict=True):
        heights = [round(bar.get_height()) for bar in bars]
        assert heights == [
            sum(1 for p in library.papers if p.year == y and cat.heading in p.categories)
            for y in stats.years
        ]
        colours.add(bars[0].get_facecolor()[:3])
    okabe_ito = {tuple(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)) for c in field.OKABE_ITO}
    assert len(colours) == 8 and colours <= okabe_ito
    assert fig.get_size_inches()[0] == pytest.approx(3.5)


def test_plot_svg_is_vector_with_glyphs_embedded(shipped, run, shipped_entries):
    res = run("stats", "--plot", "field.svg")
    assert res.exit_code == 0, res.stderr
    years = [y for _, y, _, _ in shipped_entries]  # a published paper's year is the venue's
    span = f"{min(years)}-{max(years)}"
    assert f"field.svg: papers per year for 8 categories, {span}, 3.50in wide" in res.stderr
    svg = (shipped / "field.svg").read_bytes()
    root = ET.fromstring(svg)
    assert root.get("width") == "252pt"  # 3.5in
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.findall(".//svg:text", ns) == []  # text drawn as paths: no font needed
    assert root.findall(".//svg:image", ns) == []  # nothing raster
    assert root.find(".//svg:g[@id='distillation-2025']", ns) is not None
    assert b"<!-- Model Distillation -->" in svg
    # reproducible: the same counts give the same bytes
    assert run("stats", "--plot", "again.svg").exit_code == 0
    assert (shipped / "again.svg").read_bytes() == svg


def test_plot_pdf_embeds_truetype_fonts_at_the_given_width(shipped, run):
    res = run("stats", "--plot", "field.pdf", "--width", "246pt")
    assert res.exit_code == 0, res.stderr
    pdf = (shipped / "field.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf  # TrueType embedded
    assert b"/Type3" not in pdf and b"/CreationDate" not in pdf
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box and float(box.group(1)) == pytest.approx(246 / 72.27 * 72, abs=0.01)


def test_plot_png_at_300_dpi(shipped, run):
    res = run("stats", "--plot", "field.png", "--width", "8.5cm")
    assert res.exit_code == 0, res.stderr
    png = (shipped / "field.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == int(8.5 / 2.54 * 300)  # 300 dpi


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plot", "field.jpg"], "name the file .svg, .pdf or .png"),
        (["--plot", "field"], "name the file .svg, .pdf or .png"),
        (["--plot", "field.svg", "--width", "wide"], "is not a length"),
        (["--plot", "field.svg", "--width", "200in"], "out of range"),
        (["--plot", "field.svg", "--year", "1999"], "no selected paper has a year"),
    ],
)
def test_bad_plot_requests_are_one_error_line(shipped, run, args, message):
    res = run("stats", *args)
    assert res.exit_code == 1
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert "Traceback" not in res.stderr
    assert not list(shipped.glob("field*"))


def test_plot_without_matplotlib_names_the_extra(shipped, run, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    res = run("stats", "--plot", "field.svg")
    assert res.exit_code == 1
    assert res.stderr == (
        "error: --plot needs matplotlib, which is not installed: pip install 'difbib[plot]'\n"
    )
    assert not (shipped / "field.svg").exists()
    assert run("stats").exit_code == 0  # the tables need no extra
