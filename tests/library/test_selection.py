"""Which papers a selection picks: each criterion at its boundaries, and how they combine."""

from __future__ import annotations

import pytest

from difbib.errors import SelectionError
from difbib.library.bibtex import parse_bib
from difbib.library.queries import Library, Selection
from difbib.sources.readinglist import make_category

BIB = r"""
@misc{ada2022engines,
  author = {Ada Lovelace},
  title = {Analytical Engines},
  year = {2022},
  keywords = {Reinforcement Learning},
  ranking = {rank5},
  abstract = {Notes on the engine.},
}
@misc{hopper2023compilers,
  author = {Grace Hopper and Rafael Müller},
  title = {Compilers},
  year = {2023},
  keywords = {Model Distillation},
  ranking = {rank4},
}
@misc{turing2024machines,
  author = {Alan Turing},
  title = {Computing Machinery},
  year = {2024},
  keywords = {Reinforcement Learning, Model Distillation},
  ranking = {rank3},
  abstract = {Can machines think? An imitation game.},
}
@misc{noether2024rings,
  author = {Emmy Noether},
  title = {Idealtheorie in Ringbereichen},
  year = {2024},
  keywords = {Diffusion Models},
}
@misc{anon,
  author = {Nobody},
  title = {Undated Note},
}
"""

HEADINGS = [
    "Reinforcement Learning",  # slug reinforcement, aliases rl, reinforcement-learning
    "Model Distillation",  # slug distillation, aliases md, model-distillation
    "Diffusion Models",
    "Video Models",
    "RLHF Methods",  # slug rlhf: "rl" is a prefix of it
]


@pytest.fixture
def library() -> Library:
    return Library(list(parse_bib(BIB).entries), [make_category(h) for h in HEADINGS])


def keys(papers) -> list[str]:
    return [p.key for p in papers]


ALL_KEYS = [
    "ada2022engines",
    "hopper2023compilers",
    "turing2024machines",
    "noether2024rings",
    "anon",
]


def test_no_criteria_select_every_paper_in_library_order(library):
    assert keys(library.select()) == ALL_KEYS
    assert keys(library.select(Selection())) == ALL_KEYS


def test_categories_select_papers_in_any_of_them(library):
    assert keys(library.select(categories=["reinforcement-learning"])) == [
        "ada2022engines",
        "turing2024machines",
    ]
    assert keys(library.select(categories=["diffusion", "distillation"])) == [
        "hopper2023compilers",
        "turing2024machines",
        "noether2024rings",
    ]
    assert keys(library.select(categories=["video"])) == []  # known, but empty


def test_min_rating_keeps_papers_rated_at_least_that_and_never_unrated_ones(library):
    assert keys(library.select(min_rating=4)) == ["ada2022engines", "hopper2023compilers"]
    assert keys(library.select(min_rating=5)) == ["ada2022engines"]
    assert "noether2024rings" not in keys(library.select(min_rating=1))
    assert keys(library.select(min_rating=1)) == ALL_KEYS[:3]


def test_year_is_exact_and_since_includes_its_year(library):
    assert keys(library.select(year=2023)) == ["hopper2023compilers"]
    assert keys(library.select(since=2023)) == [
        "hopper2023compilers",
        "turing2024machines",
        "noether2024rings",
    ]
    assert keys(library.select(since=2025)) == []
    # an undated entry has no year to compare
    assert "anon" not in keys(library.select(since=0))


def test_search_folds_accents_and_case_over_title_abstract_and_authors(library):
    assert keys(library.select(search="COMPUTING")) == ["turing2024machines"]
    assert keys(library.select(search="imitation game")) == ["turing2024machines"]
    assert keys(library.select(search="muller")) == ["hopper2023compilers"]
    assert keys(library.select(search="Müller")) == ["hopper2023compilers"]
    assert keys(library.select(search="nothing like this")) == []
    assert keys(library.select(search="")) == ALL_KEYS  # an empty search is no criterion
    # papers without an abstract are not found by text they do not hold
    assert keys(library.select(search="x")) == []


def test_criteria_combine_and_keys_are_matched_without_case(library):
    chosen = library.select(keys=["TURING2024MACHINES", "ada2022engines"])
    assert keys(chosen) == ["ada2022engines", "turing2024machines"]  # library order
    assert keys(library.select(keys=["ada2022engines", "turing2024machines"], since=2024)) == [
        "turing2024machines"
    ]
    both = library.select(categories=["distillation"], min_rating=4, year=2023, search="hopper")
    assert keys(both) == ["hopper2023compilers"]
    with pytest.raises(SelectionError, match="no entry with key 'nobody1900'"):
        library.select(keys=["nobody1900"])


def test_cited_keys_select_papers_and_nocite_star_selects_all(library, tmp_path):
    aux = tmp_path / "paper.aux"
    aux.write_text("\\citation{noether2024rings}\n\\citation{Ada2022Engines}\n", "utf-8")
    assert keys(library.select(aux=aux)) == ["ada2022engines", "noether2024rings"]
    assert keys(library.select(aux=aux, min_rating=5)) == ["ada2022engines"]
    aux.write_text("\\citation{*}\n", "utf-8")
    assert keys(library.select(aux=aux)) == ALL_KEYS
    assert keys(library.select(aux=aux, keys=["anon"])) == ALL_KEYS
    assert keys(library.select(aux=aux, year=2022)) == ["ada2022engines"]


def test_a_document_citing_nothing_selects_nothing_unless_keys_are_given(library, tmp_path):
    aux = tmp_path / "paper.aux"
    aux.write_text("\\relax\n", "utf-8")
    assert library.select(aux=aux) == []
    assert keys(library.select(aux=aux, keys=["anon"])) == ["anon"]
    aux.write_text("\\citation{gone2020}\n", "utf-8")
    assert library.select(aux=aux, allow_missing=True) == []


def test_missing_cited_keys_are_each_reported_then_refused(library, tmp_path):
    aux = tmp_path / "paper.aux"
    aux.write_text("\\citation{gone2020,anon,lost2021}\n", "utf-8")
    warnings: list[str] = []
    with pytest.raises(SelectionError, match="^2 cited key\\(s\\) are not in the library"):
        library.select(aux=aux, warn=warnings.append)
    assert warnings == [
        f"{aux}: cited key 'gone2020' is not in the library",
        f"{aux}: cited key 'lost2021' is not in the library",
    ]
    warnings.clear()
    assert keys(library.select(aux=aux, allow_missing=True, warn=warnings.append)) == ["anon"]
    assert len(warnings) == 2
    # without a warn callback the policy holds all the same
    with pytest.raises(SelectionError):
        library.select(aux=aux)


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("reinforcement-learning", "Reinforcement Learning"),  # slug
        ("Reinforcement Learning", "Reinforcement Learning"),  # heading
        ("rl", "Reinforcement Learning"),  # alias
        ("reinf", "Reinforcement Learning"),  # prefix
        ("  DISTILLATION ", "Model Distillation"),
        ("Diffusion", "Diffusion Models"),
        ("distill", "Model Distillation"),  # a prefix of the slug
        ("model-dist", "Model Distillation"),  # a prefix of an alias
        ("rl", "Reinforcement Learning"),  # an exact alias wins over a prefix (rlhf)
        ("rlh", "RLHF Methods"),
    ],
)
def test_categories_are_found_by_the_names_users_type(library, name, heading):
    assert library.category(name).heading == heading


def test_category_names_that_match_several_none_or_nothing_are_refused(library):
    with pytest.raises(SelectionError, match="'models' is ambiguous: it could be .*diffusion"):
        library.category("models")
    with pytest.raises(SelectionError) as err:
        library.category("robotics")
    assert str(err.value) == (
        "unknown category 'robotics'; known categories: reinforcement, distillation, "
        "diffusion, video, rlhf (see 'difbib categories')"
    )
    with pytest.raises(SelectionError) as err:
        library.category("models")
    assert str(err.value) == (
        "category 'models' is ambiguous: it could be diffusion (Diffusion Models), "
        "video (Video Models)"
    )
    with pytest.raises(SelectionError) as err:
        library.category(" - ")
    assert str(err.value) == "empty category name; see 'difbib categories'"
    empty = Library([], [])
    with pytest.raises(SelectionError, match="known categories: none"):
        empty.category("rl")


def test_a_selection_takes_any_iterable_and_one_way_of_asking():
    selection = Selection(categories=["rl"], keys=["anon", "ada2022engines"])
    assert selection.categories == ("rl",) and selection.keys == ("anon", "ada2022engines")
    lib = Library([], [])
    with pytest.raises(TypeError, match="^pass a Selection or keyword criteria, not both$"):
        lib.select(selection, year=2024)
