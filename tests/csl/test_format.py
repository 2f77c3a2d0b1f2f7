"""difbib format / styles / cite, as a user runs them on the shipped library."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata

import pytest

from tests.helpers import ROOT, SEED_HEADINGS, as_preprints

PROJECT_STYLES = ROOT / "styles"


@pytest.fixture
def fmt(shipped, run, tmp_path, monkeypatch):
    """The CLI in a scratch copy of the project, with the project styles and a fresh cache.

    Its library holds every paper as its arXiv preprint (what these tests are about);
    published entries are tested in tests/csl/test_published_format.py.
    """
    as_preprints(shipped / "library.bib")
    shutil.copytree(PROJECT_STYLES, shipped / "styles")
    monkeypatch.setenv("DIFBIB_RENDER_CACHE_DIR", str(tmp_path / "cache"))
    return run


def first_author_key(entry: str) -> str:
    """What an APA reader sorts by: the first author's name, letters only."""
    head = entry.split(",")[0]
    head = unicodedata.normalize("NFKD", head)
    return "".join(c for c in head.casefold() if c.isalnum())


def test_apa_prints_33_sorted_entries(fmt):
    res = fmt("format", "--style", "apa")
    assert res.exit_code == 0, res.stderr
    entries = res.stdout.splitlines()
    assert len(entries) == 33
    keys = [first_author_key(e) for e in entries]
    assert keys == sorted(keys)
    assert entries[0].startswith("Black Forest Labs, Batifol, S.")
    # arXiv preprints the APA way, with arXiv's own spelling
    lipman = next(e for e in entries if e.startswith("Lipman"))
    assert "(2022). Flow Matching for Generative Modeling (arXiv:2210.02747). arXiv." in lipman
    assert lipman.endswith("https://doi.org/10.48550/arXiv.2210.02747")
    assert "33 entries in apa" in res.stderr


def test_selection_and_ieee_numbering(fmt):
    res = fmt("format", "--style", "ieee", "--category", "rl")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 4
    assert [line.split(" ", 1)[0] for line in lines] == ["[1]", "[2]", "[3]", "[4]"]
    # punctuation inside the closing quote, as IEEE (and citeproc-js) has it
    assert all(",” 2025" in line for line in lines)


def test_group_by_category_lists_a_paper_under_each_of_its_categories(fmt):
    res = fmt("format", "--style", "apa", "--group-by", "category", "--to", "markdown")
    assert res.exit_code == 0, res.stderr
    headings = re.findall(r"^## (.+)$", res.stdout, re.M)
    assert headings == SEED_HEADINGS
    sections = dict(zip(headings, re.split(r"^## .+$", res.stdout, flags=re.M)[1:], strict=True))
    dmd_rl = "Distribution Matching Distillation Meets Reinforcement Learning"
    assert dmd_rl in sections["Model Distillation"]
    assert dmd_rl in sections["Reinforcement Learning"]
    assert dmd_rl not in sections["Image Editing"]
    assert res.stdout.count(dmd_rl) == 2


def test_numbered_style_grouped_by_category_numbers_down_the_sections(fmt):
    """A survey reads [1], [2], [3] ... down its sections; a paper listed again under a
    second category keeps the number it got first."""
    res = fmt("format", "--style", "ieee", "--group-by", "category", "--to", "markdown")
    assert res.exit_code == 0, res.stderr
    numbers = [int(n) for n in re.findall(r"^\\?\[(\d+)\\?\]", res.stdout, re.M)]
    assert len(numbers) > 33  # papers in two categories appear twice
    first_seen = list(dict.fromkeys(numbers))
    assert first_seen == list(range(1, 34))
    sections = re.split(r"^## .+$", res.stdout, flags=re.M)[1:]
    first = [int(n) for n in re.findall(r"^\\?\[(\d+)\\?\]", sections[0], re.M)]
    assert first == list(range(1, len(first) + 1))


def test_markdown_italics_and_links(fmt):
    res = fmt("format", "--style", "ieee", "--key", "lipman2022flow", "--to", "markdown")
    assert res.exit_code == 0, res.stderr
    assert "*arXiv*" in res.stdout  # IEEE sets the repository in italics
    res = fmt("format", "--style", "apa", "--key", "lipman2022flow", "--to", "markdown")
    assert res.stdout.strip().endswith("<https://doi.org/10.48550/arXiv.2210.02747>")


def test_html_escapes_values(fmt, shipped):
    bib = (shipped / "library.bib").read_text(encoding="utf-8")
    bib = bib.replace(
        "title         = {Flow Matching for Generative Modeling}",
        "title         = {Flow Matching <script>alert(1)</script> & Friends}",
    )
    (shipped / "library.bib").write_text(bib, encoding="utf-8")
    res = fmt("format", "--style", "apa", "--key", "lipman2022flow", "--to", "html")
    assert res.exit_code == 0, res.stderr
    assert "<script>" not in res.stdout
    # escaped the way citeproc-js escapes
    assert "Flow Matching &#60;script&#62;alert(1)&#60;/script&#62; &#38; Friends" in res.stdout
    assert res.stdout.startswith('<div class="csl-bib-body">')
    assert "<i>Flow Matching &#60;script&#62;" in res.stdout  # APA italicises the title


def test_markdown_escapes_values(fmt, shipped):
    bib = (shipped / "library.bib").read_text(encoding="utf-8")
    bib = bib.replace(
        "title         = {Flow Matching for Generative Modeling}",
        "title         = {Flow *Matching* <b>bold</b>}",
    )
    (shipped / "library.bib").write_text(bib, encoding="utf-8")
    res = fmt("format", "--style", "apa", "--key", "lipman2022flow", "--to", "markdown")
    assert r"*Flow \*Matching\* \<b\>bold\</b\>*" in res.stdout


def test_cite_author_date_and_numeric(fmt):
    res = fmt("cite", "yin2024improved", "--style", "apa")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "(Yin et al., 2024)\n"
    res = fmt("cite", "yin2024improved", "lipman2022flow", "--style", "ieee")
    assert res.stdout == "[1], [2]\n"
    res = fmt("cite", "lipman2022flow", "--style", "nature")
    assert res.stdout == "1\n"


def test_project_style_one_line_per_paper(fmt):
    res = fmt("format", "--style", "difbib-compact")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 33
    assert (
        "Yin et al. (2024). Improved Distribution Matching Distillation for Fast Image "
        "Synthesis. arXiv:2405.14867"
    ) in lines
    assert "Lipman et al. (2022). Flow Matching for Generative Modeling. arXiv:2210.02747" in lines
    assert (
        "Dao (2023). FlashAttention-2: Faster Attention with Better Parallelism and Work "
        "Partitioning. arXiv:2307.08691"
    ) in lines
    years = [int(re.search(r"\((\d{4})\)", line).group(1)) for line in lines]
    assert years == sorted(years, reverse=True)  # newest first
    res = fmt("cite", "dao2023flashattention", "yin2024improved", "--style", "difbib-compact")
    assert res.stdout == "(Dao, 2023; Yin et al., 2024)\n"


def test_style_by_path_and_dependent_style(fmt, shipped):
    res = fmt(
        "format", "-k", "lipman2022flow", "--style", str(shipped / "styles/difbib-compact.csl")
    )
    assert res.stdout.startswith("Lipman et al. (2022).")
    nature = fmt("format", "-k", "lipman2022flow", "--style", "nature")
    digest = fmt("format", "-k", "lipman2022flow", "--style", "nature-digest")
    assert digest.exit_code == 0, digest.stderr
    assert digest.stdout == nature.stdout
    assert "dependent style 'nature-digest' uses 'nature'" in digest.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--style", "apaa"], "unknown style 'apaa'; closest: apa"),
        (["--style", "ieeee"], "closest: ieee"),
        (["--style", "missing/style.csl"], "style file 'missing/style.csl' not found"),
        (["--locale", "en-XX"], "unknown locale 'en-XX'; did you mean en-GB, en-US"),
        (["--category", "nope"], "unknown category 'nope'"),
    ],
)
def test_bad_input_is_one_line_error(fmt, args, message):
    res = fmt("format", *args)
    assert res.exit_code == 1
    assert res.stdout == ""
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_broken_style_file_is_an_error(fmt, shipped):
    (shipped / "styles" / "broken.csl").write_text("<style><oops></style>", encoding="utf-8")
    res = fmt("format", "--style", "broken")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: style ") and "cannot be read" in res.stderr


def test_style_that_citeproc_cannot_render_is_an_error(fmt, shipped):
    (shipped / "styles" / "bad-macro.csl").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">'
        "<info><title>Bad</title><id>x</id><updated>2025-01-01T00:00:00+00:00</updated></info>"
        '<citation><layout><text macro="nowhere"/></layout></citation>'
        '<bibliography><layout><text macro="nowhere"/></layout></bibliography></style>',
        encoding="utf-8",
    )
    for args in (["format"], ["cite", "lipman2022flow"]):
        res = fmt(*args, "--style", "bad-macro")
        assert res.exit_code == 1
        assert res.stderr.startswith("error: citeproc-py could not render with style 'bad-macro'")
        assert len(res.stderr.strip().splitlines()) == 1


def test_cite_unknown_key(fmt):
    res = fmt("cite", "nobody2099", "--style", "apa")
    assert res.exit_code == 1
    assert "no entry with key 'nobody2099' in 'library.bib'" in res.stderr  # the file it read


def test_styles_lists_package_and_project_styles(fmt):
    res = fmt("styles", "--search", "compact")
    assert res.exit_code == 0
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    assert rows[0][0] == "difbib-compact" and rows[0][2] == "project"
    res = fmt("styles", "--search", "Nature Digest")
    assert ["nature-digest", "Nature Digest", "package, dependent on nature"] in [
        line.split("\t") for line in res.stdout.splitlines()
    ]
    res = fmt("styles")
    names = {line.split("\t")[0] for line in res.stdout.splitlines()}
    assert {"apa", "ieee", "chicago-author-date", "modern-language-association"} <= names
    assert len(names) > 2800
    # the summary says how many are independent and how many only rename a parent
    independent = sum(1 for line in res.stdout.splitlines() if line.endswith("\tpackage"))
    dependent = sum(1 for line in res.stdout.splitlines() if "\tpackage, dependent on" in line)
    assert res.stderr.strip() == (
        f"{len(names)} style(s): {independent} independent, {dependent} dependent "
        f"(a journal's name for an independent style), 1 project"
    )


def test_cache_reuses_entries_and_rerenders_a_changed_one(fmt, shipped, tmp_path):
    first = fmt("format", "--style", "apa")
    assert first.exit_code == 0
    (cache_file,) = (tmp_path / "cache").glob("rendered-*.json")
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    assert len(data["entries"]) == 33
    # Mark every cached text: a second run must print the marked texts (read back,
    # not rendered again).
    data["entries"] = {k: "CACHED " + v for k, v in data["entries"].items()}
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    second = fmt("format", "--style", "apa")
    assert second.stdout.splitlines() == ["CACHED " + e for e in first.stdout.splitlines()]
    # A changed entry is rendered again; the others still come from the cache.
    bib = (shipped / "library.bib").read_text(encoding="utf-8")
    bib = bib.replace("{Flow Matching for Generative Modeling}", "{Flow Matching, Revised}")
    (shipped / "library.bib").write_text(bib, encoding="utf-8")
    third = fmt("format", "--style", "apa").stdout.splitlines()
    fresh = [e for e in third if not e.startswith("CACHED ")]
    assert len(fresh) == 1 and "Flow Matching, Revised (arXiv:2210.02747)" in fresh[0]
    assert len(third) == 33
    # --no-cache renders everything
    assert "CACHED" not in fmt("format", "--style", "apa", "--no-cache").stdout


def test_a_warm_run_converts_no_entry_and_a_changed_one_only_that(fmt, shipped, monkeypatch):
    """Nothing changed: the entries come from the cache without being converted to
    CSL-JSON (no TeX goes through pylatexenc); when one entry changed, that entry
    alone is converted again, and the output is what a run without cache prints."""
    from difbib.csl import bibformat

    first = fmt("format", "--style", "apa")
    converted: list[str] = []
    real = bibformat.to_csl_item

    def counting(paper, omit=()):
        converted.append(paper.key)
        return real(paper, omit)

    monkeypatch.setattr(bibformat, "to_csl_item", counting)
    second = fmt("format", "--style", "apa")
    assert second.stdout == first.stdout
    assert converted == []
    bib = (shipped / "library.bib").read_text(encoding="utf-8")
    bib = bib.replace("{Flow Matching for Generative Modeling}", "{Flow Matching, Revised}")
    (shipped / "library.bib").write_text(bib, encoding="utf-8")
    third = fmt("format", "--style", "apa").stdout
    assert converted == ["lipman2022flow"]
    assert "Flow Matching, Revised (arXiv:2210.02747)" in third
    assert third == fmt("format", "--style", "apa", "--no-cache").stdout


def test_abstracts_are_printed_by_a_style_that_names_them(fmt, shipped):
    """APA never prints the abstract (so it is not converted); a style that names the
    variable still gets it."""
    style = (PROJECT_STYLES / "difbib-compact.csl").read_text(encoding="utf-8")
    style = re.sub(
        r"(<bibliography.*?<layout[^>]*>)",
        r'\1<text variable="abstract" prefix="[" suffix="] "/>',
        style,
        count=1,
        flags=re.S,
    )
    (shipped / "styles" / "with-abstract.csl").write_text(style, encoding="utf-8")
    for _ in range(2):  # cold, then from the cache
        res = fmt("format", "--style", "with-abstract", "--key", "lipman2022flow")
        assert res.exit_code == 0, res.stderr
        assert res.stdout.startswith("[We introduce a new paradigm for generative modeling")


def test_library_api_without_cli(shipped):
    from difbib.csl.bibformat import format_bibliography
    from difbib.csl.styles import resolve
    from difbib.library.queries import Library

    as_preprints(shipped / "library.bib")
    library = Library.load("library.bib", "papers.md")
    text = format_bibliography(library.select(keys=["lipman2022flow"]), resolve("apa"))
    assert text.startswith("Lipman, Y., Chen, R. T. Q., Ben-Hamu, H., Nickel, M., & Le, M. (2022).")


def test_look_alike_cites_are_disambiguated(fmt, shipped):
    """Two Dao 2023 papers get 2023a/2023b; two Yin et al. 2024 papers get more names."""
    bib = (shipped / "library.bib").read_text(encoding="utf-8")
    bib = bib.replace("@misc{yin2023one,", "@misc{yin2023one,\n  note = {same year},")
    bib = bib.replace(
        "title         = {One-step Diffusion with Distribution Matching Distillation},\n"
        "  year          = {2023},",
        "title         = {One-step Diffusion with Distribution Matching Distillation},\n"
        "  year          = {2024},",
    )
    bib += (
        "\n@misc{dao2023twin,\n  author = {Tri Dao},\n  title = {A Second Paper},\n"
        "  year = {2023},\n  eprint = {2307.99999},\n  archivePrefix = {arXiv},\n}\n"
    )
    (shipped / "library.bib").write_text(bib, encoding="utf-8")
    out = fmt("format", "--style", "apa").stdout
    assert "Dao, T. (2023a). A Second Paper (arXiv:2307.99999). arXiv." in out
    assert "Dao, T. (2023b). FlashAttention-2:" in out
    # In a document citing these, the two Yin et al. 2024 get names added, and
    # Dao's two 2023 papers share one "Dao" (APA collapses years).
    res = fmt(
        "cite",
        "dao2023twin",
        "dao2023flashattention",
        "yin2023one",
        "yin2024improved",
        "--style",
        "apa",
    )
    assert res.exit_code == 0, res.stderr
    assert res.stdout == (
        "(Dao, 2023a, 2023b; Yin, Gharbi, Park, et al., 2024; Yin, Gharbi, Zhang, et al., 2024)\n"
    )


def test_difbibs_own_style_works_from_any_folder(shipped, run):
    """The project style is found without a styles/ folder next to the library."""
    assert not (shipped / "styles").exists()
    res = run("format", "--style", "difbib-compact", "--category", "distillation")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 5
    # a preprint ends with its arXiv id; a published paper with its venue, not its
    # arXiv URL (no DOI in these entries)
    venues = r"Advances in Neural Information Processing Systems|Proceedings of the .+"
    ends = r"(arXiv:\d{4}\.\d{5}|" + venues + ")$"
    assert all(re.search(r"\(20\d\d\)\. .+\. " + ends, line) for line in lines), lines
    assert any(not line.endswith(tuple("0123456789")) for line in lines)


AND_OTHERS = """@article{smith2020, author = {Smith, John and others}, title = {A Title},
  journal = {Journal}, year = 2020}
@article{doe2021, author = {Doe, Jane and Roe, Rick}, title = {Another Title},
  journal = {Journal}, year = 2021}
@book{ed2019, editor = {Jones, Ann and others}, title = {Edited Volume},
  publisher = {Press}, year = 2019}
"""


@pytest.mark.parametrize(
    ("style", "entry", "cite"),
    [
        ("apa", "Smith, J. et al. (2020).", "(Smith et al., 2020)"),
        ("modern-language-association", "Smith, John, et al. “A Title.”", "(Smith et al.)"),
        ("ieee", "J. Smith et al., “A Title,”", None),
        ("chicago-author-date", "Smith, John et al. 2020.", "(Smith et al. 2020)"),
    ],
)
def test_and_others_prints_et_al(run, tmp_path, monkeypatch, style, entry, cite):
    """BibTeX's ``and others`` is "et al." in the style's own form, in the bibliography
    and in cites, as BibTeX's and biblatex's styles print it; a complete list gets none."""
    monkeypatch.setenv("DIFBIB_RENDER_CACHE_DIR", str(tmp_path / "cache"))
    bib = tmp_path / "refs.bib"
    bib.write_text(AND_OTHERS, encoding="utf-8")
    out = run("format", "--library", str(bib), "--style", style).stdout
    assert entry in out
    assert out.count("et al.") == 2  # Smith's and the editors'; not Doe and Roe's
    if cite:
        assert (
            run("cite", "--library", str(bib), "--style", style, "smith2020").stdout.strip() == cite
        )
