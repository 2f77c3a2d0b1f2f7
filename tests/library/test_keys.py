"""Citation keys: Google Scholar's rule, name splitting, and collision suffixes."""

from __future__ import annotations

import string

import pytest

from difbib.library.bibtex import base_key, family_name, name_parts, scholar_key, unique_key
from difbib.sources.record import ArxivRecord


def record(title: str, authors: list[str], published: str = "2024-05-23") -> ArxivRecord:
    return ArxivRecord("2405.14867", 2, title, authors, "", published, published, "cs.CV")


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Tianwei Yin", ("Tianwei", "", "Yin")),
        ("  Tianwei   Yin ", ("Tianwei", "", "Yin")),
        ("Laurens van der Maaten", ("Laurens", "van der", "Maaten")),
        ("van der Maaten, Laurens", ("Laurens", "van der", "Maaten")),
        ("Yin, Tianwei", ("Tianwei", "", "Yin")),
        ("El Kaafarani, Rami", ("Rami", "", "El Kaafarani")),
        ("Sheng-ming Yin", ("Sheng-ming", "", "Yin")),
        ("Plato", ("", "", "Plato")),
        ("{Black Forest Labs}", ("Black Forest", "", "Labs")),
        ("Ludwig von Beethoven Smith", ("Ludwig von Beethoven", "", "Smith")),
        # a lowercase given name alone is no particle: someone keeps a given name
        ("bell hooks", ("bell", "", "hooks")),
        ("de la Fuente, Maria", ("Maria", "de la", "Fuente")),
        ("de la, Maria", ("Maria", "de", "la")),  # as BibTeX: the last word is the family
    ],
)
def test_names_split_as_scholar_and_bibtex_read_them(name, parts):
    assert name_parts(name) == parts


def test_an_empty_name_is_no_name_not_a_crash():
    for name in ("", "   ", "{}", "{ }"):
        assert name_parts(name) == ("", "", "")
    assert scholar_key("{}", 2024, "Improved Matching") == "anon2024improved"


def test_family_name_keeps_its_particle_and_nothing_else():
    assert family_name("Laurens van der Maaten") == "van der Maaten"
    assert family_name("Tianwei Yin") == "Yin"
    assert family_name("Plato") == "Plato"


def test_key_without_author_year_or_significant_word():
    assert scholar_key(None, 2024, "Improved Matching") == "anon2024improved"
    assert scholar_key("", 2024, "Improved Matching") == "anon2024improved"
    assert scholar_key("Tianwei Yin", None, "Improved Matching") == "yinimproved"
    assert scholar_key("Tianwei Yin", "2023", "Improved Matching") == "yin2023improved"
    assert scholar_key("Tianwei Yin", 2024, "The Of And") == "yin2024"
    assert scholar_key("Tianwei Yin", 2024, "") == "yin2024"
    # a word of punctuation only is skipped, not taken as an empty word
    assert scholar_key("Tianwei Yin", 2024, "-- ... Improved") == "yin2024improved"
    # a family name of punctuation only is no name
    assert scholar_key("Tianwei ---", 2024, "Improved") == "anon2024improved"


def test_title_words_are_folded_to_ascii_and_lowercased():
    assert scholar_key("Tianwei Yin", 2024, "Élan Vital") == "yin2024elan"
    assert scholar_key("Tianwei Yin", 2024, "ÜBER Flows") == "yin2024uber"
    assert scholar_key("Tianwei Yin", 2024, "The Über Flows") == "yin2024uber"


def test_base_key_reads_the_first_author_the_year_and_latex_free_title():
    rec = record(r"\emph{Improved} Matching", ["Tianwei Yin", "Michaël Gharbi"])
    assert base_key(rec) == "yin2024improved"
    assert base_key(record(r"The \textbf{Flow} Model", ["Jie Liu"], "2019-01-02")) == (
        "liu2019flow"
    )
    assert base_key(record("Improved Matching", [])) == "anon2024improved"


def test_unique_key_suffixes_run_b_to_z_then_numbers():
    base = "yin2024improved"
    assert unique_key(base, set()) == base
    assert unique_key(base, {"other2024key"}) == base
    taken = {base}
    for letter in "bcdefghijklmnopqrstuvwxyz":
        key = unique_key(base, taken)
        assert key == base + letter
        taken.add(key)
    assert unique_key(base, taken) == base + "2"
    taken.add(base + "2")
    assert unique_key(base, taken) == base + "3"


def test_unique_key_compares_without_case_and_keeps_the_base_case():
    assert unique_key("yin2024improved", {"YIN2024IMPROVED"}) == "yin2024improvedb"
    taken = {"Yin2024Improved", "YIN2024IMPROVEDB"}
    assert unique_key("yin2024improved", taken) == "yin2024improvedc"
    taken = {"yin2024improved" + c for c in string.ascii_lowercase[1:]} | {"yin2024improved"}
    assert unique_key("Yin2024Improved", taken) == "Yin2024Improved2"
