"""The CSL-suite fixes of :mod:`difbib.csl.compat` (S1-S13) as functions a user's
bibliography meets, checked without the suite itself (which lives in ``../shared``)."""

from __future__ import annotations

import pytest

from difbib.csl import compat, numbers, render
from difbib.csl.styles import resolve


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("1100-23", "chicago", "1100–1123"),
        ("1536-538", "minimal", "1536–8"),
        ("321-328", "minimal-two", "321–28"),
        ("110-5", "expanded", "110–115"),
        ("110-5", None, "110–5"),
        ("N110 - N5", "expanded", "N110–N115"),
        ("N110 - P5", "expanded", "N110-P5"),
        ("xxv-xxviii", "chicago", "xxv–xxviii"),
        ("Michaelson-Morely", "expanded", "Michaelson-Morely"),
        ("1496-1500", "chicago-16", "1496–500"),
    ],
)
def test_page_ranges_follow_page_range_format(text, fmt, expected):
    # (every locale has the "page" term, as has_term says)
    ctx = numbers.Context("page", has_term=lambda name: True, page_range_format=fmt)
    assert numbers.render(text, ctx) == expected


@pytest.mark.parametrize(
    ("given", "mark", "normalize", "expected"),
    [
        ("John M.E.", ". ", False, "J. M. E."),
        ("Ph.M.E.", ". ", False, "Ph. M. E."),
        ("ME", "", False, "M"),
        ("Sheng-ming", ". ", False, "S."),
        ("Jean-Paul", ". ", False, "J.-P."),
        ("John M.E.", ". ", True, "John M. E."),
        ("M.E", "", True, "ME"),
    ],
)
def test_initials_as_citeproc_js_makes_them(given, mark, normalize, expected):
    assert compat.initialize_with(given, mark, normalize_only=normalize) == expected


def test_particles_and_suffixes_are_parsed_out_of_names():
    assert compat.parse_name({"family": "van Gogh", "given": "Vincent"}) == {
        "family": "Gogh",
        "given": "Vincent",
        "non-dropping-particle": "van",
    }
    von = compat.parse_name({"family": "Humboldt", "given": "Alexander von"})
    assert (von["given"], von["dropping-particle"]) == ("Alexander", "von")
    jr = compat.parse_name({"family": "Doe", "given": "John,! Jr."})
    assert (jr["given"], jr["suffix"], jr["comma-suffix"]) == ("John", "Jr.", True)
    assert compat.parse_name({"family": '"van Happel"', "given": "E"})["family"] == "van Happel"
    assert compat.parse_name({"family": "Dao", "given": "Tri"}) == {"family": "Dao", "given": "Tri"}


def test_italics_inside_italics_are_upright():
    assert compat.flip_flop("<i>My <i>Amazing</i> Title</i>") == (
        '<i>My <span style="font-style:normal;">Amazing</span> Title</i>'
    )
    assert compat.flip_flop('<span data-csl-normal="all">v.</span>') == "v."


def test_citation_label_trigraph():
    one = {"author": [{"family": "Asthma", "given": "A"}], "issued": {"date-parts": [[1900]]}}
    two = {"author": [{"family": "Roe"}, {"family": "Noakes"}], "issued": {"date-parts": [[1978]]}}
    assert compat.citation_label(one) == "Asth00"
    assert compat.citation_label(two) == "RoNo78"


def test_full_name_list_has_no_et_al_and_particles_sort_by_family():
    """Names a user sees: a particle parsed from the family name is demoted in an
    inverted name (APA), and three authors under et-al-min get no "et al."."""
    items = [
        {"id": "a", "type": "book", "title": "T", "author": [{"family": "Brown", "given": "W"}]},
        {"id": "b", "type": "book", "title": "U", "author": [{"family": "de Alba", "given": "V"}]},
    ]
    rendered = render.bibliography(items, resolve("chicago-author-date").path)
    assert rendered.ids == ["b", "a"]  # "Alba, V. de" sorts under A, not D
    assert rendered.entries[0].startswith("Alba, V. de")
    authors = [{"family": f, "given": "A"} for f in ("Smith", "Brown", "Jones")]
    three = [{"id": "c", "type": "book", "title": "T", "author": authors}]
    entry = render.bibliography(three, resolve("apa").path).entries[0]
    assert "Smith, A., Brown, A., & Jones, A." in entry
    assert "et al" not in entry
