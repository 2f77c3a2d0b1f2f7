"""`difbib list` and `difbib categories` on the shipped library."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import RemoveEnclosingMiddleware

from tests.helpers import SHIPPED_LIBRARY

DISTILLATION = [
    "chen2025sana",
    "jiang2025distribution",
    "liu2025decoupled",
    "yin2023one",
    "yin2024improved",
]


@pytest.fixture(scope="module")
def keywords_by_key() -> dict[str, list[str]]:
    """Each shipped entry's categories, read from library.bib by bibtexparser."""
    lib = bibtexparser.parse_string(
        SHIPPED_LIBRARY.read_text(encoding="utf-8"), parse_stack=[RemoveEnclosingMiddleware()]
    )
    return {
        e.key: [k.strip() for k in e.fields_dict["keywords"].value.split(",")] for e in lib.entries
    }


def test_list_table_shows_key_year_rating_title_categories(shipped, run):
    res = run("list", "--category", "distillation")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["key", "year", "rating", "title", "categories"]
    assert [line.split()[0] for line in lines[1:]] == DISTILLATION
    jiang = next(line for line in lines if line.startswith("jiang2025distribution"))
    assert "2025" in jiang and "★★★★★" in jiang
    assert "Distribution Matching Distillation Meets Reinforcement Learning" in jiang
    assert jiang.rstrip().endswith("distillation, reinforcement")
    sana = next(line for line in lines if line.startswith("chen2025sana"))
    assert "SANA-Sprint: One-Step" in sana  # plain title, no protecting braces
    assert "★★★☆☆" in sana


def test_list_json_for_scripts(shipped, run, keywords_by_key):
    res = run("list", "--json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert len(data) == 33 == len(keywords_by_key)
    for item in data:
        assert item["categories"] == keywords_by_key[item["key"]]
    by_key = {item["key"]: item for item in data}
    yin = by_key["yin2023one"]
    assert yin["year"] == 2024 and yin["rating"] == 5  # CVPR 2024 (arXiv v1: 2023)
    assert yin["authors"][1] == "Michaël Gharbi"
    assert yin["eprint"] == "2311.18828" and yin["url"] == "https://arxiv.org/abs/2311.18828"
    assert by_key["jiang2025distribution"]["category_slugs"] == ["distillation", "reinforcement"]
    assert by_key["labs2025flux"]["title"].startswith("FLUX.1 Kontext")


def test_list_uses_the_same_selectors(shipped, run):
    Path("paper.aux").write_text("\\citation{yin2024improved}\n")
    res = run("list", "--json", "--aux", "paper.aux")
    assert [p["key"] for p in json.loads(res.stdout)] == ["yin2024improved"]
    res = run("list", "--json", "--search", "distribution matching", "--year", "2024")
    # yin2023one is CVPR 2024: the entry's year is the venue's
    assert {p["key"] for p in json.loads(res.stdout)} == {"yin2023one", "yin2024improved"}


def test_list_no_match(shipped, run):
    res = run("list", "--search", "no such words anywhere")
    assert res.exit_code == 0 and res.stdout == "" and "no entries match" in res.stderr
    res = run("list", "--json", "--search", "no such words anywhere")
    assert res.exit_code == 0 and json.loads(res.stdout) == []


def test_list_bad_category_is_one_line(shipped, run):
    res = run("list", "-c", "i")
    assert res.exit_code == 1 and res.stdout == ""
    assert "ambiguous" in res.stderr and "inference-acceleration" in res.stderr
    assert "editing" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_categories_table_and_counts(shipped, run, keywords_by_key):
    res = run("categories")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["slug", "papers", "heading"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert len(rows) == 8
    assert rows["distillation"].split()[1] == "5"
    assert rows["distillation"].rstrip().endswith("Model Distillation")
    data = json.loads(run("categories", "--json").stdout)
    assert [c["slug"] for c in data] == [line.split()[0] for line in lines[1:]]
    for cat in data:
        expected = sum(cat["heading"] in cats for cats in keywords_by_key.values())
        assert cat["count"] == expected, cat
    # every slug is a name that --category accepts and selects that category
    for cat in data:
        got = json.loads(run("list", "--json", "-c", cat["slug"]).stdout)
        assert len(got) == cat["count"]


def test_categories_without_reading_list_come_from_keywords(shipped, run):
    Path("papers.md").unlink()
    res = run("categories", "--json")
    assert res.exit_code == 0
    assert {c["heading"] for c in json.loads(res.stdout)} >= {
        "Model Distillation",
        "Reinforcement Learning",
    }


def test_list_json_is_plain_text(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@article{a,\n  author = {R{\\'e}jean Ducharme and Aaron van den Oord and others},\n"
        "  title = {A \\emph{Neural}\n\tProbabilistic   {L}anguage Model at $3\\times$},\n"
        "  year = {2003},\n}\n",
        encoding="utf-8",
    )
    res = run("list", "--library", str(bib), "--json")
    (rec,) = json.loads(res.stdout)
    assert rec["title"] == "A Neural Probabilistic Language Model at 3×"
    assert rec["authors"] == ["Réjean Ducharme", "Aaron van den Oord", "others"]
