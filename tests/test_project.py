"""A project is found from any folder: difbib.toml, walking up as git does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from difbib.project import find_config, load_project
from tests.helpers import (
    NO_VENUE_NETWORK,
    SHIPPED_CACHE,
    SHIPPED_LIBRARY,
    SHIPPED_LIST,
    SHIPPED_TERMS,
)


@pytest.fixture
def proj(tmp_path, monkeypatch):
    """A project folder p/ with the shipped files, and an unrelated folder other/."""
    import os

    for var in [v for v in os.environ if v.startswith("DIFBIB_") and v not in NO_VENUE_NETWORK]:
        monkeypatch.delenv(var)
    root = tmp_path / "p"
    root.mkdir()
    for path in (SHIPPED_LIST, SHIPPED_LIBRARY, SHIPPED_CACHE, SHIPPED_TERMS):
        shutil.copy(path, root / path.name)
    (tmp_path / "other").mkdir()
    return root


def test_without_a_config_the_files_sit_beside_the_given_library(proj, monkeypatch, run):
    """The user's report: check from another folder read ./arxiv-cache.json."""
    monkeypatch.chdir(proj.parent / "other")
    res = run("check", "--library", "../p/library.bib", "--list", "../p/papers.md")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert res.stdout == ""
    assert "../p/arxiv-cache.json" in res.stderr  # it says which files it read
    project = load_project({"library": (Path("../p/library.bib"), "--library")})
    assert project.cache == Path("../p/arxiv-cache.json")
    assert project.origins["cache"] == "default"


def test_config_is_found_walking_up_from_a_subfolder(proj, monkeypatch, run):
    (proj / "difbib.toml").write_text("# my survey\n", encoding="utf-8")
    paper = proj / "paper" / "sections"
    paper.mkdir(parents=True)
    (paper / "main.aux").write_text("\\citation{yin2024improved}\n", encoding="utf-8")
    monkeypatch.chdir(paper)
    assert find_config() == proj / "difbib.toml"
    res = run("export", "--aux", "main.aux")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("@inproceedings{yin2024improved,")  # NeurIPS 2024


def test_config_names_files_and_settings(proj, monkeypatch, run):
    (proj / "lists").mkdir()
    shutil.move(proj / "papers.md", proj / "lists" / "survey.md")
    shutil.move(proj / "library.bib", proj / "refs.bib")
    (proj / "difbib.toml").write_text(
        'list = "lists/survey.md"\nlibrary = "refs.bib"\ndefault-style = "ieee"\n'
        '[zotero]\ncollection = "My survey"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(proj / "lists")
    res = run("list", "--category", "distillation")
    assert res.exit_code == 0, res.stderr
    assert "yin2024improved" in res.stdout
    res = run("format", "--key", "yin2024improved", "--no-cache")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("[1]")  # ieee, the project's default style
    assert "in ieee" in res.stderr
    project = load_project()
    assert project.zotero_collection == "My survey"
    assert project.list == proj / "lists" / "survey.md"
    assert project.origins["list"] == "difbib.toml"


def test_options_and_environment_win_over_the_config(proj, monkeypatch, run, tmp_path):
    (proj / "difbib.toml").write_text('library = "missing.bib"\n', encoding="utf-8")
    monkeypatch.chdir(proj)
    res = run("list")
    assert res.exit_code == 1
    assert "missing.bib" in res.stderr and "difbib.toml" in res.stderr  # names what it read
    assert run("list", "--library", "library.bib").exit_code == 0
    assert run("list", env={"DIFBIB_LIBRARY": "library.bib"}).exit_code == 0
    res = run("format", "-s", "apa", "-k", "yin2024improved", "--library", "library.bib")
    assert res.exit_code == 0 and "in apa" in res.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("list = [1]\n", "'list' must be a string"),
        ("lsit = 'x.md'\n", "unknown setting 'lsit'"),
        ("list = \n", "is not valid TOML"),
        ("[zotero]\ncolection = 'x'\n", "'zotero.colection'"),
    ],
)
def test_a_broken_config_is_one_error_naming_it(proj, monkeypatch, run, text, message):
    (proj / "difbib.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(proj)
    res = run("list")
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0] and "difbib.toml" in lines[0]


def test_protected_terms_come_from_the_project(proj, monkeypatch, run):
    (proj / "difbib.toml").write_text('protected-terms = "terms.txt"\n', encoding="utf-8")
    (proj / "terms.txt").write_text("Improved\n", encoding="utf-8")
    monkeypatch.chdir(proj)
    res = run("export", "--key", "yin2024improved")
    assert res.exit_code == 0, res.stderr
    assert "title         = {{Improved} Distribution Matching" in res.stdout
