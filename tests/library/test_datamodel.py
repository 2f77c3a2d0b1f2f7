"""The BibTeX data model: every entry type and field reaches CSL-JSON, RIS and Zotero.

``tests/data/bib/constructs.bib`` is written by hand with every construct (entry
types, macros, crossref, particles, ``and others``, ties). pandoc (citeproc's BibTeX
reader) is the independent reference for the CSL mapping: the tests skip without it,
except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import rispy

from difbib.library import bibtex
from difbib.library.datamodel import csl_variables, zotero_fields
from difbib.library.latex import make_safe, tex_to_text
from tests.helpers import DATA, SHIPPED_LIBRARY, pandoc

CONSTRUCTS = DATA / "bib" / "constructs.bib"
#: The CSL fields compared with pandoc (the issue's list).
COMPARED = ["type", "container-title", "volume", "issue", "page", "publisher", "DOI", "year",
            "author"]  # fmt: skip


def _need_pandoc() -> None:
    if shutil.which("pandoc") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have pandoc (the reference for the CSL mapping)")
        pytest.skip("needs pandoc")


def pandoc_csl(path: Path) -> list[dict]:
    _need_pandoc()
    out = subprocess.run(
        ["pandoc", str(path), "-t", "csljson"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def _value(item: dict, name: str) -> str | None:
    if name == "year":
        parts = (item.get("issued") or {}).get("date-parts") or [[]]
        return str(parts[0][0]) if parts[0] else None
    if name == "author":
        # pandoc keeps "and others" as a name ("others"); CSL has no such name
        names = [n for n in item.get("author") or [] if n.get("literal") != "others"]
        return "|".join(n.get("family") or n.get("literal") or "" for n in names) or None
    value = item.get(name)
    if value in (None, ""):
        return None
    return re.sub(r"\s+", " ", str(value)).strip().casefold()  # pandoc sentence-cases titles


def agreement(ours: list[dict], reference: list[dict]) -> tuple[int, int, list[str]]:
    """(agreeing, compared, differences) over the fields the reference fills."""
    by_id = {i["id"]: i for i in ours}
    agree = total = 0
    diffs = []
    for ref in reference:
        mine = by_id.get(ref["id"], {})
        for name in COMPARED:
            theirs = _value(ref, name)
            if theirs is None:
                continue
            total += 1
            if _value(mine, name) == theirs:
                agree += 1
            else:
                diffs.append(
                    f"{ref['id']} {name}: pandoc {theirs!r}, difbib {_value(mine, name)!r}"
                )
    return agree, total, diffs


@pytest.mark.parametrize("path", [CONSTRUCTS, SHIPPED_LIBRARY], ids=["constructs", "shipped"])
def test_csl_json_agrees_with_pandoc(path, run):
    reference = pandoc_csl(path)
    res = run("export", "--library", str(path), "--format", "csl-json")
    assert res.exit_code == 0, res.stderr
    agree, total, diffs = agreement(json.loads(res.stdout), reference)
    assert total > 0 and agree / total >= 0.95, diffs
    # the one deliberate difference: a howpublished that is only a URL is the URL
    assert all("someone2021web publisher" in d for d in diffs), diffs


@pytest.fixture(scope="module")
def csl() -> dict[str, dict]:
    entries = bibtex.resolve_entries(bibtex.read_bib(CONSTRUCTS))
    return {e.key: csl_variables(e.entry_type, {f.key: f.value for f in e.fields}) for e in entries}


def test_types_and_venues(csl):
    assert csl["oord2017neural"]["type"] == "paper-conference"
    assert csl["oord2017neural"]["container-title"] == (
        "Advances in Neural Information Processing Systems"
    )
    assert csl["kimeldorf1970correspondence"]["type"] == "article-journal"
    assert csl["kimeldorf1970correspondence"]["issue"] == "2"
    assert csl["kimeldorf1970correspondence"]["page"] == "495-502"
    assert csl["kimeldorf1970correspondence"]["issued"] == {"date-parts": [[1970, 4]]}
    assert csl["wittgenstein1929thesis"]["genre"] == "PhD thesis"
    assert csl["wittgenstein1929thesis"]["publisher"] == "University of Cambridge"
    assert csl["openai2023gpt4"]["type"] == "report"
    assert csl["openai2023gpt4"]["number"] == "TR-1"
    assert csl["fuente2005chapter"]["collection-title"] == "Lecture Notes in Computer Science"
    assert csl["fuente2005chapter"]["editor"] == [{"family": "Doe", "given": "Jane"}]
    # an arXiv @misc stays a preprint; a published paper keeping its eprint does not
    assert csl["yin2024improved"]["type"] == "article"
    assert csl["yin2024improved"]["publisher"] == "arXiv"
    assert csl["yin2024improved"]["number"] == "arXiv:2405.14867"
    assert csl["ho2020denoising"]["type"] == "paper-conference"
    assert "number" not in csl["ho2020denoising"]


def test_macros_months_and_crossref_are_resolved(csl):
    assert csl["yin2024onestep"]["container-title"] == (
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"
    )
    assert csl["goodfellow2016deep"]["publisher"] == "MIT Press"
    assert csl["oord2017neural"]["issued"] == {"date-parts": [[2017, 12]]}
    assert csl["vries2021particles"]["issued"] == {"date-parts": [[2021, 12]]}
    child = csl["child2019paper"]
    assert child["container-title"] == "Proceedings of the Workshop on Sampling"
    assert child["editor"] == [{"family": "Smith", "given": "Anna"}]
    assert child["issued"] == {"date-parts": [[2019]]} and child["publisher"] == "ACM"


def test_crossref_over_two_levels_follows_biblatex(csl):
    """A part of a volume of a multi-volume work: the work's title is the container,
    the volume's its volume title; the rest comes down both levels."""
    part = csl["assis2008esau"]
    assert part["type"] == "chapter"
    assert part["container-title"] == "Obra completa em quatro volumes"
    assert part["volume-title"] == "Romance" and part["volume"] == "1"
    assert part["publisher"] == "Nova Fronteira" and part["publisher-place"] == "Rio de Janeiro"
    assert part["issued"] == {"date-parts": [[2008]]}
    assert part["author"] == [
        {"family": "Assis", "given": "Machado", "non-dropping-particle": "de"}
    ]


def test_names(csl):
    assert csl["kimeldorf1970correspondence"]["author"][0] == {
        "family": "Kimeldorf",
        "given": "G. S.",
    }
    assert csl["oord2017neural"]["author"][0] == {
        "family": "Oord",
        "given": "Aaron",
        "non-dropping-particle": "van den",
    }
    assert csl["fuente2005chapter"]["author"] == [
        {"family": "Fuente", "given": "Juan", "non-dropping-particle": "de la"},
        {"family": "Smith", "given": "John", "suffix": "Jr."},
    ]
    assert csl["openai2023gpt4"]["author"] == [{"literal": "OpenAI"}]
    # "and others" is no name: CSL styles print "et al." by their own rules
    assert [n["family"] for n in csl["yin2024onestep"]["author"]] == ["Yin", "Gharbi"]
    assert csl["yin2024onestep"]["custom"] == {"author-et-al": True}
    assert csl["vries2021particles"]["author"][2] == {"family": "Sønderby", "given": "Casper Kaae"}


def test_tie_separated_initials_are_a_person():
    p = bibtex.person("G.~S.~Kimeldorf")
    assert (p.given, p.family, p.literal) == ("G. S.", "Kimeldorf", None)


# -- RIS and Zotero ----------------------------------------------------------------


def test_ris_carries_type_venue_and_numbers(run):
    res = run("export", "--library", str(CONSTRUCTS), "--format", "ris")
    recs = {r["id"]: r for r in rispy.loads(res.stdout)}
    paper = recs["oord2017neural"]
    assert paper["type_of_reference"] == "CPAPER"
    assert paper["secondary_title"] == "Advances in Neural Information Processing Systems"
    assert (paper["start_page"], paper["end_page"], paper["volume"]) == ("6306", "6315", "30")
    assert paper["secondary_authors"] == ["Guyon, I.", "von Luxburg, U."]
    article = recs["kimeldorf1970correspondence"]
    assert article["type_of_reference"] == "JOUR"
    assert article["journal_name"] == "The Annals of Mathematical Statistics"
    assert (article["number"], article["publisher"]) == (
        "2",
        "Institute of Mathematical Statistics",
    )
    assert recs["yin2024improved"]["type_of_reference"] == "UNPB"
    assert recs["wittgenstein1929thesis"]["type_of_reference"] == "THES"


@pytest.mark.parametrize(
    "key, item_type, venue_field",
    [
        ("oord2017neural", "conferencePaper", "proceedingsTitle"),
        ("kimeldorf1970correspondence", "journalArticle", "publicationTitle"),
        ("fuente2005chapter", "bookSection", "bookTitle"),
        ("yin2024improved", "preprint", None),
        ("wittgenstein1929thesis", "thesis", None),
        ("openai2023gpt4", "report", None),
    ],
)
def test_zotero_items_follow_the_schema(key, item_type, venue_field):
    from tests.helpers.zotero_server import ITEM_CREATOR_TYPES, ITEM_FIELDS

    entry = next(e for e in bibtex.resolve_entries(bibtex.read_bib(CONSTRUCTS)) if e.key == key)
    item = zotero_fields(entry.entry_type, {f.key: f.value for f in entry.fields})
    assert item["itemType"] == item_type
    assert set(item) - {"itemType", "creators"} <= ITEM_FIELDS[item_type]
    assert {c["creatorType"] for c in item["creators"]} <= ITEM_CREATOR_TYPES[item_type]
    if venue_field:
        assert item[venue_field]
    if item_type == "thesis":
        assert item["university"] == "University of Cambridge"
    if item_type == "preprint":
        assert (item["repository"], item["archiveID"]) == ("arXiv", "arXiv:2405.14867")


# -- BibTeX out ----------------------------------------------------------------------


def test_bibtex_export_expands_macros_and_keeps_month_macros(run):
    res = run(
        "export", "--library", str(CONSTRUCTS), "-k", "oord2017neural", "-k", "child2019paper"
    )
    out = res.stdout
    assert "booktitle     = {Advances in Neural Information Processing Systems}" in out
    assert "month         = dec," in out and "{dec}" not in out
    assert "crossref" not in out  # the child stands alone
    assert "booktitle     = {Proceedings of the Workshop on Sampling}" in out


def test_month_with_a_day_round_trips(tmp_path, run):
    path = tmp_path / "m.bib"
    path.write_text('@misc{a, title = {T}, year = 2020, month = apr # " 14"}\n', encoding="utf-8")
    out = run("export", "--library", str(path)).stdout
    assert "month         = apr # { 14}," in out and r"\#" not in out
    again = tmp_path / "again.bib"
    again.write_text(out, encoding="utf-8")
    item = json.loads(run("export", "--library", str(again), "--format", "csl-json").stdout)[0]
    assert item["issued"] == {"date-parts": [[2020, 4, 14]]}


def test_url_stays_a_command_in_tex_and_is_text_elsewhere(run):
    bib = run("export", "--library", str(CONSTRUCTS), "-k", "someone2021web").stdout
    assert r"\url{https://example.org/a_b}" in bib and "textbackslash" not in bib
    (item,) = json.loads(
        run("export", "--library", str(CONSTRUCTS), "-k", "someone2021web", "-f", "csl-json").stdout
    )
    assert item["URL"] == "https://example.org/a_b"


def test_sync_keeps_strings_and_macros_of_library_bib(shipped, run):
    lib = Path("library.bib")
    text = lib.read_text(encoding="utf-8")
    text = '@string{neurips = "Advances in Neural Information Processing Systems"}\n\n' + text
    text = text.replace(  # a preprint of the shipped library, edited by hand
        "{dalva2024fluxspace,", "{dalva2024fluxspace,\n  booktitle = neurips,\n  month = dec,", 1
    )
    lib.write_text(text, encoding="utf-8")
    assert run("sync", "--offline").exit_code == 0
    after = lib.read_text(encoding="utf-8")
    assert "@string{neurips" in after
    assert re.search(r"booktitle\s*=\s*neurips,", after) and re.search(r"month\s*=\s*dec,", after)


# -- text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tex, text",
    [
        (r"code at \href{https://github.com/x/y_z}{this URL}.",
         "code at this URL (https://github.com/x/y_z)."),
        (r"code at $\href{https://g.com/x}{this URL}$.", "code at this URL (https://g.com/x)."),
        (r"see \url{https://a.org/b_c~d}", "see https://a.org/b_c~d"),
        (r"INT4 $(\widetilde PV)$", "INT4 (P̃V)"),
        (r"at $4.53$$\times$ acceleration", "at 4.53× acceleration"),
        ("63% faster % a comment\nnext line", "63% faster next line"),
        (r"\emph{Deep}~learning  with \texttt{code}", "Deep learning with code"),
        (r"R{\'e}jean \"Ol{\o}f", "Réjean Öløf"),
        (r"\input{/etc/passwd} $\foo{x}$", r"\input{/etc/passwd} $\foo{x}$"),  # kept as TeX
        (r"The {\TeX} Users Group and \LaTeX{}", "The TeX Users Group and LaTeX"),
        (r"{\noopsort{Han}}H{\`a}n Ad\-di\-son", "Hàn Addison"),
        (r"Brooks\slash Cole, pp. 30--34, \S~24", "Brooks/Cole, pp. 30–34, § 24"),
        (r"see \url{https://a.org/{\~{}}me/a{\_}b?x=1{\&}y=2}", "see https://a.org/~me/a_b?x=1&y=2"),
        (r"Aristotle: \mkbibquote{Nicomachean \mkbibemph{Ethics}}\addcomma\space Book VII",
         "Aristotle: “Nicomachean Ethics”, Book VII"),
        (r"300--318\addsemicolon\space 62\bibrangedash 64", "300–318; 62–64"),
        (r"11\recto--12\verso", "11r–12v"),
        (r"\foreignlanguage{vietnamese}{H{\`a}n} \hologo{pdfTeX}", "Hàn pdfTeX"),
    ],
)  # fmt: skip
def test_tex_to_text(tex, text):
    assert tex_to_text(tex) == text


@pytest.mark.parametrize(
    "value, safe",
    [
        (r"see \url{https://a.org/b_c}", r"see \url{https://a.org/b_c}"),
        (r"\href{https://g.com/x}{this URL}", r"this URL (\url{https://g.com/x})"),
        (r"\url{a%b}", r"a\%b"),  # \url cannot take a % inside an argument: text
        (r"at $4.53$$\times$", r"at $4.53$$\times$"),
        (r"\write18{rm -rf /} \url{x}", r"\textbackslash{}write18{rm -rf /} \url{x}"),
    ],
)
def test_make_safe_keeps_harmless_tex(value, safe):
    assert make_safe(value) == safe
    assert make_safe(safe) == safe


# -- real-world shapes -----------------------------------------------------------

#: Files in the shapes reference managers write (written for the tests, with entries of
#: the shipped library among them): Zotero, Google Scholar, JabRef (@string, crossref,
#: a key and a field given twice), Mendeley (escaped DOI and URL), biblatex (date,
#: journaltitle, xdata, mvbook and collection crossref, entrysubtype, event).
REAL = sorted((DATA / "bib" / "real").glob("*.bib"))


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_real_world_files_agree_with_pandoc_per_field(path, run):
    """Every entry is read, and on each compared field difbib agrees with pandoc on at
    least 95% of the values pandoc fills (pandoc's own errors excused, see
    ``tests/helpers/pandoc.py``)."""
    _need_pandoc()
    reference, dropped = pandoc.pandoc_csl(path)
    res = run("export", "--library", str(path), "--format", "csl-json")
    assert res.exit_code == 0, res.stderr
    ours = json.loads(res.stdout)
    keys = {e.key for e in bibtex.read_bib(path, warn=False).entries}
    assert {i["id"] for i in ours} == keys - {"neurips-x"}  # every entry but the @xdata
    result = pandoc.compare(ours, reference, pandoc.ambiguous_keys(path))
    assert not dropped and not result.missing
    for name, count in result.fields.items():
        assert count.share >= 95, (name, result.diffs)
    assert result.total.counted >= 40


@pytest.fixture(scope="module")
def real() -> dict[str, dict]:
    items: dict[str, dict] = {}
    for path in REAL:
        entries = bibtex.resolve_entries(bibtex.read_bib(path, warn=False))
        for e in entries:
            items.setdefault(e.key, csl_variables(e.entry_type, {f.key: f.value for f in e.fields}))
    return items


def test_biblatex_types_and_periodicals(real):
    # a whole issue of a journal: its title is the journal
    assert real["jmlr:special"]["type"] == "article-journal"
    assert real["jmlr:special"]["container-title"] == "Journal of Machine Learning Research"
    assert real["news2023"]["type"] == "article-newspaper"  # entrysubtype
    assert real["talk2023"]["type"] == "speech"  # an @unpublished with an event
    assert real["iso8601"]["type"] == "standard"
    assert real["diffusers"]["type"] == "software"
    review = csl_variables("review", {"title": "R", "journal": "J", "number": "3"})
    assert (review["type"], review["issue"]) == ("review", "3")


def test_escaped_doi_and_url_are_their_characters(real):
    """Mendeley escapes identifiers as text: the DOI and URL are the characters."""
    assert real["Escape2020"]["DOI"] == "10.1000/a_b_c"
    assert real["Escape2020"]["URL"] == "https://example.org/~mueller/a_b?x=1&y=2"
    assert "publisher" not in real["Escape2020"]  # a howpublished that is only a URL
    url = real["Zhang2023a"]["URL"]
    assert url.endswith("Zhang_Adding_Conditional_Control_to_Text-to-Image_Diffusion_Models_"
                        "ICCV_2023_paper.html")  # fmt: skip


def test_containers_as_bibtex_and_pandoc_read_them(real):
    # a crossref parent's own booktitle, which BibTeX copies, wins over its title
    assert real["c1"]["container-title"] == "Proc Booktitle"
    assert real["c1"]["collection-title"] == "LNCS" and real["c1"]["volume"] == "7"
    # a paper in proceedings is in its booktitle, even with a journal given too
    assert real["y5"]["container-title"] == "Proc"
    assert real["y8"]["DOI"] == "10.1000/XYZ"  # "DOI: " in front


def test_publishers_join_as_pandoc_joins_them():
    csl = csl_variables("misc", {"howpublished": "Online journal.", "publisher": "SIF",
                                 "organization": "INFN"})  # fmt: skip
    assert csl["publisher"] == "INFN; Online journal. SIF"


def test_names_with_a_comma_are_family_given():
    assert csl_variables("article", {"author": "Lefebvre,Henri"})["author"] == [
        {"family": "Lefebvre", "given": "Henri"}
    ]
    # a group that a reference manager took for a person keeps that reading
    assert csl_variables("misc", {"author": "Labs, Black Forest and {Black Forest Labs}"})[
        "author"
    ] == [{"family": "Labs", "given": "Black Forest"}, {"literal": "Black Forest Labs"}]


def test_a_quote_in_braces_does_not_end_a_quoted_value(real):
    """``"zeitgem{"a}{\\ss}"`` is one value in BibTeX: the entry keeps the fields after it."""
    tsch = real["tschichold1991typographie"]
    assert tsch["title"] == 'Die neue Typographie: ein Handbuch für zeitgem"aß Schaffende'
    assert tsch["container-title"] == 'Verlag "Hermann Schmidt" Mainz'
    assert (tsch["volume"], tsch["page"]) == ("2", "1-240")
    text = (DATA / "bib" / "real" / "scholar.bib").read_text(encoding="utf-8")
    entry = next(e for e in bibtex.parse_bib(text).entries if e.key.startswith("tschichold"))
    assert 'zeitgem{"a}' in entry.raw and "\ue0f2" not in entry.raw


def test_biblatex_names_parts_and_commented_fields(real):
    assert real["hua2019names"]["author"] == [
        {"family": "Hua", "given": "Linfu"},
        {"family": "La Fontaine", "given": "Jean", "non-dropping-particle": "de"},
    ]
    assert real["hua2019names"]["container-title"] == "Journal of Names: Series B"
    # "% volume = {99}," is a comment (biber, pandoc); the fields after it are read
    assert "volume" not in real["hua2019names"] and real["hua2019names"]["issue"] == "3"
    assert real["congress1866"]["volume"] == "2d Sess."  # a part without a volume
    # "%@String{pub = ...}" is commented out: the definition after it holds
    assert real["congress1866"]["publisher"] == "Curran Associates"


def test_check_reports_what_biber_reads_otherwise_and_no_false_alarms(run):
    res = run("check", "--library", str(DATA / "bib" / "real" / "biblatex.bib"))
    out = res.stdout + res.stderr
    assert "biblatex.bib:3: pub: a block on a line commented out with %" in out
    assert "biblatex.bib:168: hua2019names: 2 line(s) commented out with %" in out
    assert "no year" not in out  # biblatex's date is a year
    assert "neurips-x" not in out  # an @xdata entry is never cited
