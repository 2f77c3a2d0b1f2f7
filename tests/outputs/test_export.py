"""`difbib export`: selectors, formats, round trips and bad input, on the shipped library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import RemoveEnclosingMiddleware
from pylatexenc.latex2text import LatexNodes2Text

from tests.helpers import SHIPPED_LIBRARY

DISTILLATION = {
    "chen2025sana",
    "jiang2025distribution",
    "liu2025decoupled",
    "yin2023one",
    "yin2024improved",
}


def parse(text: str) -> dict[str, bibtexparser.model.Entry]:
    """BibTeX text parsed by bibtexparser, enclosing braces removed; no failed blocks."""
    lib = bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware()])
    assert not lib.failed_blocks, lib.failed_blocks
    return {e.key: e for e in lib.entries}


def fields(entry) -> dict[str, str]:
    return {f.key: f.value for f in entry.fields}


@pytest.fixture(scope="module")
def shipped_entries():
    return parse(SHIPPED_LIBRARY.read_text(encoding="utf-8"))


def keys_of(res) -> set[str]:
    assert res.exit_code == 0, res.stderr
    return set(parse(res.stdout))


# -- the example ----------------------------------------------------------


def test_export_distillation_holds_exactly_its_five_papers(shipped, run):
    res = run("export", "--category", "distillation")
    assert res.exit_code == 0, res.stderr
    entries = parse(res.stdout)
    assert set(entries) == DISTILLATION
    both = fields(entries["jiang2025distribution"])["keywords"]
    assert "Model Distillation" in both and "Reinforcement Learning" in both
    assert re.match(r"@\w+\{", res.stdout.lstrip())  # data only on stdout
    assert "5 entries" in res.stderr


def test_bibtex_round_trip_keeps_every_entry_and_field(shipped, run, shipped_entries):
    res = run("export")
    exported = parse(res.stdout)
    assert set(exported) == set(shipped_entries) and len(exported) == 33
    for key, entry in shipped_entries.items():
        assert exported[key].entry_type == entry.entry_type
        assert fields(exported[key]) == fields(entry), key


# -- selectors --------------------------------------------------------------------


def test_category_short_forms_prefixes_and_several(shipped, run, shipped_entries):
    rl = {
        k for k, e in shipped_entries.items() if "Reinforcement Learning" in fields(e)["keywords"]
    }
    assert keys_of(run("export", "-c", "rl")) == rl
    assert keys_of(run("export", "-c", "distil")) == DISTILLATION
    assert keys_of(run("export", "-c", "Model Distillation")) == DISTILLATION
    assert keys_of(run("export", "-c", "distillation", "-c", "rl")) == DISTILLATION | rl
    assert len(DISTILLATION | rl) == len(DISTILLATION) + len(rl) - 1  # one paper in both


def test_ambiguous_category_names_its_candidates(shipped, run):
    res = run("export", "--category", "m")
    assert res.exit_code == 1 and res.stdout == ""
    assert "ambiguous" in res.stderr
    for slug in ("milestone", "optimization", "distillation", "flow-matching"):
        assert slug in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_unknown_category_lists_all_categories(shipped, run):
    res = run("export", "--category", "quantum")
    assert res.exit_code == 1 and res.stdout == ""
    assert "unknown category 'quantum'" in res.stderr
    for slug in ("milestone", "inference-acceleration", "distillation", "personalized"):
        assert slug in res.stderr


def test_rating_year_since_and_search(shipped, run, shipped_entries):
    def where(pred):
        return {k for k, e in shipped_entries.items() if pred(fields(e))}

    assert keys_of(run("export", "--min-rating", "5")) == where(lambda f: f["ranking"] == "rank5")
    assert keys_of(run("export", "--year", "2024")) == where(lambda f: f["year"] == "2024")
    assert keys_of(run("export", "--since", "2025")) == where(lambda f: f["year"] >= "2025")
    both = keys_of(run("export", "--since", "2024", "--min-rating", "4", "-c", "distillation"))
    # yin2023one is CVPR 2024: a published paper's year is the venue's
    assert both == {
        "jiang2025distribution",
        "liu2025decoupled",
        "yin2024improved",
        "yin2023one",
    }
    # case- and accent-insensitive, in authors: "Michaël Gharbi"
    assert keys_of(run("export", "--search", "MICHAEL gharbi")) == {
        "yin2023one",
        "yin2024improved",
    }
    assert keys_of(run("export", "--search", "sana-sprint")) == {"chen2025sana"}
    # abstract text
    assert "chen2025sana" in keys_of(run("export", "--search", "pareto frontier"))


def test_keys(shipped, run):
    got = keys_of(run("export", "--key", "yin2023one", "-k", "CHEN2025SANA"))
    assert got == {"yin2023one", "chen2025sana"}
    res = run("export", "--key", "nobody2020")
    assert res.exit_code == 1 and "nobody2020" in res.stderr and res.stdout == ""


def test_aux_exports_exactly_the_cited_entries(shipped, run):
    Path("chap1.aux").write_text("\\relax\n\\abx@aux@cite{0}{liu2025decoupled}\n")
    Path("paper.aux").write_text(
        "\\relax\n\\citation{yin2023one,chen2025sana}\n"
        "\\citation{yin2023one}\n\\@input{chap1.aux}\n\\bibstyle{plainnat}\n"
    )
    got = keys_of(run("export", "--aux", "paper.aux"))
    assert got == {"yin2023one", "chen2025sana", "liu2025decoupled"}
    # combined with another selector: both must hold
    assert keys_of(run("export", "--aux", "paper.aux", "--min-rating", "5")) == {
        "yin2023one",
        "liu2025decoupled",
    }


def test_aux_missing_keys_fail_unless_allowed(shipped, run):
    Path("paper.aux").write_text("\\citation{yin2023one,vaswani2017attention}\n")
    res = run("export", "--aux", "paper.aux")
    assert res.exit_code == 1 and res.stdout == ""
    assert "vaswani2017attention" in res.stderr and "--allow-missing" in res.stderr
    res = run("export", "--aux", "paper.aux", "--allow-missing")
    assert res.exit_code == 0
    assert set(parse(res.stdout)) == {"yin2023one"}
    assert "vaswani2017attention" in res.stderr


def test_aux_nocite_star_means_everything(shipped, run):
    Path("paper.aux").write_text("\\citation{*}\n")
    assert len(keys_of(run("export", "--aux", "paper.aux"))) == 33


def test_missing_aux_is_one_clear_line(shipped, run):
    res = run("export", "--aux", "nothere.aux")
    assert res.exit_code == 1 and "nothere.aux" in res.stderr and "run LaTeX" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_no_match_is_empty_output_a_note_and_exit_0(shipped, run):
    res = run("export", "--search", "no such words anywhere")
    assert res.exit_code == 0 and res.stdout == ""
    assert "no entries match" in res.stderr
    Path("refs.bib").write_text("old")
    res = run("export", "--search", "no such words anywhere", "-o", "refs.bib")
    assert res.exit_code == 0 and Path("refs.bib").read_text() == ""


# -- output and fields ------------------------------------------------------------


def test_output_file_is_written_and_stdout_stays_empty(shipped, run):
    res = run("export", "-c", "distillation", "-o", "refs.bib")
    assert res.exit_code == 0 and res.stdout == ""
    assert set(parse(Path("refs.bib").read_text(encoding="utf-8"))) == DISTILLATION
    assert not list(Path(".").glob(".refs.bib.*"))  # no temporary file left behind
    res = run("export", "-o", "no/such/dir/refs.bib")
    assert res.exit_code == 1 and "cannot write" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_drop_and_minimal(shipped, run):
    res = run("export", "-c", "distillation", "--drop", "abstract,Keywords", "--drop", "doi")
    for entry in parse(res.stdout).values():
        names = {n.lower() for n in fields(entry)}
        assert not names & {"abstract", "keywords", "doi"}
        assert {"author", "title", "year", "eprint", "url", "ranking"} <= names
    res = run("export", "-c", "distillation", "--minimal")
    for entry in parse(res.stdout).values():
        names = {n.lower() for n in fields(entry)}
        assert not names & {"abstract", "keywords", "ranking"}
        assert {"author", "title", "year", "eprint", "url"} <= names
        assert "doi" in names or entry.entry_type != "misc"  # a published paper has no arXiv DOI
    res = run("export", "--drop", "abstract,{evil}")
    assert res.exit_code == 1 and "--drop" in res.stderr


def test_ascii_output_is_ascii_and_means_the_same(shipped, run, shipped_entries):
    res = run("export", "--ascii")
    assert res.exit_code == 0
    res.stdout.encode("ascii")  # raises if any non-ASCII is left
    exported = parse(res.stdout)
    assert set(exported) == set(shipped_entries)
    assert 'Micha{\\"e}l Gharbi' in fields(exported["yin2023one"])["author"]
    to_text = LatexNodes2Text().latex_to_text
    for key, entry in shipped_entries.items():
        for name in ("author", "title", "abstract"):
            original = fields(entry)[name]
            assert to_text(fields(exported[key])[name]) == to_text(original), (key, name)


def test_unknown_format_lists_the_formats(shipped, run):
    res = run("export", "--format", "endnote-xml")
    assert res.exit_code == 2 and res.stdout == ""  # a usage error, like every bad choice
    assert "Invalid value for '--format'" in res.stderr
    for name in ("bibtex", "biblatex", "ris"):
        assert name in res.stderr


# -- biblatex ---------------------------------------------------------------------


def test_biblatex_entries_are_online_with_eprint_fields(shipped, run, shipped_entries):
    res = run("export", "--format", "biblatex")
    exported = parse(res.stdout)
    assert set(exported) == set(shipped_entries)
    for key, entry in exported.items():
        f = fields(entry)
        src = fields(shipped_entries[key])
        # preprints are @online; published papers keep their type (issue 14 maps their venue)
        assert entry.entry_type == (
            "online" if shipped_entries[key].entry_type == "misc" else entry.entry_type
        )
        assert f["eprinttype"] == "arxiv"
        assert f["eprint"] == src["eprint"]
        assert f["eprintclass"] == src["primaryClass"]
        assert f["date"] == src["year"]
        assert f.get("doi") == src.get("doi") and f["url"] == src["url"]
        assert f["title"] == src["title"] and f["author"] == src["author"]
        assert not {"year", "archivePrefix", "primaryClass"} & set(f)
        # JabRef's ranking is not in biblatex's data model: the rating is a keyword
        assert "ranking" not in f
        assert f["keywords"] == src["keywords"] + ", rating:" + src["ranking"][-1]
    res = run("export", "--format", "biblatex", "--drop", "keywords", "-k", "yin2024improved")
    assert "keywords" not in fields(parse(res.stdout)["yin2024improved"])
    res = run("export", "--format", "biblatex", "--minimal", "-k", "yin2024improved")
    assert "keywords" not in fields(parse(res.stdout)["yin2024improved"])


# -- RIS --------------------------------------------------------------------------


def test_ris_parses_back_with_categories_and_rating(shipped, run, shipped_entries):
    res = run("export", "--format", "ris", "-c", "distillation")
    assert res.exit_code == 0
    lines = [line for line in res.stdout.splitlines() if line.strip()]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines), lines[:3]
    records = {r["id"]: r for r in rispy.loads(res.stdout)}
    assert set(records) == DISTILLATION

    to_text = LatexNodes2Text().latex_to_text
    for key, rec in records.items():
        src = fields(shipped_entries[key])
        published = shipped_entries[key].entry_type != "misc"
        assert rec["type_of_reference"] == ("CPAPER" if published else "UNPB")
        assert rec["primary_title"] == to_text(src["title"])
        assert len(rec["authors"]) == len(src["author"].split(" and "))
        assert rec["year"] == src["year"]
        assert rec.get("doi") == src.get("doi") and rec["urls"] == [src["url"]]
        assert rec["abstract"] == to_text(src["abstract"])
        cats = [c.strip() for c in src["keywords"].split(",")]
        assert rec["keywords"] == [*cats, f"rating:{src['ranking'][-1]}"]
        assert f"arXiv:{src['eprint']}" in rec["notes"][0]
    assert records["yin2023one"]["authors"][:2] == ["Yin, Tianwei", "Gharbi, Michaël"]
    assert set(records["jiang2025distribution"]["keywords"]) >= {
        "Model Distillation",
        "Reinforcement Learning",
    }


def test_ris_group_author_stays_whole(shipped, run):
    res = run("export", "--format", "ris", "--key", "labs2025flux")
    (rec,) = rispy.loads(res.stdout)
    assert rec["authors"][0] == "Black Forest Labs"
    assert rec["primary_title"].startswith("FLUX.1 Kontext:")


# -- bad input --------------------------------------------------------------------


def test_missing_broken_and_non_utf8_libraries_get_one_line(shipped, run):
    res = run("export", "--library", "nothere.bib")
    assert res.exit_code == 1 and "nothere.bib" in res.stderr and "difbib sync" in res.stderr
    Path("broken.bib").write_text(
        '@misc{b, title={x}}\n\n@misc{a,\n  title = "unterminated,\n}\n@misc{c, title={y}}\n'
    )
    res = run("export", "--library", "broken.bib")
    # one broken block costs only itself: one warning line, with its line number
    assert res.exit_code == 0 and "@misc{b," in res.stdout
    (warning,) = [w for w in res.stderr.splitlines() if w.startswith("warning")]
    assert warning.startswith("warning: broken.bib: line 3:") and "skipped" in warning
    Path("latin1.bib").write_bytes("@misc{a, title={Caf\u00e9}}\n".encode("latin-1"))
    res = run("export", "--library", "latin1.bib")  # an older file: read as Latin-1
    assert res.exit_code == 0 and "Caf\u00e9" in res.stdout
    (warning,) = [w for w in res.stderr.splitlines() if w.startswith("warning")]
    assert "not UTF-8" in warning and "Traceback" not in res.stderr


def test_ascii_is_refused_for_ris(shipped, run):
    res = run("export", "--format", "ris", "--ascii")
    assert res.exit_code == 2 and res.stdout == "" and "--ascii" in res.stderr


def test_output_never_overwrites_the_library(shipped, run):
    before = Path("library.bib").read_bytes()
    res = run("export", "-c", "rl", "-o", "./library.bib")
    assert res.exit_code == 1 and "refusing to overwrite" in res.stderr
    assert Path("library.bib").read_bytes() == before


def test_drop_of_a_field_nobody_has_is_a_warning(shipped, run):
    res = run("export", "-c", "rl", "--drop", "abstarct")
    assert res.exit_code == 0 and "abstarct" in res.stderr
    assert all("abstract" in fields(e) for e in parse(res.stdout).values())


# -- the core, without the CLI ----------------------------------------------------


def test_url_safe_keeps_urls_and_encodes_what_breaks_tex():
    from difbib.outputs.export import url_safe

    for url in (
        "https://arxiv.org/abs/2405.14867",
        "https://example.org/a_b~c?x=1&y=%20#frag",
        "10.48550/arXiv.2405.14867",
    ):
        assert url_safe(url) == url
    hostile = 'https://x.org/a b{c}\\input{d}%zz"é'
    safe = url_safe(hostile)
    assert safe == "https://x.org/a%20b%7Bc%7D%5Cinput%7Bd%7D%25zz%22%C3%A9"
    assert url_safe(safe) == safe


def test_ascii_names_characters_without_latex_form():
    from difbib.library.bibtex import make_entry
    from difbib.library.queries import Library
    from difbib.outputs.export import ExportOptions, export

    entry = make_entry("li2025cjk", {"author": "李 Wei and Zoë Ølsen", "title": "Qwen 图像 ≥ α"})
    papers = Library([entry], []).papers
    notes: list[str] = []
    text = export(papers, "bibtex", ExportOptions(ascii=True, warn=notes.append))
    text.encode("ascii")
    assert len(notes) == 1 and "李" in notes[0] and "图" in notes[0] and "≥" not in notes[0]
    assert "U+674E" in text  # 李, lossless
    assert 'Zo{\\"e} {\\O}lsen' in text


def test_search_reads_tex_accents_and_unsplittable_letters(tmp_path, run, monkeypatch):
    lib = tmp_path / "hand.bib"
    lib.write_text(
        '@misc{gronbech2024tex,\n  author = {Sofie Gr{\\o}nbech and J{\\"u}rgen M{\\"u}ller},\n'
        "  title = {Fast {Flows}},\n  year = {2024},\n  keywords = {Flows},\n}\n\n"
        "@misc{lukasz2024uni,\n  author = {Łukasz Kowalski and Zoë Ølsen},\n"
        "  title = {Slow Flows with 50\\% less},\n  year = {2024},\n  keywords = {Flows},\n}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # no papers.md here: categories come from the keywords
    base = ("list", "--json", "--library", str(lib))

    def found(query: str) -> list[str]:
        res = run(*base, "--search", query)
        assert res.exit_code == 0, res.stderr
        return [p["key"] for p in json.loads(res.stdout)]

    assert found("gronbech") == ["gronbech2024tex"]
    assert found("Jurgen Müller") == ["gronbech2024tex"]
    assert found("lukasz") == ["lukasz2024uni"]
    assert found("OLSEN") == ["lukasz2024uni"]
    assert found("50% less") == ["lukasz2024uni"]


def test_category_by_words_of_its_heading(shipped, run, shipped_entries):
    heading = "Personalized - ID Preserving Image Generation"
    expected = {k for k, e in shipped_entries.items() if heading in fields(e)["keywords"]}
    assert 0 < len(expected) < len(shipped_entries)
    res = run("list", "--json", "-c", "id-preserving")
    assert res.exit_code == 0, res.stderr
    listed = json.loads(res.stdout)
    assert {p["key"] for p in listed} == expected
    assert all("personalized" in p["category_slugs"] for p in listed)


def test_aux_and_key_add_up(shipped, run):
    Path("paper.aux").write_text("\\citation{yin2023one}\n")
    got = keys_of(run("export", "--aux", "paper.aux", "--key", "chen2025sana"))
    assert got == {"yin2023one", "chen2025sana"}
    Path("empty.aux").write_text("\\relax\n")
    assert keys_of(run("export", "--aux", "empty.aux", "--key", "chen2025sana")) == {"chen2025sana"}
    res = run("export", "--aux", "empty.aux")
    assert res.exit_code == 0 and res.stdout == "" and "no entries match" in res.stderr


def test_aux_nocite_star_still_names_missing_keys(shipped, run):
    Path("paper.aux").write_text("\\citation{*}\n\\citation{vaswani2017attention}\n")
    res = run("export", "--aux", "paper.aux")
    assert res.exit_code == 1 and "vaswani2017attention" in res.stderr
    res = run("export", "--aux", "paper.aux", "--allow-missing")
    assert res.exit_code == 0 and len(parse(res.stdout)) == 33
