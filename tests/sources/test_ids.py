"""arXiv ids as users write them: in links, in text, in hand-edited ``eprint`` fields."""

from __future__ import annotations

import pytest

from difbib.sources.ids import (
    ArxivId,
    InvalidArxivId,
    arxiv_id_from_url,
    arxiv_ids_in_text,
    eprint_arxiv_id,
    is_arxiv_id,
    parse_arxiv_id,
)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2412.09611", ArxivId("2412.09611")),
        (" 2412.09611 \n", ArxivId("2412.09611")),
        ("arXiv:2412.09611", ArxivId("2412.09611")),
        ("ARXIV: 2412.09611", ArxivId("2412.09611")),
        ("2205.14135v2", ArxivId("2205.14135", 2)),
        ("2205.14135v12", ArxivId("2205.14135", 12)),
        ("0704.0001", ArxivId("0704.0001")),  # the first new-style id
        ("1412.9999", ArxivId("1412.9999")),  # the last four-digit month
        ("1501.00001", ArxivId("1501.00001")),  # five digits from 2015
        ("2501.00001", ArxivId("2501.00001")),  # January
        ("2412.00001", ArxivId("2412.00001")),  # December
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9912001v3", ArxivId("hep-th/9912001", 3)),
        ("math.GT/0309136", ArxivId("math.GT/0309136")),
    ],
)
def test_valid_ids_give_the_paper_and_its_version(text, want):
    got = parse_arxiv_id(text)
    assert (got.id, got.version) == (want.id, want.version)
    assert str(got) == want.id
    assert is_arxiv_id(text) is True


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2400.12345", "month 00 in 2400 does not exist"),
        ("2413.12345", "month 13 in 2413 does not exist"),
        ("0703.1234", "new-style ids start in 0704"),
        ("1412.12345", "ids from 1412 have 4 digits after the dot, this one has 5"),
        ("1501.1234", "ids from 1501 have 5 digits after the dot, this one has 4"),
        ("hep-th/9913001", "month 13 in 9913 does not exist"),
        ("hep-th/9900001", "month 00 in 9900 does not exist"),
        ("flux-kontext", "not an arXiv id (expected e.g. 2412.09611 or hep-th/9901001)"),
        ("", "not an arXiv id"),
    ],
)
def test_invalid_ids_say_why(text, why):
    with pytest.raises(InvalidArxivId) as err:
        parse_arxiv_id(text)
    assert str(err.value).startswith(why)
    assert is_arxiv_id(text) is False


@pytest.mark.parametrize(
    ("url", "raw"),
    [
        ("https://arxiv.org/abs/2412.09611", "2412.09611"),
        ("  https://arxiv.org/abs/2412.09611v2  ", "2412.09611v2"),
        ("https://ArXiv.org/abs/2412.09611", "2412.09611"),
        ("http://www.arxiv.org/pdf/2412.09611", "2412.09611"),
        ("https://arxiv.org/pdf/2412.09611v1.pdf", "2412.09611v1"),
        ("https://arxiv.org/html/2412.09611v1.html", "2412.09611v1"),
        ("https://arxiv.org/ps/hep-th/9901001.ps", "hep-th/9901001"),
        ("https://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th%2F9901001", "hep-th/9901001"),
        ("https://doi.org/10.48550/arXiv.2405.14867", "2405.14867"),
        ("https://dx.doi.org/10.48550/arXiv.2405.14867", "2405.14867"),
        ("https://doi.org/10.1109/CVPR.2022.01042", None),  # a DOI, not arXiv's
        ("https://example.org/abs/2412.09611", None),
        ("https://github.com/arxiv.org/abs/2412.09611", None),
        ("https://arxiv.org/list/cs.CV", None),  # a listing, no paper
        ("https://arxiv.org/abs", None),
        ("https://arxiv.org/abs/", None),
        ("https://arxiv.org/", None),
        ("abs/2412.09611", None),  # no host
        ("http://[::1", None),  # not even a URL
    ],
)
def test_ids_in_links(url, raw):
    assert arxiv_id_from_url(url) == raw


@pytest.mark.parametrize(
    ("url", "raw"),
    [
        # Old-style ids and mirrors are read by the general path, not the plain-URL one.
        ("https://arxiv.org/pdf/hep-th/9901001v2.pdf", "hep-th/9901001v2"),
        ("https://arxiv.org/pdf/2412.09611v1.pdf?download=1", "2412.09611v1"),
        ("https://huggingface.co/papers/2310.00426", "2310.00426"),
        ("https://huggingface.co/papers/2310.00426#community", "2310.00426"),
        ("https://www.alphaxiv.org/abs/2410.12557", "2410.12557"),
        ("https://www.alphaxiv.org/overview/2410.12557v2", "2410.12557v2"),
        ("https://alphaxiv.org/pdf/2410.12557v1.pdf", "2410.12557v1"),
        ("https://ar5iv.labs.arxiv.org/html/2106.01234", "2106.01234"),
        ("https://ar5iv.org/abs/2106.01234", "2106.01234"),
        ("https://www.arxiv-vanity.com/papers/2106.01234/", "2106.01234"),
        ("https://scirate.com/arxiv/2106.01234", "2106.01234"),
        ("https://scirate.com/arxiv/hep-th/9901001", "hep-th/9901001"),
        # Pages of those sites that are no paper: not an id, and not a malformed one.
        ("https://huggingface.co/", None),
        ("https://huggingface.co/papers", None),
        ("https://huggingface.co/papers/trending", None),
        ("https://huggingface.co/papers/date/2024-05-23", None),
        ("https://huggingface.co/2310.00426", None),  # no /papers/: a model or user
        ("https://huggingface.co/spaces/2310.00426", None),
        ("https://huggingface.co/blog/diffusion-2310.00426", None),
        ("https://scirate.com/arxiv", None),
        ("https://scirate.com/search/2106.01234", None),
        ("https://www.alphaxiv.org/explore/2410.12557", None),
    ],
)
def test_ids_in_links_to_mirrors_and_old_style_pdfs(url, raw):
    assert arxiv_id_from_url(url) == raw


def test_ids_in_free_text_lose_trailing_punctuation_and_keep_their_order():
    text = (
        "See arXiv:2412.09611, (arXiv: 2205.14135v2) and ARXIV:hep-th/9901001; "
        "also https://doi.org/10.48550/arXiv.2405.14867."
    )
    assert arxiv_ids_in_text(text) == [
        "2412.09611",
        "2205.14135v2",
        "hep-th/9901001",
        "2405.14867",
    ]
    assert arxiv_ids_in_text("doi 10.48550/arXiv.2405.14867)") == ["2405.14867"]
    assert arxiv_ids_in_text("as in arXiv:2412.09611.") == ["2412.09611"]


def test_ids_in_free_text_keep_letters_that_follow_them():
    # Only punctuation is trimmed: a typo such as a trailing letter stays, so that the
    # id is reported as malformed instead of silently read as another paper.
    assert arxiv_ids_in_text("arXiv:2412.09611X") == ["2412.09611X"]
    assert arxiv_ids_in_text("doi:10.48550/arXiv.2405.14867X") == ["2405.14867X"]
    assert arxiv_ids_in_text("no ids here, only 2412.09611") == []


@pytest.mark.parametrize(
    ("eprint", "prefix", "want"),
    [
        ("2506.15742", "arXiv", "2506.15742"),
        ("2506.15742v2", "arXiv", "2506.15742"),
        ("arXiv:2506.15742", None, "2506.15742"),
        (" 2506.15742 ", " ARXIV ", "2506.15742"),
        ("2506.15742", "", "2506.15742"),
        ("2506.15742", "  ", "2506.15742"),
        ("hep-th/9901001v2", "arxiv", "hep-th/9901001"),
        ("2506.15742", "HAL", None),  # another archive's number
        ("hal-01234567", None, None),
        ("2413.15742", "arXiv", None),  # not a valid id
        ("", "arXiv", None),
        ("   ", "arXiv", None),
        (None, "arXiv", None),
    ],
)
def test_eprint_field_as_hand_edited(eprint, prefix, want):
    assert eprint_arxiv_id(eprint, prefix) == want
