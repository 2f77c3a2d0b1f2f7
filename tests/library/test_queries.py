"""Library, Paper and Selection: what the selectors of export, list, format and zotero see."""

from __future__ import annotations

from pathlib import Path

import pytest

from difbib.errors import SelectionError
from difbib.library.bibtex import parse_bib
from difbib.library.queries import Library, Selection
from difbib.sources.readinglist import make_category

BIB = r"""
@misc{lab2024robots,
  Author = {{Black and Decker Lab} and Ada Lovelace},
  Title = {Robots},
  Year = {2024},
  Keywords = {Robotics, to-read},
  Ranking = {rank4},
  eprint = {arXiv:2405.14867v2},
}
@misc{other2023,
  author = {Grace Hopper},
  title = {Compilers},
  year = {2023},
  KEYWORDS = {Compilers},
  eprint = {hep-th/9901001},
  archivePrefix = {HAL},
}
"""


@pytest.fixture
def library(tmp_path) -> Library:
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    return Library.load(path)


def test_authors_are_split_as_bibtex_splits_them(library):
    paper = library.paper("lab2024robots")
    assert paper.authors == ["Black and Decker Lab", "Ada Lovelace"]
    assert [p.key for p in library.select(search="decker")] == ["lab2024robots"]


def test_keywords_and_ranking_in_any_case_keep_categories_and_rating(library):
    assert [c.heading for c in library.categories] == ["Robotics", "to-read", "Compilers"]
    paper = library.paper("lab2024robots")
    assert paper.categories == ["Robotics", "to-read"] and paper.rating == 4
    assert [p.key for p in library.select(categories=["compilers"])] == ["other2023"]
    # with the list's categories too
    entries = list(parse_bib(BIB).entries)
    listed = Library(entries, [make_category("Robotics"), make_category("Compilers")])
    assert listed.paper("other2023").categories == ["Compilers"]


def test_arxiv_id_is_read_one_way(library):
    assert library.paper("lab2024robots").arxiv_id == "2405.14867"
    assert library.paper("other2023").arxiv_id is None  # another archive's eprint


def test_a_selection_is_the_same_as_keyword_criteria(library):
    selection = Selection(categories=("robotics",), min_rating=4)
    assert library.select(selection) == library.select(categories=["robotics"], min_rating=4)
    assert [p.key for p in library.select(selection)] == ["lab2024robots"]
    assert library.select(Selection()) == library.papers  # empty: everything
    with pytest.raises(TypeError):
        library.select(selection, year=2024)


def test_a_selection_reads_the_aux_file_and_applies_the_missing_key_policy(library, tmp_path):
    aux = tmp_path / "paper.aux"
    aux.write_text("\\citation{other2023,nobody2020}\n", encoding="utf-8")
    warnings: list[str] = []
    with pytest.raises(SelectionError, match="1 cited key"):
        library.select(Selection(aux=aux), warn=warnings.append)
    assert warnings == [f"{aux}: cited key 'nobody2020' is not in {library.path}"]
    papers = library.select(Selection(aux=aux, allow_missing=True))
    assert [p.key for p in papers] == ["other2023"]
    # keys add to the cited ones; other criteria narrow them down
    both = Selection(aux=aux, allow_missing=True, keys=("lab2024robots",))
    assert [p.key for p in library.select(both)] == ["lab2024robots", "other2023"]
    since = Selection(aux=aux, allow_missing=True, keys=("lab2024robots",), since=2024)
    assert [p.key for p in library.select(since)] == ["lab2024robots"]


def test_cli_selectors_are_the_selection_fields():
    """The selector options are defined once and map one to one onto Selection."""
    from difbib.cli import cli

    wanted = set(Selection.names())
    for name in ("export", "list", "format"):
        params = {p.name for p in cli.commands[name].params}
        assert wanted <= params, (name, wanted - params)
    push = cli.commands["zotero"].commands["push"]
    assert wanted <= {p.name for p in push.params}


def test_selection_paths_are_paths():
    assert Selection(aux="paper.aux").aux == Path("paper.aux")
    assert Selection(categories=["a", "b"]).categories == ("a", "b")
