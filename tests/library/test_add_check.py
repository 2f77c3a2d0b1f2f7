"""`difbib add` (editing the reading list) and `difbib check`."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest

from difbib.sources.readinglist import read_list


def keywords(key: str) -> str:
    lib = bibtexparser.parse_file("library.bib")
    return lib.entries_dict[key]["keywords"]


def test_add_to_a_category_writes_the_list_format_and_syncs(shipped, run):
    before = Path("papers.md").read_text(encoding="utf-8")
    res = run("add", "https://arxiv.org/pdf/2405.14867v2", "--category", "rl", "--offline")
    assert res.exit_code == 0, res.stderr
    assert "added 'Improved Distribution Matching Distillation for Fast Image Synthesis'" in (
        res.stderr
    )
    after = Path("papers.md").read_text(encoding="utf-8")
    block = (
        "\n**Improved Distribution Matching Distillation for Fast Image Synthesis** ⭐⭐⭐⭐ \\\n"
        "[[Paper](https://arxiv.org/abs/2405.14867)]\n"
    )
    # at the end of the Reinforcement Learning section, the rest of the list untouched
    assert "[[Project Page](https://gongyeliu.github.io/videoalign)]\n" + block in after
    assert after.replace(block, "", 1) == before
    paper = next(p for p in read_list("papers.md").papers if p.arxiv_id == "2405.14867")
    assert paper.categories == ["Model Distillation", "Reinforcement Learning"]
    assert paper.rating == 4  # the rating it already had
    assert keywords("yin2024improved") == "Model Distillation, Reinforcement Learning"


def test_add_a_new_category_at_the_end(shipped, run):
    res = run("add", "2210.02747", "--new-category", "Video Generation", "-r", "5", "--offline")
    assert res.exit_code == 0, res.stderr
    text = Path("papers.md").read_text(encoding="utf-8")
    assert text.endswith(
        "## Video Generation\n\n**Flow Matching for Generative Modeling** ⭐⭐⭐⭐⭐ \\\n"
        "[[Paper](https://arxiv.org/abs/2210.02747)]\n"
    )
    reading = read_list("papers.md")
    assert reading.categories[-1].slug == "video"
    assert keywords("lipman2022flow") == "Flow Matching Concepts, Video Generation"


def test_add_asks_arxiv_once_for_a_new_paper(project, run_online, arxiv_server):
    assert run_online("sync").exit_code == 0
    Path("arxiv-cache.json").unlink()
    arxiv_server.requests.clear()
    res = run_online("add", "2412.08629", "-c", "milestone", "--no-sync")
    assert res.exit_code == 0, res.stderr
    assert len(arxiv_server.requests) == 1


def test_add_keeps_crlf_line_ends(shipped, run):
    crlf = Path("papers.md").read_text(encoding="utf-8").replace("\n", "\r\n")
    Path("papers.md").write_bytes(crlf.encode("utf-8"))
    assert run("add", "2210.02747", "-c", "editing", "--offline", "-q").exit_code == 0
    data = Path("papers.md").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"[[Paper](https://arxiv.org/abs/2210.02747)]\r\n" in data


def test_add_refuses_bad_input_and_leaves_the_list_alone(shipped, run):
    before = Path("papers.md").read_bytes()
    cases = [
        (["2412.096118", "-c", "rl"], "error: malformed arXiv id '2412.096118': ids from 2412"),
        (["https://github.com/x/y", "-c", "rl"], "error: 'https://github.com/x/y' is not an arXiv"),
        (["2405.14867", "-c", "distillation"], "error: arXiv:2405.14867 is already listed under"),
        (["2405.14867", "-c", "nosuch"], "error: unknown category 'nosuch'; known categories:"),
        (["2405.14867", "-c", "model"], "error: category 'model' is ambiguous"),
        (["2405.14867"], "error: say where the paper goes"),
        (["2401.00001", "-c", "rl"], "error: --offline, but the cache has no metadata"),
        (["2210.02747", "--new-category", "Image Editing"], "error: category 'Image Editing'"),
    ]
    for args, message in cases:
        res = run("add", *args, "--offline")
        assert res.exit_code == 1, (args, res.stderr)
        assert res.stderr.startswith(message), res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    assert Path("papers.md").read_bytes() == before


def test_add_an_id_arxiv_does_not_have(project, run_online):
    res = run_online("add", "2401.00001", "-c", "rl", "--no-sync")
    assert res.exit_code == 1
    assert res.stderr.strip().endswith("error: arXiv has no paper 2401.00001; check the id")


# -- check -------------------------------------------------------------------------


def test_shipped_library_checks_clean(shipped, run):
    res = run("check")
    assert res.exit_code == 0, res.stdout
    assert res.stdout == ""
    assert "no problems found" in res.stderr


def test_check_reports_each_problem_on_its_own_line(shipped, run):
    text = Path("library.bib").read_text(encoding="utf-8")
    text = text.replace("{yin2023one,", "{yin2023one,\n  note = {50% off},", 1)
    text = text.replace("{lipman2022flow,", "{Yin2024Improved,", 1)
    text += "\n@misc{extra2020,\n  author = {A. Person},\n  year = {2020},\n}\n"
    Path("library.bib").write_text(text, encoding="utf-8")
    res = run("check")
    assert res.exit_code == 5  # problems found (1 is an error)
    lines = res.stdout.splitlines()
    assert any(
        line.startswith("library.bib:") and "yin2024improved: key used by more than one" in line
        for line in lines
    )
    assert any("yin2023one: note would break LaTeX" in line for line in lines)
    assert any("extra2020: no title" in line for line in lines)
    assert any("extra2020: in no category of the reading list" in line for line in lines)
    # the renamed entry is now a duplicate of another paper: FM is "missing" no more, but
    # the key clash is reported for both spellings
    assert any("Yin2024Improved: key used by more than one" in line for line in lines)
    assert res.stderr.strip().endswith("problem(s) found")


def test_check_finds_papers_missing_from_the_library(shipped, run):
    text = Path("library.bib").read_text(encoding="utf-8")
    start = text.index("{yin2023one,")
    end = text.index("\n}\n", start) + 3
    Path("library.bib").write_text(text[:start] + text[end:], encoding="utf-8")
    res = run("check")
    assert res.exit_code == 5
    assert "'One-step Diffusion with Distribution Matching Distillation' is not in the library" in (
        res.stdout
    )


@pytest.mark.parametrize("eprint", ["arXiv:2405.14867", "2405.14867v2", " 2405.14867 "])
def test_check_reads_a_hand_written_eprint_as_the_same_paper(shipped, run, eprint):
    text = Path("library.bib").read_text(encoding="utf-8")
    old = "  eprint        = {2405.14867},"
    assert old in text
    Path("library.bib").write_text(text.replace(old, f"  eprint = {{{eprint}}},"), "utf-8")
    res = run("check")
    assert "is not in the library" not in res.stdout, res.stdout
    assert res.exit_code == 0, res.stdout


def test_check_finds_the_same_paper_twice_however_its_eprint_is_written(shipped, run):
    text = Path("library.bib").read_text(encoding="utf-8")
    text += "\n@misc{copy,\n  author = {A. B},\n  title = {T},\n  year = {2024},\n"
    text += "  eprint = {arXiv:2405.14867v3},\n  keywords = {Model Distillation},\n}\n"
    Path("library.bib").write_text(text, encoding="utf-8")
    res = run("check")
    assert res.exit_code == 5
    assert "copy: same arXiv paper (2405.14867) as yin2024improved" in res.stdout


def test_check_a_broken_library(shipped, run):
    Path("library.bib").write_text("@misc{a,\n title = {x\n", encoding="utf-8")
    res = run("check")
    assert res.exit_code == 5  # a problem found, reported like any other
    assert res.stdout.startswith("library.bib:1: ") and "Traceback" not in res.stderr
    assert "end of file" in res.stdout.splitlines()[0]  # bibtexparser's reason, in one line
    assert "error" not in res.stderr


def test_several_papers_go_to_the_same_new_category(shipped, run):
    res = run("add", "2210.02747", "2405.14867", "--new-category", "Video Generation", "--offline")
    assert res.exit_code == 0, res.stderr
    reading = read_list("papers.md")
    assert [c.heading for c in reading.categories].count("Video Generation") == 1
    video = [p.arxiv_id for p in reading.papers if "Video Generation" in p.categories]
    assert video == ["2405.14867", "2210.02747"]  # in list order of first appearance


def test_check_reports_structural_problems_with_lines_and_no_false_alarms(
    tmp_path, monkeypatch, run
):
    monkeypatch.chdir(tmp_path)
    bib = tmp_path / "lib.bib"
    bib.write_text(
        '@string{neurips = "Advances in NeurIPS"}\n'  # 1
        '@string{neurips = "again"}\n'  # 2
        "@inproceedings{a, author = {A. B}, title = {T}, year = 2020,\n"  # 3
        "  booktitle = neurips, month = apr # { 14}}\n"  # 4
        "@misc{A, author = {C. D}, title = {U}, year = 2021}\n"  # 5
        "@misc{b, author = {E. F}, title = {V}, title = {W}, year = 2022}\n"  # 6
        "@techreport{, title = {keyless}}\n"  # 7
        "@proceedings{p, editor = {G. H}, title = {Proc}, year = 2019}\n"  # 8
        "@inproceedings{c, author = {I. J}, title = {X}, year = 2019, crossref = {nothere}}\n",
        encoding="utf-8",
    )
    res = run("check", "--library", str(bib))
    assert res.exit_code == 5
    lines = res.stdout.splitlines()
    where = str(bib)
    assert any(x.startswith(f"{where}:2: ") and "@string 'neurips'" in x for x in lines)
    assert any(x.startswith(f"{where}:5: A: key used by more than one") for x in lines)
    assert any(x.startswith(f"{where}:3: a: key used by more than one") for x in lines)
    assert any(x.startswith(f"{where}:6: b: field title given more than once") for x in lines)
    assert any(x.startswith(f"{where}:7: ") and "without a key" in x for x in lines)
    assert any(x.startswith(f"{where}:9: c: crossref 'nothere'") for x in lines)
    # no false alarms: a macro value is not "unsafe", a proceedings needs no author
    assert not any("would break LaTeX" in x for x in lines), lines
    assert not any("p: no author" in x for x in lines), lines
    # every other command goes on, with one warning line per problem
    res = run("export", "--library", str(bib))
    assert res.exit_code == 0
    warnings = [x for x in res.stderr.splitlines() if x.startswith("warning: ")]
    assert len(warnings) == 5 and all(re.search(r"line \d+: ", w) for w in warnings)
    assert "@misc{A," not in res.stdout and "title         = {V}," in res.stdout
    assert "failed_block" not in res.stderr and "Traceback" not in res.stderr
